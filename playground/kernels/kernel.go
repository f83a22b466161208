package kernels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
)

// Options configures a Manager. The zero value of each field has a default.
type Options struct {
	Specs        []Spec        // the kernelspecs offered; required
	Default      string        // default spec name; the first spec when empty
	Dir          string        // private folder for connection files; a new temporary one when empty
	KernelDir    string        // working directory of kernel processes; the server's when empty
	KernelOutput io.Writer     // where kernels' own stdout and stderr go; os.Stderr when nil
	Log          *log.Logger   // server-side log; the standard logger when nil
	StartTimeout time.Duration // how long a kernel may take to answer kernel_info; 60 s when zero
	RestartLimit int           // automatic restarts in a row before a kernel is declared dead; 5 when zero
	// StableAfter is how long a kernel must live for its restart count to
	// reset; 10 s when zero.
	StableAfter time.Duration
	// HeartbeatInterval is the period of heartbeat pings; 5 s when zero,
	// none when negative. HeartbeatMisses in a row (3 when zero) mean a hung
	// kernel, which is killed and restarted.
	HeartbeatInterval time.Duration
	HeartbeatMisses   int
	// ShutdownGrace is how long a kernel gets to exit after a
	// shutdown_request before it is signalled; 2 s when zero.
	ShutdownGrace time.Duration
	// ClientBuffer is how many messages may wait for one slow client before
	// it is disconnected; 16384 when zero.
	ClientBuffer int
	// ClientBytes is how many bytes of messages may wait for one slow
	// client before it is disconnected; 64 MiB when zero. Counting bytes,
	// not only messages, is what bounds the server's memory: one paused
	// client under a cell that displays megabytes per message would
	// otherwise hold gigabytes.
	ClientBytes int64
	// MemoryLimit, when positive, is the most resident memory one kernel
	// process may use: past it the kernel is killed and restarted, and its
	// clients are told why. Zero is no limit.
	MemoryLimit int64
}

// Manager owns the running kernels.
type Manager struct {
	opts    Options
	specs   map[string]Spec
	dir     string
	ownDir  bool
	zlog    *log.Logger
	mu      sync.Mutex
	kernels map[string]*Kernel
	closed  bool
}

// NewManager checks the specs and prepares the private folder (mode 0700).
func NewManager(opts Options) (*Manager, error) {
	if len(opts.Specs) == 0 {
		return nil, errors.New("kernels: no kernelspecs")
	}
	m := &Manager{opts: opts, specs: map[string]Spec{}, kernels: map[string]*Kernel{}}
	for _, s := range opts.Specs {
		if err := s.validate(); err != nil {
			return nil, err
		}
		if _, dup := m.specs[s.Name]; dup {
			return nil, fmt.Errorf("kernels: kernelspec %q given twice", s.Name)
		}
		m.specs[s.Name] = s
	}
	if m.opts.Default == "" {
		m.opts.Default = opts.Specs[0].Name
	}
	if _, ok := m.specs[m.opts.Default]; !ok {
		return nil, fmt.Errorf("kernels: default kernelspec %q is not among the specs", m.opts.Default)
	}
	if m.opts.KernelOutput == nil {
		m.opts.KernelOutput = os.Stderr
	}
	if m.opts.Log == nil {
		m.opts.Log = log.Default()
	}
	if m.opts.StartTimeout == 0 {
		m.opts.StartTimeout = 60 * time.Second
	}
	if m.opts.RestartLimit == 0 {
		m.opts.RestartLimit = 5
	}
	if m.opts.StableAfter == 0 {
		m.opts.StableAfter = 10 * time.Second
	}
	if m.opts.HeartbeatInterval == 0 {
		m.opts.HeartbeatInterval = 5 * time.Second
	}
	if m.opts.HeartbeatMisses == 0 {
		m.opts.HeartbeatMisses = 3
	}
	if m.opts.ShutdownGrace == 0 {
		m.opts.ShutdownGrace = 2 * time.Second
	}
	if m.opts.ClientBuffer == 0 {
		m.opts.ClientBuffer = 16384
	}
	if m.opts.ClientBytes == 0 {
		m.opts.ClientBytes = 64 << 20
	}
	// zmq4 logs every dropped connection; keep that quiet unless asked.
	m.zlog = log.New(io.Discard, "", 0)
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("kernels: make connection folder: %w", err)
		}
		if err := os.Chmod(opts.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("kernels: make connection folder private: %w", err)
		}
		m.dir = opts.Dir
	} else {
		d, err := os.MkdirTemp("", "rlvrworld-kernels-")
		if err != nil {
			return nil, fmt.Errorf("kernels: make connection folder: %w", err)
		}
		m.dir, m.ownDir = d, true
	}
	return m, nil
}

