package playground

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
	"github.com/rlvrworld/rlvrworld/playground/kernels"
)

// rlvrworldBin is the rlvrworld binary the tests run kernels (and servers)
// from: $RLVRWORLD_BIN, or one built for the test run.
var rlvrworldBin string

func TestMain(m *testing.M) {
	code := func() int {
		rlvrworldBin = os.Getenv("RLVRWORLD_BIN")
		if rlvrworldBin == "" {
			dir, err := os.MkdirTemp("", "rlvrworld-test-bin-")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer os.RemoveAll(dir)
			rlvrworldBin = filepath.Join(dir, "rlvrworld")
			build := exec.Command("go", "build", "-o", rlvrworldBin, "github.com/rlvrworld/rlvrworld/cmd/rlvrworld")
			build.Stdout, build.Stderr = os.Stderr, os.Stderr
			if err := build.Run(); err != nil {
				fmt.Fprintln(os.Stderr, "build rlvrworld for the playground tests:", err)
				return 1
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

const testToken = "test-token-123"

type testServer struct {
	*Server
	ts  *httptest.Server
	dir string
}

func newTestServer(t *testing.T, edit func(*Options)) *testServer {
	t.Helper()
	dir := t.TempDir()
	opts := Options{
		Notebooks:    filepath.Join(dir, "notebooks"),
		Token:        testToken,
		LoopbackOnly: true,
		Kernels: kernels.Options{
			Specs:        []kernels.Spec{kernels.BinarySpec(rlvrworldBin)},
			KernelOutput: io.Discard,
		},
	}
	if edit != nil {
		edit(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	// The http.Server the binary uses: its timeouts and connection cap.
	ts := httptest.NewUnstartedServer(s)
	ts.Config = s.HTTPServer()
	ts.Start()
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return &testServer{Server: s, ts: ts, dir: dir}
}

// do sends an API request with the token in the header.
func (s *testServer) do(t *testing.T, method, path string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.ts.URL+path, rd)
	req.Header.Set("Authorization", "token "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

func (s *testServer) startKernel(t *testing.T) kernels.Model {
	t.Helper()
	resp, data := s.do(t, "POST", "/api/kernels", map[string]string{"name": "rlvrworld"})
	if resp.StatusCode != 201 {
		t.Fatalf("start kernel: %d %s", resp.StatusCode, data)
	}
	var m kernels.Model
	json.Unmarshal(data, &m)
	return m
}

// msg is a decoded message as a test client sees it.
type msg struct {
	Channel string
	Header  jupyter.Header
	Parent  jupyter.Header
	Content map[string]any
}

// wsClient is a kernel websocket client, speaking either protocol.
type wsClient struct {
	conn    *websocket.Conn
	session string
	v1      bool
	msgs    chan msg
	closed  chan struct{}
	closeMu sync.Mutex
	err     error
}

func (s *testServer) dial(t *testing.T, kernelID string, v1 bool, header http.Header) (*wsClient, *http.Response, error) {
	t.Helper()
	session := jupyter.NewID()
	u := "ws" + strings.TrimPrefix(s.ts.URL, "http") + "/api/kernels/" + kernelID + "/channels?session_id=" + session
	if header == nil {
		header = http.Header{"Authorization": {"token " + testToken}}
	}
	d := websocket.Dialer{}
	if v1 {
		d.Subprotocols = []string{jupyter.ProtocolV1}
	}
	conn, resp, err := d.Dial(u, header)
	if err != nil {
		return nil, resp, err
	}
	c := &wsClient{conn: conn, session: session, v1: conn.Subprotocol() == jupyter.ProtocolV1, msgs: make(chan msg, 100000), closed: make(chan struct{})}
	if v1 && !c.v1 {
		t.Fatalf("server did not select %s", jupyter.ProtocolV1)
	}
	go c.read()
	t.Cleanup(func() { conn.Close() })
	return c, resp, nil
}

func (c *wsClient) read() {
	defer close(c.closed)
	for {
		typ, data, err := c.conn.ReadMessage()
		if err != nil {
			c.closeMu.Lock()
			c.err = err
			c.closeMu.Unlock()
			return
		}
		var m *jupyter.Message
		switch {
		case c.v1:
			m, err = jupyter.DecodeV1(data)
		case typ == websocket.TextMessage:
			m, err = jupyter.DecodeJSON(data)
		default:
			m, err = jupyter.DecodeLegacyBinary(data)
		}
		if err != nil {
			panic(fmt.Sprintf("undecodable frame from the server: %v", err))
		}
		h, _ := jupyter.ParseHeader(m.Header)
		p, _ := jupyter.ParseHeader(m.ParentHeader)
		var content map[string]any
		json.Unmarshal(m.Content, &content)
		c.msgs <- msg{Channel: m.Channel, Header: h, Parent: p, Content: content}
	}
}

// send sends a request and returns its msg_id.
func (c *wsClient) send(t *testing.T, channel, msgType string, content any) string {
	t.Helper()
	id, err := c.trySend(channel, msgType, content)
	if err != nil {
		t.Errorf("send %s: %v", msgType, err)
	}
	return id
}

// trySend is send that returns the write error, for a test that expects the
// server to close the socket while the message is still being written.
func (c *wsClient) trySend(channel, msgType string, content any) (string, error) {
	m, h, err := jupyter.NewMessage(channel, msgType, c.session, "test", content)
	if err != nil {
		return "", err
	}
	if c.v1 {
		err = c.conn.WriteMessage(websocket.BinaryMessage, jupyter.EncodeV1(m))
	} else {
		err = c.conn.WriteMessage(websocket.TextMessage, jupyter.EncodeJSON(m, h))
	}
	return h.MsgID, err
}

func (c *wsClient) execute(t *testing.T, code string) string {
	return c.send(t, "shell", "execute_request", map[string]any{"code": code, "silent": false, "store_history": true,
		"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true})
}

// next returns the next message that pred accepts, failing after timeout.
func (c *wsClient) next(t *testing.T, timeout time.Duration, what string, pred func(msg) bool) msg {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m := <-c.msgs:
			if pred(m) {
				return m
			}
		case <-c.closed:
			// Drain what arrived before the close.
			for {
				select {
				case m := <-c.msgs:
					if pred(m) {
						return m
					}
				default:
					t.Fatalf("websocket closed (%v) while waiting for %s", c.err, what)
				}
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func isStatus(state string) func(msg) bool {
	return func(m msg) bool {
		return m.Channel == "iopub" && m.Header.MsgType == "status" && m.Content["execution_state"] == state
	}
}

// runCell executes code and returns its reply and the text/plain result.
func (c *wsClient) runCell(t *testing.T, code string) (msg, string) {
	t.Helper()
	id := c.execute(t, code)
	result := ""
	var reply msg
	gotReply, gotIdle := false, false
	for !gotReply || !gotIdle {
		m := c.next(t, 60*time.Second, "the reply to "+code, func(m msg) bool { return m.Parent.MsgID == id })
		switch {
		case m.Header.MsgType == "execute_reply":
			reply, gotReply = m, true
		case m.Header.MsgType == "execute_result":
			data, _ := m.Content["data"].(map[string]any)
			result, _ = data["text/plain"].(string)
		case m.Header.MsgType == "status" && m.Content["execution_state"] == "idle":
			gotIdle = true
		}
	}
	return reply, result
}
