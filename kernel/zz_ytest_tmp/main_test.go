package ytest

import (
	"context"
	"testing"

	"github.com/rlvrworld/rlvrworld/kernel/exec"
	"github.com/rlvrworld/rlvrworld/stdlib/symbols"
	"github.com/traefik/yaegi/interp"
)

func TestFrames(t *testing.T) {
	e, err := exec.New(exec.Options{Symbols: []interp.Exports{symbols.Short()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{
		`x`,
		`x + 1`,
	} {
		r := e.Execute(context.Background(), code)
		t.Logf("%q -> %+v", code, r)
	}
}
