package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/go-zeromq/zmq4"
	"github.com/traefik/yaegi/interp"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
	"github.com/rlvrworld/rlvrworld/kernel/exec"
	"github.com/rlvrworld/rlvrworld/stdlib/comm"
	"github.com/rlvrworld/rlvrworld/stdlib/display"
)

// Version is the kernel's implementation version.
const Version = "0.1.0"

// Config configures a kernel.
type Config struct {
	Conn *jupyter.Connection
	// CaptureFDs redirects file descriptors 1 and 2 into stream messages
	// (the kernel process does this; in-process tests do not).
	CaptureFDs bool
	// HandleSIGINT makes SIGINT interrupt the running cell.
	HandleSIGINT bool
	// Symbols are the preloaded packages' symbol tables.
	Symbols []interp.Exports
	// Backend names the compute backend, reported in kernel_info.
	Backend string
	// Log receives the kernel's own messages; nil means the original stderr.
	Log *log.Logger
}

// maxStack is the kernel process's stack limit per goroutine.
const maxStack = 128 << 20

// Kernel is one running Jupyter kernel.
type Kernel struct {
	cfg     Config
	signer  *jupyter.Signer
	session string
	log     *log.Logger

	shell, control, stdin, iopub, hb zmq4.Socket
	sendMu                           sync.Mutex // one writer per socket at a time

	exec    *exec.Executor
	streams *streams
	count   int

	// The running cell: its request (parent of outputs) and cancel.
	curMu     sync.Mutex
	cur       *jupyter.Message
	curCancel context.CancelFunc
	curStdin  bool

	inputReplies chan inputAnswer
	stdinBuf     []byte

	// stoppedAt is when the last cell that failed with stop_on_error had its
	// reply sent: the queued requests that arrived before it are aborted,
	// the later ones come from a client that had the error and are run.
	// Only the shell goroutine touches it.
	stoppedAt time.Time
	// arrivals counts the requests the shell and control readers took off
	// their sockets (see settle).
	arrivals atomic.Int64

	shutdown chan struct{}
	once     sync.Once

	// interpMu is the interpreter's lock, held while a cell or a comm
	// callback runs; commParent is the last comm message (comm.go).
	interpMu   sync.Mutex
	commParent *jupyter.Message
}

