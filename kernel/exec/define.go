package exec

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/traefik/yaegi/interp"
)

// Top-level definitions whose type yaegi cannot infer.
//
// yaegi gives a top-level "x := e" (or "var x = e") its type in a global
// type analysis that runs before the real type checking, and that analysis
// is incomplete: it has no rule for indexing a value of a compiled type
// (f[0] where f came from strings.Fields), it crashes on arithmetic over
// such an index, and it crashes on every top-level comma-ok form
// (v, ok := m[k]; n, ok := i.(int)). The symptom is "constant definition
// loop" or an interpreter panic, before anything ran. Inside a function the
// same code compiles, because there the type checker types it.
//
// So when a top-level definition fails that way, and at once for every
// multi-valued one (see multiValue), the executor runs it in two steps,
// each of which the global analysis can type:
//
//  1. the right-hand side, as written and at its place in the cell, inside
//     a function literal that returns pointers to the values, then the
//     values: _rlvrTmp := func() []interface{} { v0, v1 := RHS; return ... }()
//  2. the names, bound to calls of compiled functions built with reflection
//     for the exact static types of the values (a call of a compiled
//     function is a form the analysis types): x, y := _rlvrBind.V1(), _rlvrBind.V2().
//     A value of a type declared in a cell has no compiled type; it is
//     bound by a type assertion to the type's name: _rlvrTmp[2].(Point).
//
// The right-hand side runs once. Variables of compiled types get the
// compiled form of their type, as a variable set from a compiled call
// always does. A declaration chunk that fails as a whole runs declaration
// by declaration (evalPieces), each with this fallback.

const (
	bindPath  = "rlvr/kernel/bind" // the package of the binding functions
	bindAlias = "_rlvrBind"        // the name cells never see it under
	tmpVar    = "_rlvrTmp"
)

// yaegiCompileFailure reports whether err is yaegi's global type analysis
// giving up or crashing on a top-level definition: nothing has run then.
func yaegiCompileFailure(err error) bool {
	if err == nil {
		return false
	}
	var p interp.Panic
	if errors.As(err, &p) {
		st := string(p.Stack)
		return strings.Contains(st, "interp.(*Interpreter).gta") || strings.Contains(st, "interp.(*Interpreter).CompileAST")
	}
	msg := err.Error()
	// "not a generic type": the analysis cannot type an explicitly
	// instantiated generic call (the rewrite's _rlvr_slices_Max[[]int, int]).
	return strings.Contains(msg, "constant definition loop") || strings.Contains(msg, "variable definition loop") ||
		strings.Contains(msg, "not a generic type")
}

