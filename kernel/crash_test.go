package kernel

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A stack overflow is a fatal runtime error: no recover can catch it. The
// runtime writes its report to fd 2 with the world stopped; with fd 2 a
// blocking pipe that only the kernel reads, the report filled the pipe and
// the process hung at 1 GB, with no reply and no exit for a restart. It
// must end within seconds and leave its report on the real stderr.
func TestKernelStackOverflowEndsProcess(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "stderr")
	if p := os.Getenv("RLVR_CRASH_LOG"); p != "" {
		logPath = p
	}
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	c, p := startKernelLog(t, logf)
	id, _, err := c.Request(false, "execute_request", map[string]any{"code": "func rec(n int) int { return rec(n+1) + 1 }; rec(0)"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Done(id)
	start := time.Now()
	select {
	case <-p.Exited():
	case <-time.After(60 * time.Second):
		t.Fatal("the kernel is still alive 60 s after a stack overflow")
	}
	t.Logf("the kernel ended %v after the request", time.Since(start).Round(time.Millisecond))
	b, _ := os.ReadFile(logPath)
	if !strings.Contains(string(b), "fatal error: stack overflow") {
		t.Fatalf("no crash report on stderr: %q", tail(string(b), 2000))
	}
}

// A panic in a goroutine a cell started is reported on the cell's output
// and the kernel lives on (it used to end the process with no message).
func TestKernelGoroutinePanicReported(t *testing.T) {
	c, p := startKernel(t)
	ex := run(t, c, "import \"time\"\ngo func() { panic(\"boom\") }()\ntime.Sleep(200 * time.Millisecond)\n1")
	if got := streamText(ex, "stderr"); !strings.Contains(got, "boom") || !strings.Contains(got, "goroutine") {
		t.Fatalf("stderr %q, outputs %+v", got, ex.Outputs)
	}
	// After the cell ended: the report is a stderr stream on iopub.
	run(t, c, "go func() { time.Sleep(100 * time.Millisecond); var m map[string]int; m[\"x\"] = 1 }()")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	select {
	case <-p.Exited():
		t.Fatal("the kernel died of a goroutine's panic")
	default:
	}
	if ex := run(t, c, "2*21"); ex.Status != "ok" {
		t.Fatalf("after the goroutine panics: %+v", ex)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
