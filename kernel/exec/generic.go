package exec

import (
	"context"
	"embed"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"sort"
	"strings"
)

// The standard library's generic packages (cmp, slices, maps) for cells.
//
// yaegi's symbol tables cannot hold generic functions, so these packages
// are empty in the interpreter. The kernel carries its own source of them
// (generic/*, held to the standard library by tests) and uses it twice:
// go/types checks cells against it, which infers every call's type
// arguments; and the interpreter evaluates it once, at first use, as
// declarations under private names (_rlvr_slices_Sort). The rewrite then
// turns slices.Sort(xs) into _rlvr_slices_Sort[[]int, int](xs): yaegi
// handles explicitly instantiated generics where its own inference fails.

//go:embed generic/cmp/cmp.go generic/slices/slices.go generic/maps/maps.go
var genericFS embed.FS

// genericDeps lists each generic package and the ones its source imports.
var genericDeps = map[string][]string{"cmp": nil, "slices": {"cmp"}, "maps": nil}

// genericPkg is one parsed and checked generic package.
type genericPkg struct {
	fset *token.FileSet
	file *ast.File
	src  string
	pkg  *types.Package
	info *types.Info
}

// compiledGeneric are the generic functions that run compiled (rt.go),
// for speed, whatever the element type.
var compiledGeneric = map[string]string{
	"slices.Sort": "SlicesSort", "slices.SortFunc": "SlicesSortFunc", "slices.SortStableFunc": "SlicesSortStableFunc",
}

// genericName is the private name of a generic package's member.
func genericName(path, name string) string { return "_rlvr_" + path + "_" + name }

// generic parses and checks the kernel's source of a generic package.
func (im *symImporter) generic(path string) (*genericPkg, error) {
	if g, ok := im.gen[path]; ok {
		return g, nil
	}
	b, err := genericFS.ReadFile("generic/" + path + "/" + path + ".go")
	if err != nil {
		return nil, err
	}
	g := &genericPkg{fset: token.NewFileSet(), src: string(b)}
	g.file, err = parser.ParseFile(g.fset, path+".go", b, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	g.info = &types.Info{Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: im}
	g.pkg, err = conf.Check(path, g.fset, []*ast.File{g.file}, g.info)
	if err != nil {
		return nil, fmt.Errorf("exec: the kernel's %s package: %w", path, err)
	}
	im.gen[path] = g
	return g, nil
}

// declSource is the package's declarations with every package-level name,
// its own and those of the generic packages it imports, made private.
func (g *genericPkg) declSource(path string) string {
	type edit struct {
		at, end int
		text    string
	}
	var edits []edit
	off := func(p token.Pos) int { return g.fset.Position(p).Offset }
	ast.Inspect(g.file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok {
				if pn, ok := g.info.Uses[x].(*types.PkgName); ok {
					edits = append(edits, edit{off(n.Pos()), off(n.End()), genericName(pn.Imported().Path(), n.Sel.Name)})
					return false
				}
			}
		case *ast.Ident:
			obj := g.info.Defs[n]
			if obj == nil {
				obj = g.info.Uses[n]
			}
			if obj != nil && obj.Parent() == g.pkg.Scope() {
				edits = append(edits, edit{off(n.Pos()), off(n.End()), genericName(path, n.Name)})
			}
		}
		return true
	})
	sort.Slice(edits, func(i, j int) bool { return edits[i].at < edits[j].at })
	start := off(g.file.Name.End())
	if n := len(g.file.Imports); n > 0 {
		start = off(g.file.Decls[0].End()) // the import declaration comes first
	}
	var b strings.Builder
	pos := start
	for _, ed := range edits {
		if ed.at < pos {
			continue
		}
		b.WriteString(g.src[pos:ed.at])
		b.WriteString(ed.text)
		pos = ed.end
	}
	b.WriteString(g.src[pos:])
	return strings.TrimSpace(b.String())
}