// multiValue reports whether chunk c is a top-level definition of several
// names from one multi-valued expression: "a, err := f()", the comma-ok
// forms (v, ok := m[k], x.(T), <-ch), or "var a, b = f()". Such a definition
// goes the two-step way at once. yaegi's analysis registers its variables
// without marking them global, so a function declared in a cell that reads
// them finds them relative to its caller's frame: right when called from
// the top level, a wrong (often zero) value when called from another
// function or from a loop. It also crashes on every comma-ok form, writing
// "nil type" to the process's log on the way.
func multiValue(c chunk, text string) bool {
	if c.compound {
		return false
	}
	var nl, nr int
	switch c.kind {
	case kindStmt:
		f, err := parser.ParseFile(token.NewFileSet(), "", "package p; func _() {\n"+text+"\n}", 0)
		if err != nil {
			return false
		}
		body := f.Decls[0].(*ast.FuncDecl).Body.List
		if len(body) != 1 {
			return false
		}
		as, ok := body[0].(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE {
			return false
		}
		nl, nr = len(as.Lhs), len(as.Rhs)
	case kindDecl, kindVarSpec:
		prefix := "package p;"
		if c.kind == kindVarSpec {
			prefix = "package p; var "
		}
		f, err := parser.ParseFile(token.NewFileSet(), "", prefix+text, 0)
		if err != nil || len(f.Decls) != 1 {
			return false
		}
		gd, ok := f.Decls[0].(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR || len(gd.Specs) != 1 {
			return false
		}
		vs := gd.Specs[0].(*ast.ValueSpec)
		if vs.Type != nil {
			return false
		}
		nl, nr = len(vs.Names), len(vs.Values)
	default:
		return false
	}
	return nl > 1 && nr == 1
}

// declPieces cuts a declaration chunk into its declarations, and a
// parenthesised var declaration into its specs, for evalPieces; nil when
// the chunk does not parse.
func declPieces(c chunk, text string) []chunk {
	const wrap = "package p;"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", wrap+text, 0)
	if err != nil {
		return nil
	}
	piece := func(k chunkKind, from, to token.Pos) chunk {
		start := fset.Position(from).Offset - len(wrap)
		end := fset.Position(to).Offset - len(wrap)
		before := text[:start]
		p := chunk{kind: k, start: c.start + start, end: c.start + end, line: c.line + strings.Count(before, "\n")}
		if nl := strings.LastIndex(before, "\n"); nl >= 0 {
			p.col = start - nl
		} else {
			p.col = c.col + start
		}
		return p
	}
	var out []chunk
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if ok && gd.Tok == token.VAR && gd.Lparen.IsValid() {
			for _, sp := range gd.Specs {
				out = append(out, piece(kindVarSpec, sp.Pos(), sp.End()))
			}
			continue
		}
		out = append(out, piece(kindDecl, d.Pos(), d.End()))
	}
	return out
}

// evalPieces evaluates the pieces of a declaration chunk that failed as a
// whole one by one, in cell order, each with the fallback of definitions.
// Declarations then see only those above them.
func (e *Executor) evalPieces(ctx context.Context, pieces []chunk, code string) error {
	for _, p := range pieces {
		text := code[p.start:p.end]
		var err error
		direct := false
		if multiValue(p, text) {
			_, direct, err = e.evalDefinition(ctx, p, text)
		}
		if !direct {
			_, err = e.eval(ctx, p, text)
		}
		if yaegiCompileFailure(err) && ctx.Err() == nil {
			if _, ok, err2 := e.evalDefinition(ctx, p, text); ok {
				err = err2
			}
		}
		if err != nil {
			return err
		}
		if p.kind == kindDecl {
			e.noteTypes(text)
		}
	}
	return nil
}

// anyMultiValue reports whether one of the pieces is a multiValue one.
func anyMultiValue(pieces []chunk, code string) bool {
	for _, p := range pieces {
		if multiValue(p, code[p.start:p.end]) {
			return true
		}
	}
	return false
}

// compile is the interpreter's Compile, with a panic of its type analysis
// turned into an error as EvalWithContext does.
func (e *Executor) compile(src string) (prog *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = interp.Panic{Value: r, Stack: debug.Stack()}
		}
	}()
	return e.in.Compile(src)
}

// definition is a top-level "a, b := rhs" or "var a, b = rhs".
type definition struct {
	names []string
	rhs   string
	line  int // position of rhs in the cell
	col   int
}

