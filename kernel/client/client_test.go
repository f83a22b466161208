package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/rlvrworld/rlvrworld/kernel/wire"
)

// TestWaitNamesDroppedReplies runs a fake kernel whose replies are signed
// with the wrong key: the client must drop them, and the wait that then
// times out must say so rather than look like a silent kernel.
func TestWaitNamesDroppedReplies(t *testing.T) {
	ports, err := freePorts(5)
	if err != nil {
		t.Fatal(err)
	}
	conn := &wire.Connection{Transport: "tcp", IP: "127.0.0.1", ShellPort: ports[0], IOPubPort: ports[1], StdinPort: ports[2],
		ControlPort: ports[3], HBPort: ports[4], SignatureScheme: "hmac-sha256", Key: "the client's key"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Dial connects to all five channels; only shell answers.
	shell := zmq4.NewRouter(ctx)
	for _, l := range []struct {
		s    zmq4.Socket
		port int
	}{{shell, conn.ShellPort}, {zmq4.NewRouter(ctx), conn.ControlPort}, {zmq4.NewRouter(ctx), conn.StdinPort},
		{zmq4.NewPub(ctx), conn.IOPubPort}, {zmq4.NewRep(ctx), conn.HBPort}} {
		defer l.s.Close()
		if err := l.s.Listen(conn.Endpoint(l.port)); err != nil {
			t.Fatal(err)
		}
	}
	good, _ := wire.NewSigner(conn.SignatureScheme, []byte(conn.Key))
	wrong, _ := wire.NewSigner(conn.SignatureScheme, []byte("another key"))
	go func() {
		for {
			raw, err := shell.Recv()
			if err != nil {
				return
			}
			req, err := wire.Decode(raw.Frames, good)
			if err != nil {
				continue
			}
			reply := &wire.Message{Identities: req.Identities, Header: wire.NewHeader("kernel_info_reply", "fake", "kernel"),
				ParentHeader: wire.MustJSON(req.Header), Content: wire.MustJSON(map[string]any{"status": "ok"})}
			frames, _ := wire.Encode(reply, wrong)
			_ = shell.Send(zmq4.NewMsgFrom(frames...))
		}
	}()
	c, err := Dial(conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wait, stop := context.WithTimeout(context.Background(), 2*time.Second)
	defer stop()
	_, err = c.Call(wait, false, "kernel_info_request", map[string]any{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call answered by badly signed replies: err %v, want a timeout", err)
	}
	n, last := c.Dropped()
	if n < 1 || last != wire.ErrSignature.Error() {
		t.Errorf("dropped %d messages, last %q; want at least 1 with %q", n, last, wire.ErrSignature)
	}
	if !strings.Contains(err.Error(), "dropped") || !strings.Contains(err.Error(), "signature") {
		t.Errorf("timeout error %q does not name the dropped replies", err)
	}
}