// loadGeneric evaluates a generic package (and those it imports) into the
// interpreter, once per session.
func (e *Executor) loadGeneric(ctx context.Context, path string) error {
	if e.genericLoaded[path] {
		return nil
	}
	for _, dep := range genericDeps[path] {
		if err := e.loadGeneric(ctx, dep); err != nil {
			return err
		}
	}
	g, err := e.importer().generic(path)
	if err != nil {
		return err
	}
	if _, err := e.evalLabelled(ctx, g.declSource(path)); err != nil {
		return fmt.Errorf("exec: loading the kernel's %s package: %w", path, err)
	}
	e.genericLoaded[path] = true
	return nil
}

// genericRef rewrites a reference to a member of a generic package, with
// the index expression that instantiates it explicitly if there is one
// (whole is that expression, or sel itself). ok is false when sel is not
// such a reference.
func (r *rewriter) genericRef(whole ast.Expr, sel *ast.SelectorExpr) bool {
	x, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	pn, ok := r.cf.info.Uses[x].(*types.PkgName)
	if !ok {
		return false
	}
	path := pn.Imported().Path()
	if _, ok := genericDeps[path]; !ok {
		return false
	}
	if c, ok := compiledGeneric[path+"."+sel.Sel.Name]; ok && whole == ast.Expr(sel) {
		r.replace(sel.Pos(), sel.End(), rtAlias+"."+c)
		return true
	}
	obj := r.cf.info.Uses[sel.Sel]
	if obj == nil {
		if g, err := r.e.importer().generic(path); err == nil {
			var have []string
			for _, n := range g.pkg.Scope().Names() {
				if token.IsExported(n) {
					have = append(have, n)
				}
			}
			r.refuse(sel.Sel.Pos(), "%s.%s is not among the parts of %s the kernel provides (the interpreter cannot load the standard library's generic code as it is); these are: %s",
				x.Name, sel.Sel.Name, path, strings.Join(have, ", "))
			return true
		}
	}
	r.generics[path] = true
	name := genericName(path, sel.Sel.Name)
	fn, isFunc := obj.(*types.Func)
	if !isFunc || fn.Type().(*types.Signature).TypeParams().Len() == 0 {
		r.replace(whole.Pos(), whole.End(), name)
		return true
	}
	inst, ok := r.cf.info.Instances[sel.Sel]
	var args []string
	if ok && inst.TypeArgs != nil {
		for i := 0; i < inst.TypeArgs.Len(); i++ {
			t := inst.TypeArgs.At(i)
			if !typeKnown(t) {
				ok = false
				break
			}
			args = append(args, r.cf.typeString(t))
		}
	}
	if !ok || len(args) == 0 {
		r.refuse(sel.Pos(), "the kernel could not work out the type arguments of %s.%s here (it instantiates the standard library's generic functions "+
			"for the interpreter); give the argument a declared type, or write them: %s.%s[...](...)", path, sel.Sel.Name, path, sel.Sel.Name)
		return true
	}
	r.replace(whole.Pos(), whole.End(), name+"["+strings.Join(args, ", ")+"]")
	return true
}

// typeKnown reports whether t is fully known to the checker.
func typeKnown(t types.Type) bool {
	ok := true
	var walk func(t types.Type)
	seen := map[types.Type]bool{}
	walk = func(t types.Type) {
		if !ok || seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Basic:
			ok = t.Kind() != types.Invalid && t.Info()&types.IsUntyped == 0
		case *types.Pointer:
			walk(t.Elem())
		case *types.Slice:
			walk(t.Elem())
		case *types.Array:
			walk(t.Elem())
		case *types.Map:
			walk(t.Key())
			walk(t.Elem())
		case *types.Chan:
			walk(t.Elem())
		case *types.Signature:
			for i := 0; i < t.Params().Len(); i++ {
				walk(t.Params().At(i).Type())
			}
			for i := 0; i < t.Results().Len(); i++ {
				walk(t.Results().At(i).Type())
			}
		case *types.Struct:
			for i := 0; i < t.NumFields(); i++ {
				walk(t.Field(i).Type())
			}
		}
	}
	walk(t)
	return ok
}
