package exec

import (
	"strings"
	"testing"
)

// A run-time panic of interpreted code reads as the Go runtime words it,
// not as the reflect call the interpreter made, and keeps the cell position;
// the traceback keeps the interpreter's message. A name defined nowhere is
// Go's compile error, not the interpreter's internal panic.
func TestPanicsReadAsGo(t *testing.T) {
	e, _, _ := newExec(t)
	for _, c := range []struct{ code, want, at string }{
		{"xs := []int{1, 2}\ni := 3\nxs[i]", "runtime error: index out of range", "cell:3:1"},
		{"a := [2]int{1, 2}\nj := 5\n_ = a[j]", "runtime error: index out of range", "cell:3:5"},
		{"s := \"ab\"\nk := 7\n_ = s[k]", "runtime error: index out of range", "cell:3:5"},
		{"ys := []int{1, 2, 3}\nhi := 9\n_ = ys[1:hi]", "runtime error: slice bounds out of range", "cell:3:5"},
		{"type P struct{ X int }\nvar p *P\np.X = 3", "runtime error: invalid memory address or nil pointer dereference", "cell:3:1"},
		{"var f func()\nf()", "runtime error: invalid memory address or nil pointer dereference", "cell:2:1"},
		{"var err error\nerr.Error()", "runtime error: invalid memory address or nil pointer dereference", "cell:2:1"},
		{"n := -1\n_ = make([]int, n)", "runtime error: makeslice: len out of range", "cell:2:5"},
		{"var v interface{} = \"str\"\n_ = v.(int)", "interface conversion: interface {} is string, not int", "cell:2:5"},
		{"func get(xs []int) int { return xs[5] }\nget([]int{1})", "runtime error: index out of range", "cell:1:33"},
	} {
		r := run(t, e, c.code)
		if r.Err == nil || r.Err.Name != "panic" || r.Err.Value != c.want+" (at "+c.at+")" {
			t.Errorf("%q: %+v, want panic %q at %s", c.code, r.Err, c.want, c.at)
			continue
		}
		if strings.HasPrefix(c.want, "runtime error") && !strings.Contains(r.Err.Traceback[0], "the interpreter's message: reflect") {
			t.Errorf("%q: traceback %q lacks the interpreter's message", c.code, r.Err.Traceback[0])
		}
	}
	// A user's own panic is left as it is.
	if r := run(t, e, `panic("reflect: slice index out of range")`); r.Err == nil || !strings.HasPrefix(r.Err.Value, "reflect: slice index out of range") {
		t.Errorf("a panic with a string value: %+v", r.Err)
	}
	for _, c := range []struct{ code, want string }{
		{"x := typoName.Foo", "cell:1:6: undefined: typoName"},
		{"typoName.Foo()", "cell:1:1: undefined: typoName"},
		{"y := 1\nz := undefinedVar + y", "cell:2:6: undefined: undefinedVar"},
	} {
		if r := run(t, e, c.code); r.Err == nil || r.Err.Name != "CompileError" || r.Err.Value != c.want {
			t.Errorf("%q: %+v, want CompileError %q", c.code, r.Err, c.want)
		}
	}
}
