package exec

import (
	"context"
	"fmt"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/traefik/yaegi/interp"

	"github.com/rlvrworld/rlvrworld/kernel/cell"
)

// Callbacks (a widget's OnChange, a comm's OnMsg) are interpreted functions
// that compiled code calls outside any cell. yaegi stops interpreted code
// only inside an evaluation it was given a context for, so Call runs the
// callback inside one: it evaluates a call of a compiled trampoline,
// callPkg.Run, which calls the callback. An interrupt then stops the
// callback's interpreted code as it stops a cell's.

// callImport is the trampoline's import path and local name in the
// interpreter; the name cannot clash with a cell's (cells cannot declare
// identifiers that start with two underscores and "rlvr" by accident).
const (
	callImport = "rlvrkernel/call"
	callName   = "__rlvrkernelcall"
)

// caller is the trampoline's state: the function to run and how it ended.
type caller struct {
	f        func()
	panicked any
	stack    []byte
}

func (c *caller) run() {
	defer func() {
		if r := recover(); r != nil {
			c.panicked, c.stack = r, debug.Stack()
		}
	}()
	c.f()
}

// Call runs f, which may call interpreted functions, so that ctx interrupts
// them and a panic in them is an Error (Name "panic"); the interpreter
// keeps its state either way. rlvr/cell's Context is ctx while f runs.
// Like Execute, Call must not run concurrently with Execute or another Call.
func (e *Executor) Call(ctx context.Context, f func()) *Error {
	if e.zombie != "" {
		waitZombie(e.zombie, ZombieWait)
		e.zombie = ""
	}
	if e.call == nil {
		c := &caller{}
		sym := interp.Exports{callImport + "/call": {"Run": reflect.ValueOf(c.run)}}
		if err := e.in.Use(sym); err != nil {
			return &Error{Name: "Error", Value: err.Error(), Traceback: []string{"Error: " + err.Error()}}
		}
		if _, err := e.in.Eval(`import ` + callName + ` "` + callImport + `"`); err != nil {
			return &Error{Name: "Error", Value: err.Error(), Traceback: []string{"Error: " + err.Error()}}
		}
		e.call = c
	}
	e.label = strconv.FormatInt(cellSeq.Add(1), 10)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cell.SetContext(ctx)
	defer cell.SetContext(nil)
	e.mu.Lock()
	e.panics = nil
	e.mu.Unlock()

	c := e.call
	c.f, c.panicked, c.stack = f, nil, nil
	defer func() { c.f = nil }()
	_, err := e.evalLabelled(ctx, callName+".Run()")
	switch {
	case ctx.Err() != nil:
		e.zombie = e.label
		return &Error{Name: "Interrupted", Value: "callback interrupted", Traceback: []string{"Interrupted: callback interrupted"}}
	case c.panicked != nil:
		v := fmt.Sprint(c.panicked)
		tb := []string{"panic: " + v}
		e.mu.Lock()
		for _, l := range e.panics {
			tb = append(tb, "    "+cellPos(l))
		}
		e.mu.Unlock()
		if len(tb) == 1 {
			// No interpreted frames were reported: the compiled stack says
			// where it was.
			tb = append(tb, strings.Split(strings.TrimSpace(string(c.stack)), "\n")...)
		}
		return &Error{Name: "panic", Value: v, Traceback: tb}
	case err != nil:
		return e.toError(ctx, err)
	}
	return nil
}
