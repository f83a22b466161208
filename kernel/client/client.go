// Package client is a Jupyter client over ZMQ: it starts a kernel process
// from a connection file and drives it (execute, interrupt, shutdown). The
// notebook runner (`rlvrworld run`), the kernel benchmark and the kernel's
// end-to-end tests use it; it speaks to any Jupyter kernel, ipykernel too.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/rlvrworld/rlvrworld/kernel/wire"
)

// Client is connected to one kernel's channels.
type Client struct {
	Conn    *wire.Connection
	signer  *wire.Signer
	session string

	shell, control, stdin, iopub, hb zmq4.Socket
	sendMu                           sync.Mutex

	mu      sync.Mutex
	waiters map[string]chan *wire.Message // parent msg_id -> messages (replies and iopub)
	// Input answers input_request messages; nil answers "".
	Input func(prompt string) string

	// dropped counts the kernel messages the client could not use (bad
	// signature, malformed frames, a waiter that stopped reading) and
	// lastDrop says why the latest was dropped: a wait that times out
	// reports them, since a dropped reply looks like a silent kernel.
	dropMu   sync.Mutex
	dropped  int
	lastDrop string

	cancel context.CancelFunc
}

// Dial connects to the kernel described by conn.
func Dial(conn *wire.Connection) (*Client, error) {
	s, err := wire.NewSigner(conn.SignatureScheme, []byte(conn.Key))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{Conn: conn, signer: s, session: wire.NewID(), waiters: map[string]chan *wire.Message{}, cancel: cancel}
	// A kernel process takes a moment to bind its ports: retry dialling
	// every 50 ms for up to 30 s.
	retry, tries := zmq4.WithDialerRetry(50*time.Millisecond), zmq4.WithDialerMaxRetries(600)
	id := zmq4.WithID(zmq4.SocketIdentity(c.session))
	c.shell = zmq4.NewDealer(ctx, id, retry, tries)
	c.control = zmq4.NewDealer(ctx, id, retry, tries)
	c.stdin = zmq4.NewDealer(ctx, id, retry, tries)
	c.iopub = zmq4.NewSub(ctx, retry, tries)
	c.hb = zmq4.NewReq(ctx, retry, tries)
	for _, d := range []struct {
		s    zmq4.Socket
		port int
	}{{c.shell, conn.ShellPort}, {c.control, conn.ControlPort}, {c.stdin, conn.StdinPort}, {c.iopub, conn.IOPubPort}, {c.hb, conn.HBPort}} {
		if err := d.s.Dial(conn.Endpoint(d.port)); err != nil {
			c.Close()
			return nil, fmt.Errorf("client: dial %s: %w", conn.Endpoint(d.port), err)
		}
	}
	if err := c.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		c.Close()
		return nil, fmt.Errorf("client: subscribe: %w", err)
	}
	for _, s := range []zmq4.Socket{c.shell, c.control, c.stdin, c.iopub} {
		go c.read(s)
	}
	return c, nil
}

// Close disconnects.
func (c *Client) Close() {
	c.cancel()
	for _, s := range []zmq4.Socket{c.shell, c.control, c.stdin, c.iopub, c.hb} {
		if s != nil {
			s.Close()
		}
	}
}

func (c *Client) read(s zmq4.Socket) {
	for {
		raw, err := s.Recv()
		if err != nil {
			return
		}
		m, err := wire.Decode(raw.Frames, c.signer)
		if err != nil {
			c.drop(err.Error())
			continue
		}
		if m.Header.MsgType == "input_request" {
			go c.answerInput(m)
			continue
		}
		var ph wire.Header
		_ = json.Unmarshal(m.ParentHeader, &ph)
		c.mu.Lock()
		ch := c.waiters[ph.MsgID]
		c.mu.Unlock()
		if ch != nil {
			select {
			case ch <- m:
			default:
				c.drop(fmt.Sprintf("%s for request %s: its waiter's buffer is full", m.Header.MsgType, ph.MsgID))
			}
		}
	}
}

func (c *Client) drop(reason string) {
	c.dropMu.Lock()
	c.dropped++
	c.lastDrop = reason
	c.dropMu.Unlock()
}

// Dropped returns how many messages from the kernel the client has
// discarded and why it discarded the latest.
func (c *Client) Dropped() (n int, last string) {
	c.dropMu.Lock()
	defer c.dropMu.Unlock()
	return c.dropped, c.lastDrop
}

