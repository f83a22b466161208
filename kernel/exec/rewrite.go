package exec

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// The rewrite stage: Go 1.22+ semantics on an interpreter of Go 1.21.
//
// yaegi v0.16.1 implements the language of about Go 1.21. Before a cell is
// evaluated, its syntax tree (type-checked with the declarations of earlier
// cells, see check.go) is rewritten where yaegi lacks a feature or differs:
//
//   - loop variables: a closure or a pointer that captures a for or range
//     variable gets a fresh copy per iteration (Go 1.22), by a copy at the top
//     of the body. A three-clause loop whose captured variable is also changed
//     in the body is refused (the copy would not carry the change to the next
//     iteration);
//   - range over an integer (Go 1.22) becomes a counted loop over a fresh
//     variable;
//   - the min, max and clear builtins (Go 1.21) become calls of compiled
//     helpers (rt.go), or the constant when min or max is constant;
//   - recover() gives a run-time error raised inside reflect as Go's
//     runtime.Error (rt.go's Recovered);
//   - a go statement reports a panic of its goroutine on the cell's stderr
//     instead of ending the kernel process;
//   - %T of a value of a cell type in a literal Printf format prints the
//     type's name (printf.go);
//   - range over a function (Go 1.23 iterators) becomes a call of the
//     function with the loop body as its yield function (rangefunc.go).
//
// Edits are made on the text, never adding or removing a line, so that
// positions in yaegi's messages stay the cell's lines.

// edit replaces code[at:end] (at == end: inserts) in the checked file.
type edit struct {
	at, end int
	text    string
	order   int // among edits at one offset, lower first
}

// insertion orders: closing text of deeper nodes first, then opening text
// of shallower nodes first, then replacements.
func openOrder(depth int) int  { return depth }
func closeOrder(depth int) int { return -1000 - depth }

const replaceOrder = 1000

// refusal is a construct the kernel will not run with a different meaning.
type refusal struct {
	pos token.Pos
	msg string
}

// rewriter collects the edits of one cell.
type rewriter struct {
	e       *Executor
	cf      *cellFile
	edits   []edit
	refused []refusal
	seq     int
	// generics are the generic packages the rewritten cell uses, to be
	// loaded into the interpreter before it runs.
	generics map[string]bool
	explicit map[*ast.Ident]bool // generic functions instantiated as written
}

// rewrite returns code with the Go 1.22+ rewrites applied, or an error
// that says what to write instead.
func (e *Executor) rewrite(code string) (string, []string, *Error) {
	e.last = lastShape{results: -1}
	cf := e.checkCell(code)
	if cf == nil {
		return code, nil, nil // does not parse: yaegi reports the syntax error
	}
	e.last = cf.shapeOfLast()
	e.noteGlobals(cf)
	r := &rewriter{e: e, cf: cf, generics: map[string]bool{}, explicit: map[*ast.Ident]bool{}}
	for _, seg := range cf.nodes {
		r.walk(seg, 0, nil)
	}
	if len(r.refused) > 0 {
		f := r.refused[0]
		p := cf.cellPosition(code, f.pos)
		msg := fmt.Sprintf("cell:%d:%d: %s", p.Line, p.Column, f.msg)
		return code, nil, &Error{Name: "CompileError", Value: msg, Traceback: []string{"CompileError: " + msg}}
	}
	if len(r.edits) == 0 {
		return code, nil, nil
	}
	out, ok := cf.apply(code, r.edits)
	if !ok {
		msg := "the kernel could not rewrite this cell for the interpreter (two rewrites overlap); please report it, with the cell"
		return code, nil, &Error{Name: "CompileError", Value: msg, Traceback: []string{"CompileError: " + msg}}
	}
	var gen []string
	for p := range r.generics {
		gen = append(gen, p)
	}
	sort.Strings(gen)
	return out, gen, nil
}

