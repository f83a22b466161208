package playground

import (
	"strings"
	"testing"
	"time"
)

// A cell that passes the kernel memory limit restarts the kernel, its
// clients are told why, and the restarted kernel runs cells again.
func TestKernelMemoryLimit(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.Kernels.MemoryLimit = 256 << 20 })
	k := s.startKernel(t)
	c, _, err := s.dial(t, k.ID, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, v := c.runCell(t, "1+1"); v != "2" {
		t.Fatalf("1+1 = %q", v)
	}
	c.execute(t, "import \"bytes\"\nb := bytes.Repeat([]byte{1}, 768<<20)\nlen(b)")
	told := c.next(t, time.Minute, "the memory-limit message", func(m msg) bool {
		text, _ := m.Content["text"].(string)
		return m.Header.MsgType == "stream" && strings.Contains(text, "over its memory limit of 256 MiB")
	})
	t.Logf("told: %s", told.Content["text"])
	c.next(t, time.Minute, "the restart", isStatus("restarting"))
	deadline := time.Now().Add(time.Minute)
	for {
		if _, v := c.runCell(t, "40+2"); v == "42" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the restarted kernel does not answer")
		}
	}
}