func (m *Manager) logf(format string, args ...any) { m.opts.Log.Printf(format, args...) }

// Specs returns the kernelspecs sorted by name.
func (m *Manager) Specs() []Spec {
	out := make([]Spec, 0, len(m.specs))
	for _, s := range m.specs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Spec returns the named kernelspec.
func (m *Manager) Spec(name string) (Spec, bool) {
	s, ok := m.specs[name]
	return s, ok
}

// DefaultSpec is the name of the default kernelspec.
func (m *Manager) DefaultSpec() string { return m.opts.Default }

// ErrNoSuchSpec is returned by Start for an unknown kernelspec name.
var ErrNoSuchSpec = errors.New("no such kernelspec")

// Start launches a kernel of the named spec ("" for the default) and waits
// until it answers kernel_info with its iopub stream working.
func (m *Manager) Start(ctx context.Context, name string) (*Kernel, error) {
	if name == "" {
		name = m.opts.Default
	}
	spec, ok := m.specs[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoSuchSpec, name)
	}
	k := &Kernel{ID: jupyter.NewID(), Spec: spec, m: m, state: "starting", lastActivity: time.Now(),
		clients: map[*Client]struct{}{}, routes: map[string]*Client{}, waiters: map[string]chan *jupyter.Message{},
		closed: make(chan struct{})}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, errors.New("kernels: manager is shut down")
	}
	m.kernels[k.ID] = k
	m.mu.Unlock()

	k.op.Lock()
	err := k.startLocked(ctx)
	k.op.Unlock()
	if err != nil {
		m.mu.Lock()
		delete(m.kernels, k.ID)
		m.mu.Unlock()
		return nil, err
	}
	return k, nil
}

// Get returns the kernel with id.
func (m *Manager) Get(id string) (*Kernel, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.kernels[id]
	return k, ok
}

// List returns the kernels, oldest first.
func (m *Manager) List() []*Kernel {
	m.mu.Lock()
	out := make([]*Kernel, 0, len(m.kernels))
	for _, k := range m.kernels {
		out = append(out, k)
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].created.Before(out[j].created) })
	return out
}

// Shutdown stops the kernel with id and forgets it.
func (m *Manager) Shutdown(id string) error {
	m.mu.Lock()
	k, ok := m.kernels[id]
	delete(m.kernels, id)
	m.mu.Unlock()
	if !ok {
		return fmt.Errorf("no kernel %s", id)
	}
	k.shutdown(m.opts.ShutdownGrace)
	return nil
}

// Close shuts every kernel down (in parallel, with a short grace) and
// removes the private folder. No kernel process outlives it.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	ks := make([]*Kernel, 0, len(m.kernels))
	for id, k := range m.kernels {
		ks = append(ks, k)
		delete(m.kernels, id)
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, k := range ks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k.shutdown(time.Second)
		}()
	}
	wg.Wait()
	if m.ownDir {
		os.RemoveAll(m.dir)
	}
}

// Kernel is one supervised kernel, across its restarts.
type Kernel struct {
	ID      string
	Spec    Spec
	m       *Manager
	created time.Time

	op sync.Mutex // serialises start, restart and shutdown

	mu           sync.Mutex
	inst         *instance
	state        string
	lastActivity time.Time
	clients      map[*Client]struct{}
	routes       map[string]*Client               // request msg_id -> the client that sent it
	waiters      map[string]chan *jupyter.Message // request msg_id -> the server's own waiter
	restarts     int
	closing      bool
	closed       chan struct{} // closed when shutdown begins: aborts a start in progress
}

// Model is a kernel as the Jupyter Server REST API shapes it.
type Model struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	LastActivity   string `json:"last_activity"`
	ExecutionState string `json:"execution_state"`
	Connections    int    `json:"connections"`
}

// Model returns the kernel's REST model.
func (k *Kernel) Model() Model {
	k.mu.Lock()
	defer k.mu.Unlock()
	return Model{ID: k.ID, Name: k.Spec.Name, LastActivity: k.lastActivity.UTC().Format(time.RFC3339Nano),
		ExecutionState: k.state, Connections: len(k.clients)}
}

// Pid returns the current kernel process id (0 when none), for tests and
// diagnostics.
func (k *Kernel) Pid() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.inst == nil {
		return 0
	}
	return k.inst.proc.Cmd.Process.Pid
}

