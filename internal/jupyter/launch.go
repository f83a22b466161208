package jupyter

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// LaunchOptions says how to start a kernel process.
type LaunchOptions struct {
	// Argv is the kernel's command line; "{connection_file}" in it is
	// replaced by ConnFile, as in a kernelspec.
	Argv []string
	// Conn is written to ConnFile before the process starts.
	Conn     *Connection
	ConnFile string
	// Env is added to this process's environment. JPY_PARENT_PID is always
	// set, so that kernels (ours and ipykernel) exit when this process goes.
	Env []string
	// Dir is the working directory; this process's when empty.
	Dir string
	// Output receives the kernel's own stdout and stderr; nil discards them.
	Output io.Writer
	// OwnGroup starts the kernel in its own process group, so that Signal
	// reaches its children too, and has the kernel killed if this process
	// dies without stopping it.
	OwnGroup bool
}

// Process is a kernel running as a child process.
type Process struct {
	Cmd      *exec.Cmd
	Conn     *Connection
	ConnFile string
	group    bool
	exited   chan struct{}
	err      error
}

// Launch writes the connection file and starts the kernel. It does not
// wait for the kernel to answer; Dial and a kernel_info request do that.
func Launch(o LaunchOptions) (*Process, error) {
	if len(o.Argv) == 0 || o.Conn == nil || o.ConnFile == "" {
		return nil, errors.New("jupyter: launch needs an argv, a connection and a connection file path")
	}
	if err := o.Conn.Write(o.ConnFile); err != nil {
		return nil, err
	}
	args := make([]string, len(o.Argv))
	for i, a := range o.Argv {
		args[i] = strings.ReplaceAll(a, "{connection_file}", o.ConnFile)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(append(os.Environ(), o.Env...), "JPY_PARENT_PID="+strconv.Itoa(os.Getpid()))
	cmd.Dir = o.Dir
	cmd.Stdout, cmd.Stderr = o.Output, o.Output
	if o.OwnGroup {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	}
	if err := cmd.Start(); err != nil {
		os.Remove(o.ConnFile)
		return nil, fmt.Errorf("start kernel %s: %w", args[0], err)
	}
	p := &Process{Cmd: cmd, Conn: o.Conn, ConnFile: o.ConnFile, group: o.OwnGroup, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	return p, nil
}

// Exited is closed when the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err is how the process ended (cmd.Wait's error); it is valid once
// Exited is closed.
func (p *Process) Err() error {
	select {
	case <-p.exited:
		return p.err
	default:
		return nil
	}
}

// Signal sends sig to the kernel, or to its whole process group when it
// was launched with OwnGroup. A process that is already gone is no error.
func (p *Process) Signal(sig syscall.Signal) error {
	pid := p.Cmd.Process.Pid
	if p.group {
		pid = -pid
	}
	err := syscall.Kill(pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// Kill ends the process (its group with OwnGroup) at once and waits for it.
func (p *Process) Kill() {
	_ = p.Signal(syscall.SIGKILL) // only ESRCH or EPERM; ESRCH is nil and EPERM cannot happen for our child
	<-p.exited
}
