package exec

import (
	"slices"
	"strings"
	"testing"
)

// A package used without an import is imported, as goimports would: by
// its name and the selectors the cell uses (rand.IntN is math/rand/v2's),
// and only where the name is not a variable, type or import in scope. An
// ambiguous choice is said on stderr; an unknown name stays an error.
func TestAutoImport(t *testing.T) {
	e, out, errb := newExec(t)
	mustOK(t, e, `fmt.Println("hello")`)
	if !strings.Contains(out.String(), "hello") {
		t.Fatalf("stdout %q", out.String())
	}
	if r := mustOK(t, e, `strings.ToUpper("abc") + strconv.Itoa(4)`); r.Value != "ABC4" {
		t.Errorf("value %v", r.Value)
	}
	if r := mustOK(t, e, "rand.IntN(1)"); r.Value != 0 {
		t.Errorf("rand.IntN(1) = %v", r.Value)
	}
	if e.pkgs["rand"] != "math/rand/v2" {
		t.Errorf("rand is %q, want math/rand/v2 (the one with IntN)", e.pkgs["rand"])
	}
	// slices and maps are the kernel's generic packages, not yaegi's tables.
	if r := mustOK(t, e, `xs := []int{3, 1, 2}
slices.Sort(xs)
strings.Join(slices.Sorted(maps.Keys(map[string]int{"b": 1, "a": 2})), "") + fmt.Sprint(xs)`); r.Value != "ab[1 2 3]" {
		t.Errorf("slices and maps: %v", r.Value)
	}
	if r := mustOK(t, e, "cell.Interrupted()"); r.Value != false { // the kernel's own rlvr/cell
		t.Errorf("cell.Interrupted() = %v", r.Value)
	}
	// Not a package: a variable of the cell, a global of an earlier cell
	// whose type is declared in a cell, a type's method set.
	mustOK(t, e, "type Q struct{}\nfunc (Q) Show() int { return 7 }\nvar plot Q")
	if r := mustOK(t, e, "plot.Show()"); r.Value != 7 {
		t.Errorf("plot.Show() = %v", r.Value)
	}
	if r := mustOK(t, e, "display := Q{}\ndisplay.Show()"); r.Value != 7 {
		t.Errorf("display.Show() = %v", r.Value)
	}
	if _, ok := e.pkgs["plot"]; ok {
		t.Error("rlvr/plot imported over a variable named plot")
	}
	if r := run(t, e, "x := nosuchpkg.Foo"); r.Err == nil || !strings.Contains(r.Err.Value, "undefined: nosuchpkg") {
		t.Errorf("unknown name: %+v", r.Err)
	}
	// html/template and text/template both have New: the shorter-path rule
	// cannot choose, so the first in order is taken and the kernel says so.
	mustOK(t, e, `_ = template.New("t")`)
	if e.pkgs["template"] != "html/template" || !strings.Contains(errb.String(), `imported "html/template" for template (also possible: "text/template")`) {
		t.Errorf("template: %q, stderr %q", e.pkgs["template"], errb.String())
	}
}

// The scan that decides whether a cell needs the checker at all.
func BenchmarkAutoImportScan(b *testing.B) {
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	e.pkgs["fmt"] = "fmt"
	code := strings.Repeat("x := compute(3)\nfmt.Println(x.Value, y.Field)\n", 20)
	for b.Loop() {
		e.autoImport(nil, code)
	}
}

func TestPkgName(t *testing.T) {
	for path, want := range map[string]string{"fmt": "fmt", "math/rand": "rand", "math/rand/v2": "rand", "rlvr/nn": "nn", "v2": "v2"} {
		if got := pkgName(nil, path); got != want {
			t.Errorf("pkgName(%q) = %q, want %q", path, got, want)
		}
	}
}

// Completion offers a package's names before the cell that uses it has
// imported it, as it will be when the cell runs.
func TestCompleteUnimported(t *testing.T) {
	e := newExecSymbols(t)
	for code, want := range map[string]string{"strings.ToU": "ToUpper", "slices.So": "Sort", "nn.Con": "Config", "rand.Int": "IntN"} {
		if got := complete(e, code); !slices.Contains(got, want) {
			t.Errorf("%q: %v lacks %s", code, got, want)
		}
	}
	mustOK(t, e, "type Q struct{ Field int }\nvar strings Q")
	if got := complete(e, "strings."); !slices.Equal(got, []string{"Field"}) {
		t.Errorf("a variable named strings: %v", got)
	}
}

// Inspecting name.Sel of a package not imported yet describes what the
// auto-import will bring; a variable of that name is described instead.
func TestInspectUnimported(t *testing.T) {
	e := newExecSymbols(t)
	if got, found := e.Inspect("x := strings.ToUpper", len("x := strings.ToUpper")); !found || !strings.Contains(got, "func strings.ToUpper(") || !strings.Contains(got, "ToUpper returns s with all Unicode letters") {
		t.Errorf("strings.ToUpper before any import: %v %q", found, got)
	}
	if got, found := e.Inspect("nn.Load", 4); !found || !strings.Contains(got, "func nn.Load(") {
		t.Errorf("nn.Load (cursor inside the name): %v %q", found, got)
	}
	mustOK(t, e, "type Q struct{ Field int }\nvar strings Q")
	if got, _ := e.Inspect("strings.Field", len("strings.Field")); strings.Contains(got, "package strings") || strings.Contains(got, "func strings.") {
		t.Errorf("a variable named strings described as the package: %q", got)
	}
}
