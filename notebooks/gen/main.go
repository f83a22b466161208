// Command gen assembles the teaching notebooks (notebooks/*.ipynb) from
// their readable sources (notebooks/src/*.cells), so that a notebook's text
// is reviewed as plain Markdown and Go rather than as JSON.
//
// A source file is a sequence of cells, each opened by a marker line:
//
//	%% md      a Markdown cell
//	%% go      a Go code cell
//
// Usage:
//
//	go run ./notebooks/gen            write every notebook whose cells changed
//	go run ./notebooks/gen -check     fail when a notebook's cells differ from its source,
//	                                  or when it was not run (a code cell without an execution count)
//
// Writing keeps the saved outputs of a notebook whose code cells are
// unchanged (only Markdown edited); a notebook whose code changed is written
// without outputs, to be run with
// `bin/rlvrworld run notebooks/NAME.ipynb` (which saves the outputs in place).
// Cell ids are derived from the notebook's name and the cell's position, so
// regenerating gives the same file and diffs stay small.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

// cell is one parsed source cell.
type cell struct {
	Kind   string // "markdown" or "code"
	Source string
	// Tags become the cell's metadata tags: `%% go raises-exception` marks a
	// cell whose error is the point (nbconvert and rlvrworld run accept it).
	Tags []string
}

func main() {
	check := flag.Bool("check", false, "only check that every notebook matches its source")
	dir := flag.String("dir", "notebooks", "folder of the notebooks; sources are in DIR/src")
	flag.Parse()
	srcs, err := filepath.Glob(filepath.Join(*dir, "src", "*.cells"))
	if err != nil || len(srcs) == 0 {
		fmt.Fprintf(os.Stderr, "gen: no sources in %s/src (%v)\n", *dir, err)
		os.Exit(1)
	}
	sort.Strings(srcs)
	bad := 0
	for _, src := range srcs {
		name := strings.TrimSuffix(filepath.Base(src), ".cells")
		nbPath := filepath.Join(*dir, name+".ipynb")
		if err := one(src, nbPath, name, *check); err != nil {
			fmt.Fprintf(os.Stderr, "gen: %v\n", err)
			bad++
		}
	}
	if bad > 0 {
		if *check {
			fmt.Fprintln(os.Stderr, "gen: run `go run ./notebooks/gen` and re-run the changed notebooks")
		}
		os.Exit(1)
	}
}

// parse splits a source file into cells.
func parse(text, path string) ([]cell, error) {
	var cells []cell
	var cur *cell
	var lines []string
	flush := func() {
		if cur != nil {
			cur.Source = strings.Trim(strings.Join(lines, "\n"), "\n")
			cells = append(cells, *cur)
		}
		lines = nil
	}
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "%% ") {
			flush()
			words := strings.Fields(line[3:])
			if len(words) == 0 {
				words = []string{""}
			}
			switch words[0] {
			case "md":
				cur = &cell{Kind: "markdown", Tags: words[1:]}
			case "go":
				cur = &cell{Kind: "code", Tags: words[1:]}
			default:
				return nil, fmt.Errorf("%s:%d: unknown cell marker %q (want %%%% md or %%%% go)", path, i+1, line)
			}
			continue
		}
		if cur == nil {
			if strings.TrimSpace(line) != "" {
				return nil, fmt.Errorf("%s:%d: text before the first cell marker", path, i+1)
			}
			continue
		}
		lines = append(lines, line)
	}
	flush()
	for i, c := range cells {
		if c.Source == "" {
			return nil, fmt.Errorf("%s: cell %d is empty", path, i+1)
		}
	}
	return cells, nil
}

// metadata is the cell's nbformat metadata, in the form json.Unmarshal
// gives back, so that an unchanged notebook compares equal.
func (c cell) metadata() map[string]any {
	if len(c.Tags) == 0 {
		return map[string]any{}
	}
	tags := make([]any, len(c.Tags))
	for i, t := range c.Tags {
		tags[i] = t
	}
	return map[string]any{"tags": tags}
}

// splitLines is nbformat's multi-line string form: lines keeping their
// newline, the last without one.
func splitLines(s string) []string {
	parts := strings.SplitAfter(s, "\n")
	if len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

func joinSource(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case []any:
		var sb strings.Builder
		for _, p := range s {
			if str, ok := p.(string); ok {
				sb.WriteString(str)
			}
		}
		return sb.String()
	}
	return ""
}

