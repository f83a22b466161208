package exec

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/traefik/yaegi/interp"
)

// Auto-import: a cell may use a package it did not import (fmt.Println in
// a fresh session), as with goimports in gonb or an IDE. Before the cell
// runs, every selector base that names no variable, type or import in
// scope but is the name of a package the kernel has (the standard library,
// os/exec, rlvr/...) gets that package imported, once for the session. When
// several packages of that name export every selector the cell uses (rand:
// math/rand, crypto/rand), the one with the fewest path elements, then
// the first in alphabetical order, is taken, and the kernel says so on
// stderr.

// pkgEntry is one importable package: its path and exported names (nil
// for slices, maps and cmp, which the kernel loads from source, generic.go:
// yaegi's tables lack their generic functions).
type pkgEntry struct {
	path string
	syms map[string]bool
}

// has reports whether the package exports name.
func (p pkgEntry) has(name string) bool { return p.syms == nil || p.syms[name] }

// indexPackages records, by package name, the packages of the symbol
// tables a cell can import.
func (e *Executor) indexPackages(tables []interp.Exports) {
	e.byName = map[string][]pkgEntry{}
	for _, t := range tables {
		for key, syms := range t {
			i := strings.LastIndex(key, "/")
			if i < 0 {
				continue
			}
			names := map[string]bool{}
			for n := range syms {
				names[n] = true
			}
			path, name := key[:i], key[i+1:]
			if _, generic := genericDeps[path]; generic {
				names = nil // the kernel's own generic package: any selector (has)
			}
			if j := slices.IndexFunc(e.byName[name], func(p pkgEntry) bool { return p.path == path }); j >= 0 {
				if names == nil { // one entry a path: yaegi's table of slices is the generic one's part
					e.byName[name][j].syms = nil
				}
				continue
			}
			e.byName[name] = append(e.byName[name], pkgEntry{path: path, syms: names})
		}
	}
	for _, ps := range e.byName {
		sort.Slice(ps, func(i, j int) bool {
			a, b := strings.Count(ps[i].path, "/"), strings.Count(ps[j].path, "/")
			return a < b || a == b && ps[i].path < ps[j].path
		})
	}
}

// selectorBase matches "name.Exported", the shape of a package use.
var selectorBase = regexp.MustCompile(`\b([a-z][a-z0-9_]*)\.[A-Z]`)

// autoImport imports the packages the cell uses without importing them
// (see above); a failure leaves the name undefined, for the cell's own
// error to report.
func (e *Executor) autoImport(ctx context.Context, code string) {
	// Best effort: a cell that would run without this step must not fail
	// because of it.
	defer func() { _ = recover() }()
	maybe := false
	for _, m := range selectorBase.FindAllStringSubmatch(code, -1) {
		if _, bound := e.pkgs[m[1]]; !bound && len(e.byName[m[1]]) > 0 {
			maybe = true
			break
		}
	}
	if !maybe {
		return // the common cell pays nothing more than the scan
	}
	cf := e.checkCell(code)
	if cf == nil {
		return
	}
	globals := e.globals()
	sels := map[string]map[string]bool{} // unresolved base -> selectors used
	for _, n := range cf.nodes {
		ast.Inspect(n, func(n ast.Node) bool {
			s, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, ok := s.X.(*ast.Ident)
			if !ok {
				return true
			}
			if cf.unresolved(x) && e.importable(x.Name, globals) {
				if sels[x.Name] == nil {
					sels[x.Name] = map[string]bool{}
				}
				sels[x.Name][s.Sel.Name] = true
			}
			return true
		})
	}
	names := make([]string, 0, len(sels))
	for n := range sels {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		fits := e.packagesFor(name, sels[name])
		if len(fits) == 0 {
			continue
		}
		// The cell's own import path: generic packages load, and the
		// session records the import, as for an import the user wrote.
		imp, chunks, perr := e.prepare(ctx, "import "+strconvQuote(fits[0]))
		if perr != nil || e.evalImports(ctx, imp, chunks) != nil {
			continue
		}
		if len(fits) > 1 {
			fmt.Fprintf(e.warn, "note: imported %q for %s (also possible: %s); import the one you mean to choose\n",
				fits[0], name, strings.Join(quoteAll(fits[1:]), ", "))
		}
	}
}

// importable reports whether name may stand for a package autoImport
// brings: not imported, not a global or declaration of an earlier cell (a
// global whose type the checker could not be told is unresolved there
// too), and the name of a package the kernel has. globals is e.globals().
func (e *Executor) importable(name string, globals map[string]reflect.Value) bool {
	_, bound := e.pkgs[name]
	_, global := globals[name]
	return !bound && !global && !e.declNames[name] && len(e.byName[name]) > 0
}

// packagesFor is the paths of the packages named name that export every
// selector in sels, in the order of preference (indexPackages).
func (e *Executor) packagesFor(name string, sels map[string]bool) []string {
	var fits []string
	for _, p := range e.byName[name] {
		all := true
		for s := range sels {
			all = all && p.has(s)
		}
		if all {
			fits = append(fits, p.path)
		}
	}
	return fits
}

// quoteAll quotes each path.
func quoteAll(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = strconvQuote(p)
	}
	return out
}

// unimported is what the packages named name export, for completing
// "name." where name is not imported yet (autoImport imports it when the
// cell runs); several packages of one name (rand) give their union.
func (e *Executor) unimported(name string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range e.byName[name] {
		syms := p.syms
		if syms == nil { // a generic package: its exports from the source
			g, err := e.importer().generic(p.path)
			if err != nil {
				continue
			}
			syms = map[string]bool{}
			for _, n := range g.pkg.Scope().Names() {
				syms[n] = token.IsExported(n)
			}
		}
		for n, ok := range syms {
			if ok && !seen[n] && token.IsExported(n) {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// pkgSelector matches "name.Sel" ending where inspection points.
var pkgSelector = regexp.MustCompile(`\b([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$`)

// unimportedAt is the package that autoImport would bring for the
// selector around byte pos of code (name.Sel, name neither imported nor a
// global), or "".
func (e *Executor) unimportedAt(code string, pos int) string {
	end := pos
	for end < len(code) && isIdent(code[end]) {
		end++
	}
	m := pkgSelector.FindStringSubmatch(code[:end])
	if m == nil {
		return ""
	}
	if !e.importable(m[1], e.globals()) {
		return ""
	}
	if fits := e.packagesFor(m[1], map[string]bool{m[2]: true}); len(fits) > 0 {
		return fits[0]
	}
	return ""
}
