// Package client is a Jupyter client over ZMQ: it starts a kernel process
// from a connection file and drives it (execute, interrupt, shutdown). The
// notebook runner (`rlvrworld run`), the kernel benchmark and the kernel's
// end-to-end tests use it; it speaks to any Jupyter kernel, ipykernel too.
package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
)

// Client is connected to one kernel's channels.
type Client struct {
	Conn    *jupyter.Connection
	signer  *jupyter.Signer
	session string

	socks  *jupyter.Sockets
	heart  *jupyter.Heartbeat
	sendMu sync.Mutex

	mu      sync.Mutex
	waiters map[string]chan Reply // parent msg_id -> messages (replies and iopub)
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
func Dial(conn *jupyter.Connection) (*Client, error) {
	s, err := jupyter.NewSigner(conn.SignatureScheme, []byte(conn.Key))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{Conn: conn, signer: s, session: jupyter.NewID(), waiters: map[string]chan Reply{}, cancel: cancel}
	// A kernel process takes a moment to bind its ports: retry dialling
	// every 50 ms for up to 30 s.
	c.socks, err = jupyter.Dial(ctx, conn, c.session, zmq4.WithDialerRetry(50*time.Millisecond), zmq4.WithDialerMaxRetries(600))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("client: %w", err)
	}
	c.heart = jupyter.NewHeartbeat(c.socks.HB)
	for _, s := range []zmq4.Socket{c.socks.Shell, c.socks.Control, c.socks.Stdin, c.socks.IOPub} {
		go c.read(s)
	}
	return c, nil
}

// Close disconnects.
func (c *Client) Close() {
	c.cancel()
	c.socks.Close()
}

