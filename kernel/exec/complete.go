package exec

import (
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"go/types"
	"reflect"
	"sort"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/symbols"
)

// Completion and inspection, from the source.
//
// The cell being edited is checked with the session's declarations
// (check.go), so that what a name means comes from the code itself: an
// import written in the same cell, the fields and methods of a cell type,
// the members of a call's result, a local variable. Compiled types offer
// their exported members only. Where the cell cannot be checked (it does
// not parse even with a placeholder at the cursor), the interpreter's
// globals and symbol tables answer by name, as before.

// Complete returns the completions for the identifier ending at byte offset
// pos of code; start and end delimit the text to replace.
func (e *Executor) Complete(code string, pos int) (matches []string, start, end int) {
	if pos < 0 || pos > len(code) {
		pos = len(code)
	}
	start = pos
	for start > 0 && isIdent(code[start-1]) {
		start--
	}
	prefix := code[start:pos]
	cands, ok := e.completeFromSource(code, start, pos)
	if !ok {
		return e.completeByName(code, pos)
	}
	seen := map[string]bool{}
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) && !seen[c] && c != "" && c[0] != '_' {
			seen[c] = true
			matches = append(matches, c)
		}
	}
	sort.Strings(matches)
	return matches, start, pos
}

// placeholder completes a cell whose cursor follows a dot ("x.") so that
// it parses.
const placeholder = "_rlvrCursor"

// completeFromSource lists the candidates at the identifier code[start:pos]
// from the checked cell; ok is false when the cell could not be checked.
func (e *Executor) completeFromSource(code string, start, pos int) ([]string, bool) {
	src := code[:start] + placeholder + code[pos:]
	cf := e.checkCell(src)
	if cf == nil {
		// An unfinished cell: close what is open after the cursor.
		cf = e.checkCell(src + closers(src))
	}
	if cf == nil {
		return nil, false
	}
	at, ok := cf.fileOffset(start)
	if !ok {
		return nil, false
	}
	id := cf.identAt(at)
	if id == nil {
		return nil, false
	}
	if sel := cf.selectorOf(id); sel != nil {
		if x, ok := sel.X.(*ast.Ident); ok && cf.unresolved(x) && e.importable(x.Name, e.globals()) {
			return e.unimported(x.Name), true // imported when the cell runs (autoImport)
		}
		return cf.membersOf(sel.X), true
	}
	var names []string
	for sc := cf.pkg.Scope().Innermost(id.Pos()); sc != nil; sc = sc.Parent() {
		names = append(names, sc.Names()...)
	}
	for _, imp := range cf.file.Imports {
		if imp.Name != nil {
			names = append(names, imp.Name.Name)
		}
	}
	for _, n := range cf.names {
		names = append(names, n)
	}
	return append(names, keywords...), true
}

// membersOf lists what can follow "x.": a package's exported names, or
// the fields and methods of x's type (exported ones only for a type from a
// compiled package).
func (cf *cellFile) membersOf(x ast.Expr) []string {
	if id, ok := x.(*ast.Ident); ok {
		if pn, ok := cf.info.Uses[id].(*types.PkgName); ok {
			var names []string
			for _, n := range pn.Imported().Scope().Names() {
				if token.IsExported(n) {
					names = append(names, n)
				}
			}
			return names
		}
	}
	t := cf.info.TypeOf(x)
	if t == nil {
		return nil
	}
	var names []string
	own := func(pkg *types.Package, name string) bool { return pkg == cf.pkg || token.IsExported(name) }
	seen := map[string]bool{}
	for _, mt := range []types.Type{t, types.NewPointer(t)} {
		if _, isPtr := t.(*types.Pointer); isPtr && mt != t {
			continue
		}
		ms := types.NewMethodSet(mt)
		for i := 0; i < ms.Len(); i++ {
			o := ms.At(i).Obj()
			if own(o.Pkg(), o.Name()) && !seen[o.Name()] {
				seen[o.Name()] = true
				names = append(names, o.Name())
			}
		}
	}
	var fields func(t types.Type, depth int)
	fields = func(t types.Type, depth int) {
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok || depth > 4 {
			return
		}
		for i := 0; i < st.NumFields(); i++ {
			f := st.Field(i)
			if own(f.Pkg(), f.Name()) && !seen[f.Name()] {
				seen[f.Name()] = true
				names = append(names, f.Name())
			}
			if f.Embedded() {
				fields(f.Type(), depth+1)
			}
		}
	}
	fields(t, 0)
	return names
}

