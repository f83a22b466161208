package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The limits of a thin cmd (ARCHITECTURE.md: flags, usage text and wiring
// only; issue 26): what grows past them belongs in a library package.
const (
	maxCmdLines = 1500 // all non-test .go files of cmd/rlvrworld together, under this
	maxFuncLine = 60   // lines of one function, declaration to closing brace
)

// TestCmdStaysThin fails when cmd/rlvrworld's non-test code reaches 1,500
// lines or one of its functions runs past 60 lines.
func TestCmdStaysThin(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	total, count := 0, 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		count++
		total += bytes.Count(src, []byte("\n"))
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; n > maxFuncLine {
				t.Errorf("%s: func %s is %d lines (at most %d): move its logic into a library package", name, fd.Name.Name, n, maxFuncLine)
			}
		}
	}
	if total >= maxCmdLines {
		t.Errorf("cmd/rlvrworld has %d lines of non-test code (under %d wanted): move logic into library packages", total, maxCmdLines)
	}
	t.Logf("cmd/rlvrworld: %d lines of non-test code in %d files", total, count)
}
