package contents

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Opening a shipped notebook and saving it unchanged writes the file byte
// for byte as it was (their sources are lists of lines, their outputs one
// string each): a save by the browser does not churn the teaching version.
func TestSaveKeepsShippedNotebooksByteForByte(t *testing.T) {
	shipped, _ := filepath.Glob("../../notebooks/*.ipynb")
	if len(shipped) < 7 {
		t.Fatalf("found %d shipped notebooks, want the 7 of notebooks/", len(shipped))
	}
	m, _ := newManager(t)
	for _, src := range shipped {
		name := filepath.Base(src)
		orig, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(m.Root(), name), orig, 0o644); err != nil {
			t.Fatal(err)
		}
		md, err := m.Get(name, GetOptions{Content: true})
		if err != nil {
			t.Fatal(err)
		}
		// Through JSON, as the browser sends it back.
		body, err := json.Marshal(md.Content)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.Save(name, SaveModel{Type: "notebook", Content: json.RawMessage(body)}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, _ := os.ReadFile(filepath.Join(m.Root(), name))
		if string(got) != string(orig) {
			t.Errorf("%s: saving it unchanged changed %d of its %d lines", name, changedLines(string(orig), string(got)), strings.Count(string(orig), "\n"))
		}
	}
}

// changedLines counts the lines of a that differ from b's at the same place,
// plus the difference in length.
func changedLines(a, b string) int {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	n := 0
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			n++
		}
	}
	if len(la) > len(lb) {
		return n + len(la) - len(lb)
	}
	return n + len(lb) - len(la)
}

// A save keeps each kind's form from the file it replaces, whatever form
// the body uses; a new file, and a kind the file did not have, get lists of
// lines.
func TestSaveKeepsLineForms(t *testing.T) {
	m, _ := newManager(t)
	ids := 0
	cell := func(source any, outputs ...any) map[string]any {
		ids++
		return map[string]any{"id": fmt.Sprint("c", ids), "cell_type": "code", "metadata": map[string]any{},
			"source": source, "execution_count": nil, "outputs": append([]any{}, outputs...)}
	}
	nb := func(cells ...any) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": cells})
		return b
	}
	stream := func(text any) map[string]any {
		return map[string]any{"output_type": "stream", "name": "stdout", "text": text}
	}
	display := func(html any) map[string]any {
		return map[string]any{"output_type": "display_data", "metadata": map[string]any{},
			"data": map[string]any{"text/html": html, "application/json": map[string]any{"a": "b\nc"}}}
	}
	save := func(body json.RawMessage) map[string]any {
		t.Helper()
		if _, _, err := m.Save("f.ipynb", SaveModel{Type: "notebook", Content: body}); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(filepath.Join(m.Root(), "f.ipynb"))
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	field := func(v map[string]any, path ...any) any {
		var at any = v
		for _, p := range path {
			switch k := p.(type) {
			case string:
				at = at.(map[string]any)[k]
			case int:
				at = at.([]any)[k]
			}
		}
		return at
	}
	lines := []any{"a\n", "b"}

	// A new file: lists of lines everywhere (nbformat's writer form).
	v := save(nb(cell("a\nb", stream("a\nb"), display("a\nb"))))
	for _, p := range [][]any{{"cells", 0, "source"}, {"cells", 0, "outputs", 0, "text"}, {"cells", 0, "outputs", 1, "data", "text/html"}} {
		if got := field(v, p...); !jsonEqual(got, lines) {
			t.Errorf("new file: %v = %#v, want lines", p, got)
		}
	}
	if got := field(v, "cells", 0, "outputs", 1, "data", "application/json", "a"); got != "b\nc" {
		t.Errorf("JSON output data changed: %#v", got)
	}

	// A file with sources as one string and outputs as lines keeps them,
	// whatever form the body sends.
	os.WriteFile(filepath.Join(m.Root(), "f.ipynb"), nb(cell("x"), cell([]any{"y"}, stream([]any{"z\n"}))), 0o644)
	v = save(nb(cell(lines, stream("a\nb"), display(lines)), cell("a\nb")))
	for _, p := range [][]any{{"cells", 0, "source"}, {"cells", 1, "source"}} {
		if got := field(v, p...); got != "a\nb" {
			t.Errorf("string sources: %v = %#v, want one string", p, got)
		}
	}
	for _, p := range [][]any{{"cells", 0, "outputs", 0, "text"}, {"cells", 0, "outputs", 1, "data", "text/html"}} {
		if got := field(v, p...); !jsonEqual(got, lines) {
			t.Errorf("line outputs: %v = %#v, want lines", p, got)
		}
	}

	// A file with sources as lines and no output yet: outputs get lines; a
	// file whose only output is display data as one string gives stream
	// text one string too.
	os.WriteFile(filepath.Join(m.Root(), "f.ipynb"), nb(cell([]any{"x"})), 0o644)
	if got := field(save(nb(cell("a\nb", stream("a\nb")))), "cells", 0, "outputs", 0, "text"); !jsonEqual(got, lines) {
		t.Errorf("first output: %#v, want lines", got)
	}
	os.WriteFile(filepath.Join(m.Root(), "f.ipynb"), nb(cell([]any{"x"}, display("h"))), 0o644)
	if got := field(save(nb(cell("a\nb", stream("a\nb")))), "cells", 0, "outputs", 0, "text"); got != "a\nb" {
		t.Errorf("stream after string data: %#v, want one string", got)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