// fileOffset maps a cell offset to the checked file's.
func (cf *cellFile) fileOffset(off int) (int, bool) {
	for _, s := range cf.segs {
		if off >= s.cell && off <= s.cell+s.n {
			return s.file + off - s.cell, true
		}
	}
	return 0, false
}

// identAt is the identifier of the checked file that covers offset off.
func (cf *cellFile) identAt(off int) *ast.Ident {
	var found *ast.Ident
	ast.Inspect(cf.file, func(n ast.Node) bool {
		if n == nil || found != nil {
			return false
		}
		if cf.fset.Position(n.Pos()).Offset > off || cf.fset.Position(n.End()).Offset < off {
			return false
		}
		if id, ok := n.(*ast.Ident); ok {
			found = id
			return false
		}
		return true
	})
	return found
}

// selectorOf is the selector expression whose selected name is id.
func (cf *cellFile) selectorOf(id *ast.Ident) *ast.SelectorExpr {
	var sel *ast.SelectorExpr
	ast.Inspect(cf.file, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok && s.Sel == id {
			sel = s
		}
		return sel == nil
	})
	return sel
}

// Inspect describes the name around byte offset pos: for a name declared
// in a cell, its declaration as written (with its doc comment) and, for a
// variable, its value; for a package member, its Go signature. found is
// false when nothing is known about it.
func (e *Executor) Inspect(code string, pos int) (text string, found bool) {
	if pos < 0 || pos > len(code) {
		pos = len(code)
	}
	if s, ok := e.inspectChecked(code, pos); ok {
		return s, true
	}
	// name.Sel of a package not imported yet: as it will be when the cell
	// runs (autoImport).
	if path := e.unimportedAt(code, pos); path != "" {
		imp := "import " + strconvQuote(path) + "\n"
		if s, ok := e.inspectChecked(imp+code, pos+len(imp)); ok {
			return s, true
		}
	}
	return e.inspectByName(code, pos)
}

// inspectChecked is Inspect from the checked cell.
func (e *Executor) inspectChecked(code string, pos int) (string, bool) {
	if cf := e.checkCell(code); cf != nil {
		if at, ok := cf.fileOffset(pos); ok {
			if id := cf.identAt(at); id == nil && at > 0 {
				at--
			}
			if id := cf.identAt(at); id != nil {
				if s, ok := e.describeObject(cf, id); ok {
					return s, true
				}
			}
		}
	}
	return "", false
}

// describeObject describes what id denotes in the checked cell.
func (e *Executor) describeObject(cf *cellFile, id *ast.Ident) (string, bool) {
	obj := cf.info.Uses[id]
	if obj == nil {
		obj = cf.info.Defs[id]
	}
	if obj == nil {
		return "", false
	}
	qual := func(p *types.Package) string {
		if p == cf.pkg {
			return ""
		}
		if n, ok := cf.names[p.Path()]; ok {
			return n
		}
		return p.Name()
	}
	if pn, ok := obj.(*types.PkgName); ok {
		return fmt.Sprintf("package %s (%q)", pn.Name(), pn.Imported().Path()), true
	}
	if obj.Pkg() != cf.pkg || !obj.Pos().IsValid() {
		s := types.ObjectString(obj, qual)
		if obj.Pkg() != nil {
			s = strings.Replace(s, " "+obj.Name(), " "+qual(obj.Pkg())+"."+obj.Name(), 1)
			if d := docOf(obj); d != "" {
				s += "\n\n" + d
			}
		}
		return s, true
	}
	decl := cf.declText(obj.Pos())
	if v, ok := obj.(*types.Var); ok && obj.Parent() == cf.pkg.Scope() {
		if g, ok := e.globals()[v.Name()]; ok {
			return decl + "\n" + v.Name() + " = " + strings.TrimPrefix(describe(g), g.Type().String()+" = "), true
		}
	}
	return decl, true
}

