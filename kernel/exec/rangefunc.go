package exec

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// rangeFunc turns a range over a function (Go 1.23 iterators), which the
// interpreter cannot run, into the call it stands for:
//
//	for k, v := range seq { body }   ->   seq(func(k K, v V) bool { body; return true })
//
// continue becomes return true and break return false where they leave
// this loop (unlabelled and not inside a nested loop, switch or select, or
// labelled with this loop's label), and a return stops the iteration and
// returns after the call (returns). What the call form cannot say is
// refused with the form to write: a goto or defer in the body, a break or
// continue to an enclosing loop, a return inside a nested range over a
// function.
func (r *rewriter) rangeFunc(n *ast.RangeStmt, sig *types.Signature, depth int, label *ast.LabeledStmt) {
	refuse := func(p token.Pos, why string) {
		r.refuse(p, "range over a function (Go 1.23 iterators) with %s in its body is not supported by the interpreter; "+
			"call the function with the loop body as its yield function instead: %s(func(...) bool { ...; return true })", why, r.text(n.X))
	}
	if sig.Params().Len() != 1 || sig.Results().Len() != 0 {
		return // not an iterator: the type checker's error stands
	}
	yield, ok := sig.Params().At(0).Type().Underlying().(*types.Signature)
	if !ok || yield.Results().Len() != 1 {
		return
	}
	lbl := ""
	if label != nil {
		lbl = label.Label.Name
	}
	var exits []*ast.BranchStmt
	var rets []*ast.ReturnStmt
	bad := r.loopExits(n.Body, lbl, &exits, &rets)
	var results *types.Tuple
	if bad == nil && len(rets) > 0 {
		if fn := r.enclosingFunc(n.Pos()); fn != nil {
			results = fn.Results()
		} else {
			bad = rets[0] // a return outside any function: the checker's error
		}
	}
	if bad != nil {
		refuse(bad.Pos(), describeExit(bad))
		return
	}
	// The yield function's parameters: the loop's variables where it
	// declares them, fresh names assigned to them where it assigns.
	vars := []ast.Expr{n.Key, n.Value}
	var params []string
	assign := ""
	for i := 0; i < yield.Params().Len(); i++ {
		t := r.cf.typeString(yield.Params().At(i).Type())
		name := "_"
		if i < len(vars) && vars[i] != nil {
			if id, ok := vars[i].(*ast.Ident); ok && n.Tok == token.DEFINE {
				name = id.Name
			} else if !(ok && id.Name == "_") {
				name = r.name("V")
				assign += " " + r.text(vars[i]) + " = " + name + ";"
			}
		}
		params = append(params, name+" "+t)
	}
	start := n.For
	if label != nil { // the label labels nothing now (Go rejects an unused label)
		r.replace(label.Pos(), label.Colon+1, "")
		start = label.Pos()
	}
	if len(rets) > 0 {
		r.returns(n, start, rets, results, depth)
	}
	// The function's own text stays where it is (other rewrites may edit
	// it); the header around it may span lines: keep its newlines.
	lines := func(from, to token.Pos) string {
		return strings.Repeat("\n", strings.Count(r.cf.src[r.off(from):r.off(to)], "\n"))
	}
	r.replace(n.For, n.X.Pos(), lines(n.For, n.X.Pos()))
	r.replace(n.X.End(), n.Body.Lbrace+1, "(func("+strings.Join(params, ", ")+") bool {"+assign+lines(n.X.End(), n.Body.Lbrace))
	for _, b := range exits {
		stmt := "return false" // break: stop the iteration
		if b.Tok == token.CONTINUE {
			stmt = "return true"
		}
		r.replace(b.Pos(), b.End(), stmt)
	}
	r.insert(n.Body.Rbrace, "; return true ", closeOrder(depth))
	r.insert(n.Body.Rbrace+1, ")", closeOrder(depth)-1) // before returns' tail
}

