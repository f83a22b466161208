package kernel

import (
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestStreamSyncWaitsForSlowReader: output written to a captured fd before
// sync must be sent by the time sync returns, even when the pipe's reader
// runs late (a loaded machine); otherwise it would follow the idle status.
func TestStreamSyncWaitsForSlowReader(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var mu sync.Mutex
	var sent strings.Builder
	s := newStream("stdout", func(_, text string) {
		mu.Lock()
		sent.WriteString(text)
		mu.Unlock()
	})
	s.fd = w
	if _, err := w.WriteString("cell output\n"); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(time.Second, func() { go s.readPipe(r) }) // the reader starts late
	s.sync()
	mu.Lock()
	got := sent.String()
	mu.Unlock()
	if got != "cell output\n" {
		t.Fatalf("sent %q by the end of sync, want the cell's output", got)
	}
}

// TestStreamSyncReaderGone: a reader that has ended does not hold sync up.
func TestStreamSyncReaderGone(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// A second read end keeps the pipe open, so that the sentinel is
	// written; the reader's own end is closed under it.
	keep, err := syscall.Dup(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(keep)
	s := newStream("stdout", func(string, string) {})
	s.fd = w
	r.Close()
	go s.readPipe(r) // returns at once: its read end is closed
	<-s.readerGone
	t0 := time.Now()
	s.sync()
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("sync took %v with no reader", d)
	}
}
