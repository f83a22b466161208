// Package comm is the Jupyter comm protocol as cell code sees it: a Comm is
// a named, two-way channel between an object in the kernel and one in the
// front end (an ipywidgets model, a custom view). Either side opens it; both
// send messages over it; either closes it.
//
// The package knows nothing of the kernel. Messages to the front end go to a
// Transport, which the kernel installs (it turns them into comm_open,
// comm_msg and comm_close on iopub); the kernel hands the front end's
// messages to Deliver*, which runs the callbacks that cells registered. The
// kernel runs those callbacks one at a time under the interpreter's lock,
// so a callback may touch any cell variable. Without a kernel the default
// transport drops outgoing messages, so code that uses comms still runs in a
// Go program or a test.
//
//	comm.RegisterTarget("echo", func(c *comm.Comm, open comm.Message) {
//		c.OnMsg(func(m comm.Message) { c.Send(m.Data, nil) })
//	})
package comm

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"sync"
)

// Message is the content of a comm message: JSON data, optional metadata
// and binary buffers.
type Message struct {
	Data     map[string]any
	Metadata map[string]any
	Buffers  [][]byte
}

// Transport carries comm messages to the front end. The kernel installs one
// with SetTransport.
type Transport interface {
	// Open announces a comm the kernel opened (comm_open).
	Open(id, target string, m Message)
	// Send sends a message on a comm (comm_msg).
	Send(id string, m Message)
	// Close closes a comm (comm_close).
	Close(id string, m Message)
	// Run runs f the way the kernel runs callbacks: under the interpreter's
	// lock, interruptible, with panics reported as the cell's error output.
	// Goroutines that call back into cell code (a debounced rerun) use it.
	Run(f func())
}

// Comm is one open comm.
type Comm struct {
	id, target string

	mu      sync.Mutex
	onMsg   func(Message)
	onClose func(Message)
	closed  bool
}

// ID is the comm's id, shared by both ends.
func (c *Comm) ID() string { return c.id }

// Target is the name of the target the comm was opened with.
func (c *Comm) Target() string { return c.target }

// OnMsg sets the callback for the front end's messages on c.
func (c *Comm) OnMsg(f func(Message)) {
	c.mu.Lock()
	c.onMsg = f
	c.mu.Unlock()
}

// OnClose sets the callback run when the front end closes c.
func (c *Comm) OnClose(f func(Message)) {
	c.mu.Lock()
	c.onClose = f
	c.mu.Unlock()
}

// Send sends data (and binary buffers) to the front end's end of c. It does
// nothing once c is closed.
func (c *Comm) Send(data map[string]any, buffers [][]byte) {
	c.SendMessage(Message{Data: data, Buffers: buffers})
}

// SendMessage sends m, metadata included, on c.
func (c *Comm) SendMessage(m Message) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if !closed {
		currentTransport().Send(c.id, m)
	}
}

// Close closes c from the kernel's side, telling the front end.
func (c *Comm) Close(data map[string]any) {
	if c.markClosed() {
		currentTransport().Close(c.id, Message{Data: data})
	}
}

// Closed reports whether c has been closed by either side.
func (c *Comm) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *Comm) markClosed() bool {
	c.mu.Lock()
	was := c.closed
	c.closed = true
	c.mu.Unlock()
	if !was {
		reg.mu.Lock()
		delete(reg.comms, c.id)
		reg.mu.Unlock()
	}
	return !was
}

// Handler is run when the front end opens a comm to a target: open is the
// comm_open message's content. It usually sets c's callbacks.
type Handler func(c *Comm, open Message)

var reg = struct {
	mu        sync.Mutex
	targets   map[string]Handler
	comms     map[string]*Comm
	transport Transport
}{targets: map[string]Handler{}, comms: map[string]*Comm{}, transport: dropTransport{}}

// RegisterTarget makes target openable from the front end; a second call
// with the same name replaces the handler (re-running a cell is fine).
func RegisterTarget(target string, h Handler) {
	reg.mu.Lock()
	reg.targets[target] = h
	reg.mu.Unlock()
}

