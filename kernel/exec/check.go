package exec

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"sort"
	"strings"
)

// The check stage: a cell is type-checked with go/types as part of one Go
// file that also holds the declarations of earlier cells and a variable
// for each global defined by an earlier statement. Type errors are ignored:
// the checker still records the types it could work out, and yaegi reports
// the real errors when the cell runs. Imported packages come from the
// interpreter's symbol tables (importer.go).
//
// The file is laid out as
//
//	package cell
//	import ...            (every import so far, and this cell's)
//	<earlier declarations>
//	var g T               (earlier statement-defined globals)
//	<this cell's declarations>
//	func _() {
//	<this cell's statements>
//	}
//
// and segments map the cell's pieces back to offsets in the cell.

// cellFile is one cell placed in the checked file.
type cellFile struct {
	fset  *token.FileSet
	file  *ast.File
	info  *types.Info
	pkg   *types.Package
	src   string    // the file's text
	segs  []segment // the cell's pieces in the file, in file order
	nodes []ast.Node
	names map[string]string // package path -> local name, for type strings
}

// segment is a piece of the cell copied into the file.
type segment struct{ file, cell, n int }

// checkCell type-checks code with the session's declarations; nil when
// the cell does not parse.
func (e *Executor) checkCell(code string) *cellFile {
	chunks := split(code)
	var b strings.Builder
	cf := &cellFile{names: map[string]string{}}
	b.WriteString("package cell\n")
	imports := map[string]bool{}
	addImport := func(name, path string) {
		key := name + " " + path
		if imports[key] || path == rtPath {
			return
		}
		imports[key] = true
		b.WriteString("import " + name + " " + strconvQuote(path) + "\n")
		if name == "" {
			name = pkgName(nil, path)
		}
		cf.names[path] = name
	}
	for name, path := range e.pkgs {
		if path != rtPath {
			addImport(name, path)
		}
	}
	for _, c := range chunks {
		if c.kind == kindImport {
			specs, ok := parseImports(code[c.start:c.end])
			if !ok {
				return nil
			}
			for _, sp := range specs {
				addImport(sp.name, sp.path)
			}
		}
	}
	for _, d := range e.decls {
		b.WriteString(d)
		b.WriteString("\n")
	}
	b.WriteString(e.globalVars())
	add := func(c chunk) {
		start := c.start
		if c.kind == kindDecl {
			start = docStart(code, c.start)
		}
		cf.segs = append(cf.segs, segment{file: b.Len(), cell: start, n: c.end - start})
		b.WriteString(code[start:c.end])
		b.WriteString("\n")
	}
	for _, c := range chunks {
		if c.kind == kindDecl || c.kind == kindVarSpec {
			add(c)
		}
	}
	b.WriteString("func _() {\n")
	for _, c := range chunks {
		if c.kind == kindStmt {
			add(c)
		}
	}
	b.WriteString("}\n")
	cf.src = b.String()
	cf.fset = token.NewFileSet()
	f, err := parser.ParseFile(cf.fset, "cell.go", cf.src, parser.ParseComments)
	if err != nil {
		return nil
	}
	cf.file = f
	cf.info = &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
		Instances:  map[*ast.Ident]types.Instance{},
	}
	conf := types.Config{Importer: e.importer(), Error: func(error) {}, FakeImportC: true}
	cf.pkg, _ = conf.Check("cell", cf.fset, []*ast.File{f}, cf.info)
	// The nodes that come from the cell: its declarations and statements.
	for _, d := range f.Decls {
		if cf.inCell(d.Pos()) {
			cf.nodes = append(cf.nodes, d)
		}
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "_" && fd.Body != nil && d == f.Decls[len(f.Decls)-1] {
			for _, st := range fd.Body.List {
				if cf.inCell(st.Pos()) {
					cf.nodes = append(cf.nodes, st)
				}
			}
		}
	}
	return cf
}

// unresolved reports whether the checker found nothing that id names.
func (cf *cellFile) unresolved(id *ast.Ident) bool {
	return cf.info.Uses[id] == nil && cf.info.Defs[id] == nil
}

// inCell reports whether p lies in a piece of the cell.
func (cf *cellFile) inCell(p token.Pos) bool {
	_, ok := cf.cellOffset(cf.fset.Position(p).Offset)
	return ok
}

// cellOffset maps a file offset to the cell's.
func (cf *cellFile) cellOffset(off int) (int, bool) {
	i := sort.Search(len(cf.segs), func(i int) bool { return cf.segs[i].file+cf.segs[i].n >= off })
	if i < len(cf.segs) && off >= cf.segs[i].file {
		return cf.segs[i].cell + off - cf.segs[i].file, true
	}
	return 0, false
}

// cellPosition is p as a line and column of the cell.
func (cf *cellFile) cellPosition(code string, p token.Pos) token.Position {
	off, ok := cf.cellOffset(cf.fset.Position(p).Offset)
	if !ok {
		return token.Position{Line: 1, Column: 1}
	}
	line := 1 + strings.Count(code[:off], "\n")
	col := off - strings.LastIndex(code[:off], "\n")
	return token.Position{Line: line, Column: col}
}