// walk visits n and its children; depth counts nesting for edit order,
// label is the labelled statement n is the body of.
func (r *rewriter) walk(n ast.Node, depth int, label *ast.LabeledStmt) {
	if n == nil || reflect.ValueOf(n).IsNil() {
		return
	}
	switch n := n.(type) {
	case *ast.LabeledStmt:
		r.walk(n.Stmt, depth+1, n)
		return
	case *ast.RangeStmt:
		r.rangeStmt(n, depth, label)
	case *ast.ForStmt:
		r.forStmt(n, depth)
	case *ast.GoStmt:
		r.goStmt(n, depth)
	case *ast.CallExpr:
		r.builtinCall(n, depth)
		r.callArgs(n, depth)
		r.errorsAs(n)
		r.typeVerbs(n)
	case *ast.SelectorExpr:
		if r.genericRef(n, n) {
			return
		}
	case *ast.IndexExpr:
		if sel, ok := n.X.(*ast.SelectorExpr); ok && r.genericRef(n, sel) {
			return
		}
		if id, ok := n.X.(*ast.Ident); ok {
			r.explicit[id] = true
		}
	case *ast.IndexListExpr:
		if sel, ok := n.X.(*ast.SelectorExpr); ok && r.genericRef(n, sel) {
			return
		}
		if id, ok := n.X.(*ast.Ident); ok {
			r.explicit[id] = true
		}
	case *ast.Ident:
		r.instantiate(n)
	}
	ast.Inspect(n, func(c ast.Node) bool {
		if c == n {
			return true
		}
		if c != nil {
			r.walk(c, depth+1, nil)
		}
		return false
	})
}

func (r *rewriter) off(p token.Pos) int { return r.cf.fset.Position(p).Offset }

func (r *rewriter) text(n ast.Node) string {
	return r.cf.src[r.off(n.Pos()):r.off(n.End())]
}

func (r *rewriter) insert(p token.Pos, text string, order int) {
	o := r.off(p)
	r.edits = append(r.edits, edit{at: o, end: o, text: text, order: order})
}

func (r *rewriter) replace(from, to token.Pos, text string) {
	r.edits = append(r.edits, edit{at: r.off(from), end: r.off(to), text: text, order: replaceOrder})
}

func (r *rewriter) refuse(p token.Pos, format string, args ...any) {
	r.refused = append(r.refused, refusal{p, fmt.Sprintf(format, args...)})
}

func (r *rewriter) name(base string) string {
	r.seq++
	return fmt.Sprintf("_rlvr%s%d", base, r.seq)
}

// rangeStmt rewrites range over an integer and over a function (rangeFunc),
// and gives captured iteration variables a copy per iteration.
func (r *rewriter) rangeStmt(n *ast.RangeStmt, depth int, label *ast.LabeledStmt) {
	t := r.cf.info.TypeOf(n.X)
	if t != nil {
		switch u := t.Underlying().(type) {
		case *types.Basic:
			if u.Info()&types.IsInteger != 0 {
				r.rangeInt(n, depth, label)
				return
			}
		case *types.Signature:
			r.rangeFunc(n, u, depth, label)
			return
		}
	}
	if n.Tok != token.DEFINE {
		return
	}
	var names []string
	for _, x := range []ast.Expr{n.Key, n.Value} {
		if id, ok := x.(*ast.Ident); ok && id.Name != "_" && captured(n.Body, id.Name) {
			names = append(names, id.Name)
		}
	}
	if len(names) > 0 {
		l := strings.Join(names, ", ")
		r.insert(n.Body.Lbrace+1, " "+l+" := "+l+";", openOrder(depth))
	}
}

