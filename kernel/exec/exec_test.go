package exec

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/traefik/yaegi/interp"

	"github.com/rlvrworld/rlvrworld/stdlib/display"
	"github.com/rlvrworld/rlvrworld/stdlib/symbols"
)

// syncBuf is a goroutine-safe output buffer that can signal the first write.
type syncBuf struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
	once  sync.Once
}

func newBuf() *syncBuf { return &syncBuf{wrote: make(chan struct{})} }

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.once.Do(func() { close(s.wrote) })
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newExec(t *testing.T) (*Executor, *syncBuf, *syncBuf) {
	t.Helper()
	out, errb := newBuf(), newBuf()
	e, err := New(Options{Stdout: out, Stderr: errb, Stdin: strings.NewReader("")})
	if err != nil {
		t.Fatal(err)
	}
	return e, out, errb
}

func run(t *testing.T, e *Executor, code string) Result {
	t.Helper()
	return e.Execute(context.Background(), code)
}

func mustOK(t *testing.T, e *Executor, code string) Result {
	t.Helper()
	r := run(t, e, code)
	if r.Err != nil {
		t.Fatalf("cell %q: %v\n%s", code, r.Err, strings.Join(r.Err.Traceback, "\n"))
	}
	return r
}

func TestSplit(t *testing.T) {
	code := "import \"fmt\"\nx := 1\nfunc f() int { return x + 1 }\ntype T struct{ A int }\nvar y = f()\nfmt.Println(y)\nfunc() { x++ }()\nfunc (t T) M() int { return t.A }\ny"
	got := split(code)
	want := []chunkKind{kindImport, kindStmt, kindDecl, kindStmt, kindStmt, kindDecl, kindStmt}
	var kinds []chunkKind
	for _, c := range got {
		kinds = append(kinds, c.kind)
	}
	if len(kinds) != len(want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("kinds %v, want %v", kinds, want)
		}
	}
	if got[1].line != 2 || got[2].line != 3 {
		t.Fatalf("lines: %+v", got)
	}
	for code, want := range map[string]chunkKind{"func() int { return 1 }()": kindStmt, "func (p *P) M() {}": kindDecl, "func (p P[K]) M() {}": kindDecl, "func() (int, error) { return 1, nil }()": kindStmt} {
		if got := split(code); len(got) != 1 || got[0].kind != want {
			t.Errorf("split(%q) = %+v, want kind %d", code, got, want)
		}
	}
	// Header semicolons of for, if and switch do not end a statement.
	code = "for i := 0; i < 2; i++ {\n}\nif x := 1; x > 0 {\n}\nswitch y := 2; y {\n}\nz := []int{1}; _ = z"
	got = split(code)
	if len(got) != 5 || got[1].line != 3 || got[4].line != 7 || got[4].col != 16 {
		t.Fatalf("header split: %+v", got)
	}
	if split("   \n") != nil {
		t.Fatal("blank cell gave chunks")
	}
}

func TestMixedCellAndValue(t *testing.T) {
	e, out, _ := newExec(t)
	r := mustOK(t, e, "import \"fmt\"\nx := 20\nfunc add(a int) int { return a + x }\nfmt.Println(\"hi\")\nadd(22)")
	if !r.HasValue || r.Value != 42 {
		t.Fatalf("value %v (has %v), want 42", r.Value, r.HasValue)
	}
	if out.String() != "hi\n" {
		t.Fatalf("stdout %q", out.String())
	}
	mustOK(t, e, "for i := 0; i < 3; i++ { fmt.Print(i) }\nif n := 2; n > 1 { fmt.Println() }")
	if out.String() != "hi\n012\n" {
		t.Fatalf("stdout after loop %q", out.String())
	}
	// fmt.Println's byte count is not a value the user wants.
	if r := mustOK(t, e, `fmt.Println("x")`); r.HasValue {
		t.Fatalf("Println shown as value %v", r.Value)
	}
	if r := mustOK(t, e, `y := 3`); r.HasValue {
		t.Fatal("assignment shown as value")
	}
}

