package jupyter

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

func TestConnectionFile(t *testing.T) {
	c, err := NewConnection("go")
	if err != nil {
		t.Fatal(err)
	}
	ports := map[int]bool{c.ShellPort: true, c.IOPubPort: true, c.StdinPort: true, c.ControlPort: true, c.HBPort: true}
	if len(ports) != 5 || len(c.Key) < 32 {
		t.Fatalf("connection %+v: want 5 distinct ports and a long key", c)
	}
	path := filepath.Join(t.TempDir(), "kernel.json")
	if err := c.Write(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("connection file mode %v (%v), want 0600", fi.Mode(), err)
	}
	back, err := ReadConnection(path)
	if err != nil || *back != *c {
		t.Fatalf("read back %+v (%v), want %+v", back, err, c)
	}
	if got := c.Endpoint(c.ShellPort); !strings.HasPrefix(got, "tcp://127.0.0.1:") {
		t.Errorf("endpoint %s", got)
	}
	for name, body := range map[string]string{
		"not JSON":  "{",
		"transport": `{"transport":"udp","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`,
		"no ports":  `{"transport":"tcp"}`,
		"port high": `{"shell_port":70000,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`,
	} {
		p := filepath.Join(t.TempDir(), "bad.json")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadConnection(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A kernel side (Listen) and a client side (Dial) on one connection: a
// signed request goes over shell and its reply comes back to the same
// identity, iopub reaches the subscriber, and the heartbeat echoes; once
// the kernel side is closed, Monitor reports the missed beats.
func TestSocketsAndHeartbeat(t *testing.T) {
	conn, err := NewConnection("")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(conn.SignatureScheme, []byte(conn.Key))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kern, err := Listen(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	closeKernel := func() { once.Do(kern.Close) }
	defer closeKernel()
	go Echo(kern.HB)
	cli, err := Dial(ctx, conn, "client-1", zmq4.WithDialerRetry(20*time.Millisecond), zmq4.WithDialerMaxRetries(500))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	heart := NewHeartbeat(cli.HB)
	if err := heart.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	req, reqH, err := NewMessage("", "kernel_info_request", "sess", "me", struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Shell.Send(zmq4.NewMsgFrom(s.Encode(req)...)); err != nil {
		t.Fatal(err)
	}
	raw, err := kern.Shell.Recv()
	if err != nil {
		t.Fatal(err)
	}
	got, h, err := s.Decode(raw.Frames)
	if err != nil || h != reqH || len(got.Identities) != 1 || string(got.Identities[0]) != "client-1" {
		t.Fatalf("kernel got %+v %+v (%v)", got, h, err)
	}
	reply, _, err := NewMessage("", "kernel_info_reply", "k", "kernel", StatusReply{Status: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	reply.Identities, reply.ParentHeader = got.Identities, got.Header
	if err := kern.Shell.Send(zmq4.NewMsgFrom(s.Encode(reply)...)); err != nil {
		t.Fatal(err)
	}
	raw, err = cli.Shell.Recv()
	if err != nil {
		t.Fatal(err)
	}
	back, bh, err := s.Decode(raw.Frames)
	if err != nil || bh.MsgType != "kernel_info_reply" {
		t.Fatalf("client got %v (%v)", bh, err)
	}
	if parent, err := ParseHeader(back.ParentHeader); err != nil || parent != reqH {
		t.Fatalf("reply's parent %+v (%v), want the request's header %+v", parent, err, reqH)
	}

	closeKernel()
	err = heart.Monitor(ctx, 50*time.Millisecond, 3)
	if !errors.Is(err, ErrNoHeartbeat) {
		t.Fatalf("Monitor after the kernel closed: %v, want ErrNoHeartbeat", err)
	}
}

// Launch writes the connection file, substitutes its path into argv, sets
// JPY_PARENT_PID, and Signal reaches the process group.
func TestLaunch(t *testing.T) {
	conn, err := NewConnection("sh")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "k.json")
	out := filepath.Join(dir, "out")
	script := `cat "$1" > "$2.json"; echo "$JPY_PARENT_PID" > "$2.pid"; exec sleep 60`
	p, err := Launch(LaunchOptions{Argv: []string{"/bin/sh", "-c", script, "sh", "{connection_file}", out}, Conn: conn, ConnFile: file, OwnGroup: true})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(out + ".pid"); err == nil && strings.TrimSpace(string(b)) != "" {
			if strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
				t.Errorf("JPY_PARENT_PID = %q, want %d", b, os.Getpid())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the kernel did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	back, err := ReadConnection(out + ".json")
	if err != nil || back.Key != conn.Key {
		t.Fatalf("the kernel read %+v (%v)", back, err)
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not end the kernel")
	}
	if p.Err() == nil {
		t.Error("a killed process reports no error")
	}
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Errorf("signal to a process that is gone: %v", err)
	}
	if _, err := Launch(LaunchOptions{Argv: []string{filepath.Join(dir, "no-such-kernel")}, Conn: conn, ConnFile: file}); err == nil {
		t.Error("a missing kernel binary launched")
	} else if _, statErr := os.Stat(file); !os.IsNotExist(statErr) {
		t.Error("a failed launch left its connection file")
	}
}