// rangeInt turns "for i := range n { body }" into
// "{ N := n; for I := N - N; I < N; I++ { i := I; body } }": n is
// evaluated once, i has n's type and is fresh in every iteration, and an
// assignment to i in the body does not change the count, as in Go 1.22.
func (r *rewriter) rangeInt(n *ast.RangeStmt, depth int, label *ast.LabeledStmt) {
	lim, ctr := r.name("N"), r.name("I")
	start := n.For
	if label != nil {
		start = label.Pos()
	}
	xText := r.text(n.X)
	r.insert(start, "{ "+lim+" := "+xText+"; ", openOrder(depth))
	var bind string
	if id, ok := n.Key.(*ast.Ident); ok && id.Name != "_" {
		if n.Tok == token.DEFINE {
			bind = " " + id.Name + " := " + ctr + "; _ = " + id.Name + ";"
		} else {
			bind = " " + id.Name + " = " + ctr + ";"
		}
	} else if n.Key != nil && n.Tok == token.ASSIGN {
		bind = " " + r.text(n.Key) + " = " + ctr + ";"
	}
	header := " " + ctr + " := " + lim + " - " + lim + "; " + ctr + " < " + lim + "; " + ctr + "++ {" + bind
	// The header's old text may span lines (a long n): keep its newlines.
	old := r.cf.src[r.off(n.For)+3 : r.off(n.Body.Lbrace)+1]
	header += strings.Repeat("\n", strings.Count(old, "\n"))
	r.replace(n.For+3, n.Body.Lbrace+1, header)
	r.insert(n.Body.Rbrace+1, " }", closeOrder(depth))
}

// forStmt gives the variables of a three-clause loop that a closure or a
// pointer captures a copy per iteration.
func (r *rewriter) forStmt(n *ast.ForStmt, depth int) {
	as, ok := n.Init.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE {
		return
	}
	var names []string
	for _, x := range as.Lhs {
		id, ok := x.(*ast.Ident)
		if !ok || id.Name == "_" || !captured(n.Body, id.Name) {
			continue
		}
		if assigned(n.Body, id.Name) {
			r.refuse(id.Pos(), "the loop variable %s is captured (by a closure or &%s) and also changed in the loop body: "+
				"the interpreter cannot give it Go 1.22's per-iteration semantics here; capture a copy instead (%s := %s before the closure), "+
				"or change the loop so that its body does not assign %s", id.Name, id.Name, id.Name+"Copy", id.Name, id.Name)
			return
		}
		names = append(names, id.Name)
	}
	if len(names) > 0 {
		l := strings.Join(names, ", ")
		r.insert(n.Body.Lbrace+1, " "+l+" := "+l+";", openOrder(depth))
	}
}

// captured reports whether body refers to name inside a function literal
// or takes its address: the two ways a per-iteration variable differs
// from one shared by the whole loop. Shadowing is not tracked, so a
// variable of the same name declared inside counts too (a copy is then
// made that changes nothing).
func captured(body *ast.BlockStmt, name string) bool {
	found := false
	var visit func(n ast.Node, inLit bool)
	visit = func(n ast.Node, inLit bool) {
		ast.Inspect(n, func(c ast.Node) bool {
			if found {
				return false
			}
			switch c := c.(type) {
			case *ast.FuncLit:
				if c != n {
					visit(c.Body, true)
					return false
				}
			case *ast.Ident:
				if inLit && c.Name == name {
					found = true
				}
			case *ast.UnaryExpr:
				if id, ok := ast.Unparen(c.X).(*ast.Ident); ok && c.Op == token.AND && id.Name == name {
					found = true
				}
			}
			return true
		})
	}
	visit(body, false)
	return found
}

// assigned reports whether body assigns name (=, op=, ++, --). Writing it
// through a pointer (p := &i; *p = 5) is not seen: with the copy, that
// changes the iteration's variable, not the loop's counter (documented in
// docs/kernel.md).
func assigned(body *ast.BlockStmt, name string) bool {
	is := func(x ast.Expr) bool {
		id, ok := ast.Unparen(x).(*ast.Ident)
		return ok && id.Name == name
	}
	found := false
	ast.Inspect(body, func(c ast.Node) bool {
		switch c := c.(type) {
		case *ast.AssignStmt:
			if c.Tok != token.DEFINE {
				for _, l := range c.Lhs {
					found = found || is(l)
				}
			}
		case *ast.IncDecStmt:
			found = found || is(c.X)
		}
		return !found
	})
	return found
}

