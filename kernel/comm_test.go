package kernel

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestCommJupyterClient drives the comm protocol of a kernel process with
// Debian's jupyter_client (testdata/check_comm.py): targets, both
// directions, buffers, comm_info, panics and interrupts in callbacks.
func TestCommJupyterClient(t *testing.T) {
	_, p := startKernel(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Debian's jupyter packages live in /usr/bin/python3, not the python3
	// first on PATH.
	out, err := exec.CommandContext(ctx, "/usr/bin/python3", "testdata/check_comm.py", p.ConnFile).CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "ok") {
		t.Fatalf("check_comm.py: %v\n%s", err, out)
	}
}
