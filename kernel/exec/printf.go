package exec

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// typeVerbs makes %T name a type declared in a cell as Go does (main.Pt):
// the interpreter hands fmt an unnamed struct, which %T prints as
// "struct { X int; Y int }". Where the format is a one-line string literal
// and a %T operand's static type involves a cell type (Pt, *Pt, []Pt), the
// operand becomes the type's name as a string and the verb %s. An operand
// of an interface type (its dynamic type is not known here), a format with
// explicit argument indexes, and a format that is not a literal are left
// as they are.
func (r *rewriter) typeVerbs(n *ast.CallExpr) {
	sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr)
	if !ok || !r.pkgMember(sel, "fmt", sel.Sel.Name) {
		return
	}
	var first int // the format's argument index
	switch sel.Sel.Name {
	case "Printf", "Sprintf":
		first = 0
	case "Fprintf", "Appendf":
		first = 1
	default:
		return
	}
	if len(n.Args) <= first || n.Ellipsis.IsValid() {
		return
	}
	lit, ok := n.Args[first].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING || strings.Contains(lit.Value, "\n") {
		return
	}
	tv := r.cf.info.Types[lit]
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		return
	}
	format := constant.StringVal(tv.Value)
	verbs, ok := fmtVerbs(format)
	if !ok {
		return
	}
	var b strings.Builder
	changed := false
	last := 0
	for _, v := range verbs {
		arg := first + 1 + v.arg
		if v.verb != 'T' || arg >= len(n.Args) {
			continue
		}
		t := r.cf.info.TypeOf(n.Args[arg])
		if t == nil || types.IsInterface(t) || !r.cellType(t) {
			continue // an interface's %T is its dynamic type's
		}
		name := types.TypeString(t, func(p *types.Package) string {
			if p == r.cf.pkg {
				return "main"
			}
			return p.Name()
		})
		r.replace(n.Args[arg].Pos(), n.Args[arg].End(), strconv.Quote(name))
		b.WriteString(format[last:v.at])
		b.WriteString("s")
		last = v.at + 1
		changed = true
	}
	if changed {
		b.WriteString(format[last:])
		r.replace(lit.Pos(), lit.End(), strconv.Quote(b.String()))
	}
}

// cellType reports whether t names a type declared in a cell, itself or
// as the element of a pointer, slice, array or map.
func (r *rewriter) cellType(t types.Type) bool {
	switch t := t.(type) {
	case *types.Named:
		return t.Obj().Pkg() == r.cf.pkg
	case *types.Pointer:
		return r.cellType(t.Elem())
	case *types.Slice:
		return r.cellType(t.Elem())
	case *types.Array:
		return r.cellType(t.Elem())
	case *types.Map:
		return r.cellType(t.Key()) || r.cellType(t.Elem())
	}
	return false
}

// fmtVerb is one verb of a format: its byte offset in the format and the
// operand it formats (counting from 0, after the operands that * widths
// and precisions take).
type fmtVerb struct {
	at, arg int
	verb    byte
}

// fmtVerbs lists the verbs of a Printf format; ok is false for a format
// with explicit argument indexes ([n]), which this reading does not follow.
func fmtVerbs(f string) (verbs []fmtVerb, ok bool) {
	arg := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		for i < len(f) && strings.IndexByte("+-# 0", f[i]) >= 0 {
			i++
		}
		for part := 0; part < 2; part++ { // width, then precision
			if part == 1 {
				if i >= len(f) || f[i] != '.' {
					break
				}
				i++
			}
			if i < len(f) && f[i] == '*' {
				arg++
				i++
			}
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				i++
			}
		}
		if i >= len(f) {
			break
		}
		if f[i] == '[' {
			return nil, false
		}
		if f[i] == '%' {
			continue
		}
		verbs = append(verbs, fmtVerb{at: i, arg: arg, verb: f[i]})
		arg++
	}
	return verbs, true
}
