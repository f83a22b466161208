package kernels

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
)

// instance is one kernel process and the ZMQ sockets connected to it. A
// restart replaces the whole instance (new ports, new key, new sockets), so
// nothing of a dead process can leak into the next one.
type instance struct {
	k      *Kernel
	proc   *jupyter.Process
	signer *jupyter.Signer
	socks  *jupyter.Sockets
	ctx    context.Context
	cancel context.CancelFunc
	sendMu [3]sync.Mutex // shell, control, stdin

	exited    <-chan struct{} // closed when the process has exited
	expected  atomic.Bool     // set before a deliberate shutdown: its exit is no death
	iopubSeen atomic.Bool     // set by the first iopub message (the subscription works)
	ready     chan struct{}
	readyOnce sync.Once
	started   time.Time
}

// exitErr is how the process ended; valid once exited is closed.
func (inst *instance) exitErr() error { return inst.proc.Err() }

// launch writes a connection file, starts the process in its own process
// group and connects the sockets. It does not wait for the kernel to answer.
func (k *Kernel) launch() (*instance, error) {
	conn, err := jupyter.NewConnection(k.Spec.Name)
	if err != nil {
		return nil, err
	}
	signer, err := jupyter.NewSigner(conn.SignatureScheme, []byte(conn.Key))
	if err != nil {
		return nil, err
	}
	var env []string
	for name, v := range k.Spec.Env {
		env = append(env, name+"="+v)
	}
	if lim := k.m.opts.MemoryLimit; lim > 0 && os.Getenv("GOMEMLIMIT") == "" {
		env = append(env, "GOMEMLIMIT="+strconv.FormatInt(lim/10*9, 10))
	}
	// Its own process group, so that signals and the final kill reach the
	// kernel's children too; and a kill if this server dies without cleaning up.
	proc, err := jupyter.Launch(jupyter.LaunchOptions{Argv: k.Spec.Argv, Conn: conn,
		ConnFile: filepath.Join(k.m.dir, "kernel-"+k.ID+".json"), Env: env, Dir: k.m.opts.KernelDir,
		Output: k.m.opts.KernelOutput, OwnGroup: true})
	if err != nil {
		return nil, fmt.Errorf("kernel %s: %w", k.Spec.Name, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	inst := &instance{k: k, proc: proc, signer: signer, ctx: ctx, cancel: cancel,
		exited: proc.Exited(), ready: make(chan struct{}), started: time.Now()}
	go func() {
		<-proc.Exited()
		cancel() // stops dialing and the receive loops
	}()
	if lim := k.m.opts.MemoryLimit; lim > 0 {
		go inst.watchMemory(lim)
	}

	timer := time.AfterFunc(k.m.opts.StartTimeout, cancel)
	defer timer.Stop()
	inst.socks, err = jupyter.Dial(ctx, conn, jupyter.NewID(), zmq4.WithDialerRetry(20*time.Millisecond),
		zmq4.WithDialerMaxRetries(-1), zmq4.WithLogger(k.m.zlog))
	if err != nil {
		// A kernel that died makes the dial fail (its exit cancels ctx):
		// say so, rather than report the cancelled dial.
		select {
		case <-inst.exited:
			inst.kill()
			return nil, fmt.Errorf("kernel %s exited during start-up (%v)", k.Spec.Name, inst.exitErr())
		default:
		}
		inst.kill()
		return nil, fmt.Errorf("kernel %s: %w", k.Spec.Name, err)
	}
	for _, c := range []struct {
		s    zmq4.Socket
		name string
	}{{inst.socks.Shell, "shell"}, {inst.socks.Control, "control"}, {inst.socks.Stdin, "stdin"}, {inst.socks.IOPub, "iopub"}} {
		go inst.recvLoop(c.s, c.name)
	}
	return inst, nil
}

func (inst *instance) recvLoop(s zmq4.Socket, channel string) {
	for {
		zm, err := s.Recv()
		if err != nil {
			return // the socket was closed, or the process is gone
		}
		m, h, err := inst.signer.Decode(zm.Frames)
		if err != nil {
			inst.k.m.logf("kernel %s: dropped a %s message: %v", inst.k.ID, channel, err)
			continue
		}
		m.Channel = channel
		if channel == "iopub" {
			inst.iopubSeen.Store(true)
		}
		inst.k.dispatch(inst, m, h)
	}
}

// send signs m and sends it on its channel's socket.
func (inst *instance) send(m *jupyter.Message) error {
	var s zmq4.Socket
	var i int
	switch m.Channel {
	case "shell":
		s, i = inst.socks.Shell, 0
	case "control":
		s, i = inst.socks.Control, 1
	case "stdin":
		s, i = inst.socks.Stdin, 2
	default:
		return fmt.Errorf("no channel %q to send to a kernel", m.Channel)
	}
	frames := inst.signer.Encode(m)
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
	return inst.proc.Signal(sig)
}

// kill ends the process group at once and releases everything.
func (inst *instance) kill() {
	inst.expected.Store(true)
	inst.proc.Kill()
	inst.closeSockets()
}

func (inst *instance) closeSockets() {
	inst.cancel()
	if inst.socks != nil {
		inst.socks.Close()
	}
	os.Remove(inst.proc.ConnFile)
}

// stop shuts the kernel down: a shutdown_request on control, a grace period,
// SIGTERM, then SIGKILL of the whole group. It returns once the process is
// gone.
func (inst *instance) stop(restart bool, grace time.Duration) {
	inst.expected.Store(true)
	select {
	case <-inst.exited:
	default:
		req, _, err := jupyter.NewMessage("control", "shutdown_request", inst.k.ID, serverUser, jupyter.ShutdownRequest{Restart: restart})
		if err == nil {
			err = inst.send(req)
		}
		if err == nil {
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

// heartbeat pings the kernel's heartbeat; after misses in a row the
// kernel is taken for hung and killed, which makes the supervisor restart it.
func (inst *instance) heartbeat(interval time.Duration, misses int) {
	err := jupyter.NewHeartbeat(inst.socks.HB).Monitor(inst.ctx, interval, misses)
	if errors.Is(err, jupyter.ErrNoHeartbeat) {
		inst.k.m.logf("kernel %s: %v; killing it", inst.k.ID, err)
		inst.signal(syscall.SIGKILL)
	}
}