// UnregisterTarget removes a target; comms already open stay open.
func UnregisterTarget(target string) {
	reg.mu.Lock()
	delete(reg.targets, target)
	reg.mu.Unlock()
}

// Open opens a comm from the kernel's side to the front end's target,
// sending m with the comm_open.
func Open(target string, m Message) *Comm {
	c := &Comm{id: NewID(), target: target}
	reg.mu.Lock()
	reg.comms[c.id] = c
	t := reg.transport
	reg.mu.Unlock()
	t.Open(c.id, target, m)
	return c
}

// NewID returns a fresh comm id (32 hex digits, as Jupyter's uuid4().hex).
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("comm: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// Info lists the open comms' ids with their targets, those of one target
// when target is not empty (the comm_info_reply).
func Info(target string) map[string]string {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	out := map[string]string{}
	for id, c := range reg.comms {
		if target == "" || c.target == target {
			out[id] = c.target
		}
	}
	return out
}

// Targets lists the registered target names, sorted.
func Targets() []string {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	out := make([]string, 0, len(reg.targets))
	for t := range reg.targets {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// SetTransport installs t and returns the previous transport; nil restores
// the default, which drops outgoing messages. Only the kernel and tests
// call it.
func SetTransport(t Transport) Transport {
	if t == nil {
		t = dropTransport{}
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	prev := reg.transport
	reg.transport = t
	return prev
}

func currentTransport() Transport {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return reg.transport
}

// Run runs f as the kernel runs callbacks (see Transport.Run). Without a
// kernel it calls f under a package lock.
func Run(f func()) { currentTransport().Run(f) }

// DeliverOpen handles a comm_open from the front end: it runs the target's
// handler. It fails, and opens nothing, when no such target is registered;
// the kernel then closes the comm, as ipykernel does.
func DeliverOpen(id, target string, m Message) error {
	reg.mu.Lock()
	h, ok := reg.targets[target]
	_, dup := reg.comms[id]
	var c *Comm
	if ok && !dup {
		c = &Comm{id: id, target: target}
		reg.comms[id] = c
	}
	reg.mu.Unlock()
	switch {
	case !ok:
		return fmt.Errorf("comm_open: no target %q", target)
	case dup:
		return fmt.Errorf("comm_open: comm %s is already open", id)
	}
	h(c, m)
	return nil
}

// DeliverMsg handles a comm_msg from the front end: it runs the comm's
// OnMsg callback. It fails when no comm has that id.
func DeliverMsg(id string, m Message) error {
	c := lookup(id)
	if c == nil {
		return fmt.Errorf("comm_msg: no open comm %s", id)
	}
	c.mu.Lock()
	f := c.onMsg
	c.mu.Unlock()
	if f != nil {
		f(m)
	}
	return nil
}

// DeliverClose handles a comm_close from the front end: it runs the comm's
// OnClose callback and forgets it. It fails when no comm has that id.
func DeliverClose(id string, m Message) error {
	c := lookup(id)
	if c == nil {
		return fmt.Errorf("comm_close: no open comm %s", id)
	}
	c.markClosed()
	c.mu.Lock()
	f := c.onClose
	c.mu.Unlock()
	if f != nil {
		f(m)
	}
	return nil
}

// Lookup returns the open comm with id, or nil.
func Lookup(id string) *Comm { return lookup(id) }

func lookup(id string) *Comm {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return reg.comms[id]
}

// dropTransport is the transport outside a kernel: nothing listens, so
// messages are dropped, and Run serializes callbacks with a lock.
type dropTransport struct{}

var runMu sync.Mutex

func (dropTransport) Open(string, string, Message) {}
func (dropTransport) Send(string, Message)         {}
func (dropTransport) Close(string, Message)        {}
func (dropTransport) Run(f func()) {
	runMu.Lock()
	defer runMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "comm callback failed: panic: %v\n", r)
		}
	}()
	f()
}