// goStmt makes a panic in the goroutine a message on stderr instead of
// the end of the process. A function literal gets a deferred recover at the
// top of its body; any other call goes through the compiled helper Go,
// which evaluates the function and its arguments at once, as the go
// statement does, and calls it in a goroutine under a recover.
func (r *rewriter) goStmt(n *ast.GoStmt, depth int) {
	report := " defer func() { " + rtAlias + ".GoPanic(recover()) }();"
	if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok {
		r.insert(lit.Body.Lbrace+1, report, openOrder(depth))
		return
	}
	if id, ok := ast.Unparen(n.Call.Fun).(*ast.Ident); ok {
		if _, builtin := r.cf.info.Uses[id].(*types.Builtin); builtin {
			return // go close(ch), go println(x): nothing to recover
		}
	}
	helper := rtAlias + ".Go("
	if n.Call.Ellipsis.IsValid() {
		helper = rtAlias + ".GoSpread("
		r.replace(n.Call.Ellipsis, n.Call.Ellipsis+3, "")
	}
	r.replace(n.Go, n.Call.Fun.Pos(), helper)
	sep := ""
	if len(n.Call.Args) > 0 {
		sep = ", "
	}
	r.replace(n.Call.Lparen, n.Call.Lparen+1, sep)
}

// instantiate writes out the type arguments of a use of a generic
// function declared in a cell: yaegi infers them wrongly when a type
// parameter is known only from a function argument's result
// (Map([]int{1}, func(int) string {...}) failed with "cannot use type
// func(int) string as type func(int) int"), and not at all for some
// constraints; explicitly instantiated, it runs them right.
func (r *rewriter) instantiate(id *ast.Ident) {
	if r.explicit[id] {
		return
	}
	fn, ok := r.cf.info.Uses[id].(*types.Func)
	if !ok || fn.Pkg() != r.cf.pkg || fn.Type().(*types.Signature).TypeParams().Len() == 0 {
		return
	}
	inst, ok := r.cf.info.Instances[id]
	if !ok || inst.TypeArgs == nil {
		return
	}
	var args []string
	for i := 0; i < inst.TypeArgs.Len(); i++ {
		t := inst.TypeArgs.At(i)
		if _, isParam := t.(*types.TypeParam); !isParam && !typeKnown(t) {
			return // leave it to yaegi's inference
		}
		args = append(args, r.cf.typeString(t))
	}
	r.insert(id.End(), "["+strings.Join(args, ", ")+"]", replaceOrder)
}