// New prepares a kernel: it binds nothing yet.
func New(cfg Config) (*Kernel, error) {
	if cfg.Conn == nil {
		return nil, errors.New("kernel: no connection")
	}
	s, err := jupyter.NewSigner(cfg.Conn.SignatureScheme, []byte(cfg.Conn.Key))
	if err != nil {
		return nil, err
	}
	if cfg.Backend == "" {
		cfg.Backend = "cpu"
	}
	k := &Kernel{cfg: cfg, signer: s, session: jupyter.NewID(), inputReplies: make(chan inputAnswer, 1), shutdown: make(chan struct{})}
	k.streams = newStreams(k.emitStream)
	k.log = cfg.Log
	if cfg.CaptureFDs {
		if err := k.streams.captureFDs(); err != nil {
			return nil, err
		}
		if k.log == nil {
			k.log = log.New(k.streams.origErr, "rlvrworld kernel: ", log.LstdFlags)
		}
		// Runaway recursion in interpreted code is a fatal stack overflow,
		// which nothing can recover: the process ends (its report goes to
		// the real stderr, see captureFDs) and its supervisor restarts it.
		// The runtime's 1 GB default took about 30 s to reach on a loaded
		// 2-core machine (the collector scans the growing stack).
		debug.SetMaxStack(maxStack)
	}
	if k.log == nil {
		k.log = log.New(os.Stderr, "rlvrworld kernel: ", log.LstdFlags)
	}
	var stdout, stderr io.Writer = k.streams.out, k.streams.err
	if cfg.CaptureFDs {
		stdout, stderr = os.Stdout, os.Stderr
	}
	k.exec, err = exec.New(exec.Options{Stdout: stdout, Stderr: stderr, Stdin: stdinReader{k}, Symbols: cfg.Symbols})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// Run binds the sockets and serves until a shutdown_request or until ctx
// ends.
func (k *Kernel) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := k.cfg.Conn
	// Under sendMu: the stream flusher may publish while Run starts.
	socks, err := jupyter.Listen(ctx, c)
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	defer socks.Close()
	k.sendMu.Lock()
	k.shell, k.control, k.stdin, k.iopub, k.hb = socks.Shell, socks.Control, socks.Stdin, socks.IOPub, socks.HB
	k.sendMu.Unlock()
	display.SetSink(sink{k})
	defer display.SetSink(nil)
	comm.SetTransport(commTransport{k})
	defer comm.SetTransport(nil)

	if k.cfg.HandleSIGINT {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		defer signal.Stop(sig)
		go func() {
			for {
				select {
				case <-sig:
					k.interrupt()
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	if os.Getenv("JPY_PARENT_PID") != "" {
		go k.watchParent(ctx)
	}
	go jupyter.Echo(k.hb)
	go k.serve(k.control, "control")
	go k.readStdin()
	go k.serve(k.shell, "shell")
	k.publish(nil, "status", jupyter.Status{ExecutionState: "starting"})
	k.log.Printf("listening on %s (shell %d, iopub %d)", c.IP, c.ShellPort, c.IOPubPort)

	select {
	case <-ctx.Done():
	case <-k.shutdown:
		// Let the shutdown reply and the last iopub messages leave.
		time.Sleep(100 * time.Millisecond)
	}
	k.streams.close()
	return nil
}

// watchParent ends the kernel when the process that started it (Jupyter,
// the playground, rlvrworld run) goes away, as ipykernel does when its
// launcher sets JPY_PARENT_PID: an orphaned kernel would hold its ports and
// memory forever.
func (k *Kernel) watchParent(ctx context.Context) {
	parent := os.Getppid()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.shutdown:
			return
		case <-t.C:
			if os.Getppid() != parent {
				k.log.Printf("parent process %d is gone: shutting down", parent)
				k.interrupt()
				k.once.Do(func() { close(k.shutdown) })
				return
			}
		}
	}
}

// serve reads requests from a router socket and handles them one at a time.
// Malformed or badly signed messages are logged and dropped.
func (k *Kernel) serve(s zmq4.Socket, name string) {
	// A reader goroutine queues decoded requests with their arrival time, so
	// that after a failed cell the requests that were already on their way
	// can be told apart and aborted.
	queue := make(chan arrival, 1024)
	go func() {
		defer close(queue)
		for {
			raw, err := s.Recv()
			if err != nil {
				select {
				case <-k.shutdown:
				default:
					k.log.Printf("%s: recv: %v", name, err)
				}
				return
			}
			m, h, err := k.signer.Decode(raw.Frames)
			if err != nil {
				k.log.Printf("%s: dropped message: %v", name, err)
				continue
			}
			k.arrivals.Add(1)
			queue <- arrival{m, h, time.Now()}
		}
	}()
	for a := range queue {
		k.handle(s, name, a)
	}
}

// arrival is a request, its decoded header, and when the kernel read it.
type arrival struct {
	m   *jupyter.Message
	hdr jupyter.Header
	at  time.Time
}

// beforeStop reports whether a request was on its way before the last
// cell that failed with stop_on_error had its reply sent, so that its
// client could not have known of the error: such requests are aborted.
// That is the case when the kernel read it before the reply left, or when
// the client wrote it before (its header's date, to the date's precision,
// is earlier). The second test makes the answer independent of when the
// reader goroutine got round to the socket: stamping arrival alone let
// queued cells of a "run all" run after an error in 5 of 30 trials. It
// assumes the client's clock agrees with the kernel's, as on one machine;
// a client whose clock runs behind may see a request it sent right after
// the error reply aborted.
func (k *Kernel) beforeStop(a arrival) bool {
	if k.stoppedAt.IsZero() {
		return false
	}
	if a.at.Before(k.stoppedAt) {
		return true
	}
	d, res, ok := headerDate(a.hdr.Date)
	return ok && !d.Add(res).After(k.stoppedAt)
}

// settle waits, before a failed cell's reply is sent, until no request
// has arrived for settleQuiet (at most settleMax): the rest of a "run all"
// that a client sent in one burst is then on this side of the reply, and
// aborted, however fast the failure was. A client that sends after it has
// the reply is not held up by this, and its requests run.
func (k *Kernel) settle() {
	deadline := time.Now().Add(settleMax)
	for n := k.arrivals.Load(); time.Now().Before(deadline); {
		time.Sleep(settleQuiet)
		m := k.arrivals.Load()
		if m == n {
			return
		}
		n = m
	}
}

const (
	settleQuiet = 100 * time.Millisecond
	settleMax   = time.Second
)

// headerDate parses a message date (ISO 8601) and gives its resolution:
// a date written to the millisecond may be up to 1 ms before the moment it
// stands for.
func headerDate(s string) (t time.Time, res time.Duration, ok bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, 0, false
	}
	digits := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		for _, c := range s[i+1:] {
			if c < '0' || c > '9' {
				break
			}
			digits++
		}
	}
	res = time.Second
	for ; digits > 0 && res > time.Nanosecond; digits-- {
		res /= 10
	}
	return t, res, true
}

