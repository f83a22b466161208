package exec

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The rewrite stage reads whatever a user types: it never panics, and it
// never adds or removes a line (positions in messages are the cell's).
func FuzzRewrite(f *testing.F) {
	for _, seed := range []string{
		"for i := range 3 { fmt.Print(i) }",
		"func seq(n int) func(func(int) bool) { return func(yield func(int) bool) { for i := 0; i < n; i++ { if !yield(i) { return } } } }\nfor v := range seq(3) { if v == 1 { continue }; break }",
		"outer:\nfor v := range seq(4) {\n\tfor j := 0; j < 3; j++ {\n\t\tif j == 1 { continue outer }\n\t}\n}",
		"func first(n int) (r int) { for v := range seq(n) { if v > 1 { return } }; return -1 }",
		"import \"maps\"\nfor k, v := range maps.All(map[string]int{}) { _, _ = k, v }",
		"var fs []func() int\nfor i := 0; i < 3; i++ { fs = append(fs, func() int { return i }) }",
		"min(1, 2) + max(3.0, 4)",
		"func Map[T, U any](xs []T, f func(T) U) []U { return nil }\nMap([]int{1}, func(i int) string { return \"\" })",
		"go func() { panic(1) }()",
		"type Pt struct{ X int }\nfmt.Printf(\"%5.*f %T %[1]v\", 2, 1.0, Pt{})",
		"for x := range seq {",
		"for k, v = range f() {}\n}",
	} {
		f.Add(seed)
	}
	e, err := New(Options{Stdout: newBuf(), Stderr: newBuf(), Stdin: strings.NewReader("")})
	if err != nil {
		f.Fatal(err)
	}
	if r := e.Execute(context.Background(), "func seq(n int) func(func(int) bool) { return func(yield func(int) bool) {} }"); r.Err != nil {
		f.Fatal(r.Err)
	}
	f.Fuzz(func(t *testing.T, code string) {
		var out string
		var rerr *Error
		done := make(chan struct{})
		go func() {
			defer close(done)
			out, _, rerr = e.rewrite(code)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("the rewrite hangs on %q", code)
		}
		if rerr != nil {
			return
		}
		if strings.Count(out, "\n") != strings.Count(code, "\n") {
			t.Fatalf("the rewrite changed the line count:\n%s\n---\n%s", code, out)
		}
	})
}
