package playground

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A client that stops reading while cells display megabytes is dropped, by
// its byte budget or by the write deadline, and told why when it reads
// again; the kernel's other client receives every display.
func TestSlowClientDropped(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Options)
		told bool // the dropped client reads a 1013 close once it reads again
	}{
		{"byte budget", func(o *Options) { o.Kernels.ClientBytes = 2 << 20; o.WriteTimeout = time.Minute }, true},
		// The budget is far above what the test writes, so only the deadline
		// can drop the client: once the socket buffers are full (a few MiB)
		// the server's write blocks, and 2 s later it gives up.
		{"write deadline", func(o *Options) { o.Kernels.ClientBytes = 1 << 30; o.WriteTimeout = 2 * time.Second }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, tc.edit)
			k := s.startKernel(t)
			fast, _, err := s.dial(t, k.ID, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			slow := s.dialPaused(t, k.ID)
			waitConnections(t, s, k.ID, 2)

			// Cells of 1 MiB each (4 displays of 256 KiB) until the paused
			// client is gone, at most 32 MiB: twice the byte budget, and
			// far more than the socket buffers hold. The reading client
			// reads each cell whole before the next starts, so its own
			// queue stays under 2 MiB. waitConnections then gives the
			// write deadline its time, however fast the cells ran.
			fast.runCell(t, "import (\n\"rlvr/display\"\n\"strings\"\n)\nbig := strings.Repeat(\"x\", 256<<10)")
			for cell := 0; cell < 32 && connections(t, s, k.ID) == 2; cell++ {
				id := fast.execute(t, "for i := 0; i < 4; i++ { display.HTML(big) }")
				displays := 0
				for {
					m := fast.next(t, time.Minute, "the cell's displays", func(m msg) bool { return m.Parent.MsgID == id })
					if m.Header.MsgType == "display_data" {
						displays++
					}
					if m.Header.MsgType == "status" && m.Content["execution_state"] == "idle" {
						break
					}
				}
				if displays != 4 {
					t.Fatalf("cell %d: the reading client got %d displays, want 4", cell, displays)
				}
			}
			waitConnections(t, s, k.ID, 1)
			if !tc.told {
				return
			}
			slow.SetReadDeadline(time.Now().Add(time.Minute))
			for {
				_, _, err := slow.ReadMessage()
				if err == nil {
					continue
				}
				if !websocket.IsCloseError(err, websocket.CloseTryAgainLater) {
					t.Errorf("the dropped client read %v, want close 1013", err)
				}
				break
			}
		})
	}
}

// dialPaused opens a websocket that reads nothing until the test reads it,
// with a small receive buffer so that the server's writes block early.
func (s *testServer) dialPaused(t *testing.T, kernelID string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nd := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
			return serr
		}}
		return nd.DialContext(ctx, network, addr)
	}}
	u := "ws" + strings.TrimPrefix(s.ts.URL, "http") + "/api/kernels/" + kernelID + "/channels?session_id=paused"
	conn, _, err := d.Dial(u, http.Header{"Authorization": {"token " + testToken}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// connections is the kernel's number of websocket clients.
func connections(t *testing.T, s *testServer, kernelID string) int {
	t.Helper()
	_, data := s.do(t, "GET", "/api/kernels/"+kernelID, nil)
	var m struct {
		Connections int `json:"connections"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("kernel model %s: %v", data, err)
	}
	return m.Connections
}

// waitConnections waits until the kernel has n websocket clients.
func waitConnections(t *testing.T, s *testServer, kernelID string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for connections(t, s, kernelID) != n {
		if time.Now().After(deadline) {
			t.Fatalf("kernel has %d connections, want %d", connections(t, s, kernelID), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
