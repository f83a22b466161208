package kernel

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/traefik/yaegi/interp"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
	"github.com/rlvrworld/rlvrworld/kernel/client"
	"github.com/rlvrworld/rlvrworld/stdlib/symbols"
)

// The test binary doubles as the kernel process: with RLVR_KERNEL_CHILD set
// to a connection file it runs a kernel (fds captured, as in production).
func TestMain(m *testing.M) {
	if f := os.Getenv("RLVR_KERNEL_CHILD"); f != "" {
		conn, err := jupyter.ReadConnection(f)
		if err != nil {
			panic(err)
		}
		k, err := New(Config{Conn: conn, CaptureFDs: true, HandleSIGINT: true, Symbols: []interp.Exports{symbols.Short()}, Backend: "cpu/test"})
		if err != nil {
			panic(err)
		}
		if err := k.Run(context.Background()); err != nil {
			panic(err)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startKernel runs this test binary as a kernel process and connects.
func startKernel(t *testing.T) (*client.Client, *client.Process) {
	t.Helper()
	return startKernelLog(t, os.Stderr)
}

// startKernelLog is startKernel with the process's stderr going to stderr.
func startKernelLog(t *testing.T, stderr *os.File) (*client.Client, *client.Process) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	os.Setenv("RLVR_KERNEL_CHILD", "")
	p, err := client.Start([]string{"/usr/bin/env", "RLVR_KERNEL_CHILD={connection_file}", exe}, stderr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(p.Conn)
	if err != nil {
		p.Stop(0)
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.WaitReady(ctx); err != nil {
		c.Close()
		p.Stop(0)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = c.Shutdown(ctx)
		c.Close()
		p.Stop(2 * time.Second)
	})
	return c, p
}

func run(t *testing.T, c *client.Client, code string) *client.Execution {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ex, err := c.Execute(ctx, code)
	if err != nil {
		t.Fatalf("execute %q: %v", code, err)
	}
	return ex
}

func streamText(ex *client.Execution, name string) string {
	var b strings.Builder
	for _, o := range ex.Outputs {
		if o.MsgType == "stream" && o.Content["name"] == name {
			b.WriteString(o.Content["text"].(string))
		}
	}
	return b.String()
}

func TestKernelProtocol(t *testing.T) {
	c, _ := startKernel(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	info, err := c.Call(ctx, false, "kernel_info_request", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	var ki map[string]any
	if err := info.Decode(&ki); err != nil {
		t.Fatal(err)
	}
	if ki["protocol_version"] != "5.3" || ki["language_info"].(map[string]any)["backend"] != "cpu/test" {
		t.Fatalf("kernel_info %v", ki)
	}

	if err := c.Ping(ctx); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}

	ex := run(t, c, "1+1")
	if ex.Status != "ok" || len(ex.Outputs) != 1 || ex.Outputs[0].MsgType != "execute_result" ||
		ex.Outputs[0].Content["data"].(map[string]any)["text/plain"] != "2" {
		t.Fatalf("1+1: %+v", ex)
	}

	// Output of interpreted code and of a raw write to fd 1 (as compiled
	// code does) both come back as stream messages, in order.
	ex = run(t, c, "import (\"fmt\"; \"os\")\nfmt.Println(\"interpreted\")\nos.Stdout.Write([]byte(\"compiled\\n\"))\nfmt.Fprintln(os.Stderr, \"to stderr\")")
	if got := streamText(ex, "stdout"); got != "interpreted\ncompiled\n" {
		t.Fatalf("stdout %q (outputs %+v)", got, ex.Outputs)
	}
	if got := streamText(ex, "stderr"); got != "to stderr\n" {
		t.Fatalf("stderr %q", got)
	}

	// Errors: ename/evalue with the cell position, and state survives.
	run(t, c, "x := 41")
	ex = run(t, c, "x++\nvar s []int\n_ = s[3]")
	if ex.Status != "error" || len(ex.Outputs) == 0 || ex.Outputs[len(ex.Outputs)-1].MsgType != "error" {
		t.Fatalf("panic cell: %+v", ex)
	}
	if ev := ex.Outputs[len(ex.Outputs)-1].Content["evalue"].(string); !strings.Contains(ev, "index out of range") {
		t.Fatalf("evalue %q", ev)
	}
	ex = run(t, c, "x")
	if ex.Outputs[0].Content["data"].(map[string]any)["text/plain"] != "42" {
		t.Fatalf("x after panic: %+v", ex.Outputs)
	}

	// Display from the rlvr/display package.
	ex = run(t, c, "import \"rlvr/display\"\nfmt.Println(\"before\")\ndisplay.HTML(\"<b>hi</b>\")\nh := display.NewHandle(display.HTMLOutput(\"a\"))\nh.Update(display.HTMLOutput(\"b\"))")
	var kinds []string
	for _, o := range ex.Outputs {
		kinds = append(kinds, o.MsgType)
	}
	if strings.Join(kinds, ",") != "stream,display_data,display_data,update_display_data" {
		t.Fatalf("display outputs %v", kinds)
	}
	if id := ex.Outputs[3].Content["transient"].(map[string]any)["display_id"]; id == "" || id == nil {
		t.Fatal("update_display_data without display_id")
	}

	// Other requests.
	r, err := c.Call(ctx, false, "complete_request", map[string]any{"code": "fmt.Spr", "cursor_pos": 7})
	if err != nil || !strings.Contains(string(r.Content), "Sprintf") {
		t.Fatalf("complete: %v %s", err, r.Content)
	}
	r, err = c.Call(ctx, false, "is_complete_request", map[string]any{"code": "func f() {"})
	if err != nil || !strings.Contains(string(r.Content), "incomplete") {
		t.Fatalf("is_complete: %v %s", err, r.Content)
	}
	for _, typ := range []string{"inspect_request", "history_request", "comm_info_request"} {
		if _, err := c.Call(ctx, false, typ, map[string]any{"code": "x", "cursor_pos": 1}); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	r, err = c.Call(ctx, false, "bogus_request", map[string]any{})
	if err != nil || !strings.Contains(string(r.Content), "UnknownMessageType") {
		t.Fatalf("unknown type: %v", err)
	}

	// Inspect shows the doc comment of a standard library function (it
	// gave only the signature) and of a preloaded rlvr/ package.
	for code, want := range map[string]string{
		"import \"strings\"\nstrings.Repeat":    "Repeat returns a new string consisting of count copies of the string s.",
		"import \"rlvr/grpo\"\ngrpo.Advantages": "func grpo.Advantages(",
	} {
		r, err = c.Call(ctx, false, "inspect_request", jupyter.CodeRequest{Code: code, CursorPos: len(code)})
		if err != nil {
			t.Fatal(err)
		}
		var ir jupyter.InspectReply
		if err := r.Decode(&ir); err != nil {
			t.Fatal(err)
		}
		if text, _ := ir.Data["text/plain"].(string); !ir.Found || !strings.Contains(text, want) {
			t.Errorf("inspect %q: %+v, want it to contain %q", code, ir, want)
		}
	}
}

func TestKernelOrderAndStreamingLive(t *testing.T) {
	c, _ := startKernel(t)
	id, ch, err := c.Request(false, "execute_request", map[string]any{"code": "import (\"fmt\"; \"time\")\nfmt.Println(\"a\")\ntime.Sleep(400 * time.Millisecond)\nfmt.Println(\"b\")\n7", "silent": false})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Done(id)
	start := time.Now()
	var seq []string
	var firstStream time.Duration
	gotReply := false
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-ch:
			tag := m.Header.MsgType
			if tag == "status" {
				var st jupyter.Status
				if err := m.Decode(&st); err != nil {
					t.Fatal(err)
				}
				tag += ":" + st.ExecutionState
			}
			if tag == "stream" && firstStream == 0 {
				firstStream = time.Since(start)
			}
			// The reply comes on shell, the rest on iopub: only the iopub
			// order is defined (the kernel sends the reply before idle, but
			// the two sockets are read independently).
			if tag == "execute_reply" {
				gotReply = true
			} else {
				seq = append(seq, tag)
			}
			if gotReply && len(seq) > 0 && seq[len(seq)-1] == "status:idle" {
				got := strings.Join(seq, " ")
				want := "status:busy execute_input stream stream execute_result status:idle"
				if got != want {
					t.Fatalf("order:\n got %s\nwant %s", got, want)
				}
				// The cell sleeps 400 ms after its first print: streamed
				// output arrives well before the cell ends.
				if lead := time.Since(start) - firstStream; lead < 250*time.Millisecond {
					t.Fatalf("first output only %v before the end: not streamed while the cell ran", lead)
				}
				return
			}
		case <-timeout:
			t.Fatalf("timeout; seen %v", seq)
		}
	}
}

func TestKernelInterrupt(t *testing.T) {
	c, _ := startKernel(t)
	run(t, c, "n := 0")
	done := make(chan *client.Execution, 1)
	go func() { done <- run(t, c, "for {\n\tn++\n}") }()
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t0 := time.Now()
	if err := c.Interrupt(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case ex := <-done:
		if ex.Status != "error" {
			t.Fatalf("interrupted cell status %s", ex.Status)
		}
		if d := time.Since(t0); d > time.Second {
			t.Fatalf("interrupt took %v", d)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("loop not interrupted")
	}
	if ex := run(t, c, "n > 0"); ex.Outputs[0].Content["data"].(map[string]any)["text/plain"] != "true" {
		t.Fatalf("state after interrupt: %+v", ex.Outputs)
	}
}

// Badly signed and malformed messages are dropped; the kernel keeps serving.
func TestKernelRejectsBadMessages(t *testing.T) {
	c, _ := startKernel(t)
	d := zmq4.NewDealer(context.Background())
	defer d.Close()
	if err := d.Dial(c.Conn.Endpoint(c.Conn.ShellPort)); err != nil {
		t.Fatal(err)
	}
	wrong, _ := jupyter.NewSigner("hmac-sha256", []byte("not the key"))
	m, _, err := jupyter.NewMessage("", "execute_request", "evil", "x", jupyter.ExecuteRequest{Code: "panic(1)"})
	if err != nil {
		t.Fatal(err)
	}
	frames := wrong.Encode(m)
	delim := []byte(jupyter.Delimiter)
	for _, f := range [][][]byte{frames, {[]byte("garbage")}, {delim, []byte("sig")}, {delim, []byte(""), []byte("{"), []byte("{}"), []byte("{}"), []byte("{}")}} {
		if err := d.Send(zmq4.NewMsgFrom(f...)); err != nil {
			t.Fatal(err)
		}
	}
	// A badly signed message gets no answer on the dealer.
	got := make(chan struct{})
	go func() {
		if _, err := d.Recv(); err == nil {
			close(got)
		}
	}()
	select {
	case <-got:
		t.Fatal("kernel answered a badly signed message")
	case <-time.After(300 * time.Millisecond):
	}
	// Well signed but ill-typed content gets an error reply.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := c.Call(ctx, false, "execute_request", map[string]any{"code": 5})
	if err != nil || !strings.Contains(string(r.Content), `"status":"error"`) {
		t.Fatalf("ill-typed execute_request: %v %s", err, r.Content)
	}
	// Content that does not decode is answered with an error reply naming
	// the problem (it was answered as if the code were empty).
	for _, typ := range []string{"complete_request", "inspect_request", "is_complete_request", "shutdown_request", "comm_info_request"} {
		r, err := c.Call(ctx, false, typ, map[string]any{"code": []int{1}, "cursor_pos": -7, "restart": "yes", "target_name": 3})
		if err != nil {
			t.Fatalf("ill-typed %s: %v", typ, err)
		}
		var er jupyter.ErrorReply
		if err := r.Decode(&er); err != nil || er.Status != "error" || er.Ename != "BadRequest" || !strings.Contains(er.Evalue, "bad "+typ+" content") {
			t.Errorf("ill-typed %s: %s", typ, r.Content)
		}
	}
	if ex := run(t, c, "2*3"); ex.Outputs[0].Content["data"].(map[string]any)["text/plain"] != "6" {
		t.Fatalf("after bad messages: %+v", ex)
	}
}

// Execute requests queued behind a failing cell are aborted (stop_on_error),
// as ipykernel does, so "run all" stops at the first error.
func TestKernelAbortsQueueAfterError(t *testing.T) {
	c, _ := startKernel(t)
	run(t, c, "import \"time\"")
	codes := []string{"time.Sleep(300 * time.Millisecond)\npanic(\"stop\")", "1+1", "2+2"}
	var chans []<-chan client.Reply
	for _, code := range codes {
		id, ch, err := c.Request(false, "execute_request", map[string]any{"code": code, "stop_on_error": true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Done(id)
		chans = append(chans, ch)
	}
	var statuses []string
	for _, ch := range chans {
		statuses = append(statuses, execReply(t, ch))
	}
	if strings.Join(statuses, ",") != "error,aborted,aborted" {
		t.Fatalf("statuses %v", statuses)
	}
	if ex := run(t, c, "3+3"); ex.Status != "ok" {
		t.Fatalf("after the aborted queue: %+v", ex)
	}
}

// A request sent after the client has the failed cell's reply is not part
// of the queue that stop_on_error aborts, however fast it comes: the kernel
// used to abort whatever sat in its queue when it got round to looking,
// which, under load, included the next cell of a client that runs cells one
// at a time (`rlvrworld run --allow-errors` lost two cells' outputs so).
func TestKernelRunsRequestSentAfterErrorReply(t *testing.T) {
	c, _ := startKernel(t)
	aborted := 0
	send := func(code, want string) {
		id, ch, err := c.Request(false, "execute_request", map[string]any{"code": code, "stop_on_error": true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Done(id)
		if s := execReply(t, ch); s == "aborted" {
			aborted++
		} else if s != want {
			t.Fatalf("%q: status %q", code, s)
		}
	}
	// Each error reply waits for the queue to settle (100 ms), so fewer
	// rounds than before cover the same race.
	for i := 0; i < 60; i++ {
		send(`panic("x")`, "error")
		send("1", "ok") // at once, without waiting for the idle status
	}
	if aborted > 0 {
		t.Fatalf("%d of 120 cells sent after an error reply were aborted", aborted)
	}
}

// execReply waits for the execute_reply on ch and returns its status.
func execReply(t *testing.T, ch <-chan client.Reply) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-ch:
			if m.Header.MsgType == "execute_reply" {
				var r jupyter.ExecuteReply
				if err := m.Decode(&r); err != nil {
					t.Fatal(err)
				}
				return r.Status
			}
		case <-timeout:
			t.Fatal("no execute_reply")
		}
	}
}
