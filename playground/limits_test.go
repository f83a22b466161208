package playground

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// More idle sockets without the token than the cap: the oldest are closed
// for room, and an authenticated request still gets its answer at once.
func TestIdleSocketsCannotLockOut(t *testing.T) {
	const max, opened = 32, 200
	s := newTestServer(t, func(o *Options) { o.MaxConns = max })
	addr := strings.TrimPrefix(s.ts.URL, "http://")
	// A logged-in user's keep-alive connection, opened first: never closed
	// for room, even though it is the oldest.
	user, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer user.Close()
	get := func(c net.Conn) string {
		t.Helper()
		fmt.Fprintf(c, "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token %s\r\n\r\n", testToken)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 4096)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("authenticated request: %v", err)
		}
		return string(buf[:n])
	}
	if r := get(user); !strings.HasPrefix(r, "HTTP/1.1 200") {
		t.Fatalf("authenticated request: %q", r)
	}
	idle := make([]net.Conn, 0, opened)
	for i := 0; i < opened; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("idle socket %d: %v", i, err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	// The server closes all but the newest max of them.
	closed := 0
	deadline := time.Now().Add(2 * time.Second)
	for _, c := range idle {
		c.SetReadDeadline(deadline)
		if _, err := c.Read(make([]byte, 1)); err == io.EOF {
			closed++
		}
	}
	if want := opened - max; closed < want {
		t.Errorf("server closed %d of %d idle sockets, want at least %d (cap %d)", closed, opened, want, max)
	}
	if r := get(user); !strings.HasPrefix(r, "HTTP/1.1 200") {
		t.Errorf("the logged-in connection after the flood: %q", r)
	}
	fresh, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if r := get(fresh); !strings.HasPrefix(r, "HTTP/1.1 200") {
		t.Errorf("a new authenticated connection after the flood: %q", r)
	}
}

// A body trickled a byte at a time cannot hold a connection past the read
// timeout, token or not.
func TestTrickledBodyTimesOut(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.ReadTimeout = time.Second })
	c, err := net.Dial("tcp", strings.TrimPrefix(s.ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "PUT /api/contents/t.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token %s\r\nContent-Length: 1000\r\n\r\n", testToken)
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		io.Copy(io.Discard, c)
	}()
	for i := 0; i < 100; i++ {
		select {
		case <-done:
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("connection held %v", d)
			}
			return
		case <-time.After(200 * time.Millisecond):
			c.Write([]byte("x"))
		}
	}
	t.Errorf("a trickled body held the connection for %v", time.Since(start))
}