// abort answers an execute request that arrived before a cell failed with
// stop_on_error with status "aborted", as ipykernel does, so that "run all"
// stops at the first error. Requests that arrive after the failed cell's
// reply come from a client that had the error (a notebook runner going on
// after it) and run; telling them apart by what happened to sit in the
// queue made that depend on how fast the kernel got round to looking.
func (k *Kernel) abort(s zmq4.Socket, m *jupyter.Message) {
	k.publish(m, "status", jupyter.Status{ExecutionState: "busy"})
	k.reply(s, m, "execute_reply", jupyter.ExecuteReply{Status: "aborted", ExecutionCount: k.count, UserExpressions: map[string]any{}, Payload: []any{}})
	k.publish(m, "status", jupyter.Status{ExecutionState: "idle"})
}

// decodeContent decodes a request's content into v; the error names the
// message type, for the error reply the client gets.
func decodeContent(m *jupyter.Message, msgType string, v any) error {
	if err := json.Unmarshal(m.Content, v); err != nil {
		return fmt.Errorf("bad %s content: %w", msgType, err)
	}
	return nil
}

// handle answers one request, recovering from any panic so that nothing a
// client sends can stop the kernel. Execution, interrupt and shutdown are
// handled here; the other requests are questions answered by answer,
// between busy and idle.
func (k *Kernel) handle(s zmq4.Socket, channel string, a arrival) {
	m, t := a.m, a.hdr.MsgType
	defer func() {
		if r := recover(); r != nil {
			k.log.Printf("%s: panic handling %s: %v", channel, t, r)
			k.reply(s, m, replyType(t), jupyter.NewErrorReply("KernelError", fmt.Sprint(r)))
		}
	}()
	switch {
	case t == "interrupt_request":
		k.interrupt()
		k.reply(s, m, "interrupt_reply", jupyter.StatusReply{Status: "ok"})
		return
	case t == "shutdown_request":
		var c jupyter.ShutdownRequest
		if err := decodeContent(m, t, &c); err != nil {
			k.reply(s, m, "shutdown_reply", jupyter.NewErrorReply("BadRequest", err.Error()))
			return
		}
		k.interrupt()
		k.reply(s, m, "shutdown_reply", jupyter.ShutdownReply{Status: "ok", Restart: c.Restart})
		k.once.Do(func() { close(k.shutdown) })
		return
	case t == "execute_request" && channel == "shell":
		if k.beforeStop(a) {
			k.abort(s, m)
		} else {
			k.execute(s, m)
		}
		return
	case t == "comm_info_request" || t == "comm_open" || t == "comm_msg" || t == "comm_close":
		k.publish(m, "status", jupyter.Status{ExecutionState: "busy"})
		defer k.publish(m, "status", jupyter.Status{ExecutionState: "idle"})
		k.handleComm(m, t) // comm.go
		return
	}
	k.publish(m, "status", jupyter.Status{ExecutionState: "busy"})
	defer k.publish(m, "status", jupyter.Status{ExecutionState: "idle"})
	reply, err := k.answer(t, m)
	if err != nil {
		k.log.Printf("%s: %s: %v", channel, t, err)
		ename := "BadRequest"
		if errors.Is(err, errUnknownType) {
			ename = "UnknownMessageType"
		}
		k.reply(s, m, replyType(t), jupyter.NewErrorReply(ename, err.Error()))
		return
	}
	k.reply(s, m, replyType(t), reply)
}

