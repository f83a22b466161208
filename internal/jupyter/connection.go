package jupyter

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
)

// Connection is the content of a Jupyter connection file: where a kernel's
// five channels listen and the key that signs its messages.
type Connection struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	ControlPort     int    `json:"control_port"`
	HBPort          int    `json:"hb_port"`
	SignatureScheme string `json:"signature_scheme"`
	Key             string `json:"key"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// NewConnection returns a connection on loopback TCP with five free ports
// and a new random key, signed with hmac-sha256.
func NewConnection(kernelName string) (*Connection, error) {
	ports, err := FreePorts(5)
	if err != nil {
		return nil, err
	}
	return &Connection{Transport: "tcp", IP: "127.0.0.1", ShellPort: ports[0], IOPubPort: ports[1], StdinPort: ports[2],
		ControlPort: ports[3], HBPort: ports[4], SignatureScheme: "hmac-sha256", Key: NewID() + NewID(), KernelName: kernelName}, nil
}

// ReadConnection reads and checks a connection file.
func ReadConnection(path string) (*Connection, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("connection file: %w", err)
	}
	var c Connection
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("connection file %s: %w", path, err)
	}
	if c.Transport == "" {
		c.Transport = "tcp"
	}
	if c.Transport != "tcp" && c.Transport != "ipc" {
		return nil, fmt.Errorf("connection file %s: transport %q not supported", path, c.Transport)
	}
	if c.IP == "" {
		c.IP = "127.0.0.1"
	}
	for _, p := range []struct {
		name string
		port int
	}{{"shell_port", c.ShellPort}, {"iopub_port", c.IOPubPort}, {"stdin_port", c.StdinPort}, {"control_port", c.ControlPort}, {"hb_port", c.HBPort}} {
		if p.port <= 0 || p.port > 65535 {
			return nil, fmt.Errorf("connection file %s: %s %d out of range", path, p.name, p.port)
		}
	}
	return &c, nil
}

// Write writes the connection file at path, readable by its owner only
// (the key in it lets anyone run code in the kernel).
func (c *Connection) Write(path string) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("connection file %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write connection file: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write connection file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write connection file %s: %w", path, err)
	}
	return nil
}

// Endpoint returns the ZMQ endpoint for port.
func (c *Connection) Endpoint(port int) string {
	if c.Transport == "ipc" {
		return "ipc://" + c.IP + "-" + strconv.Itoa(port)
	}
	return "tcp://" + net.JoinHostPort(c.IP, strconv.Itoa(port))
}

// FreePorts reserves n distinct loopback ports by listening on them all at
// once, then frees them for a kernel to bind. Jupyter does the same; a
// port may be taken by another process in the window in between, and the
// kernel then fails to bind it and says so.
func FreePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserve a port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
