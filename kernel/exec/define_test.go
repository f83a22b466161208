package exec

import (
	"fmt"
	"strings"
	"testing"
)

// wantValue runs code and checks the shown value's text.
func wantValue(t *testing.T, e *Executor, code, want string) {
	t.Helper()
	r := mustOK(t, e, code)
	if !r.HasValue {
		t.Fatalf("cell %q shows nothing, want %s", code, want)
	}
	if got := strings.TrimSpace(sprint(r.Value)); got != want {
		t.Fatalf("cell %q = %s, want %s", code, got, want)
	}
}

// TestDefinitionsOverCompiledValues: top-level definitions from an index
// of a value of a compiled type, which yaegi's global analysis cannot type
// ("constant definition loop"), in one cell and across cells.
func TestDefinitionsOverCompiledValues(t *testing.T) {
	e, _, _ := newExec(t)
	wantValue(t, e, "import \"strings\"\nf := strings.Fields(\"a b\")\nx := f[0]\nx", "a")
	wantValue(t, e, "y := f[1]\nx + y", "ab")
	// The variable has its static type: string operations, indexing again,
	// use inside functions, assignment.
	wantValue(t, e, "c := x[0]\nc", "97")
	wantValue(t, e, "func up() string { return strings.ToUpper(x) }\nup()", "A")
	wantValue(t, e, "x = \"z\"\nx", "z")
	// Index of a call (the reported s := verl.Summarize(res)[0]).
	wantValue(t, e, "s := strings.Fields(\"p q\")[1]\ns", "q")
	// Arithmetic over such an index made yaegi crash.
	wantValue(t, e, "z := f[0] + \"c\"\nz", "ac")
	// var without a type, several names, a blank name.
	wantValue(t, e, "var v = f[1]\nv", "b")
	wantValue(t, e, "_, w := f[0], f[1]\nw", "b")
	// Several declarations in one chunk: a var group, consecutive vars, a
	// function between them.
	wantValue(t, e, "var (\n\ta7 = f[0]\n\tb7 = f[1]\n)\na7 + b7", "ab")
	wantValue(t, e, "var a8 = f[1]\nfunc twice(s string) string { return s + s }\nvar b8 = twice(f[0])\na8 + b8", "baa")
	wantValue(t, e, "g, h := f[0], len(f)\ng + strings.Repeat(\"!\", h)", "a!!")
	// Static interface types stay interfaces.
	mustOK(t, e, "import \"errors\"\nimport \"fmt\"\nerrs := []error{errors.New(\"boom\")}\nerr := errs[0]\nerr = fmt.Errorf(\"wrapped: %w\", err)")
	wantValue(t, e, "err.Error()", "wrapped: boom")
}

// TestLastExpressionOverCompiledValues: the value of a cell ending with an
// index or selector expression over such variables is shown.
func TestLastExpressionOverCompiledValues(t *testing.T) {
	e, _, _ := newExec(t)
	mustOK(t, e, "import \"strings\"\nimport \"net/url\"\nf := strings.Fields(\"a b c\")\nu, _ := url.Parse(\"http://h/p?q=1\")")
	wantValue(t, e, "f[0]", "a")
	wantValue(t, e, "f[1:]", "[b c]")
	wantValue(t, e, "u.Path", "/p")
	wantValue(t, e, "u.Query()[\"q\"][0]", "1")
	wantValue(t, e, "f[0] + f[2]", "ac")
}

// TestRedefineAcrossCells: a name defined through the fallback can be
// redefined with another type, both ways.
func TestRedefineAcrossCells(t *testing.T) {
	e, _, _ := newExec(t)
	mustOK(t, e, "import \"strings\"\nf := strings.Fields(\"a b\")")
	wantValue(t, e, "x := f[0]\nx", "a")
	wantValue(t, e, "x := len(f)\nx + 1", "3")
	wantValue(t, e, "x := f[1]\nx", "b")
	wantValue(t, e, "x := 2.5\nx * 2", "5")
}