var errUnknownType = errors.New("unknown msg_type")

// answer computes the reply to a question: kernel info, completeness,
// completion, inspection, history. An error is a request the kernel cannot
// answer (bad content, an unknown type).
func (k *Kernel) answer(t string, m *jupyter.Message) (any, error) {
	switch t {
	case "kernel_info_request":
		return k.kernelInfo(), nil
	case "history_request":
		return jupyter.HistoryReply{Status: "ok", History: []any{}}, nil
	}
	var c jupyter.CodeRequest
	switch t {
	case "is_complete_request", "complete_request", "inspect_request":
		if err := decodeContent(m, t, &c); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w %q", errUnknownType, t)
	}
	pos := byteOffset(c.Code, c.CursorPos)
	switch t {
	case "is_complete_request":
		r := jupyter.IsCompleteReply{Status: exec.IsComplete(c.Code)}
		if r.Status == "incomplete" {
			r.Indent = "\t"
		}
		return r, nil
	case "complete_request":
		matches, start, end := k.exec.Complete(c.Code, pos)
		if matches == nil {
			matches = []string{}
		}
		return jupyter.CompleteReply{Status: "ok", Matches: matches, CursorStart: runeOffset(c.Code, start),
			CursorEnd: runeOffset(c.Code, end), Metadata: map[string]any{}}, nil
	default: // inspect_request
		text, found := k.exec.Inspect(c.Code, pos)
		data := map[string]any{}
		if found {
			data["text/plain"] = text
		}
		return jupyter.InspectReply{Status: "ok", Found: found, Data: data, Metadata: map[string]any{}}, nil
	}
}

func replyType(t string) string {
	return strings.TrimSuffix(t, "_request") + "_reply"
}

// kernelInfo is our kernel_info_reply: the protocol's fields, the compute
// backend in language_info and in an "rlvrworld" field of its own.
type kernelInfo struct {
	jupyter.KernelInfoReply
	LanguageInfo languageInfo      `json:"language_info"`
	Rlvrworld    map[string]string `json:"rlvrworld"`
}

type languageInfo struct {
	jupyter.LanguageInfo
	Backend string `json:"backend"`
}

func (k *Kernel) kernelInfo() kernelInfo {
	return kernelInfo{
		KernelInfoReply: jupyter.KernelInfoReply{
			Status:                "ok",
			ProtocolVersion:       jupyter.Version,
			Implementation:        "rlvrworld",
			ImplementationVersion: Version,
			Banner:                "Go (RLVR-World): Go interpreted by yaegi, with the rlvr/ packages preloaded (backend " + k.cfg.Backend + ")",
			HelpLinks:             []jupyter.HelpLink{},
		},
		LanguageInfo: languageInfo{LanguageInfo: jupyter.LanguageInfo{
			Name:           "go",
			Version:        strings.TrimPrefix(runtime.Version(), "go"),
			Mimetype:       "text/x-go",
			FileExtension:  ".go",
			PygmentsLexer:  "go",
			CodemirrorMode: "go",
		}, Backend: k.cfg.Backend},
		Rlvrworld: map[string]string{"backend": k.cfg.Backend},
	}
}

// interrupt cancels the running cell, if any.
func (k *Kernel) interrupt() {
	k.curMu.Lock()
	if k.curCancel != nil {
		k.curCancel()
	}
	k.curMu.Unlock()
}