// waitErr is the error of a wait for what that ended with err, naming the
// dropped messages, if any, that may have been the awaited ones.
func (c *Client) waitErr(what string, err error) error {
	if n, last := c.Dropped(); n > 0 {
		return fmt.Errorf("client: %s: %w (%d kernel message(s) dropped, the last: %s)", what, err, n, last)
	}
	return fmt.Errorf("client: %s: %w", what, err)
}

func (c *Client) answerInput(m *wire.Message) {
	var req struct {
		Prompt string `json:"prompt"`
	}
	_ = json.Unmarshal(m.Content, &req)
	v := ""
	if c.Input != nil {
		v = c.Input(req.Prompt)
	}
	_, _ = c.send(c.stdin, "input_reply", map[string]any{"value": v}, m)
}

func (c *Client) send(s zmq4.Socket, msgType string, content any, parent *wire.Message) (string, error) {
	m := &wire.Message{Header: wire.NewHeader(msgType, c.session, "client"), Content: wire.MustJSON(content)}
	if parent != nil {
		m.ParentHeader = wire.MustJSON(parent.Header)
	}
	frames, err := wire.Encode(m, c.signer)
	if err != nil {
		return "", err
	}
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	return m.Header.MsgID, s.Send(zmq4.NewMsgFrom(frames...))
}

// Request sends msgType on shell (control when onControl) and returns a
// channel of every message whose parent it is: the reply and iopub output.
// Call Done(id) when finished.
func (c *Client) Request(onControl bool, msgType string, content any) (string, <-chan *wire.Message, error) {
	s := c.shell
	if onControl {
		s = c.control
	}
	m := &wire.Message{Header: wire.NewHeader(msgType, c.session, "client"), Content: wire.MustJSON(content)}
	ch := make(chan *wire.Message, 4096)
	c.mu.Lock()
	c.waiters[m.Header.MsgID] = ch
	c.mu.Unlock()
	frames, err := wire.Encode(m, c.signer)
	if err == nil {
		c.sendMu.Lock()
		err = s.Send(zmq4.NewMsgFrom(frames...))
		c.sendMu.Unlock()
	}
	if err != nil {
		c.Done(m.Header.MsgID)
		return "", nil, fmt.Errorf("client: send %s: %w", msgType, err)
	}
	return m.Header.MsgID, ch, nil
}

// Done forgets the messages of request id.
func (c *Client) Done(id string) {
	c.mu.Lock()
	delete(c.waiters, id)
	c.mu.Unlock()
}

// Call sends a request and waits for its reply (msg_type ending in _reply).
func (c *Client) Call(ctx context.Context, onControl bool, msgType string, content any) (*wire.Message, error) {
	id, ch, err := c.Request(onControl, msgType, content)
	if err != nil {
		return nil, err
	}
	defer c.Done(id)
	want := replyOf(msgType)
	for {
		select {
		case m := <-ch:
			if m.Header.MsgType == want {
				return m, nil
			}
		case <-ctx.Done():
			return nil, c.waitErr("waiting for "+want, ctx.Err())
		}
	}
}

func replyOf(t string) string {
	if len(t) > 8 && t[len(t)-8:] == "_request" {
		return t[:len(t)-8] + "_reply"
	}
	return t + "_reply"
}

// WaitReady sends kernel_info requests until the kernel answers on shell
// and its iopub status reaches this client (iopub subscriptions take a
// moment to propagate).
func (c *Client) WaitReady(ctx context.Context) (*wire.Message, error) {
	for {
		id, ch, err := c.Request(false, "kernel_info_request", map[string]any{})
		if err != nil {
			return nil, err
		}
		var reply *wire.Message
		gotIOPub := false
		t := time.NewTimer(500 * time.Millisecond)
	wait:
		for {
			select {
			case m := <-ch:
				if m.Header.MsgType == "kernel_info_reply" {
					reply = m
				} else if m.Header.MsgType == "status" {
					gotIOPub = true
				}
				if reply != nil && gotIOPub {
					break wait
				}
			case <-t.C:
				break wait
			case <-ctx.Done():
				t.Stop()
				c.Done(id)
				return nil, c.waitErr("kernel not ready", ctx.Err())
			}
		}
		t.Stop()
		c.Done(id)
		if reply != nil && gotIOPub {
			return reply, nil
		}
	}
}