// TestTopLevelCommaOk: v, ok := m[k], n, ok := i.(T) and v, ok := <-c at
// the top level made yaegi panic ("nil type"), including for a type
// declared in a cell.
func TestTopLevelCommaOk(t *testing.T) {
	e, _, _ := newExec(t)
	wantValue(t, e, "m := map[string]int{\"a\": 1}\nimport \"fmt\"\nv, ok := m[\"a\"]\nv*10 + len(fmt.Sprint(ok))", "14")
	wantValue(t, e, "var i interface{} = 7\nn, isInt := i.(int)\nif !isInt { panic(\"not int\") }\nn", "7")
	wantValue(t, e, "ch := make(chan string, 1)\nch <- \"hi\"\nmsg, open := <-ch\nmsg + fmt.Sprint(open)", "hitrue")
	mustOK(t, e, "type Point struct{ X, Y int }\nfunc (p Point) Sum() int { return p.X + p.Y }\npts := map[string]Point{\"a\": {1, 2}}")
	wantValue(t, e, "p, found := pts[\"a\"]\nfound", "true")
	wantValue(t, e, "p.Sum() + p.X", "4")
	wantValue(t, e, "q, _ := pts[\"zz\"]\nq.Sum()", "0")
	// A struct type written in place.
	wantValue(t, e, "anon := map[string]struct{ A int }{\"k\": {9}}\na, hasA := anon[\"k\"]\na.A", "9")
	wantValue(t, e, "hasA", "true")
}

// TestDefinitionErrors: errors of a definition that goes the second way
// keep cell positions, and a failed one leaves the old value.
func TestDefinitionErrors(t *testing.T) {
	e, _, _ := newExec(t)
	mustOK(t, e, "import \"strings\"\nf := strings.Fields(\"a b\")\nx := f[0]")
	r := run(t, e, "y := 1\nx := f[5]")
	if r.Err == nil || r.Err.Name != "panic" || !strings.Contains(r.Err.Value, "index out of range") || !strings.Contains(r.Err.Value, "cell:2:") {
		t.Fatalf("out of range: %+v", r.Err)
	}
	wantValue(t, e, "x", "a")
	r = run(t, e, "\n  x := f[0] + 1")
	if r.Err == nil || r.Err.Name != "CompileError" || !strings.Contains(r.Err.Value, "cell:2:") {
		t.Fatalf("type mismatch: %+v", r.Err)
	}
	r = run(t, e, "x := f[0] +")
	if r.Err == nil || r.Err.Name != "SyntaxError" {
		t.Fatalf("syntax: %+v", r.Err)
	}
	wantValue(t, e, "x", "a")
}

// TestCompoundStatementsDeclareLocals: declarations inside the blocks of a
// top-level for/if/switch (multi-value :=, comma-ok, local types) were
// skipped by yaegi ("undefined: a").
func TestCompoundStatementsDeclareLocals(t *testing.T) {
	e, out, _ := newExec(t)
	mustOK(t, e, "import \"fmt\"\nfunc two() (int, int) { return 1, 2 }")
	mustOK(t, e, "for i := 0; i < 2; i++ { a, b := two(); fmt.Println(a, b) }")
	mustOK(t, e, "m := map[int]string{1: \"one\"}\nif true { v, ok := m[1]; fmt.Println(v, ok) }")
	mustOK(t, e, "switch { default: type pair struct{ a, b int }; p := pair{3, 4}; fmt.Println(p.a + p.b) }")
	// Globals assigned inside stay assigned; break, continue and labels work.
	mustOK(t, e, "total := 0\nouter:\nfor i := 0; i < 10; i++ {\n for j := 0; j < 10; j++ {\n  if j > i { continue outer }\n  if i == 4 { break outer }\n  total += j\n }\n}")
	wantValue(t, e, "total", "10")
	// A defer inside runs when the statement ends.
	mustOK(t, e, "if true {\n\tdefer fmt.Println(\"deferred\")\n\tfmt.Println(\"body\")\n}\nfmt.Println(\"after\")")
	want := "1 2\n1 2\none true\n7\nbody\ndeferred\nafter\n"
	if out.String() != want {
		t.Fatalf("output %q, want %q", out.String(), want)
	}
	// A panic inside keeps its position in the cell.
	r := run(t, e, "xs := []int{1}\nfor i := 0; i < 3; i++ {\n  _ = xs[i]\n}")
	if r.Err == nil || r.Err.Name != "panic" || !strings.HasSuffix(r.Err.Value, "(at cell:2:1)") {
		t.Fatalf("panic in loop: %+v", r.Err)
	}
	for _, l := range r.Err.Traceback {
		if strings.Contains(l, "cell:1:2") {
			t.Fatalf("the wrapper's frame is shown: %q", r.Err.Traceback)
		}
	}
	// In a function called from the loop: that function's position.
	r = run(t, e, "func at(xs []int, i int) int {\n\treturn xs[i]\n}\nfor i := 0; i < 3; i++ {\n  _ = at(xs, i)\n}")
	if r.Err == nil || r.Err.Name != "panic" || !strings.Contains(r.Err.Value, "(at cell:2:") {
		t.Fatalf("panic in a function called from a loop: %+v", r.Err)
	}
}