// typeString writes t as the cell would: packages by their local names.
func (cf *cellFile) typeString(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == cf.pkg {
			return ""
		}
		if n, ok := cf.names[p.Path()]; ok {
			return n
		}
		return p.Name()
	})
}

// globalVars declares the globals that statements of earlier cells
// defined, with their types where reflection can spell them in Go.
func (e *Executor) globalVars() string {
	var b strings.Builder
	globals := e.globals()
	var names []string
	for name := range globals {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if e.declNames[name] || strings.HasPrefix(name, "_") || !token.IsIdentifier(name) {
			continue
		}
		v := globals[name]
		if !v.IsValid() {
			continue
		}
		if ts, ok := e.globalTypes[name]; ok {
			b.WriteString("var " + name + " " + ts + "\n")
		} else if ts := e.goType(v.Type()); ts != "" {
			b.WriteString("var " + name + " " + ts + "\n")
		}
	}
	return b.String()
}

// goType spells a reflected type in Go source, with compiled packages by
// their local names in the session; "" when it cannot (a type declared in a
// cell, which yaegi reflects as an unnamed struct, or a package not
// imported).
func (e *Executor) goType(t reflect.Type) string {
	if t.Name() != "" {
		if t.PkgPath() == "" {
			return t.Name()
		}
		for name, path := range e.pkgs {
			if path == t.PkgPath() || e.importer().short[t.PkgPath()] == path {
				return name + "." + t.Name()
			}
		}
		return ""
	}
	elem := func(p string, t reflect.Type) string {
		if s := e.goType(t); s != "" {
			return p + s
		}
		return ""
	}
	switch t.Kind() {
	case reflect.Ptr:
		return elem("*", t.Elem())
	case reflect.Slice:
		return elem("[]", t.Elem())
	case reflect.Array:
		return elem("["+itoa(t.Len())+"]", t.Elem())
	case reflect.Chan:
		return elem("chan ", t.Elem())
	case reflect.Map:
		k := e.goType(t.Key())
		if k == "" {
			return ""
		}
		return elem("map["+k+"]", t.Elem())
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return "any"
		}
	case reflect.Func:
		var in, out []string
		for i := 0; i < t.NumIn(); i++ {
			s := e.goType(t.In(i))
			if s == "" {
				return ""
			}
			if t.IsVariadic() && i == t.NumIn()-1 {
				s = "..." + strings.TrimPrefix(s, "[]")
			}
			in = append(in, s)
		}
		for i := 0; i < t.NumOut(); i++ {
			s := e.goType(t.Out(i))
			if s == "" {
				return ""
			}
			out = append(out, s)
		}
		r := "func(" + strings.Join(in, ", ") + ")"
		if len(out) == 1 {
			r += " " + out[0]
		} else if len(out) > 1 {
			r += " (" + strings.Join(out, ", ") + ")"
		}
		return r
	}
	return ""
}

// docStart is where the comment lines right above offset start begin
// (a declaration's doc comment), or start.
func docStart(code string, start int) int {
	ls := strings.LastIndexByte(code[:start], '\n') + 1
	if strings.TrimSpace(code[ls:start]) != "" {
		return start
	}
	from := start
	for ls > 0 {
		prev := strings.LastIndexByte(code[:ls-1], '\n') + 1
		if !strings.HasPrefix(strings.TrimSpace(code[prev:ls-1]), "//") {
			break
		}
		from, ls = prev, prev
	}
	if from == start {
		return start
	}
	return from
}

// noteGlobals records the types of the top-level variables the cell's
// statements define, as the checker spells them: reflection cannot spell a
// type declared in a cell, which yaegi reflects as an unnamed struct.
func (e *Executor) noteGlobals(cf *cellFile) {
	for _, n := range cf.nodes {
		as, ok := n.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE {
			continue
		}
		for _, l := range as.Lhs {
			id, ok := l.(*ast.Ident)
			if !ok || id.Name == "_" {
				continue
			}
			if obj := cf.info.Defs[id]; obj != nil && typeKnown(obj.Type()) {
				e.globalTypes[id.Name] = cf.typeString(obj.Type())
			}
		}
	}
}

// noteDecl keeps a declaration chunk that ran, for checking later cells.
func (e *Executor) noteDecl(text string) {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+text, 0)
	if err != nil {
		return
	}
	e.decls = append(e.decls, text)
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				e.declNames[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.TypeSpec:
					e.declNames[sp.Name.Name] = true
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						e.declNames[n.Name] = true
					}
				}
			}
		}
	}
}

// globals is the interpreter's global variables, or none where yaegi
// cannot list them: after some failed evaluations its Globals indexes past
// the end of its frame.
func (e *Executor) globals() (g map[string]reflect.Value) {
	defer func() {
		if recover() != nil {
			g = nil
		}
	}()
	return e.in.Globals()
}