// execute runs one execute_request: busy, execute_input, outputs,
// execute_reply, idle. A failure with stop_on_error marks the time its reply
// leaves (stoppedAt): the requests that arrived before are aborted.
func (k *Kernel) execute(s zmq4.Socket, m *jupyter.Message) {
	var c jupyter.ExecuteRequest
	if err := decodeContent(m, "execute_request", &c); err != nil {
		e := jupyter.Error{Ename: "BadRequest", Evalue: err.Error(), Traceback: []string{}}
		k.publish(m, "status", jupyter.Status{ExecutionState: "busy"})
		k.publish(m, "error", e)
		k.reply(s, m, "execute_reply", jupyter.ExecuteReply{Status: "error", ExecutionCount: k.count, UserExpressions: map[string]any{}, Payload: []any{}, Error: &e})
		k.publish(m, "status", jupyter.Status{ExecutionState: "idle"})
		return
	}
	k.interpMu.Lock()
	defer k.interpMu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k.curMu.Lock()
	k.cur, k.curCancel, k.curStdin = m, cancel, c.AllowStdin
	k.curMu.Unlock()
	k.stdinBuf = nil
	defer func() {
		k.curMu.Lock()
		k.curCancel, k.curStdin = nil, false
		k.curMu.Unlock()
	}()

	k.publish(m, "status", jupyter.Status{ExecutionState: "busy"})
	if !c.Silent && (c.StoreHistory == nil || *c.StoreHistory) {
		k.count++
	}
	if !c.Silent {
		k.publish(m, "execute_input", jupyter.ExecuteInput{Code: c.Code, ExecutionCount: k.count})
	}
	res := k.exec.Execute(ctx, c.Code)
	k.streams.sync()
	reply := jupyter.ExecuteReply{Status: "ok", ExecutionCount: k.count, UserExpressions: map[string]any{}, Payload: []any{}}
	switch {
	case res.Err != nil:
		e := jupyter.Error{Ename: res.Err.Name, Evalue: res.Err.Value, Traceback: res.Err.Traceback}
		if e.Traceback == nil {
			e.Traceback = []string{}
		}
		k.publish(m, "error", e)
		reply.Status, reply.Error = "error", &e
		if c.StopOnError == nil || *c.StopOnError {
			k.settle()
			k.stoppedAt = time.Now()
		}
	case res.HasValue && !c.Silent:
		out := valueOutput(res.Value)
		k.publish(m, "execute_result", jupyter.ExecuteResult{ExecutionCount: k.count, Data: out.Data, Metadata: orEmpty(out.Metadata)})
	}
	k.reply(s, m, "execute_reply", reply)
	k.publish(m, "status", jupyter.Status{ExecutionState: "idle"})
}