// TestOSExec: os/exec is importable (yaegi keeps it out of its stdlib
// table); log.Fatal still fails the cell instead of ending the kernel.
func TestOSExec(t *testing.T) {
	e, _, _ := newExec(t)
	wantValue(t, e, "import \"os/exec\"\nb, err := exec.Command(\"sh\", \"-c\", \"echo hi\").Output()\nif err != nil { panic(err) }\nstring(b)", "hi")
	wantValue(t, e, "_, err := exec.LookPath(\"no-such-program-rlvr\")\nerr != nil", "true")
	r := run(t, e, "import \"log\"\nlog.Fatal(\"stop\")")
	if r.Err == nil || !strings.Contains(r.Err.Value, "stop") {
		t.Fatalf("log.Fatal: %+v", r.Err)
	}
	wantValue(t, e, "1 + 1", "2")
}

func sprint(v any) string { return fmt.Sprint(v) }

// TestDefinitionLoopHint: the error yaegi gives when it cannot type a
// top-level variable, where the kernel has no way around it, says what to
// write instead.
func TestDefinitionLoopHint(t *testing.T) {
	err := &Error{Name: "CompileError", Value: "cell:1:1: constant definition loop", Traceback: []string{"CompileError: cell:1:1: constant definition loop"}}
	addHint(err, "x := y")
	if !strings.Contains(err.Value, "var x T; x = ...") || !strings.HasPrefix(err.Traceback[len(err.Traceback)-1], "hint: ") {
		t.Fatalf("no hint: %+v", err)
	}
}

// TestMultiValueGlobalsSeenFromFunctions: variables of a top-level
// "a, err := f()" read by a function declared in a cell, which is called
// from another function or from a top-level loop (yaegi registers such
// variables without marking them global; the function read a zero value).
func TestMultiValueGlobalsSeenFromFunctions(t *testing.T) {
	e, out, _ := newExec(t)
	mustOK(t, e, "import \"fmt\"\nimport \"strconv\"\nimport \"strings\"\nn, err := strconv.Atoi(\"42\")\nhead, tail, found := strings.Cut(\"k=v\", \"=\")\nvar p, q = strconv.Itoa(7), \"x\"\nvar r, rerr = strconv.ParseBool(\"true\")")
	mustOK(t, e, "func show() string { return fmt.Sprint(n, err, head, tail, found, p, q, r, rerr) }\nfunc viaOther() string { return show() }")
	wantValue(t, e, "viaOther()", "42 <nil>kvtrue7xtrue <nil>")
	mustOK(t, e, "for i := 0; i < 1; i++ { fmt.Println(show()) }")
	mustOK(t, e, "func() { fmt.Println(show()) }()")
	if want := "42 <nil>kvtrue7xtrue <nil>\n"; out.String() != want+want {
		t.Fatalf("output %q", out.String())
	}
	// Assigned, the new values are seen (they are the same variables).
	mustOK(t, e, "n, err = strconv.Atoi(\"x\")")
	wantValue(t, e, "viaOther()", "0 strconv.Atoi: parsing \"x\": invalid syntaxkvtrue7xtrue <nil>")
}
