package playground

import (
	"testing"
	"time"

	"github.com/rlvrworld/rlvrworld/playground/kernels"
)

// The bridge is not tied to our kernel: Debian's python3-ipykernel (the
// reference kernel, installed by `make deps-apt`) runs behind it too, with
// interrupt_mode "signal" (SIGINT to the process group).
func TestIPythonKernelBehindTheBridge(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.Kernels.Specs = []kernels.Spec{kernels.IPythonSpec()} })
	resp, data := s.do(t, "POST", "/api/kernels", map[string]string{"name": "python3"})
	if resp.StatusCode != 201 {
		t.Fatalf("start ipykernel: %d %s", resp.StatusCode, data)
	}
	k := s.Kernels().List()[0]
	c, _, err := s.dial(t, k.ID, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reply, result := c.runCell(t, "6 * 7"); reply.Content["status"] != "ok" || result != "42" {
		t.Fatalf("ipykernel: %v %q", reply.Content, result)
	}
	id := c.execute(t, "while True:\n    pass")
	c.next(t, 10*time.Second, "busy", func(m msg) bool { return m.Parent.MsgID == id && m.Content["execution_state"] == "busy" })
	time.Sleep(200 * time.Millisecond)
	if err := k.Interrupt(); err != nil {
		t.Fatal(err)
	}
	reply := c.next(t, 10*time.Second, "the interrupted reply", func(m msg) bool { return m.Parent.MsgID == id && m.Header.MsgType == "execute_reply" })
	if reply.Content["status"] != "error" || reply.Content["ename"] != "KeyboardInterrupt" {
		t.Errorf("interrupted reply %v", reply.Content)
	}
}
