package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
)

// TestWaitNamesDroppedReplies runs a fake kernel whose replies are signed
// with the wrong key: the client must drop them, and the wait that then
// times out must say so rather than look like a silent kernel.
func TestWaitNamesDroppedReplies(t *testing.T) {
	conn, err := jupyter.NewConnection("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Dial connects to all five channels; only shell answers.
	socks, err := jupyter.Listen(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer socks.Close()
	shell := socks.Shell
	good, _ := jupyter.NewSigner(conn.SignatureScheme, []byte(conn.Key))
	wrong, _ := jupyter.NewSigner(conn.SignatureScheme, []byte("another key"))
	go func() {
		for {
			raw, err := shell.Recv()
			if err != nil {
				return
			}
			req, _, err := good.Decode(raw.Frames)
			if err != nil {
				continue
			}
			reply, _, err := jupyter.NewMessage("", "kernel_info_reply", "fake", "kernel", jupyter.StatusReply{Status: "ok"})
			if err != nil {
				panic(err)
			}
			reply.Identities, reply.ParentHeader = req.Identities, req.Header
			if err := shell.Send(zmq4.NewMsgFrom(wrong.Encode(reply)...)); err != nil {
				return
			}
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
	if n < 1 || last != jupyter.ErrSignature.Error() {
		t.Errorf("dropped %d messages, last %q; want at least 1 with %q", n, last, jupyter.ErrSignature)
	}
	if !strings.Contains(err.Error(), "dropped") || !strings.Contains(err.Error(), "signature") {
		t.Errorf("timeout error %q does not name the dropped replies", err)
	}
}