// valueOutput is the MIME bundle of a cell's value: its rich form through
// display.Of, always with text/plain.
func valueOutput(v any) (out display.Output) {
	defer func() {
		if r := recover(); r != nil {
			out = display.Output{Data: map[string]any{"text/plain": fmt.Sprintf("<value cannot be shown: %v>", r)}}
		}
	}()
	out = display.Of(v)
	if out.Data == nil {
		out.Data = map[string]any{}
	}
	if _, ok := out.Data["text/plain"]; !ok {
		out.Data["text/plain"] = fmt.Sprint(v)
	}
	return out
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// byteOffset converts a cursor position in code points (protocol 5.2+) into
// a byte offset.
func byteOffset(s string, runes int) int {
	if runes <= 0 {
		return 0
	}
	i := 0
	for n := 0; n < runes && i < len(s); n++ {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return i
}

func runeOffset(s string, b int) int {
	if b > len(s) {
		b = len(s)
	}
	return utf8.RuneCountInString(s[:b])
}

// send signs and sends a message on s.
func (k *Kernel) send(s zmq4.Socket, ids [][]byte, parent *jupyter.Message, msgType string, content any) {
	k.sendMessage(s, ids, parent, msgType, content, nil)
}

// sendMessage is send with binary buffers after the content.
func (k *Kernel) sendMessage(s zmq4.Socket, ids [][]byte, parent *jupyter.Message, msgType string, content any, buffers [][]byte) {
	m, _, err := jupyter.NewMessage("", msgType, k.session, "kernel", content)
	if err != nil {
		k.log.Printf("send: %v", err)
		return
	}
	m.Identities, m.Buffers = ids, buffers
	if parent != nil {
		// The request's header as it came, unknown fields and all.
		m.ParentHeader = parent.Header
	}
	frames := k.signer.Encode(m)
	k.sendMu.Lock()
	defer k.sendMu.Unlock()
	if err := s.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		k.log.Printf("send %s: %v", msgType, err)
	}
}

func (k *Kernel) reply(s zmq4.Socket, req *jupyter.Message, msgType string, content any) {
	k.send(s, req.Identities, req, msgType, content)
}

// publish sends an iopub message whose parent is req (nil for none).
func (k *Kernel) publish(req *jupyter.Message, msgType string, content any) {
	topic := []byte("kernel." + k.session + "." + msgType)
	k.sendMu.Lock()
	iopub := k.iopub
	k.sendMu.Unlock()
	if iopub == nil {
		// Output flushed before Run bound the sockets (a kernel's own
		// start-up writes): no client can be subscribed yet.
		return
	}
	k.send(iopub, [][]byte{topic}, req, msgType, content)
}

// parent is the request whose outputs are being produced.
func (k *Kernel) parent() *jupyter.Message {
	k.curMu.Lock()
	defer k.curMu.Unlock()
	return k.cur
}

func (k *Kernel) emitStream(name, text string) {
	k.publish(k.parent(), "stream", jupyter.Stream{Name: name, Text: text})
}

// sink is the display.Sink of the kernel: outputs become display_data,
// update_display_data and clear_output on iopub, parented to the running
// cell.
type sink struct{ k *Kernel }

func (s sink) Display(out display.Output, id string, update bool) {
	s.k.streams.sync()
	t := "display_data"
	if update && id != "" {
		t = "update_display_data"
	}
	data := out.Data
	if data == nil {
		data = map[string]any{}
	}
	c := jupyter.DisplayData{Data: data, Metadata: orEmpty(out.Metadata), Transient: map[string]any{}}
	if id != "" {
		c.Transient["display_id"] = id
	}
	s.k.publish(s.k.parent(), t, c)
}

func (s sink) Clear(wait bool) {
	s.k.streams.sync()
	s.k.publish(s.k.parent(), "clear_output", jupyter.ClearOutput{Wait: wait})
}

// Input asks the front end for a line of input (display.Input).
func (s sink) Input(prompt string, password bool) (string, error) {
	return s.k.input(prompt, password)
}

// input sends an input_request on stdin to the client of the running cell
// and waits for its input_reply, or for an interrupt.
func (k *Kernel) input(prompt string, password bool) (string, error) {
	k.curMu.Lock()
	req, allowed, cancel := k.cur, k.curStdin, k.curCancel
	k.curMu.Unlock()
	if req == nil || !allowed || cancel == nil {
		return "", errors.New("input: the front end does not accept input (allow_stdin is false)")
	}
	k.streams.sync()
	for len(k.inputReplies) > 0 {
		<-k.inputReplies
	}
	ids := req.Identities
	k.send(k.stdin, ids, req, "input_request", jupyter.InputRequest{Prompt: prompt, Password: password})
	ctx := cellContext()
	select {
	case a := <-k.inputReplies:
		return a.value, a.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// readStdin receives input_reply messages.
func (k *Kernel) readStdin() {
	for {
		raw, err := k.stdin.Recv()
		if err != nil {
			return
		}
		m, h, err := k.signer.Decode(raw.Frames)
		if err != nil {
			k.log.Printf("stdin: dropped message: %v", err)
			continue
		}
		if h.MsgType != "input_reply" {
			k.log.Printf("stdin: unexpected %s", h.MsgType)
			continue
		}
		var c jupyter.InputReply
		a := inputAnswer{}
		if err := decodeContent(m, h.MsgType, &c); err != nil {
			k.log.Printf("stdin: %v", err)
			a.err = fmt.Errorf("input: %w", err)
		}
		a.value = c.Value
		select {
		case k.inputReplies <- a:
		default:
		}
	}
}

// inputAnswer is what an input_reply brought: the line, or why it could
// not be read.
type inputAnswer struct {
	value string
	err   error
}

// stdinReader is the interpreter's os.Stdin: each read that finds no
// buffered bytes asks the front end for a line.
type stdinReader struct{ k *Kernel }

func (r stdinReader) Read(p []byte) (int, error) {
	k := r.k
	if len(k.stdinBuf) == 0 {
		line, err := k.input("", false)
		if err != nil {
			return 0, io.EOF
		}
		k.stdinBuf = []byte(line + "\n")
	}
	n := copy(p, k.stdinBuf)
	k.stdinBuf = k.stdinBuf[n:]
	return n, nil
}