// sameCells reports whether a notebook's cells have the kinds and sources
// of the parsed source.
func sameCells(nb map[string]any, cells []cell) bool {
	have, _ := nb["cells"].([]any)
	if len(have) != len(cells) {
		return false
	}
	for i, c := range cells {
		m, _ := have[i].(map[string]any)
		if m == nil || m["cell_type"] != c.Kind || joinSource(m["source"]) != c.Source {
			return false
		}
		meta, _ := m["metadata"].(map[string]any)
		if !reflect.DeepEqual(meta, c.metadata()) {
			return false
		}
	}
	return true
}

// sameCode reports whether a notebook's code cells have the sources of the
// parsed source's code cells, in order.
func sameCode(nb map[string]any, cells []cell) bool {
	have, _ := nb["cells"].([]any)
	var a, b []string
	for _, c := range have {
		if m, _ := c.(map[string]any); m != nil && m["cell_type"] == "code" {
			a = append(a, joinSource(m["source"]))
		}
	}
	for _, c := range cells {
		if c.Kind == "code" {
			b = append(b, c.Source)
		}
	}
	return reflect.DeepEqual(a, b)
}

func one(src, nbPath, name string, check bool) error {
	text, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	cells, err := parse(string(text), src)
	if err != nil {
		return err
	}
	var old map[string]any
	if b, err := os.ReadFile(nbPath); err == nil {
		if err := json.Unmarshal(b, &old); err != nil {
			return fmt.Errorf("%s: %w", nbPath, err)
		}
	} else if !os.IsNotExist(err) {
		return err
	}
	if check {
		if old == nil {
			return fmt.Errorf("%s is missing (source %s)", nbPath, src)
		}
		if !sameCells(old, cells) {
			return fmt.Errorf("%s differs from its source %s", nbPath, src)
		}
		// Notebooks are committed with their outputs: every code cell ran.
		for i, c := range old["cells"].([]any) {
			if m := c.(map[string]any); m["cell_type"] == "code" && m["execution_count"] == nil {
				return fmt.Errorf("%s: cell %d has not run (save it with outputs: bin/rlvrworld run %s)", nbPath, i+1, nbPath)
			}
		}
		return nil
	}
	if old != nil && sameCells(old, cells) {
		return nil // keep the saved outputs
	}
	// When only Markdown changed (the code cells are the same, in the same
	// order), the saved outputs still belong to the code: keep them.
	var keep []map[string]any
	if old != nil && sameCode(old, cells) {
		for _, c := range old["cells"].([]any) {
			if m := c.(map[string]any); m["cell_type"] == "code" {
				keep = append(keep, m)
			}
		}
	}
	prefix := strings.SplitN(name, "-", 2)[0]
	var out []any
	for i, c := range cells {
		m := map[string]any{
			"cell_type": c.Kind,
			"id":        fmt.Sprintf("nb%s-%02d", prefix, i+1),
			"metadata":  c.metadata(),
			"source":    splitLines(c.Source),
		}
		if c.Kind == "code" {
			m["execution_count"] = nil
			m["outputs"] = []any{}
			if len(keep) > 0 {
				m["execution_count"], m["outputs"] = keep[0]["execution_count"], keep[0]["outputs"]
				keep = keep[1:]
			}
		}
		out = append(out, m)
	}
	nb := map[string]any{
		"cells": out,
		"metadata": map[string]any{
			"kernelspec":    map[string]any{"name": "rlvrworld", "display_name": "Go (RLVR-World)", "language": "go"},
			"language_info": map[string]any{"name": "go", "file_extension": ".go", "mimetype": "text/x-go"},
		},
		"nbformat":       4,
		"nbformat_minor": 5,
	}
	// Kept outputs keep the metadata the run saved beside them: the
	// kernel's language_info and the widgets' last state.
	if keep != nil || (old != nil && sameCode(old, cells)) {
		if meta, ok := old["metadata"].(map[string]any); ok {
			nb["metadata"] = meta
		}
	}
	if old != nil && reflect.DeepEqual(old, nb) {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb); err != nil {
		return err
	}
	if keep != nil || (old != nil && sameCode(old, cells)) {
		fmt.Fprintf(os.Stderr, "gen: wrote %s (%d cells; Markdown changed, outputs kept)\n", nbPath, len(cells))
	} else {
		fmt.Fprintf(os.Stderr, "gen: wrote %s (%d cells, no outputs: run it)\n", nbPath, len(cells))
	}
	return os.WriteFile(nbPath, buf.Bytes(), 0o644)
}
