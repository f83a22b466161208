package kernels

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/rlvrworld/rlvrworld/playground/wire"
)

// instance is one kernel process and the ZMQ sockets connected to it. A
// restart replaces the whole instance (new ports, new key, new sockets), so
// nothing of a dead process can leak into the next one.
type instance struct {
	k        *Kernel
	cmd      *exec.Cmd
	connFile string
	signer   *wire.Signer
	ctx      context.Context
	cancel   context.CancelFunc

	shell, control, stdin, iopub, hb zmq4.Socket
	sendMu                           [3]sync.Mutex // shell, control, stdin

	exited    chan struct{} // closed when the process has exited
	exitErr   error
	expected  atomic.Bool // set before a deliberate shutdown: its exit is no death
	iopubSeen atomic.Bool // set by the first iopub message (the subscription works)
	ready     chan struct{}
	readyOnce sync.Once
	started   time.Time
}

type connInfo struct {
	ShellPort       int    `json:"shell_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	ControlPort     int    `json:"control_port"`
	HBPort          int    `json:"hb_port"`
	IP              string `json:"ip"`
	Key             string `json:"key"`
	Transport       string `json:"transport"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name"`
}

// freePorts reserves n distinct loopback ports by listening on them all at
// once, then frees them for the kernel to bind (Jupyter does the same; the
// window in between is small).
func freePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserve a port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// launch writes a connection file, starts the process in its own process
// group and connects the sockets. It does not wait for the kernel to answer.
func (k *Kernel) launch() (*instance, error) {
	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	var keyb [32]byte
	if _, err := rand.Read(keyb[:]); err != nil {
		return nil, fmt.Errorf("make kernel key: %w", err)
	}
	key := hex.EncodeToString(keyb[:])
	ci := connInfo{ShellPort: ports[0], IOPubPort: ports[1], StdinPort: ports[2], ControlPort: ports[3], HBPort: ports[4],
		IP: "127.0.0.1", Key: key, Transport: "tcp", SignatureScheme: "hmac-sha256", KernelName: k.Spec.Name}
	data, _ := json.MarshalIndent(ci, "", "  ") // plain struct always encodes
	connFile := filepath.Join(k.m.dir, "kernel-"+k.ID+".json")
	if err := writePrivate(connFile, data); err != nil {
		return nil, err
	}

	argv := k.Spec.argv(connFile)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = os.Environ()
	for name, v := range k.Spec.Env {
		cmd.Env = append(cmd.Env, name+"="+v)
	}
	cmd.Env = append(cmd.Env, "JPY_PARENT_PID="+strconv.Itoa(os.Getpid()))
	if lim := k.m.opts.MemoryLimit; lim > 0 && os.Getenv("GOMEMLIMIT") == "" {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+strconv.FormatInt(lim/10*9, 10))
	}
	if k.m.opts.KernelDir != "" {
		cmd.Dir = k.m.opts.KernelDir
	}
	cmd.Stdout = k.m.opts.KernelOutput
	cmd.Stderr = k.m.opts.KernelOutput
	// Its own process group, so that signals and the final kill reach the
	// kernel's children too; and a kill if this server dies without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		os.Remove(connFile)
		return nil, fmt.Errorf("start kernel %s (%s): %w", k.Spec.Name, argv[0], err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	inst := &instance{k: k, cmd: cmd, connFile: connFile, signer: wire.NewSigner([]byte(key)), ctx: ctx, cancel: cancel,
		exited: make(chan struct{}), ready: make(chan struct{}), started: time.Now()}
	go func() {
		inst.exitErr = cmd.Wait()
		close(inst.exited)
		cancel() // stops dialing and the receive loops
	}()
	if lim := k.m.opts.MemoryLimit; lim > 0 {
		go inst.watchMemory(lim)
	}

	// Shell and stdin share one identity: the kernel sends input_request on
	// stdin to the identity that sent the execute_request on shell.
	id := zmq4.SocketIdentity(wire.NewID())
	opts := func(extra ...zmq4.Option) []zmq4.Option {
		return append([]zmq4.Option{zmq4.WithDialerRetry(20 * time.Millisecond), zmq4.WithDialerMaxRetries(-1),
			zmq4.WithLogger(k.m.zlog)}, extra...)
	}
	inst.shell = zmq4.NewDealer(ctx, opts(zmq4.WithID(id))...)
	inst.stdin = zmq4.NewDealer(ctx, opts(zmq4.WithID(id))...)
	inst.control = zmq4.NewDealer(ctx, opts()...)
	inst.iopub = zmq4.NewSub(ctx, opts()...)
	inst.hb = zmq4.NewDealer(ctx, opts()...)
	if err := inst.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		inst.kill()
		return nil, fmt.Errorf("subscribe iopub: %w", err)
	}
	ep := func(p int) string { return "tcp://127.0.0.1:" + strconv.Itoa(p) }
	dials := []struct {
		s    zmq4.Socket
		port int
		name string
	}{{inst.iopub, ci.IOPubPort, "iopub"}, {inst.shell, ci.ShellPort, "shell"}, {inst.control, ci.ControlPort, "control"},
		{inst.stdin, ci.StdinPort, "stdin"}, {inst.hb, ci.HBPort, "hb"}}
	timer := time.AfterFunc(k.m.opts.StartTimeout, cancel)
	defer timer.Stop()
	for _, d := range dials {
		if err := d.s.Dial(ep(d.port)); err != nil {
			inst.kill()
			select {
			case <-inst.exited:
				return nil, fmt.Errorf("kernel %s exited during start-up (%v)", k.Spec.Name, inst.exitErr)
			default:
			}
			return nil, fmt.Errorf("connect %s of kernel %s: %w", d.name, k.Spec.Name, err)
		}
	}
	for i, s := range []zmq4.Socket{inst.shell, inst.control, inst.stdin, inst.iopub} {
		ch := [...]string{"shell", "control", "stdin", "iopub"}[i]
		go inst.recvLoop(s, ch)
	}
	return inst, nil
}