func TestPersistenceAndRepeatedImports(t *testing.T) {
	e, out, _ := newExec(t)
	mustOK(t, e, "import \"strings\"\ns := strings.ToUpper(\"a\")")
	mustOK(t, e, "import (\n\t\"fmt\"\n\t\"strings\"\n)\nfmt.Println(s + strings.Repeat(\"b\", 2))")
	mustOK(t, e, "import \"fmt\"\nfmt.Println(len(s))")
	if out.String() != "Abb\n1\n" {
		t.Fatalf("stdout %q", out.String())
	}
	r := mustOK(t, e, "type P struct{ X int }\nvar ps []P")
	_ = r
	r = mustOK(t, e, "ps = append(ps, P{X: 7})\nps[0].X")
	if r.Value != 7 {
		t.Fatalf("value %v", r.Value)
	}
}

func TestRedefinition(t *testing.T) {
	e, _, _ := newExec(t)
	mustOK(t, e, "func f() int { return 1 }\nv := 10")
	mustOK(t, e, "func f() int { return 2 }")
	if r := mustOK(t, e, "f()"); r.Value != 2 {
		t.Fatalf("redefined f() = %v, want 2", r.Value)
	}
	mustOK(t, e, `v := "now a string"`)
	if r := mustOK(t, e, "v"); r.Value != "now a string" {
		t.Fatalf("redeclared v = %v", r.Value)
	}
	mustOK(t, e, "var w = 1")
	mustOK(t, e, "var w = 2.5")
	if r := mustOK(t, e, "w"); r.Value != 2.5 {
		t.Fatalf("redeclared w = %v", r.Value)
	}
}

func TestErrorsCarryCellPositions(t *testing.T) {
	e, _, _ := newExec(t)
	r := run(t, e, "import \"fmt\"\n\nfmt.Println(undefinedName)")
	if r.Err == nil || r.Err.Name != "CompileError" || !strings.Contains(r.Err.Value, "cell:3:13") {
		t.Fatalf("compile error = %+v", r.Err)
	}
	// A bare last expression (evaluated through the result variable).
	r = run(t, e, "y := 1\n\n   undefinedY + y")
	if r.Err == nil || r.Err.Name != "CompileError" || !strings.Contains(r.Err.Value, "cell:3:4") {
		t.Fatalf("undefined last expression = %+v", r.Err)
	}
	// and the name stays undefined afterwards.
	if r = run(t, e, "undefinedY"); r.Err == nil {
		t.Fatal("undefinedY defined after a failed cell")
	}
	r = run(t, e, "x := 1\nx = = 2")
	if r.Err == nil || r.Err.Name != "SyntaxError" || !strings.Contains(r.Err.Value, "cell:2:") {
		t.Fatalf("syntax error = %+v", r.Err)
	}
	r = run(t, e, "var a []int\nb := 1\n   _ = a[5]")
	if r.Err == nil || r.Err.Name != "panic" || !strings.Contains(r.Err.Value, "index out of range") || !strings.Contains(r.Err.Value, "cell:3:") {
		t.Fatalf("runtime panic = %+v", r.Err)
	}
}

func TestPanicKeepsState(t *testing.T) {
	e, _, _ := newExec(t)
	mustOK(t, e, "kept := 41\nfunc boom() { panic(\"boom\") }")
	r := run(t, e, "kept++\nboom()")
	if r.Err == nil || r.Err.Name != "panic" || !strings.Contains(r.Err.Value, "boom") {
		t.Fatalf("panic result %+v", r.Err)
	}
	if !strings.Contains(r.Err.Value, "cell:2:") {
		t.Fatalf("panic position missing: %+v", r.Err)
	}
	if r := mustOK(t, e, "kept"); r.Value != 42 {
		t.Fatalf("state after panic: kept = %v", r.Value)
	}
}