// callArgs rewrites two kinds of argument that compiled code cannot use
// as the cell means them:
//   - os.Stdin passed as an interface (bufio.NewScanner(os.Stdin),
//     io.ReadAll(os.Stdin)): the interpreter's os.Stdin is the process's
//     fd 0, which reads EOF; the kernel's reader asks the front end for
//     each line (input_request), as fmt.Scanln does;
//   - a value of a cell type with a Render method given to display.Show:
//     compiled code cannot see its methods, so Render is called here.
func (r *rewriter) callArgs(n *ast.CallExpr, depth int) {
	sig, _ := r.cf.info.TypeOf(n.Fun).(*types.Signature)
	if sig == nil {
		return
	}
	for i, a := range n.Args {
		var pt types.Type
		switch {
		case sig.Variadic() && i >= sig.Params().Len()-1 && !n.Ellipsis.IsValid():
			pt = sig.Params().At(sig.Params().Len() - 1).Type().(*types.Slice).Elem()
		case i < sig.Params().Len():
			pt = sig.Params().At(i).Type()
		default:
			continue
		}
		if _, isIface := pt.Underlying().(*types.Interface); !isIface {
			continue
		}
		if r.pkgMember(a, "os", "Stdin") {
			r.replace(a.Pos(), a.End(), rtAlias+".Stdin")
			continue
		}
		if i > 0 && r.pkgMember(n.Fun, "fmt", "Errorf") && r.cellError(a) {
			// A cell error wrapped by %w goes in as the result of a
			// function of type error, as Go converts it anyway: yaegi hands
			// compiled code a value of a cell type (or an inline error(x)
			// conversion of one) in a form that a type assertion on
			// errors.Unwrap's result no longer matches, while an error
			// returned by a function round-trips (tested in
			// TestErrorsAsCellTypeRefused).
			r.insert(a.Pos(), "func() error { return ", openOrder(depth+1))
			r.insert(a.End(), " }()", closeOrder(depth+1))
			continue
		}
		if i == 0 && r.pkgMember(n.Fun, "rlvr/display", "Show") {
			t := r.cf.info.TypeOf(a)
			if t == nil {
				continue
			}
			named := t
			if p, ok := t.(*types.Pointer); ok {
				named = p.Elem()
			}
			if nt, ok := named.(*types.Named); !ok || nt.Obj().Pkg() != r.cf.pkg {
				continue
			}
			if obj, _, _ := types.LookupFieldOrMethod(t, false, r.cf.pkg, "Render"); obj != nil {
				if _, ok := obj.(*types.Func); ok {
					r.insert(a.End(), ".Render()", closeOrder(depth+1))
				}
			}
		}
	}
}

// pkgMember reports whether x is path.name written with the package's
// local name.
func (r *rewriter) pkgMember(x ast.Expr, path, name string) bool {
	sel, ok := ast.Unparen(x).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	pn, ok := r.cf.info.Uses[id].(*types.PkgName)
	return ok && pn.Imported().Path() == path
}

// errorsAs refuses errors.As with a target whose type is declared in a
// cell. yaegi hands compiled code a value of a cell type wrapped in a type
// of its own, so compiled errors.As panics ("*target must be interface or
// implement error"), and an interface test written in the cell misses the
// compiled links of a chain (fmt.Errorf's %w); what works is a type
// assertion along the chain that errors.Unwrap gives, which the message
// spells out.
func (r *rewriter) errorsAs(n *ast.CallExpr) {
	if len(n.Args) != 2 || !r.pkgMember(n.Fun, "errors", "As") {
		return
	}
	p, ok := r.cf.info.TypeOf(n.Args[1]).(*types.Pointer)
	if !ok || !r.cf.declaredInCell(p.Elem()) {
		return
	}
	t := r.cf.typeString(p.Elem())
	unwrap := r.text(n.Fun)
	unwrap = unwrap[:len(unwrap)-len("As")] + "Unwrap"
	r.refuse(n.Pos(), "errors.As with a target of a type declared in a cell (%s) is not supported by the interpreter "+
		"(compiled errors code cannot see the cell's types); walk the chain with a type assertion instead: "+
		"for e := %s; e != nil; e = %s(e) { if t, ok := e.(%s); ok { ...; break } }", t, r.text(n.Args[0]), unwrap, t)
}

// cellError reports whether x's static type is declared in a cell and
// implements error.
func (r *rewriter) cellError(x ast.Expr) bool {
	t := r.cf.info.TypeOf(x)
	errType := types.Universe.Lookup("error").Type().Underlying().(*types.Interface)
	return t != nil && r.cf.declaredInCell(t) && types.Implements(t, errType)
}

// declaredInCell reports whether t is, or points to, a named type declared
// in the kernel's cells.
func (cf *cellFile) declaredInCell(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() == cf.pkg
}

// builtinCall rewrites min, max and clear.
func (r *rewriter) builtinCall(n *ast.CallExpr, depth int) {
	id, ok := ast.Unparen(n.Fun).(*ast.Ident)
	if !ok {
		return
	}
	if _, builtin := r.cf.info.Uses[id].(*types.Builtin); !builtin {
		return
	}
	switch id.Name {
	case "recover":
		r.insert(n.Pos(), rtAlias+".Recovered(", openOrder(depth))
		r.insert(n.End(), ")", closeOrder(depth))
	case "clear":
		r.replace(n.Fun.Pos(), n.Fun.End(), rtAlias+".Clear")
	case "min", "max":
		r.minMax(n, id.Name, depth)
	}
}

