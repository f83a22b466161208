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

// recover() in a cell gets Go's runtime.Error for a run-time error the
// interpreter raised through reflect, its own value for the cell's own
// panic, and nil outside a panic; a goroutine's report words it as Go does.
func TestRecoverSeesGoRuntimeErrors(t *testing.T) {
	e, _, errb := newExec(t)
	mustOK(t, e, "import (\n\t\"fmt\"\n\t\"runtime\"\n\t\"time\"\n)")
	for code, want := range map[string]string{
		"func safe(xs []int, i int) (v int, err error) {\n\tdefer func() {\n\t\tif r := recover(); r != nil {\n\t\t\terr = fmt.Errorf(\"recovered: %v\", r)\n\t\t}\n\t}()\n\treturn xs[i], nil\n}\n_, err := safe([]int{1}, 5)\nerr.Error()": "recovered: runtime error: index out of range",
		"func isRT() (ok bool) { defer func() { _, ok = recover().(runtime.Error) }(); var m []int; _ = m[2]; return }\nisRT()":                                                                                                              "true",
		"func mine() (s string) { defer func() { s = fmt.Sprint(recover()) }(); panic(\"reflect: slice index out of range\") }\nmine()":                                                                                                      "reflect: slice index out of range",
		"func nilp() (s string) { defer func() { s = fmt.Sprint(recover()) }(); type P struct{ X int }; var p *P; p.X = 1; return }\nnilp()":                                                                                                 "runtime error: invalid memory address or nil pointer dereference",
		"func none() any { return recover() }\nnone() == nil": "true",
	} {
		if got := value(t, e, code); got != want {
			t.Errorf("%q = %q, want %q", code, got, want)
		}
	}
	mustOK(t, e, "go func() { var q []int; _ = q[1] }()\ntime.Sleep(200 * time.Millisecond)")
	if !strings.Contains(errb.String(), "panic in a goroutine started by a cell: runtime error: index out of range") {
		t.Errorf("goroutine report: %q", errb.String())
	}
}
