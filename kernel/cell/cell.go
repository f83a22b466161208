// Package cell is what the kernel gives a running notebook cell, importable
// from cells as "rlvr/cell". Its main use is the cell's context, which the
// kernel cancels on interrupt, so that long compiled library calls stop too:
//
//	import "rlvr/cell"
//	tr, _ := grpo.NewTrainer(model, task, cfg)
//	err := tr.Train(cell.Context(), data, steps, nil)
//
// The stdlib packages take a context.Context and know nothing of this
// package; the kernel installs the context before each cell runs.
package cell

import (
	"context"
	"sync"
)

var (
	mu  sync.RWMutex
	ctx = context.Background()
)

// Context returns the running cell's context. It is cancelled when the user
// interrupts the cell, and when the cell ends. Outside a kernel it is
// context.Background().
func Context() context.Context {
	mu.RLock()
	defer mu.RUnlock()
	return ctx
}

// Interrupted reports whether the running cell has been interrupted; loops in
// interpreted code may poll it, although the kernel also stops them itself.
func Interrupted() bool { return Context().Err() != nil }

// SetContext installs c as the running cell's context. Only the kernel calls
// it (it is not exported to cells).
func SetContext(c context.Context) {
	if c == nil {
		c = context.Background()
	}
	mu.Lock()
	ctx = c
	mu.Unlock()
}