// startLocked launches a new instance and waits until it is ready. k.op is held.
func (k *Kernel) startLocked(ctx context.Context) error {
	if k.created.IsZero() {
		k.created = time.Now()
	}
	inst, err := k.launch()
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.inst = inst
	k.mu.Unlock()
	if err := k.nudge(ctx, inst); err != nil {
		inst.kill()
		return err
	}
	inst.readyOnce.Do(func() { close(inst.ready) })
	// The nudge's own busy/idle may still be on its way; the kernel is idle
	// now whatever order they arrive in.
	k.setState("idle")
	go k.supervise(inst)
	if k.m.opts.HeartbeatInterval > 0 {
		go inst.heartbeat(k.m.opts.HeartbeatInterval, k.m.opts.HeartbeatMisses)
	}
	return nil
}

// nudge sends kernel_info_request until the kernel replies on shell and an
// iopub message has arrived: only then is the iopub subscription known to
// work (ZMQ drops what a publisher sends before a subscriber has joined).
func (k *Kernel) nudge(ctx context.Context, inst *instance) error {
	deadline := time.NewTimer(k.m.opts.StartTimeout)
	defer deadline.Stop()
	replied := false
	for {
		req, h, err := jupyter.NewMessage("shell", "kernel_info_request", k.ID, serverUser, struct{}{})
		if err != nil {
			return err
		}
		ch := k.wait(h.MsgID)
		if err := inst.send(req); err != nil {
			k.unwait(h.MsgID)
			return fmt.Errorf("kernel %s: send kernel_info_request: %w", k.Spec.Name, err)
		}
		select {
		case <-ch:
			replied = true
		case <-time.After(500 * time.Millisecond):
		case <-inst.exited:
			k.unwait(h.MsgID)
			return fmt.Errorf("kernel %s exited during start-up (%v)", k.Spec.Name, inst.exitErr())
		case <-deadline.C:
			k.unwait(h.MsgID)
			return fmt.Errorf("kernel %s did not answer kernel_info within %v", k.Spec.Name, k.m.opts.StartTimeout)
		case <-ctx.Done():
			k.unwait(h.MsgID)
			return ctx.Err()
		case <-k.closed:
			k.unwait(h.MsgID)
			return errors.New("kernel shut down while starting")
		}
		k.unwait(h.MsgID)
		if replied && inst.iopubSeen.Load() {
			return nil
		}
		if replied {
			// The reply came but its status messages were lost; give iopub a
			// moment before asking again.
			time.Sleep(50 * time.Millisecond)
			if inst.iopubSeen.Load() {
				return nil
			}
		}
	}
}

func (k *Kernel) wait(msgID string) chan *jupyter.Message {
	ch := make(chan *jupyter.Message, 1)
	k.mu.Lock()
	k.waiters[msgID] = ch
	k.mu.Unlock()
	return ch
}

func (k *Kernel) unwait(msgID string) {
	k.mu.Lock()
	delete(k.waiters, msgID)
	k.mu.Unlock()
}

// supervise waits for the instance's process to exit and, when nobody meant
// it to, restarts the kernel and tells the clients.
func (k *Kernel) supervise(inst *instance) {
	<-inst.exited
	if inst.expected.Load() {
		return
	}
	k.op.Lock()
	defer k.op.Unlock()
	k.mu.Lock()
	if k.closing || k.inst != inst {
		k.mu.Unlock()
		return
	}
	if time.Since(inst.started) >= k.m.opts.StableAfter {
		k.restarts = 0
	}
	k.mu.Unlock()
	inst.closeSockets()
	k.m.logf("kernel %s (%s) died (%v); restarting", k.ID, k.Spec.Name, inst.exitErr())
	for {
		k.mu.Lock()
		k.restarts++
		n, closing := k.restarts, k.closing
		k.mu.Unlock()
		if closing {
			return
		}
		if n > k.m.opts.RestartLimit {
			k.m.logf("kernel %s: restarted %d times in a row; giving up", k.ID, n-1)
			k.setState("dead")
			k.broadcastStatus("dead")
			k.detachAll()
			return
		}
		k.setState("restarting")
		k.broadcastStatus("restarting")
		err := k.startLocked(context.Background())
		if err == nil {
			return
		}
		k.m.logf("kernel %s: restart failed: %v", k.ID, err)
	}
}

func (k *Kernel) setState(s string) {
	k.mu.Lock()
	k.state = s
	k.lastActivity = time.Now()
	k.mu.Unlock()
}

// broadcastStatus sends a server-made iopub status message to every client,
// as Jupyter Server does when it restarts a kernel or gives up on it.
func (k *Kernel) broadcastStatus(state string) {
	k.broadcast("status", jupyter.Status{ExecutionState: state})
}

// serverUser is the username on the messages the server makes itself.
const serverUser = "rlvrworld"

