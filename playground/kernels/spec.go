// Package kernels starts and supervises Jupyter kernel processes for the
// playground and bridges them to any number of clients.
//
// Each kernel is a separate process, started from a kernelspec with a
// connection file written (mode 0600) into a private folder, and driven over
// ZMQ as Jupyter Server does: one set of sockets per kernel process, shared by
// every attached client. Iopub goes to every client; replies on shell,
// control and stdin go only to the client whose request they answer (routed
// by the parent header's msg_id, then by its session).
//
// A kernel that dies (its process exits, or its heartbeat stops) is restarted
// automatically a bounded number of times; clients see the iopub status
// messages Jupyter Server sends for that: "restarting", then the new
// kernel's "busy"/"idle", or "dead" when the restarts are used up.
package kernels

import (
	"fmt"
	"os"
	"strings"
)

// Spec is a kernelspec: how to start one kind of kernel. Argv may contain
// {connection_file}, replaced with the path of the connection file.
type Spec struct {
	Name          string
	DisplayName   string
	Language      string
	Argv          []string
	Env           map[string]string
	InterruptMode string // "signal" (SIGINT to the process group) or "message" (interrupt_request on control)
	Metadata      map[string]any
}

// JSON returns the spec as Jupyter's kernel.json shapes it.
func (s Spec) JSON() map[string]any {
	env := s.Env
	if env == nil {
		env = map[string]string{}
	}
	md := s.Metadata
	if md == nil {
		md = map[string]any{}
	}
	mode := s.InterruptMode
	if mode == "" {
		mode = "signal"
	}
	return map[string]any{
		"argv":           s.Argv,
		"display_name":   s.DisplayName,
		"language":       s.Language,
		"interrupt_mode": mode,
		"env":            env,
		"metadata":       md,
	}
}

// OwnSpec is the spec of the rlvrworld Go kernel: the running binary's
// `kernel --connection-file {connection_file}`.
func OwnSpec() (Spec, error) {
	exe, err := os.Executable()
	if err != nil {
		return Spec{}, fmt.Errorf("kernels: locate own binary: %w", err)
	}
	return BinarySpec(exe), nil
}

// BinarySpec is the rlvrworld kernel spec for the binary at path.
func BinarySpec(path string) Spec {
	return Spec{
		Name:          "rlvrworld",
		DisplayName:   "Go (RLVR-World)",
		Language:      "go",
		Argv:          []string{path, "kernel", "--connection-file", "{connection_file}"},
		InterruptMode: "message",
	}
}

// IPythonSpec is Debian's python3-ipykernel, useful to test the server
// against a reference kernel.
func IPythonSpec() Spec {
	return Spec{
		Name:          "python3",
		DisplayName:   "Python 3 (ipykernel)",
		Language:      "python",
		Argv:          []string{"/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"},
		InterruptMode: "signal",
	}
}

func (s Spec) validate() error {
	if s.Name == "" || strings.ContainsAny(s.Name, "/\\") {
		return fmt.Errorf("kernels: bad kernelspec name %q", s.Name)
	}
	if len(s.Argv) == 0 {
		return fmt.Errorf("kernels: kernelspec %q has no argv", s.Name)
	}
	switch s.InterruptMode {
	case "", "signal", "message":
	default:
		return fmt.Errorf("kernels: kernelspec %q: unknown interrupt_mode %q", s.Name, s.InterruptMode)
	}
	return nil
}
