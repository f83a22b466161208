package playground

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
	"github.com/rlvrworld/rlvrworld/playground/kernels"
)

func TestKernelRESTAndWebsocket(t *testing.T) {
	s := newTestServer(t, nil)
	k := s.startKernel(t)
	if k.Name != "rlvrworld" || k.ExecutionState != "idle" {
		t.Errorf("new kernel model %+v", k)
	}
	resp, body := s.do(t, "GET", "/api/kernels", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), k.ID) {
		t.Fatalf("list kernels: %d %s", resp.StatusCode, body)
	}
	for _, v1 := range []bool{false, true} {
		c, _, err := s.dial(t, k.ID, v1, nil)
		if err != nil {
			t.Fatal(err)
		}
		reply, result := c.runCell(t, "40 + 2")
		if reply.Content["status"] != "ok" || result != "42" {
			t.Errorf("v1=%v: reply %v, result %q", v1, reply.Content, result)
		}
	}
	// A message with buffers in the default protocol's binary framing.
	c, _, err := s.dial(t, k.ID, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, h, err := jupyter.NewMessage("shell", "execute_request", c.session, "test", jupyter.ExecuteRequest{Code: "3 * 3"})
	if err != nil {
		t.Fatal(err)
	}
	m.Buffers = [][]byte{{1, 2, 3}}
	if err := c.conn.WriteMessage(websocket.BinaryMessage, jupyter.EncodeLegacyBinary(m, h)); err != nil {
		t.Fatal(err)
	}
	if r := c.next(t, 30*time.Second, "reply to the binary frame", func(m msg) bool { return m.Parent.MsgID == h.MsgID && m.Header.MsgType == "execute_reply" }); r.Content["status"] != "ok" {
		t.Errorf("binary-framed request: %v", r.Content)
	}
	if resp, _ := s.do(t, "POST", "/api/kernels/"+k.ID+"/interrupt", nil); resp.StatusCode != 204 {
		t.Errorf("interrupt: %d", resp.StatusCode)
	}
	resp, body = s.do(t, "POST", "/api/kernels/"+k.ID+"/restart", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"execution_state":"idle"`) {
		t.Errorf("restart: %d %s", resp.StatusCode, body)
	}
	// A foreign Origin may not open the websocket; an allowed one may.
	_, r, err := s.dial(t, k.ID, false, http.Header{"Authorization": {"token " + testToken}, "Origin": {"http://evil.example"}})
	if err == nil || r == nil || r.StatusCode != 403 {
		t.Errorf("foreign origin websocket: %v %v", err, r)
	}
	// An unknown subprotocol is refused the standard way: none selected.
	d := websocket.Dialer{Subprotocols: []string{"v9.unknown"}}
	u := "ws" + strings.TrimPrefix(s.ts.URL, "http") + "/api/kernels/" + k.ID + "/channels?session_id=x&token=" + testToken
	conn, _, err := d.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if conn.Subprotocol() != "" {
		t.Errorf("server selected %q, which the client did not offer", conn.Subprotocol())
	}
	conn.Close()
	if resp, _ := s.do(t, "DELETE", "/api/kernels/"+k.ID, nil); resp.StatusCode != 204 {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if resp, _ := s.do(t, "GET", "/api/kernels/"+k.ID, nil); resp.StatusCode != 404 {
		t.Errorf("deleted kernel: %d, want 404", resp.StatusCode)
	}
	if resp, _ := s.do(t, "POST", "/api/kernels", map[string]string{"name": "nope"}); resp.StatusCode != 404 {
		t.Errorf("unknown kernelspec: %d, want 404", resp.StatusCode)
	}
}

func TestAllowedOriginAndMessageLimit(t *testing.T) {
	s := newTestServer(t, func(o *Options) {
		o.AllowOrigins = []string{"http://app.example"}
		o.MaxMessage = 4096
	})
	k := s.startKernel(t)
	c, _, err := s.dial(t, k.ID, false, http.Header{"Authorization": {"token " + testToken}, "Origin": {"http://app.example"}})
	if err != nil {
		t.Fatalf("allowed origin refused: %v", err)
	}
	// The server may close with 1009 as soon as it has read the frame's
	// header, while the client is still writing it: the write can then
	// fail (close sent). The close code is what this test checks.
	// The close code is what this test checks; the write error is logged.
	if _, err := c.trySend("shell", "execute_request", map[string]any{"code": strings.Repeat("1+", 4000) + "1"}); err != nil {
		t.Logf("send of the oversized message: %v", err)
	}
	select {
	case <-c.closed:
		if !websocket.IsCloseError(c.err, websocket.CloseMessageTooBig) {
			t.Errorf("oversized message closed the socket with %v, want 1009", c.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("oversized websocket message accepted")
	}
}

// 20 clients on one kernel, 20 cells each, at the same time: every client
// gets exactly its own replies, and every client sees every iopub message.
func TestConcurrentClients(t *testing.T) {
	const nClients, nCells = 20, 20
	s := newTestServer(t, nil)
	k := s.startKernel(t)
	clients := make([]*wsClient, nClients)
	for i := range clients {
		c, _, err := s.dial(t, k.ID, i%2 == 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	type exec struct{ client, value int }
	var mu sync.Mutex
	sent := map[string]exec{} // msg_id -> who sent it and the value it computes
	iopub := make([][]msg, nClients)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < nCells; j++ {
				v := 1000*i + j
				id := c.execute(t, fmt.Sprintf("%d + 0", v))
				mu.Lock()
				sent[id] = exec{i, v}
				mu.Unlock()
				for {
					m := c.next(t, 120*time.Second, "execute_reply", func(msg) bool { return true })
					if m.Channel == "iopub" {
						iopub[i] = append(iopub[i], m)
						continue
					}
					if m.Parent.MsgID != id || m.Header.MsgType != "execute_reply" {
						t.Errorf("client %d got %s on %s for %s, not its own request %s", i, m.Header.MsgType, m.Channel, m.Parent.MsgID, id)
						continue
					}
					if m.Content["status"] != "ok" {
						t.Errorf("client %d cell %d: %v", i, j, m.Content)
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// Now every client must hold, for all 400 requests, the result and the
	// idle status, and nothing on shell meant for someone else.
	for i, c := range clients {
		results := map[string]string{}
		idle := map[string]bool{}
		for _, m := range iopub[i] {
			record(m, results, idle)
		}
		deadline := time.After(60 * time.Second)
		for len(idle) < len(sent) || len(results) < len(sent) {
			select {
			case m := <-c.msgs:
				if m.Channel != "iopub" {
					t.Fatalf("client %d got a stray %s on %s", i, m.Header.MsgType, m.Channel)
				}
				record(m, results, idle)
			case <-deadline:
				t.Fatalf("client %d saw %d results and %d idles of %d executions", i, len(results), len(idle), len(sent))
			}
		}
		for id, e := range sent {
			if results[id] != strconv.Itoa(e.value) {
				t.Fatalf("client %d: result of client %d's %d is %q", i, e.client, e.value, results[id])
			}
		}
	}
}

func record(m msg, results map[string]string, idle map[string]bool) {
	if m.Parent.MsgType != "execute_request" {
		return
	}
	switch m.Header.MsgType {
	case "execute_result":
		data, _ := m.Content["data"].(map[string]any)
		results[m.Parent.MsgID], _ = data["text/plain"].(string)
	case "status":
		if m.Content["execution_state"] == "idle" {
			idle[m.Parent.MsgID] = true
		}
	}
}

func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// A zombie has exited; only its parent's wait is missing.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

func waitGone(t *testing.T, pid int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive after %v", pid, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill -9 of a kernel: the server restarts it and tells its clients, which
// stay connected and can run cells again.
func TestKilledKernelRestarts(t *testing.T) {
	s := newTestServer(t, nil)
	km := s.startKernel(t)
	k, _ := s.Kernels().Get(km.ID)
	c, _, err := s.dial(t, km.ID, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.runCell(t, "x := 1")
	old := k.Pid()
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.next(t, 10*time.Second, "status restarting", isStatus("restarting"))
	c.next(t, 60*time.Second, "status idle after the restart", isStatus("idle"))
	if pid := k.Pid(); pid == old || pid == 0 {
		t.Errorf("kernel pid %d after restart (was %d)", pid, old)
	}
	waitGone(t, old, 5*time.Second)
	reply, result := c.runCell(t, "1 + 1")
	if reply.Content["status"] != "ok" || result != "2" {
		t.Errorf("after restart: %v %q", reply.Content, result)
	}
	// The state died with the process.
	if reply, _ := c.runCell(t, "x"); reply.Content["status"] != "error" {
		t.Errorf("x survived the kill: %v", reply.Content)
	}
	if m := k.Model(); m.ExecutionState != "idle" {
		t.Errorf("model state %q after restart", m.ExecutionState)
	}
}

// A kernel that keeps dying is declared dead after the restart limit.
func TestKernelDeadAfterRestartLimit(t *testing.T) {
	s := newTestServer(t, func(o *Options) {
		o.Kernels.RestartLimit = 1
		o.Kernels.StableAfter = time.Minute
	})
	km := s.startKernel(t)
	k, _ := s.Kernels().Get(km.ID)
	c, _, err := s.dial(t, km.ID, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Kill(k.Pid(), syscall.SIGKILL)
	c.next(t, 10*time.Second, "status restarting", isStatus("restarting"))
	c.next(t, 60*time.Second, "status idle", isStatus("idle"))
	syscall.Kill(k.Pid(), syscall.SIGKILL)
	c.next(t, 10*time.Second, "status dead", isStatus("dead"))
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second):
		t.Error("websocket of a dead kernel stayed open")
	}
	_, body := s.do(t, "GET", "/api/kernels/"+km.ID, nil)
	var m kernels.Model
	json.Unmarshal(body, &m)
	if m.ExecutionState != "dead" {
		t.Errorf("dead kernel's model: %s", body)
	}
}

// Server.Close leaves no kernel process behind.
func TestCloseKillsKernels(t *testing.T) {
	s := newTestServer(t, nil)
	var pids []int
	for i := 0; i < 3; i++ {
		km := s.startKernel(t)
		k, _ := s.Kernels().Get(km.ID)
		pids = append(pids, k.Pid())
	}
	s.Close()
	for _, pid := range pids {
		waitGone(t, pid, time.Second)
	}
}

// The real binary: SIGTERM shuts kernels down; SIGKILL of the server takes
// its kernels along too (parent-death signal).
func TestServeProcessLeavesNoKernels(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(rlvrworldBin, "serve", "--addr", "127.0.0.1:0", "--notebooks", dir, "--token", testToken, "--no-browser")
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			buf := make([]byte, 4096)
			var text string
			re := regexp.MustCompile(`http://127\.0\.0\.1:\d+`)
			for !re.MatchString(text) {
				n, err := out.Read(buf)
				if err != nil {
					t.Fatalf("serve printed %q then %v", text, err)
				}
				text += string(buf[:n])
			}
			base := re.FindString(text)
			for i := 0; i < 2; i++ {
				req, _ := http.NewRequest("POST", base+"/api/kernels", strings.NewReader(`{}`))
				req.Header.Set("Authorization", "token "+testToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != 201 {
					t.Fatalf("start kernel: %v %v", err, resp)
				}
				resp.Body.Close()
			}
			kids := children(cmd.Process.Pid)
			if len(kids) != 2 {
				t.Fatalf("serve has %d kernel processes, want 2", len(kids))
			}
			cmd.Process.Signal(sig)
			cmd.Wait()
			for _, pid := range kids {
				waitGone(t, pid, 5*time.Second)
			}
		})
	}
}

