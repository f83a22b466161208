package exec

import (
	"strings"
	"testing"
)

// Values as Go shows them: several results as a tuple, and the String or
// Error method of a type declared in a cell (the issue: (5, nil) showed 5,
// and String() was ignored).
func TestPresentValues(t *testing.T) {
	e, _, _ := newExec(t)
	for code, want := range map[string]string{
		"func two() (int, error) { return 5, nil }\ntwo()":                                                     "(5, <nil>)",
		"import \"strconv\"\nstrconv.Atoi(\"7\")":                                                              "(7, <nil>)",
		"type P struct{ X int }\nfunc (p P) String() string { return \"P!\" }\nP{1}":                           "P!",
		"type MyErr struct{ s string }\nfunc (e *MyErr) Error() string { return \"E:\" + e.s }\n&MyErr{\"y\"}": "E:y",
		"type C float64\nfunc (c C) String() string { return \"C!\" }\nC(2)":                                   "C!",
		"type Q struct{ X int }\nfunc (q Q) String() string { return \"Q!\" }\nq := Q{2}\nq":                   "Q!",
	} {
		if got := value(t, e, code); got != want {
			t.Errorf("%q shows %q, want %q", code, got, want)
		}
	}
}

// os.Stdin handed to a reader goes through the executor's stdin (the
// kernel's input_request), not the process's fd 0.
func TestPresentStdinReaders(t *testing.T) {
	out, errb := newBuf(), newBuf()
	e, err := New(Options{Stdout: out, Stderr: errb, Stdin: strings.NewReader("first line\nsecond\n")})
	if err != nil {
		t.Fatal(err)
	}
	if got := value(t, e, "import (\n\t\"bufio\"\n\t\"os\"\n)\nsc := bufio.NewScanner(os.Stdin)\nsc.Scan()\nsc.Text()"); got != "first line" {
		t.Fatalf("bufio.Scanner: %q", got)
	}
}

// The String method of a cell type inside compiled fmt, as the conformance
// table in docs/kernel.md states it: honoured for a value passed to fmt
// itself and inside a slice of an interface type; not inside a slice, map
// or struct of the cell type, where fmt prints the fields. This pins the
// table: if the interpreter starts to honour String there, the test fails
// and the table is to be updated.
func TestPresentStringInCompiledFmt(t *testing.T) {
	e, out, _ := newExec(t)
	mustOK(t, e, "import \"fmt\"\ntype T struct{ N int }\nfunc (t T) String() string { return fmt.Sprint(\"T#\", t.N) }\ntype P struct{ N int }\nfunc (p *P) String() string { return fmt.Sprint(\"P#\", p.N) }")
	for code, want := range map[string]string{
		"fmt.Println(T{1}, &P{2})":                       "T#1 P#2",
		"fmt.Printf(\"%v %s\\n\", T{1}, T{2})":           "T#1 T#2",
		"fmt.Println([]fmt.Stringer{T{1}, &P{2}})":       "[T#1 P#2]",
		"fmt.Println([]T{{1}, {2}})":                     "[{1} {2}]",
		"fmt.Println(map[string]T{\"a\": {1}})":          "map[a:{1}]",
		"fmt.Println(struct{ X T }{T{1}})":               "{{1}}",
		"fmt.Println(fmt.Sprint([]T{{1}}) == \"[{1}]\")": "true",
	} {
		before := len(out.String())
		mustOK(t, e, code)
		if got := strings.TrimSpace(out.String()[before:]); got != want {
			t.Errorf("%s printed %q, want %q", code, got, want)
		}
	}
}
