package exec

import (
	"context"
	"fmt"
	"go/ast"
	"go/types"
	"reflect"
	"strings"
)

// The present stage: a cell's last value as Go shows it.
//
// What the checker knows of the cell's last expression (lastShape) decides
// how its value is taken and shown: a call with several results becomes a
// Tuple, and a value of a type declared in the cell with an Error or String
// method is shown through it (yaegi's reflection of such types carries no
// methods, so fmt cannot find them).

// Tuple is the value of a call with several results, shown as Go lists
// them: (5, <nil>).
type Tuple []any

func (t Tuple) String() string {
	parts := make([]string, len(t))
	for i, v := range t {
		parts[i] = fmt.Sprint(v)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Shown is a value shown by its own String or Error method.
type Shown string

func (s Shown) String() string { return string(s) }

// lastShape is what the checker says of a cell's last expression.
type lastShape struct {
	results int    // results of a call: 0 for none, -1 when unknown (1 for a non-call)
	method  string // "Error" or "String" when its type is declared in the cell and has one
}

// shapeOfLast looks at the cell's last statement in the checked file.
func (cf *cellFile) shapeOfLast() lastShape {
	sh := lastShape{results: -1}
	if len(cf.nodes) == 0 {
		return sh
	}
	es, ok := cf.nodes[len(cf.nodes)-1].(*ast.ExprStmt)
	if !ok {
		return sh
	}
	tv, ok := cf.info.Types[es.X]
	if !ok || tv.Type == nil {
		return sh
	}
	if tup, ok := tv.Type.(*types.Tuple); ok {
		sh.results = tup.Len()
		return sh
	}
	if b, ok := tv.Type.(*types.Basic); ok && b.Kind() == types.Invalid {
		return sh
	}
	sh.results = 1
	sh.method = cf.showMethod(tv.Type)
	return sh
}

// showMethod is the method fmt would show a value of t by ("Error", then
// "String"), when t is declared in the cell's session.
func (cf *cellFile) showMethod(t types.Type) string {
	named := t
	if p, ok := t.(*types.Pointer); ok {
		named = p.Elem()
	}
	n, ok := named.(*types.Named)
	if !ok || n.Obj().Pkg() != cf.pkg {
		return ""
	}
	for _, m := range []string{"Error", "String"} {
		obj, _, _ := types.LookupFieldOrMethod(t, false, cf.pkg, m)
		if fn, ok := obj.(*types.Func); ok {
			sig := fn.Type().(*types.Signature)
			if sig.Params().Len() == 0 && sig.Results().Len() == 1 && types.Identical(sig.Results().At(0).Type(), types.Typ[types.String]) {
				return m
			}
		}
	}
	return ""
}

// evalTuple evaluates the last statement, a call with n results, and shows
// its results as a Tuple.
func (e *Executor) evalTuple(ctx context.Context, c chunk, text string, n int) Result {
	ptrs, err := e.evalValues(ctx, text, n, c.line, c.col)
	if err != nil {
		return Result{Err: e.toError(ctx, err)}
	}
	t := make(Tuple, n)
	for i, p := range ptrs {
		if v := p.Elem(); v.IsValid() && v.CanInterface() {
			t[i] = v.Interface()
		}
	}
	e.dropTmp(ctx, ptrs)
	return Result{Value: t, HasValue: true}
}

// showByMethod calls the cell type's Error or String method on the value
// held in resultVar; ok is false when that did not give a string.
func (e *Executor) showByMethod(ctx context.Context, method string) (Shown, bool) {
	v, err := e.evalLabelled(ctx, "\n"+resultVar+"."+method+"()")
	if err != nil || !v.IsValid() || v.Kind() != reflect.String {
		return "", false
	}
	return Shown(v.String()), true
}