// broadcast sends a server-made iopub message to every client.
func (k *Kernel) broadcast(msgType string, content any) {
	m, h, err := jupyter.NewMessage("iopub", msgType, k.ID, serverUser, content)
	if err != nil {
		k.m.logf("kernel %s: %v", k.ID, err)
		return
	}
	d := &Delivery{Msg: m, Header: h}
	k.mu.Lock()
	for c := range k.clients {
		c.deliver(d)
	}
	k.mu.Unlock()
}

// Restart stops the kernel process and starts a new one, as POST
// /api/kernels/{id}/restart does. Clients stay attached.
func (k *Kernel) Restart(ctx context.Context) error {
	k.op.Lock()
	defer k.op.Unlock()
	k.mu.Lock()
	if k.closing {
		k.mu.Unlock()
		return errors.New("kernel is shutting down")
	}
	inst := k.inst
	k.state = "restarting"
	k.restarts = 0
	k.mu.Unlock()
	if inst != nil {
		inst.stop(true, k.m.opts.ShutdownGrace)
	}
	if err := k.startLocked(ctx); err != nil {
		// No process is left: say so, rather than leave clients waiting.
		k.setState("dead")
		k.broadcastStatus("dead")
		k.detachAll()
		return err
	}
	return nil
}

// Interrupt interrupts the running cell: an interrupt_request on control for
// interrupt_mode "message", SIGINT to the process group otherwise.
func (k *Kernel) Interrupt() error {
	k.mu.Lock()
	inst := k.inst
	k.mu.Unlock()
	if inst == nil {
		return errors.New("kernel has no process")
	}
	if k.Spec.InterruptMode == "message" {
		req, _, err := jupyter.NewMessage("control", "interrupt_request", k.ID, serverUser, struct{}{})
		if err != nil {
			return err
		}
		return inst.send(req)
	}
	return inst.signal(syscall.SIGINT)
}

func (k *Kernel) shutdown(grace time.Duration) {
	k.mu.Lock()
	if !k.closing {
		k.closing = true
		close(k.closed)
	}
	k.mu.Unlock()
	k.op.Lock()
	defer k.op.Unlock()
	k.mu.Lock()
	inst := k.inst
	k.state = "dead"
	k.mu.Unlock()
	if inst != nil {
		inst.stop(false, grace)
	}
	k.detachAll()
}

