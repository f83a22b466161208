//go:build !race

package kernel

// This test measures the kernel's behaviour, not memory safety, and it
// depends on a client sending a "run all" burst faster than the kernel's
// settle window (100 ms without a new request). Under the race detector
// the test binary (client and kernel both) runs 5 to 20 times slower, and
// on a loaded machine a gap between two sends of the burst can exceed the
// window, which is then a measurement of the detector, not of the kernel.
// It runs in every normal `go test ./kernel` (make test-go).

import (
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/kernel/client"
)

// "Run all": cells sent together behind one that panics at once are all
// aborted, in every trial, however the kernel's goroutines are scheduled
// (the panic("first"); queued cells ran in 5 of 30 trials).
func TestKernelRunAllStopsAtFirstError(t *testing.T) {
	c, _ := startKernel(t)
	for trial := 0; trial < 100; trial++ {
		var chans []<-chan client.Reply
		for _, code := range []string{`panic("first")`, "1", "2", "3"} {
			id, ch, err := c.Request(false, "execute_request", map[string]any{"code": code, "stop_on_error": true})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Done(id)
			chans = append(chans, ch)
		}
		var statuses []string
		for _, ch := range chans {
			statuses = append(statuses, execReply(t, ch))
		}
		if strings.Join(statuses, ",") != "error,aborted,aborted,aborted" {
			t.Fatalf("trial %d: statuses %v", trial, statuses)
		}
	}
}