func TestInterruptLatency(t *testing.T) {
	e, _, _ := newExec(t)
	mustOK(t, e, "n := 0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result)
	go func() { done <- e.Execute(ctx, "for {\n\tn++\n}") }()
	time.Sleep(200 * time.Millisecond)
	t0 := time.Now()
	cancel()
	select {
	case r := <-done:
		if r.Err == nil || r.Err.Name != "Interrupted" {
			t.Fatalf("interrupted cell result %+v", r.Err)
		}
		if d := time.Since(t0); d > time.Second {
			t.Fatalf("interrupt took %v", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("runaway loop not stopped within 2 s")
	}
	if r := mustOK(t, e, "n > 0"); r.Value != true {
		t.Fatalf("state after interrupt: n > 0 = %v", r.Value)
	}
}

// A compiled call stops through the cell context the kernel cancels.
func TestCellContextCancelsCompiledCalls(t *testing.T) {
	e, _, _ := newExec(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result)
	go func() {
		done <- e.Execute(ctx, "import (\n\"rlvr/cell\"\n\"time\"\n)\nselect {\ncase <-cell.Context().Done():\ncase <-time.After(time.Minute):\n}")
	}()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case r := <-done:
		if r.Err == nil {
			t.Fatal("no error after interrupt")
		}
	case <-time.After(time.Second):
		t.Fatal("cell context not cancelled")
	}
}

func TestStreamingOrder(t *testing.T) {
	e, out, _ := newExec(t)
	done := make(chan Result)
	go func() {
		done <- e.Execute(context.Background(), "import (\"fmt\"; \"time\")\nfmt.Println(\"first\")\ntime.Sleep(300 * time.Millisecond)\nfmt.Println(\"second\")")
	}()
	select {
	case <-out.wrote:
		if s := out.String(); s != "first\n" {
			t.Fatalf("while running: stdout %q", s)
		}
	case <-done:
		t.Fatal("output arrived only after the cell ended")
	}
	<-done
	if s := out.String(); s != "first\nsecond\n" {
		t.Fatalf("stdout %q", s)
	}
}

func TestCompleteInspectIsComplete(t *testing.T) {
	e, _, _ := newExec(t)
	mustOK(t, e, "import \"strings\"\nmyVar := 3")
	m, s, en := e.Complete("strings.ToU", 11)
	if len(m) == 0 || m[0] != "ToUpper" || s != 8 || en != 11 {
		t.Fatalf("complete strings.ToU: %v %d %d", m, s, en)
	}
	mustOK(t, e, "var sb strings.Builder\ntype Pt struct{ Xval, Yval int }\npt := Pt{}")
	if m, _, _ := e.Complete("sb.Wr", 5); len(m) == 0 || m[0] != "Write" {
		t.Fatalf("complete sb.Wr: %v", m)
	}
	if m, _, _ := e.Complete("pt.X", 4); len(m) != 1 || m[0] != "Xval" {
		t.Fatalf("complete pt.X: %v", m)
	}
	m, _, _ = e.Complete("my", 2)
	if len(m) != 1 || m[0] != "myVar" {
		t.Fatalf("complete my: %v", m)
	}
	if txt, ok := e.Inspect("strings.ToUpper(", 10); !ok || !strings.Contains(txt, "func(string) string") {
		t.Fatalf("inspect: %q %v", txt, ok)
	}
	for code, want := range map[string]string{
		"x := 1":              "complete",
		"func f() {":          "incomplete",
		"x := `abc":           "incomplete",
		"x := )":              "invalid",
		"import \"fmt\"\nx:=": "incomplete",
	} {
		if got := IsComplete(code); got != want {
			t.Errorf("IsComplete(%q) = %s, want %s", code, got, want)
		}
	}
}

// A call without results shows nothing (yaegi returns junk for it).
func TestVoidCallsShowNothing(t *testing.T) {
	e, _, _ := newExec(t)
	for _, code := range []string{"func v() {}\nv()", "import \"strings\"\nvar b strings.Builder\nb.Reset()", "b.WriteString(\"x\")\nb.Grow(3)"} {
		if r := mustOK(t, e, code); r.HasValue {
			t.Errorf("%q shows %v", code, r.Value)
		}
	}
	if r := mustOK(t, e, "b.Len()"); !r.HasValue || r.Value != 1 {
		t.Fatalf("b.Len() = %v %v", r.Value, r.HasValue)
	}
}

// A type declared in a cell with a Render method renders richly as the
// last value; compiled renderers and plain values pass through.
func TestRichValues(t *testing.T) {
	e, err := New(Options{Stdout: newBuf(), Stderr: newBuf(), Symbols: []interp.Exports{symbols.Short()}})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, e, "import \"rlvr/display\"\ntype Bold struct{ S string }\nfunc (b Bold) Render() display.Output { return display.HTMLOutput(\"<b>\" + b.S + \"</b>\") }")
	r := mustOK(t, e, "Bold{\"hi\"}")
	out, ok := r.Value.(display.Output)
	if !ok || out.Data["text/html"] != "<b>hi</b>" {
		t.Fatalf("Bold value %#v", r.Value)
	}
	if r := mustOK(t, e, "struct{ A int }{1}"); !r.HasValue {
		t.Fatal("plain struct not shown")
	}
	if r := mustOK(t, e, "nil"); r.HasValue && r.Value != nil {
		t.Fatalf("nil shows %v", r.Value)
	}
	if r := mustOK(t, e, "display.HTMLOutput(\"x\")"); r.Value.(display.Output).Data["text/html"] != "x" {
		t.Fatalf("compiled Output value %#v", r.Value)
	}
}

// A top-level defer would run again after every later cell (a yaegi
// limit), so it is refused with a clear error; inside a function it works.
func TestTopLevelDeferRefused(t *testing.T) {
	e, out, _ := newExec(t)
	mustOK(t, e, "import \"fmt\"")
	r := run(t, e, "fmt.Println(\"a\")\n\n  defer fmt.Println(\"d\")")
	if r.Err == nil || !strings.Contains(r.Err.Value, "cell:3:3: defer") {
		t.Fatalf("top-level defer: %+v", r.Err)
	}
	if out.String() != "" {
		t.Fatalf("cell with a top-level defer ran: %q", out.String())
	}
	mustOK(t, e, "func() { defer fmt.Println(\"d\"); fmt.Println(\"b\") }()")
	mustOK(t, e, "1")
	if out.String() != "b\nd\n" {
		t.Fatalf("defer in a function: %q", out.String())
	}
	if r := mustOK(t, e, "func() int { return 7 }()"); r.Value != 7 {
		t.Fatalf("func literal call value %v", r.Value)
	}
}

// An interrupted loop blocked in a compiled call must not come back to life
// when the next cell starts (yaegi resets the run id of the global frame).
func TestInterruptedLoopStaysDead(t *testing.T) {
	e, _, _ := newExec(t)
	mustOK(t, e, "import \"time\"\nticks := 0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result)
	go func() { done <- e.Execute(ctx, "for {\n\ttime.Sleep(300 * time.Millisecond)\n\tticks++\n}") }()
	time.Sleep(450 * time.Millisecond)
	cancel()
	if r := <-done; r.Err == nil || r.Err.Name != "Interrupted" {
		t.Fatalf("interrupted: %+v", r.Err)
	}
	before := mustOK(t, e, "ticks").Value
	time.Sleep(700 * time.Millisecond)
	after := mustOK(t, e, "ticks").Value
	if before != after {
		t.Fatalf("loop kept running after the interrupt: ticks %v then %v", before, after)
	}
}

func TestLanguageLevelHints(t *testing.T) {
	e, _, _ := newExec(t)
	for code, want := range map[string]string{
		"package main\nfunc main() {}": "without a package clause",
	} {
		r := run(t, e, code)
		if r.Err == nil || !strings.Contains(r.Err.Value, want) {
			t.Errorf("%q: %+v, want a hint %q", code, r.Err, want)
		}
	}
}