// current returns the instance to send to, waiting while one is starting.
func (k *Kernel) current(ctx context.Context) (*instance, error) {
	for {
		k.mu.Lock()
		inst, closing, state := k.inst, k.closing, k.state
		k.mu.Unlock()
		if closing || state == "dead" {
			return nil, errors.New("kernel is dead")
		}
		if inst == nil {
			return nil, errors.New("kernel has no process")
		}
		select {
		case <-inst.ready:
			select {
			case <-inst.exited:
				// Dead but not yet replaced: wait for the supervisor.
			default:
				return inst, nil
			}
		case <-inst.exited:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// dispatch routes one message from the kernel.
func (k *Kernel) dispatch(inst *instance, m *jupyter.Message, h jupyter.Header) {
	parent, err := jupyter.ParseHeader(m.ParentHeader)
	if err != nil {
		k.m.logf("kernel %s: dropped a %s: parent header: %v", k.ID, h.MsgType, err)
		return
	}
	d := &Delivery{Msg: m, Header: h}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.inst != inst {
		return // a message from a process being replaced
	}
	k.lastActivity = time.Now()
	if m.Channel == "iopub" {
		if h.MsgType == "status" {
			var st jupyter.Status
			if err := json.Unmarshal(m.Content, &st); err != nil {
				k.m.logf("kernel %s: status: %v", k.ID, err)
			} else if st.ExecutionState != "" && k.state != "restarting" {
				k.state = st.ExecutionState
			}
		}
		for c := range k.clients {
			c.deliver(d)
		}
		return
	}
	if ch, ok := k.waiters[parent.MsgID]; ok {
		select {
		case ch <- m:
		default:
		}
		return
	}
	c := k.routes[parent.MsgID]
	if c != nil && strings.HasSuffix(h.MsgType, "_reply") {
		delete(k.routes, parent.MsgID)
	}
	if c == nil && parent.Session != "" {
		for cc := range k.clients {
			if cc.Session == parent.Session {
				c = cc
				break
			}
		}
	}
	if c == nil {
		return // its client has gone
	}
	if _, attached := k.clients[c]; attached {
		c.deliver(d)
	}
}

// Delivery is one message from a kernel on its way to clients. Encodings are
// made once and shared by every client that uses them.
type Delivery struct {
	Msg    *jupyter.Message
	Header jupyter.Header
	once   [2]sync.Once
	enc    [2][]byte
}

// JSON returns the message for the default websocket protocol: a JSON text
// frame, or the legacy binary framing when it has buffers (binary true).
func (d *Delivery) JSON() (data []byte, binary bool) {
	d.once[0].Do(func() {
		if len(d.Msg.Buffers) > 0 {
			d.enc[0] = jupyter.EncodeLegacyBinary(d.Msg, d.Header)
		} else {
			d.enc[0] = jupyter.EncodeJSON(d.Msg, d.Header)
		}
	})
	return d.enc[0], len(d.Msg.Buffers) > 0
}

// Size is the message's size in bytes (its frames and buffers), what it
// counts against a client's byte budget.
func (d *Delivery) Size() int64 {
	n := len(d.Msg.Header) + len(d.Msg.ParentHeader) + len(d.Msg.Metadata) + len(d.Msg.Content)
	for _, b := range d.Msg.Buffers {
		n += len(b)
	}
	return int64(n)
}

// V1 returns the message in the v1.kernel.websocket.jupyter.org framing.
func (d *Delivery) V1() []byte {
	d.once[1].Do(func() { d.enc[1] = jupyter.EncodeV1(d.Msg) })
	return d.enc[1]
}

// Client is one attached connection (a websocket) to a kernel.
type Client struct {
	Session string // the websocket's session_id
	k       *Kernel
	c       chan *Delivery
	mu      sync.Mutex
	closed  bool
	// Overflowed is set when the client fell too far behind and was cut off.
	overflowed bool
	queued     int64 // bytes delivered and not yet marked Sent
}

// Attach adds a client; it receives every iopub message from now on and the
// replies to its own requests.
func (k *Kernel) Attach(session string) (*Client, error) {
	c := &Client{Session: session, k: k, c: make(chan *Delivery, k.m.opts.ClientBuffer)}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closing || k.state == "dead" {
		return nil, errors.New("kernel is dead")
	}
	k.clients[c] = struct{}{}
	return c, nil
}

// C is the client's stream of messages; it is closed when the client is
// detached (by Close, a kernel shutdown or a death, or overflow).
func (c *Client) C() <-chan *Delivery { return c.c }

// Overflowed reports whether the client was cut off for falling behind.
func (c *Client) Overflowed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.overflowed
}

// Sent marks d, received from C, as written to the client, so that its
// bytes no longer count against the client's budget.
func (c *Client) Sent(d *Delivery) {
	c.mu.Lock()
	c.queued -= d.Size()
	c.mu.Unlock()
}

// deliver queues d for the client; k.mu is held. A client whose queue would
// pass ClientBuffer messages or ClientBytes bytes is cut off (and told so by
// its websocket); the kernel's other clients are not held up.
func (c *Client) deliver(d *Delivery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	size := d.Size()
	if c.queued+size <= c.k.m.opts.ClientBytes {
		select {
		case c.c <- d:
			c.queued += size
			return
		default:
		}
	}
	c.overflowed = true
	c.closed = true
	close(c.c)
	delete(c.k.clients, c)
}

// Send forwards a message from the client to the kernel, remembering that
// replies to it belong to this client. It waits while the kernel restarts.
func (c *Client) Send(ctx context.Context, m *jupyter.Message) error {
	switch m.Channel {
	case "shell", "control", "stdin":
	default:
		return fmt.Errorf("cannot send on channel %q", m.Channel)
	}
	h, err := jupyter.ParseHeader(m.Header)
	if err != nil {
		return err
	}
	if h.MsgID == "" {
		return errors.New("message header has no msg_id")
	}
	inst, err := c.k.current(ctx)
	if err != nil {
		return err
	}
	if m.Channel != "stdin" {
		c.k.mu.Lock()
		if len(c.k.routes) > 100000 {
			// Requests never answered (a client that sent many and left):
			// forget them rather than grow without bound.
			clear(c.k.routes)
		}
		c.k.routes[h.MsgID] = c
		c.k.mu.Unlock()
	}
	return inst.send(m)
}

// Close detaches the client.
func (c *Client) Close() {
	k := c.k
	k.mu.Lock()
	defer k.mu.Unlock()
	c.closeLocked()
	for id, rc := range k.routes {
		if rc == c {
			delete(k.routes, id)
		}
	}
}

func (c *Client) closeLocked() {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.k.clients, c)
	if !c.closed {
		c.closed = true
		close(c.c)
	}
}

func (k *Kernel) detachAll() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for c := range k.clients {
		c.closeLocked()
	}
	clear(k.routes)
}