// docOf is the doc comment of a package member: of the preloaded rlvr/
// packages, or of the standard library packages symbols.StdDocs covers.
func docOf(obj types.Object) string {
	k := docKey(obj)
	if d := symbols.Docs[k]; d != "" {
		return d
	}
	return symbols.StdDocs[k]
}

// docKey is how symbols.Docs keys a package member: "rlvr/plot.NewLive",
// or for a method "rlvr/plot.Live.Add".
func docKey(obj types.Object) string {
	if fn, ok := obj.(*types.Func); ok {
		if recv := fn.Type().(*types.Signature).Recv(); recv != nil {
			t := recv.Type()
			if p, ok := t.(*types.Pointer); ok {
				t = p.Elem()
			}
			if n, ok := t.(*types.Named); ok {
				return obj.Pkg().Path() + "." + n.Obj().Name() + "." + obj.Name()
			}
		}
	}
	return obj.Pkg().Path() + "." + obj.Name()
}

// declText is the source of the declaration at p, with its doc comment:
// a function's signature (not its body), a type's spec, a variable's line.
func (cf *cellFile) declText(p token.Pos) string {
	var text string
	for _, d := range cf.file.Decls {
		if d.Pos() > p || d.End() < p {
			continue
		}
		from, to := d.Pos(), d.End()
		var doc *ast.CommentGroup
		switch d := d.(type) {
		case *ast.FuncDecl:
			doc = d.Doc
			if d.Body != nil {
				to = d.Body.Lbrace
			}
		case *ast.GenDecl:
			doc = d.Doc
			for _, sp := range d.Specs {
				if sp.Pos() <= p && p <= sp.End() && len(d.Specs) > 1 {
					from, to = sp.Pos(), sp.End()
				}
			}
		}
		text = strings.TrimSpace(cf.src[cf.fset.Position(from).Offset:cf.fset.Position(to).Offset])
		if doc != nil {
			text = strings.TrimSpace(doc.Text()) + "\n" + text
		}
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Body == nil {
			break
		}
		return text
	}
	if text == "" {
		// A local declaration: the line it is on.
		off := cf.fset.Position(p).Offset
		a := strings.LastIndexByte(cf.src[:off], '\n') + 1
		b := strings.IndexByte(cf.src[off:], '\n')
		if b < 0 {
			b = len(cf.src) - off
		}
		text = strings.TrimSpace(cf.src[a : off+b])
	}
	return text
}

// completeByName returns the completions for the identifier ending at byte offset
// pos of code: package members after "pkg.", else globals, imported package
// names and keywords. start and end delimit the text to replace.
func (e *Executor) completeByName(code string, pos int) (matches []string, start, end int) {
	if pos < 0 || pos > len(code) {
		pos = len(code)
	}
	start = pos
	for start > 0 && isIdent(code[start-1]) {
		start--
	}
	prefix := code[start:pos]
	var cands []string
	if start > 0 && code[start-1] == '.' {
		q := start - 1
		for q > 0 && isIdent(code[q-1]) {
			q--
		}
		pkg := code[q : start-1]
		if path, ok := e.pkgs[pkg]; ok {
			for name := range e.in.Symbols(path)[path] {
				cands = append(cands, name)
			}
		} else if v, ok := e.in.Globals()[pkg]; ok && v.IsValid() {
			cands = append(cands, members(v.Type())...)
		} else {
			cands = append(cands, e.unimported(pkg)...) // a cell may use it without importing
		}
	} else {
		for name := range e.in.Globals() {
			cands = append(cands, name)
		}
		for name := range e.pkgs {
			cands = append(cands, name)
		}
		cands = append(cands, keywords...)
	}
	seen := map[string]bool{}
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) && !seen[c] && c != "" && c[0] != '_' {
			seen[c] = true
			matches = append(matches, c)
		}
	}
	sort.Strings(matches)
	return matches, start, pos
}