// Output is one iopub message of an execution, in order.
type Output struct {
	MsgType string
	Content map[string]any
}

// Execution is the outcome of one execute_request.
type Execution struct {
	Status         string // "ok", "error" or "aborted"
	ExecutionCount int
	Outputs        []Output
	Reply          map[string]any
}

// Execute runs code and collects its outputs until the kernel is idle again.
func (c *Client) Execute(ctx context.Context, code string) (*Execution, error) {
	id, ch, err := c.Request(false, "execute_request", map[string]any{
		"code": code, "silent": false, "store_history": true, "user_expressions": map[string]any{},
		"allow_stdin": c.Input != nil, "stop_on_error": true,
	})
	if err != nil {
		return nil, err
	}
	defer c.Done(id)
	ex := &Execution{}
	gotReply, idle := false, false
	for !gotReply || !idle {
		select {
		case m := <-ch:
			var content map[string]any
			_ = json.Unmarshal(m.Content, &content)
			switch m.Header.MsgType {
			case "execute_reply":
				gotReply = true
				ex.Reply = content
				ex.Status, _ = content["status"].(string)
				if n, ok := content["execution_count"].(float64); ok {
					ex.ExecutionCount = int(n)
				}
			case "status":
				if content["execution_state"] == "idle" {
					idle = true
				}
			case "execute_input":
			default:
				ex.Outputs = append(ex.Outputs, Output{MsgType: m.Header.MsgType, Content: content})
			}
		case <-ctx.Done():
			return ex, c.waitErr("execute", ctx.Err())
		}
	}
	return ex, nil
}

// Interrupt sends interrupt_request on control.
func (c *Client) Interrupt(ctx context.Context) error {
	_, err := c.Call(ctx, true, "interrupt_request", map[string]any{})
	return err
}

// Shutdown asks the kernel to exit.
func (c *Client) Shutdown(ctx context.Context) error {
	_, err := c.Call(ctx, true, "shutdown_request", map[string]any{"restart": false})
	return err
}

// Process is a kernel running as a child process.
type Process struct {
	Cmd      *exec.Cmd
	Conn     *wire.Connection
	ConnFile string
	dir      string
	done     chan struct{}
	err      error
}

// Start writes a connection file with free local ports and starts argv,
// where the string "{connection_file}" is replaced by the file's path.
func Start(argv []string, stderr *os.File) (*Process, error) {
	dir, err := os.MkdirTemp("", "rlvrworld-kernel-")
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(5)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	conn := &wire.Connection{Transport: "tcp", IP: "127.0.0.1", ShellPort: ports[0], IOPubPort: ports[1], StdinPort: ports[2],
		ControlPort: ports[3], HBPort: ports[4], SignatureScheme: "hmac-sha256", Key: wire.NewID()}
	file := filepath.Join(dir, "kernel.json")
	if err := os.WriteFile(file, wire.MustJSON(conn), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	args := make([]string, len(argv))
	for i, a := range argv {
		args[i] = strings.ReplaceAll(a, "{connection_file}", file)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	// Kernels (ours and ipykernel) exit when this process goes away.
	cmd.Env = append(os.Environ(), fmt.Sprintf("JPY_PARENT_PID=%d", os.Getpid()))
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start kernel %s: %w", args[0], err)
	}
	p := &Process{Cmd: cmd, Conn: conn, ConnFile: file, dir: dir, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// Exited is closed when the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.done }

// Stop waits up to grace for the process to end, then kills it, and
// removes the connection file.
func (p *Process) Stop(grace time.Duration) {
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.Cmd.Process.Kill()
		<-p.done
	}
	os.RemoveAll(p.dir)
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// ErrExited is returned when the kernel process ended unexpectedly.
var ErrExited = errors.New("kernel process exited")

// Ping sends a heartbeat and waits for its echo.
func (c *Client) Ping(ctx context.Context) error {
	done := make(chan error, 1)
	go func() {
		if err := c.hb.Send(zmq4.NewMsg([]byte("ping"))); err != nil {
			done <- err
			return
		}
		m, err := c.hb.Recv()
		if err == nil && (len(m.Frames) != 1 || string(m.Frames[0]) != "ping") {
			err = fmt.Errorf("client: heartbeat echoed %q", m.Frames)
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("client: heartbeat: %w", ctx.Err())
	}
}