// returns lets the loop body return from the enclosing function: each
// return stores its values in fresh variables and stops the iteration, and
// after the call the function returns them:
//
//	{ var R0 T0; D := false; seq(func(v V) bool { ...; { R0 = x; D = true; return false }; ... }); if D { return R0 } }
//
// A bare return (named results) stores the named results as they are. Only
// the return keyword is replaced, so that rewrites inside its values still
// apply.
func (r *rewriter) returns(n *ast.RangeStmt, start token.Pos, rets []*ast.ReturnStmt, results *types.Tuple, depth int) {
	done := r.name("D")
	var vars, named []string
	decl := "{ "
	for i := 0; i < results.Len(); i++ {
		v := r.name("R")
		vars = append(vars, v)
		named = append(named, results.At(i).Name())
		decl += "var " + v + " " + r.cf.typeString(results.At(i).Type()) + "; "
	}
	r.insert(start, decl+done+" := false; ", openOrder(depth))
	for _, ret := range rets {
		switch {
		case len(vars) == 0:
			r.replace(ret.Return, ret.Return+6, "{ "+done+" = true; return false }")
		case len(ret.Results) == 0: // bare, with named results
			r.replace(ret.Return, ret.Return+6, "{ "+strings.Join(vars, ", ")+" = "+strings.Join(named, ", ")+"; "+done+" = true; return false }")
		default:
			r.replace(ret.Return, ret.Return+6, "{ "+strings.Join(vars, ", ")+" =")
			r.insert(ret.End(), "; "+done+" = true; return false }", closeOrder(depth+1))
		}
	}
	exit := "return"
	if len(vars) > 0 {
		exit += " " + strings.Join(vars, ", ")
	}
	r.insert(n.Body.Rbrace+1, "; if "+done+" { "+exit+" } }", closeOrder(depth)) // after the call's ")"
}

// enclosingFunc is the signature of the innermost function declared or
// written as a literal around p in the checked file; nil at a cell's top
// level.
func (r *rewriter) enclosingFunc(p token.Pos) *types.Signature {
	var sig *types.Signature
	ast.Inspect(r.cf.file, func(n ast.Node) bool {
		if n == nil || p < n.Pos() || p >= n.End() {
			return n == nil
		}
		switch f := n.(type) {
		case *ast.FuncDecl:
			if f.Name.Name == "_" { // the wrapper of the cell's statements (check.go)
				return true
			}
			if obj, ok := r.cf.info.Defs[f.Name].(*types.Func); ok {
				sig, _ = obj.Type().(*types.Signature)
			}
		case *ast.FuncLit:
			sig, _ = r.cf.info.TypeOf(f).(*types.Signature)
		}
		return true
	})
	return sig
}

// loopExits collects in exits the break and continue statements of body
// that leave the loop labelled lbl ("" for none) whose body it is, and in
// rets its return statements, and returns the first statement the
// yield-function form cannot express (a goto or defer, a branch to an
// enclosing statement, a return inside a nested range over a function),
// or nil.
func (r *rewriter) loopExits(body *ast.BlockStmt, lbl string, exits *[]*ast.BranchStmt, rets *[]*ast.ReturnStmt) ast.Node {
	var bad ast.Node
	nestedFunc := false // inside a nested range over a function
	var visit func(n ast.Node, inLoop, inSwitch bool)
	visit = func(n ast.Node, inLoop, inSwitch bool) {
		ast.Inspect(n, func(c ast.Node) bool {
			if bad != nil || c == nil {
				return false
			}
			if c == n {
				return true
			}
			switch c := c.(type) {
			case *ast.FuncLit:
				return false // its returns and branches are its own
			case *ast.RangeStmt:
				was := nestedFunc
				if t := r.cf.info.TypeOf(c.X); t != nil {
					if _, ok := t.Underlying().(*types.Signature); ok {
						nestedFunc = true
					}
				}
				visit(c, true, inSwitch)
				nestedFunc = was
				return false
			case *ast.ForStmt:
				visit(c, true, inSwitch)
				return false
			case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				visit(c, inLoop, true)
				return false
			case *ast.ReturnStmt:
				if nestedFunc {
					bad = c
				} else {
					*rets = append(*rets, c)
				}
			case *ast.DeferStmt:
				bad = c
			case *ast.BranchStmt:
				switch {
				case c.Tok == token.GOTO:
					bad = c
				case c.Tok == token.FALLTHROUGH: // stays in its switch
				case c.Label != nil && c.Label.Name == lbl:
					*exits = append(*exits, c)
				case c.Label != nil:
					if !labelledInside(body, c.Label.Name) {
						bad = c
					}
				case c.Tok == token.CONTINUE && !inLoop, c.Tok == token.BREAK && !inLoop && !inSwitch:
					*exits = append(*exits, c)
				}
			}
			return true
		})
	}
	visit(body, false, false)
	return bad
}

// labelledInside reports whether body declares the label name.
func labelledInside(body *ast.BlockStmt, name string) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if l, ok := n.(*ast.LabeledStmt); ok && l.Label.Name == name {
			found = true
		}
		return !found
	})
	return found
}

// describeExit names a statement rangeFunc refuses, for its message.
func describeExit(n ast.Node) string {
	switch n := n.(type) {
	case *ast.ReturnStmt:
		return "a return inside a nested range over a function"
	case *ast.DeferStmt:
		return "a defer"
	case *ast.BranchStmt:
		if n.Tok == token.GOTO {
			return "a goto"
		}
		return "a " + n.Tok.String() + " to an enclosing loop (" + n.Label.Name + ")"
	}
	return "this statement"
}