// members lists the methods and fields of values of type t (compiled types
// have both; yaegi's own types show their fields only).
func members(t reflect.Type) (names []string) {
	defer func() { _ = recover() }()
	for _, tt := range []reflect.Type{t, reflect.PointerTo(t)} {
		for i := 0; i < tt.NumMethod(); i++ {
			names = append(names, tt.Method(i).Name)
		}
	}
	st := t
	if st.Kind() == reflect.Ptr {
		st = st.Elem()
	}
	if st.Kind() == reflect.Struct {
		for i := 0; i < st.NumField(); i++ {
			names = append(names, st.Field(i).Name)
		}
	}
	return names
}

var keywords = []string{"break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
	"for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select",
	"struct", "switch", "type", "var", "append", "cap", "close", "copy", "delete", "len", "make", "new", "panic",
	"print", "println", "recover", "string", "int", "int64", "float64", "float32", "bool", "byte", "rune", "error"}

func isIdent(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

// inspectByName describes the identifier (or pkg.Name) around byte offset pos:
// its type, and its value for a variable. found is false when nothing is
// known about it.
func (e *Executor) inspectByName(code string, pos int) (text string, found bool) {
	if pos < 0 || pos > len(code) {
		pos = len(code)
	}
	s, t := pos, pos
	for s > 0 && isIdent(code[s-1]) {
		s--
	}
	for t < len(code) && isIdent(code[t]) {
		t++
	}
	name := code[s:t]
	if name == "" {
		return "", false
	}
	if s > 0 && code[s-1] == '.' {
		q := s - 1
		for q > 0 && isIdent(code[q-1]) {
			q--
		}
		if path, ok := e.pkgs[code[q:s-1]]; ok {
			if v, ok := e.in.Symbols(path)[path][name]; ok {
				return fmt.Sprintf("%s.%s: %s", code[q:s-1], name, describe(v)), true
			}
		}
		return "", false
	}
	if path, ok := e.pkgs[name]; ok {
		return fmt.Sprintf("package %s (%q)", name, path), true
	}
	if v, ok := e.in.Globals()[name]; ok {
		return fmt.Sprintf("%s: %s", name, describe(v)), true
	}
	return "", false
}

func describe(v reflect.Value) (s string) {
	defer func() {
		if recover() != nil {
			s = "(unprintable)"
		}
	}()
	if !v.IsValid() {
		return "(invalid)"
	}
	t := v.Type()
	switch {
	case t.Kind() == reflect.Func:
		return t.String()
	case t.Kind() == reflect.Ptr && v.IsNil():
		// Types are exported as nil pointers to them.
		return "type " + t.Elem().String()
	}
	val := fmt.Sprintf("%v", v.Interface())
	if len(val) > 500 {
		val = val[:500] + "..."
	}
	return t.String() + " = " + val
}

// closers is what closes the brackets left open in src.
func closers(src string) string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(src)), []byte(src), nil, 0)
	var open []byte
	for {
		_, tok, _ := s.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LBRACE:
			open = append(open, '}')
		case token.LPAREN:
			open = append(open, ')')
		case token.LBRACK:
			open = append(open, ']')
		case token.RBRACE, token.RPAREN, token.RBRACK:
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	out := []byte{'\n'}
	for i := len(open) - 1; i >= 0; i-- {
		out = append(out, open[i])
	}
	return string(out)
}