// children lists the live child processes of pid.
func children(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) && fields[0] != "Z" {
			out = append(out, p)
		}
	}
	return out
}

// A hung kernel (stopped, so its heartbeat stops) is killed and restarted;
// a healthy one answers its heartbeat and is left alone.
func TestHeartbeat(t *testing.T) {
	s := newTestServer(t, func(o *Options) {
		// 2 s of silence: long enough for a loaded CI machine, short for a test.
		o.Kernels.HeartbeatInterval = 250 * time.Millisecond
		o.Kernels.HeartbeatMisses = 8
	})
	km := s.startKernel(t)
	k, _ := s.Kernels().Get(km.ID)
	c, _, err := s.dial(t, km.ID, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	pid := k.Pid()
	time.Sleep(2500 * time.Millisecond)
	if k.Pid() != pid {
		t.Fatalf("a healthy kernel was restarted (pid %d -> %d)", pid, k.Pid())
	}
	syscall.Kill(pid, syscall.SIGSTOP)
	c.next(t, 10*time.Second, "status restarting", isStatus("restarting"))
	c.next(t, 60*time.Second, "status idle", isStatus("idle"))
	waitGone(t, pid, 5*time.Second)
	if reply, result := c.runCell(t, "2 * 3"); reply.Content["status"] != "ok" || result != "6" {
		t.Errorf("after the heartbeat restart: %v %q", reply.Content, result)
	}
}

// Connection files (they hold the signing key) are private, and go away
// with their kernel; a kernel that cannot start is a clear 500.
func TestConnectionFilesPrivate(t *testing.T) {
	connDir := t.TempDir() + "/conn"
	s := newTestServer(t, func(o *Options) {
		o.Kernels.Dir = connDir
		o.Kernels.Specs = append(o.Kernels.Specs, kernels.Spec{Name: "broken", Argv: []string{"/bin/false", "{connection_file}"}})
	})
	km := s.startKernel(t)
	fi, err := os.Stat(connDir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("connection folder mode %v, %v", fi.Mode(), err)
	}
	files, _ := os.ReadDir(connDir)
	if len(files) != 1 {
		t.Fatalf("connection files %v", files)
	}
	info, _ := files[0].Info()
	if info.Mode().Perm() != 0o600 {
		t.Errorf("connection file mode %v, want 0600", info.Mode())
	}
	data, _ := os.ReadFile(connDir + "/" + files[0].Name())
	var ci map[string]any
	if json.Unmarshal(data, &ci) != nil || ci["signature_scheme"] != "hmac-sha256" || len(ci["key"].(string)) < 32 || ci["ip"] != "127.0.0.1" {
		t.Errorf("connection file %s", data)
	}
	s.do(t, "DELETE", "/api/kernels/"+km.ID, nil)
	if files, _ := os.ReadDir(connDir); len(files) != 0 {
		t.Errorf("connection files left after shutdown: %v", files)
	}
	start := time.Now()
	resp, body := s.do(t, "POST", "/api/kernels", map[string]string{"name": "broken"})
	if resp.StatusCode != 500 || !strings.Contains(string(body), "exited") || time.Since(start) > 10*time.Second {
		t.Errorf("broken kernel: %d %s after %v", resp.StatusCode, body, time.Since(start))
	}
	if files, _ := os.ReadDir(connDir); len(files) != 0 {
		t.Errorf("connection files left after a failed start: %v", files)
	}
}

// stdin: the kernel's input_request goes only to the client whose cell asked,
// and its input_reply reaches the kernel.
func TestStdinRoutedToRequester(t *testing.T) {
	s := newTestServer(t, nil)
	km := s.startKernel(t)
	a, _, err := s.dial(t, km.ID, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := s.dial(t, km.ID, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := a.send(t, "shell", "execute_request", map[string]any{
		"code":   "import \"rlvr/display\"\nname, err := display.Input(\"Your name: \")\nif err != nil {\n\tpanic(err)\n}\n\"hello \" + name",
		"silent": false, "store_history": true, "user_expressions": map[string]any{}, "allow_stdin": true, "stop_on_error": true})
	req := a.next(t, 30*time.Second, "input_request", func(m msg) bool { return m.Header.MsgType == "input_request" })
	if req.Channel != "stdin" || req.Parent.MsgID != id || req.Content["prompt"] != "Your name: " {
		t.Fatalf("input_request %+v", req)
	}
	a.send(t, "stdin", "input_reply", map[string]any{"value": "gopher"})
	var result string
	for result == "" {
		m := a.next(t, 30*time.Second, "the result", func(m msg) bool { return m.Parent.MsgID == id })
		if m.Header.MsgType == "execute_result" {
			data, _ := m.Content["data"].(map[string]any)
			result, _ = data["text/plain"].(string)
		}
		if m.Header.MsgType == "execute_reply" && m.Content["status"] != "ok" {
			t.Fatalf("reply %v", m.Content)
		}
	}
	if !strings.Contains(result, "hello gopher") {
		t.Errorf("result %q", result)
	}
	// The other client saw the iopub traffic but nothing on stdin or shell.
	b.next(t, 10*time.Second, "b's copy of the result", func(m msg) bool { return m.Header.MsgType == "execute_result" && m.Parent.MsgID == id })
	for {
		select {
		case m := <-b.msgs:
			if m.Channel != "iopub" {
				t.Fatalf("client b got %s on %s", m.Header.MsgType, m.Channel)
			}
			continue
		case <-time.After(300 * time.Millisecond):
		}
		break
	}
}
