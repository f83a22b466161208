package exec

import (
	"bytes"
	"context"
	"reflect"
	"runtime/pprof"
	"sync/atomic"
	"time"
	"unsafe"
)

// An interrupt makes EvalWithContext return at once, while yaegi's own
// goroutine for that evaluation (the "zombie") stops only when it next
// checks its run id: at once in interpreted code, but only after the
// current compiled call returns otherwise. If the next evaluation starts
// first, yaegi resets the run id of the global frame and the zombie comes
// back to life (an interrupted training loop would go on in the
// background). So before the next cell, the executor waits for the zombie
// to end.
//
// yaegi does not expose that goroutine. It is found through a pprof label:
// evaluations run under a label unique to the cell, which goroutines
// inherit, and the goroutine profile lists the labelled goroutines still
// inside yaegi's EvalWithContext or ExecuteWithContext.
//
// The race detector does not see polling as synchronisation, so under
// -race a test that interrupts a cell and runs another may be reported even
// though the zombie had ended.

const labelKey = "rlvr-cell"

var cellSeq atomic.Int64

// evalLabelled is EvalWithContext under the running cell's label.
func (e *Executor) evalLabelled(ctx context.Context, src string) (v reflect.Value, err error) {
	pprof.Do(ctx, pprof.Labels(labelKey, e.label), func(context.Context) {
		v, err = e.in.EvalWithContext(ctx, src)
	})
	return v, err
}

// zombieAlive reports whether a goroutine labelled id is still running an
// interrupted evaluation.
func zombieAlive(id string) bool {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return false
	}
	label := []byte(`"` + labelKey + `":"` + id + `"`)
	for _, g := range bytes.Split(buf.Bytes(), []byte("\n\n")) {
		if bytes.Contains(g, label) && (bytes.Contains(g, []byte("EvalWithContext.func")) || bytes.Contains(g, []byte("ExecuteWithContext.func"))) {
			return true
		}
	}
	return false
}

// waitZombie waits up to max for the interrupted evaluation of cell id to
// end; it reports whether it did.
func waitZombie(id string, max time.Duration) bool {
	deadline := time.Now().Add(max)
	for zombieAlive(id) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// dropRoots empties yaegi's list of the root nodes of every program it
// compiled, which only its debugger reads and which otherwise keeps every
// cell's syntax tree alive (most of the kernel's growth per executed cell:
// 6.8 KB per `1+1`). Declared functions and types stay reachable through
// the interpreter's scopes. The field is unexported, so it is reached by
// reflection; if a yaegi version renames it, nothing is done.
func (e *Executor) dropRoots() {
	f := reflect.ValueOf(e.in).Elem().FieldByName("roots")
	if !f.IsValid() || f.Kind() != reflect.Slice || !f.CanAddr() {
		return
	}
	f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	f.Set(reflect.Zero(f.Type()))
}