func writePrivate(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write connection file: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write connection file: %w", err)
	}
	return f.Close()
}

func (inst *instance) recvLoop(s zmq4.Socket, channel string) {
	for {
		zm, err := s.Recv()
		if err != nil {
			return // the socket was closed, or the process is gone
		}
		m, err := inst.signer.FromZMQ(zm.Frames)
		if err != nil {
			inst.k.m.logf("kernel %s: dropped a %s message: %v", inst.k.ID, channel, err)
			continue
		}
		m.Channel = channel
		if channel == "iopub" {
			inst.iopubSeen.Store(true)
		}
		inst.k.dispatch(inst, m)
	}
}

// send signs m and sends it on its channel's socket.
func (inst *instance) send(m *wire.Message) error {
	var s zmq4.Socket
	var i int
	switch m.Channel {
	case "shell":
		s, i = inst.shell, 0
	case "control":
		s, i = inst.control, 1
	case "stdin":
		s, i = inst.stdin, 2
	default:
		return fmt.Errorf("no channel %q to send to a kernel", m.Channel)
	}
	frames := inst.signer.ToZMQ(m)
	inst.sendMu[i].Lock()
	defer inst.sendMu[i].Unlock()
	if inst.ctx.Err() != nil {
		return errors.New("kernel process is gone")
	}
	if err := s.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		return fmt.Errorf("send to kernel %s: %w", m.Channel, err)
	}
	return nil
}

// signal sends sig to the kernel's process group.
func (inst *instance) signal(sig syscall.Signal) error {
	if inst.cmd.Process == nil {
		return nil
	}
	err := syscall.Kill(-inst.cmd.Process.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// kill ends the process group at once and releases everything.
func (inst *instance) kill() {
	inst.expected.Store(true)
	inst.signal(syscall.SIGKILL)
	<-inst.exited
	inst.closeSockets()
}

func (inst *instance) closeSockets() {
	inst.cancel()
	for _, s := range []zmq4.Socket{inst.shell, inst.control, inst.stdin, inst.iopub, inst.hb} {
		if s != nil {
			s.Close()
		}
	}
	os.Remove(inst.connFile)
}

// stop shuts the kernel down: a shutdown_request on control, a grace period,
// SIGTERM, then SIGKILL of the whole group. It returns once the process is
// gone.
func (inst *instance) stop(restart bool, grace time.Duration) {
	inst.expected.Store(true)
	select {
	case <-inst.exited:
	default:
		content, _ := json.Marshal(map[string]bool{"restart": restart})
		req := &wire.Message{Channel: "control", Header: wire.NewHeader("shutdown_request", inst.k.ID), Content: content}
		if err := inst.send(req); err == nil {
			select {
			case <-inst.exited:
			case <-time.After(grace):
			}
		}
		select {
		case <-inst.exited:
		default:
			inst.signal(syscall.SIGTERM)
			select {
			case <-inst.exited:
			case <-time.After(time.Second):
			}
		}
	}
	// Children the kernel left behind in its group go too.
	inst.signal(syscall.SIGKILL)
	<-inst.exited
	inst.closeSockets()
}

// heartbeat pings the kernel's heartbeat socket; after misses in a row the
// kernel is taken for hung and killed, which makes the supervisor restart it.
func (inst *instance) heartbeat(interval time.Duration, misses int) {
	replies := make(chan string, 4)
	go func() {
		for {
			zm, err := inst.hb.Recv()
			if err != nil {
				return
			}
			if n := len(zm.Frames); n > 0 {
				select {
				case replies <- string(zm.Frames[n-1]):
				default:
				}
			}
		}
	}()
	missed := 0
	for seq := 0; ; seq++ {
		select {
		case <-inst.exited:
			return
		case <-time.After(interval):
		}
		ping := "ping-" + strconv.Itoa(seq)
		// An empty delimiter frame first, so that a REP socket accepts it too.
		if err := inst.hb.Send(zmq4.NewMsgFrom([]byte{}, []byte(ping))); err != nil {
			return
		}
		ok := false
		deadline := time.After(interval)
	wait:
		for {
			select {
			case r := <-replies:
				if r == ping {
					ok = true
					break wait
				}
			case <-deadline:
				break wait
			case <-inst.exited:
				return
			}
		}
		if ok {
			missed = 0
			continue
		}
		missed++
		if missed >= misses {
			inst.k.m.logf("kernel %s: no heartbeat for %d intervals of %v; killing it", inst.k.ID, missed, interval)
			inst.signal(syscall.SIGKILL)
			return
		}
	}
}