// minMax replaces min(a, b...) by its constant, or by a call of the
// compiled helper for the arguments' type: T(_rlvrRT.MinFloat64(float64(a),
// float64(b))) for a named type T over float64.
func (r *rewriter) minMax(n *ast.CallExpr, fn string, depth int) {
	tv, ok := r.cf.info.Types[n]
	if ok && tv.Value != nil {
		r.replace(n.Pos(), n.End(), r.constText(tv))
		return
	}
	var basic *types.Basic
	if ok && tv.Type != nil {
		basic, _ = tv.Type.Underlying().(*types.Basic)
	}
	if basic == nil || basic.Info()&types.IsOrdered == 0 || basic.Info()&types.IsUntyped != 0 {
		r.refuse(n.Pos(), "the kernel could not work out the type of %s's arguments here (the interpreter has no %s builtin, so the kernel "+
			"rewrites it for the arguments' type); convert one argument to say it, e.g. %s(float64(a), b), or write the comparison", fn, fn, fn)
		return
	}
	kind := basic.Name()
	helper := rtAlias + "." + strings.ToUpper(fn[:1]) + fn[1:] + strings.ToUpper(kind[:1]) + kind[1:]
	if kind == "byte" {
		helper = rtAlias + "." + strings.ToUpper(fn[:1]) + fn[1:] + "Uint8"
		kind = "uint8"
	} else if kind == "rune" {
		helper = rtAlias + "." + strings.ToUpper(fn[:1]) + fn[1:] + "Int32"
		kind = "int32"
	}
	open, close := helper+"(", ")"
	if !types.Identical(tv.Type, basic) || basic.Kind() == types.Byte || basic.Kind() == types.Rune {
		open = r.cf.typeString(tv.Type) + "(" + open
		close += ")"
	}
	r.replace(n.Fun.Pos(), n.Lparen+1, open)
	for _, a := range n.Args {
		r.insert(a.Pos(), kind+"(", openOrder(depth+1))
		r.insert(a.End(), ")", closeOrder(depth+1))
	}
	r.replace(n.Rparen, n.Rparen+1, close)
}

// constText is a constant expression's value as Go source of its type.
func (r *rewriter) constText(tv types.TypeAndValue) string {
	v := tv.Value
	var lit string
	switch v.Kind() {
	case constant.Float:
		f, _ := constant.Float64Val(v)
		lit = strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(lit, ".eEn") {
			lit += ".0"
		}
	default:
		lit = v.ExactString()
	}
	if b, ok := tv.Type.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		return "(" + lit + ")"
	}
	return r.cf.typeString(tv.Type) + "(" + lit + ")"
}

// apply makes the edits (in file offsets) on code; ok is false when an
// edit falls outside the cell's text or two edits overlap.
func (cf *cellFile) apply(code string, edits []edit) (string, bool) {
	for i := range edits {
		a, ok1 := cf.cellOffset(edits[i].at)
		b, ok2 := cf.cellOffset(edits[i].end)
		if !ok1 || !ok2 {
			return code, false
		}
		edits[i].at, edits[i].end = a, b
	}
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].at != edits[j].at {
			return edits[i].at < edits[j].at
		}
		return edits[i].order < edits[j].order
	})
	var b strings.Builder
	pos := 0
	for _, ed := range edits {
		if ed.at < pos {
			return code, false
		}
		b.WriteString(code[pos:ed.at])
		b.WriteString(ed.text)
		pos = ed.end
	}
	b.WriteString(code[pos:])
	return b.String(), true
}

// parseExprOK reports whether s parses as a Go expression.
func parseExprOK(s string) bool {
	_, err := parser.ParseExpr(s)
	return err == nil
}