// parseDefinition recognises a chunk that is one definition without a
// written type.
func parseDefinition(c chunk, text string) (definition, bool) {
	var d definition
	var wrap string
	var lhs []*ast.Ident
	var rhs []ast.Expr
	fset := token.NewFileSet()
	switch c.kind {
	case kindStmt:
		wrap = "package p; func _() {\n"
		f, err := parser.ParseFile(fset, "", wrap+text+"\n}", 0)
		if err != nil {
			return d, false
		}
		body := f.Decls[0].(*ast.FuncDecl).Body.List
		if len(body) != 1 {
			return d, false
		}
		as, ok := body[0].(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE {
			return d, false
		}
		for _, l := range as.Lhs {
			id, ok := l.(*ast.Ident)
			if !ok {
				return d, false
			}
			lhs = append(lhs, id)
		}
		rhs = as.Rhs
	case kindDecl, kindVarSpec:
		wrap = "package p;"
		if c.kind == kindVarSpec {
			wrap = "package p; var "
		}
		f, err := parser.ParseFile(fset, "", wrap+text, 0)
		if err != nil || len(f.Decls) != 1 {
			return d, false
		}
		gd, ok := f.Decls[0].(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR || len(gd.Specs) != 1 {
			return d, false
		}
		vs := gd.Specs[0].(*ast.ValueSpec)
		if vs.Type != nil || len(vs.Values) == 0 {
			return d, false
		}
		lhs, rhs = vs.Names, vs.Values
	default:
		return d, false
	}
	for _, id := range lhs {
		d.names = append(d.names, id.Name)
	}
	from := fset.Position(rhs[0].Pos()).Offset - len(wrap)
	to := fset.Position(rhs[len(rhs)-1].End()).Offset - len(wrap)
	if from < 0 || to > len(text) || from >= to {
		return d, false
	}
	d.rhs = text[from:to]
	before := text[:from]
	d.line = c.line + strings.Count(before, "\n")
	if nl := strings.LastIndex(before, "\n"); nl >= 0 {
		d.col = from - nl
	} else {
		d.col = c.col + from
	}
	return d, true
}

// evalValues runs rhs, written at line and col of the cell, inside a
// function literal, and returns pointers to its n values, typed with their
// static types. The interpreter's variable tmpVar holds the pointers and
// then the values, until dropTmp.
func (e *Executor) evalValues(ctx context.Context, rhs string, n, line, col int) ([]reflect.Value, error) {
	vars := make([]string, n)
	ptrs := make([]string, 2*n)
	for i := range vars {
		vars[i] = "_rlvrV" + strconv.Itoa(i)
		ptrs[i] = "&" + vars[i]
		ptrs[n+i] = vars[i]
	}
	src := strings.Repeat("\n", line-1) + ";" + tmpVar + " := func() []interface{} { " + strings.Join(vars, ", ") + " :=\n" +
		strings.Repeat(" ", col-1) + rhs + "\nreturn []interface{}{" + strings.Join(ptrs, ", ") + "}\n}()"
	v, err := e.evalLabelled(ctx, src)
	if err != nil {
		return nil, err
	}
	if !v.IsValid() || v.Kind() != reflect.Slice || v.Len() != 2*n {
		v = e.in.Globals()[tmpVar]
	}
	if !v.IsValid() || v.Kind() != reflect.Slice || v.Len() != 2*n {
		return nil, fmt.Errorf("internal: the values of %q did not come back", rhs)
	}
	out := make([]reflect.Value, n)
	for i := range out {
		p := v.Index(i)
		if p.Kind() == reflect.Interface {
			p = p.Elem()
		}
		if p.Kind() != reflect.Ptr || p.IsNil() {
			return nil, fmt.Errorf("internal: value %d of %q is a %v", i, rhs, p.Kind())
		}
		out[i] = p
	}
	return out, nil
}

// compiledType reports whether t is a type of compiled code, which a
// compiled function can return with the meaning the cell gave it. yaegi
// represents types declared in cells as unnamed structs (without their
// methods) or as its own wrapper types.
func compiledType(t reflect.Type) bool {
	if strings.HasPrefix(t.PkgPath(), "github.com/traefik/yaegi") {
		return false
	}
	switch t.Kind() {
	case reflect.Struct:
		return t.Name() != ""
	case reflect.Ptr, reflect.Slice, reflect.Array, reflect.Chan:
		return compiledType(t.Elem())
	case reflect.Map:
		return compiledType(t.Key()) && compiledType(t.Elem())
	case reflect.Func:
		for i := 0; i < t.NumIn(); i++ {
			if !compiledType(t.In(i)) {
				return false
			}
		}
		for i := 0; i < t.NumOut(); i++ {
			if !compiledType(t.Out(i)) {
				return false
			}
		}
	}
	return true
}

// bind returns an expression of the value *p, with p's element type, that
// the global analysis can type: a call of a compiled function made for it,
// or for a type declared in a cell, a type assertion to its name.
func (e *Executor) bind(ctx context.Context, p reflect.Value, i, n int) (string, error) {
	if t := p.Type().Elem(); !compiledType(t) {
		name := e.cellTypeName(ctx, t)
		if name == "" {
			return "", fmt.Errorf("its type %v was declared in a cell and has no name the kernel can find", t)
		}
		return tmpVar + "[" + strconv.Itoa(n+i) + "].(" + name + ")", nil
	}
	if !e.bindImported {
		if err := e.in.Use(interp.Exports{bindPath + "/bind": {}}); err != nil {
			return "", err
		}
		if _, err := e.in.Eval("import " + bindAlias + " " + strconv.Quote(bindPath)); err != nil {
			return "", err
		}
		e.bindImported = true
	}
	e.bindSeq++
	name := "V" + strconv.Itoa(e.bindSeq)
	slot := p // read once: the slot is cleared after the binding ran
	fn := reflect.MakeFunc(reflect.FuncOf(nil, []reflect.Type{p.Type().Elem()}, false), func([]reflect.Value) []reflect.Value {
		return []reflect.Value{slot.Elem()}
	})
	if err := e.in.Use(interp.Exports{bindPath + "/bind": {name: fn}}); err != nil {
		return "", err
	}
	return bindAlias + "." + name + "()", nil
}

// evalDefinition runs the definition chunk c in the two steps above. ok is
// false when c is not a definition without a written type (nothing ran);
// the caller then keeps yaegi's error for the chunk as written. A value
// that cannot be bound (a cell type the kernel finds no name for) is an
// error that says the right-hand side ran and what to write instead.
func (e *Executor) evalDefinition(ctx context.Context, c chunk, text string) (v reflect.Value, ok bool, err error) {
	d, ok := parseDefinition(c, text)
	if !ok {
		return v, false, nil
	}
	ptrs, err := e.evalValues(ctx, d.rhs, len(d.names), d.line, d.col)
	if err != nil {
		return v, true, err
	}
	var names, calls []string
	for i, n := range d.names {
		if n == "_" {
			continue
		}
		call, err := e.bind(ctx, ptrs[i], i, len(ptrs))
		if err != nil {
			e.dropTmp(ctx, ptrs)
			msg := fmt.Sprintf("%d:%d: the interpreter cannot define %s at the top level of a cell (%v); the right-hand side ran; "+
				"declare the variables first (var %s T), then assign them with =", c.line+1, c.col, strings.Join(d.names, ", "), err, n)
			return v, true, errors.New(msg)
		}
		names = append(names, n)
		calls = append(calls, call)
	}
	if len(names) > 0 {
		src := strings.Repeat("\n", c.line-1) + ";\n" + strings.Repeat(" ", c.col-1) + strings.Join(names, ", ") + " := " + strings.Join(calls, ", ")
		v, err = e.evalLabelled(ctx, src)
	}
	e.dropTmp(ctx, ptrs)
	return v, true, err
}

// dropTmp clears the values of a definition from the temporaries, so that
// they live on only in the defined variables.
func (e *Executor) dropTmp(ctx context.Context, ptrs []reflect.Value) {
	for _, p := range ptrs {
		p.Elem().Set(reflect.Zero(p.Type().Elem()))
	}
	_, _ = e.evalLabelled(ctx, ";"+tmpVar+" = nil")
}

// cellTypeName is the name of a type declared in a cell that yaegi
// represents as t, or "" (the newest such name: yaegi gives structurally
// equal types one representation). yaegi lists no types among its globals,
// so each name the executor saw declared is probed with a zero value.
//
// A type written in place (map[string]struct{ A int }) has no name: its
// spelling by reflection is tried last, with the same probe.
func (e *Executor) cellTypeName(ctx context.Context, t reflect.Type) string {
	cands := append([]string{t.String()}, e.typeNames...)
	for i := len(cands) - 1; i >= 0; i-- {
		name := cands[i]
		v, err := e.evalLabelled(ctx, ";func() interface{} { var z "+name+"; return &z }()")
		if err != nil || !v.IsValid() {
			continue
		}
		if v.Kind() == reflect.Interface {
			v = v.Elem()
		}
		if v.Kind() == reflect.Ptr && v.Type().Elem() == t {
			return name
		}
	}
	return ""
}

// noteTypes records the names of the types a declaration chunk declares.
func (e *Executor) noteTypes(text string) {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+text, 0)
	if err != nil {
		return
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, sp := range gd.Specs {
			name := sp.(*ast.TypeSpec).Name.Name
			for i, n := range e.typeNames {
				if n == name {
					e.typeNames = append(e.typeNames[:i], e.typeNames[i+1:]...)
					break
				}
			}
			e.typeNames = append(e.typeNames, name)
		}
	}
}