func (c *Client) read(s zmq4.Socket) {
	for {
		raw, err := s.Recv()
		if err != nil {
			return
		}
		m, h, err := c.signer.Decode(raw.Frames)
		if err != nil {
			c.drop(err.Error())
			continue
		}
		if h.MsgType == "input_request" {
			go c.answerInput(m)
			continue
		}
		ph, err := jupyter.ParseHeader(m.ParentHeader)
		if err != nil {
			c.drop(fmt.Sprintf("%s: parent header: %v", h.MsgType, err))
			continue
		}
		c.mu.Lock()
		ch := c.waiters[ph.MsgID]
		c.mu.Unlock()
		if ch != nil {
			select {
			case ch <- Reply{Message: m, Header: h}:
			default:
				c.drop(fmt.Sprintf("%s for request %s: its waiter's buffer is full", h.MsgType, ph.MsgID))
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

// answerInput answers an input_request with c.Input's line. A request it
// cannot read is answered with an empty line (the kernel's cell would
// otherwise wait for ever) and counted as dropped.
func (c *Client) answerInput(m *jupyter.Message) {
	var req jupyter.InputRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		c.drop("input_request: " + err.Error())
	}
	v := ""
	if c.Input != nil {
		v = c.Input(req.Prompt)
	}
	if _, err := c.send(c.socks.Stdin, "input_reply", jupyter.InputReply{Value: v}, m); err != nil {
		c.drop("input_reply: " + err.Error())
	}
}

// send sends a message on s, with parent as its parent (nil for none),
// and returns its msg_id.
func (c *Client) send(s zmq4.Socket, msgType string, content any, parent *jupyter.Message) (string, error) {
	m, h, err := jupyter.NewMessage("", msgType, c.session, "client", content)
	if err != nil {
		return "", err
	}
	if parent != nil {
		m.ParentHeader = parent.Header
	}
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	return h.MsgID, s.Send(zmq4.NewMsgFrom(c.signer.Encode(m)...))
}

// Request sends msgType on shell (control when onControl) and returns a
// channel of every message whose parent it is: the reply and iopub output.
// Call Done(id) when finished.
func (c *Client) Request(onControl bool, msgType string, content any) (string, <-chan Reply, error) {
	s := c.socks.Shell
	if onControl {
		s = c.socks.Control
	}
	m, h, err := jupyter.NewMessage("", msgType, c.session, "client", content)
	if err != nil {
		return "", nil, fmt.Errorf("client: %w", err)
	}
	ch := make(chan Reply, 4096)
	c.mu.Lock()
	c.waiters[h.MsgID] = ch
	c.mu.Unlock()
	c.sendMu.Lock()
	err = s.Send(zmq4.NewMsgFrom(c.signer.Encode(m)...))
	c.sendMu.Unlock()
	if err != nil {
		c.Done(h.MsgID)
		return "", nil, fmt.Errorf("client: send %s: %w", msgType, err)
	}
	return h.MsgID, ch, nil
}

// Reply is a message from the kernel with its decoded header.
type Reply struct {
	*jupyter.Message
	Header jupyter.Header
}

// Decode decodes the message's content into v.
func (r Reply) Decode(v any) error {
	if err := json.Unmarshal(r.Content, v); err != nil {
		return fmt.Errorf("client: %s content: %w", r.Header.MsgType, err)
	}
	return nil
}

// Done forgets the messages of request id.
func (c *Client) Done(id string) {
	c.mu.Lock()
	delete(c.waiters, id)
	c.mu.Unlock()
}

// Call sends a request and waits for its reply (msg_type ending in _reply).
func (c *Client) Call(ctx context.Context, onControl bool, msgType string, content any) (Reply, error) {
	id, ch, err := c.Request(onControl, msgType, content)
	if err != nil {
		return Reply{}, err
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
			return Reply{}, c.waitErr("waiting for "+want, ctx.Err())
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
func (c *Client) WaitReady(ctx context.Context) (Reply, error) {
	for {
		id, ch, err := c.Request(false, "kernel_info_request", struct{}{})
		if err != nil {
			return Reply{}, err
		}
		var reply *Reply
		gotIOPub := false
		t := time.NewTimer(500 * time.Millisecond)
	wait:
		for {
			select {
			case m := <-ch:
				if m.Header.MsgType == "kernel_info_reply" {
					reply = &m
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
				return Reply{}, c.waitErr("kernel not ready", ctx.Err())
			}
		}
		t.Stop()
		c.Done(id)
		if reply != nil && gotIOPub {
			return *reply, nil
		}
	}
}

// Output is one iopub message of an execution, in order. Its content
// stays a map: outputs are copied into notebooks as they came.
type Output struct {
	MsgType string
	Content map[string]any
}

// Execution is the outcome of one execute_request.
type Execution struct {
	Status         string // "ok", "error" or "aborted"
	ExecutionCount int
	Outputs        []Output
	Reply          jupyter.ExecuteReply
}

// Execute runs code and collects its outputs until the kernel is idle
// again. A kernel message whose content does not decode ends it with an
// error.
func (c *Client) Execute(ctx context.Context, code string) (*Execution, error) {
	yes := true
	id, ch, err := c.Request(false, "execute_request", jupyter.ExecuteRequest{
		Code: code, StoreHistory: &yes, UserExpressions: map[string]string{}, AllowStdin: c.Input != nil, StopOnError: &yes,
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
			switch m.Header.MsgType {
			case "execute_reply":
				if err := m.Decode(&ex.Reply); err != nil {
					return ex, err
				}
				gotReply = true
				ex.Status, ex.ExecutionCount = ex.Reply.Status, ex.Reply.ExecutionCount
			case "status":
				var st jupyter.Status
				if err := m.Decode(&st); err != nil {
					return ex, err
				}
				idle = idle || st.ExecutionState == "idle"
			case "execute_input":
			default:
				var content map[string]any
				if err := m.Decode(&content); err != nil {
					return ex, err
				}
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
	_, err := c.Call(ctx, true, "interrupt_request", struct{}{})
	return err
}

// Shutdown asks the kernel to exit.
func (c *Client) Shutdown(ctx context.Context) error {
	_, err := c.Call(ctx, true, "shutdown_request", jupyter.ShutdownRequest{Restart: false})
	return err
}

// Process is a kernel running as a child process, with its connection
// file in a private temporary folder.
type Process struct {
	*jupyter.Process
	dir string
}

// Start writes a connection file with free local ports and starts argv,
// where the string "{connection_file}" is replaced by the file's path.
// The kernel's own output goes to output.
func Start(argv []string, output io.Writer) (*Process, error) {
	conn, err := jupyter.NewConnection("")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rlvrworld-kernel-")
	if err != nil {
		return nil, err
	}
	p, err := jupyter.Launch(jupyter.LaunchOptions{Argv: argv, Conn: conn, ConnFile: filepath.Join(dir, "kernel.json"), Output: output})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Process{Process: p, dir: dir}, nil
}

// Stop waits up to grace for the process to end, then kills it, and
// removes the connection file.
func (p *Process) Stop(grace time.Duration) {
	select {
	case <-p.Exited():
	case <-time.After(grace):
		p.Kill()
	}
	os.RemoveAll(p.dir)
}

// Ping sends a heartbeat and waits for its echo.
func (c *Client) Ping(ctx context.Context) error {
	return c.heart.Ping(ctx)
}
