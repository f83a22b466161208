package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := "\n%% md\n# Title\n\ntext\n%% go\nx := 1\n\nx\n\n%% md\nend\n%% go raises-exception\npanic(1)\n"
	cells, err := parse(src, "t.cells")
	if err != nil {
		t.Fatal(err)
	}
	want := []cell{
		{Kind: "markdown", Source: "# Title\n\ntext", Tags: []string{}},
		{Kind: "code", Source: "x := 1\n\nx", Tags: []string{}},
		{Kind: "markdown", Source: "end", Tags: []string{}},
		{Kind: "code", Source: "panic(1)", Tags: []string{"raises-exception"}},
	}
	if len(cells) != len(want) {
		t.Fatalf("got %d cells, want %d: %+v", len(cells), len(want), cells)
	}
	if got := cells[3].metadata(); !reflect.DeepEqual(got, map[string]any{"tags": []any{"raises-exception"}}) {
		t.Errorf("metadata of a tagged cell = %v", got)
	}
	if got := cells[0].metadata(); len(got) != 0 {
		t.Errorf("metadata of an untagged cell = %v, want empty", got)
	}
	for i := range want {
		if !reflect.DeepEqual(cells[i], want[i]) {
			t.Errorf("cell %d = %+v, want %+v", i, cells[i], want[i])
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, src := range []string{
		"text before\n%% md\nx",    // text before the first marker
		"%% python\nprint(1)",      // unknown marker
		"%% md\n\n%% go\nx := 1\n", // empty cell
	} {
		if _, err := parse(src, "bad.cells"); err == nil {
			t.Errorf("parse(%q) succeeded, want an error", src)
		}
	}
}

// TestWriteCheck writes a notebook, checks it, keeps its outputs when the
// source is unchanged, and reports drift after the source changes.
func TestWriteCheck(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src", "07-demo.cells")
	nb := filepath.Join(dir, "07-demo.ipynb")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(s string) {
		if err := os.WriteFile(src, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("%% md\n# Demo\n%% go\nfmt.Println(1)\n")
	if err := one(src, nb, "07-demo", true); err == nil {
		t.Fatal("check of a missing notebook succeeded")
	}
	if err := one(src, nb, "07-demo", false); err != nil {
		t.Fatal(err)
	}
	if err := one(src, nb, "07-demo", true); err == nil || !strings.Contains(err.Error(), "has not run") {
		t.Fatalf("check of a notebook never run: %v, want a 'has not run' error", err)
	}
	var m map[string]any
	b, _ := os.ReadFile(nb)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["nbformat"].(float64) != 4 || m["nbformat_minor"].(float64) != 5 {
		t.Errorf("nbformat %v.%v, want 4.5", m["nbformat"], m["nbformat_minor"])
	}
	cells := m["cells"].([]any)
	if id := cells[1].(map[string]any)["id"]; id != "nb07-02" {
		t.Errorf("cell id %v, want nb07-02", id)
	}
	// Simulate a run: outputs saved into the notebook survive a regeneration.
	cells[1].(map[string]any)["outputs"] = []any{map[string]any{"output_type": "stream", "name": "stdout", "text": "1\n"}}
	cells[1].(map[string]any)["execution_count"] = 1
	m["metadata"].(map[string]any)["widgets"] = map[string]any{"application/vnd.jupyter.widget-state+json": map[string]any{"state": map[string]any{}}}
	b, _ = json.Marshal(m)
	if err := os.WriteFile(nb, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := one(src, nb, "07-demo", true); err != nil {
		t.Fatalf("check of a run notebook: %v", err)
	}
	if err := one(src, nb, "07-demo", false); err != nil {
		t.Fatal(err)
	}
	if b2, _ := os.ReadFile(nb); string(b2) != string(b) {
		t.Error("regenerating an unchanged source rewrote the notebook")
	}
	// A Markdown edit keeps the outputs of the unchanged code.
	write("%% md\n# Demo, edited\n%% go\nfmt.Println(1)\n")
	if err := one(src, nb, "07-demo", false); err != nil {
		t.Fatal(err)
	}
	if err := one(src, nb, "07-demo", true); err != nil {
		t.Fatalf("check after a Markdown edit: %v (outputs lost?)", err)
	}
	if b, _ := os.ReadFile(nb); !strings.Contains(string(b), "widget-state") {
		t.Error("a Markdown edit dropped the run's notebook metadata (the widgets' saved state)")
	}
	write("%% md\n# Demo\n%% go\nfmt.Println(2)\n")
	if err := one(src, nb, "07-demo", true); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("check after a source change: %v, want a 'differs' error", err)
	}
	if err := one(src, nb, "07-demo", false); err != nil {
		t.Fatal(err)
	}
	if err := one(src, nb, "07-demo", true); err == nil || !strings.Contains(err.Error(), "has not run") {
		t.Fatalf("a code change kept stale outputs: %v", err)
	}
}

// FuzzParse: any text parses or fails cleanly, and parsed cells are never empty.
func FuzzParse(f *testing.F) {
	f.Add("%% md\n# T\n%% go\nx\n")
	f.Add("%% go\n%% md\n")
	f.Add("\n\n%% md\r\nx\n%%  go \ny")
	f.Add("%% ")
	f.Fuzz(func(t *testing.T, s string) {
		cells, err := parse(s, "fuzz.cells")
		if err != nil {
			return
		}
		for _, c := range cells {
			if c.Source == "" || (c.Kind != "markdown" && c.Kind != "code") {
				t.Fatalf("bad cell %+v from %q", c, s)
			}
		}
	})
}
