package kernel

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// flushEvery is how often buffered output goes out as stream messages while
// a cell runs (the issue asks for at least every ~50 ms).
const flushEvery = 25 * time.Millisecond

// sentinel is written into a captured fd by sync: when the reader sees it,
// everything written before it has been read. Writes this small to a pipe
// are atomic, so compiled code writing at the same time cannot split it.
var sentinel = []byte("\x00\x1brlvrworld-flush\x1b\x00")

// stream buffers one output stream ("stdout" or "stderr") and sends it as
// stream messages. Bytes arrive either through Write (in-process mode) or
// from a pipe that fd 1 or 2 was redirected to (process mode).
type stream struct {
	name string
	emit func(name, text string)

	mu      sync.Mutex
	pending []byte

	fd     *os.File // write end of the pipe (the redirected fd), nil without capture
	acks   chan struct{}
	syncMu sync.Mutex
	// readerGone closes when readPipe returns: sync then stops waiting.
	readerGone chan struct{}
}

// syncTimeout bounds sync's wait for the reader. It only guards against a
// stuck reader: an ack normally comes within microseconds, but a loaded
// machine can leave the reader unscheduled for a good part of a second, and
// giving up early sends the cell's output after its idle status, where
// clients no longer take it (the first limit, 500 ms, lost a cell's output
// once during make test on the 2-core development machine).
var syncTimeout = 10 * time.Second

func (s *stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.pending = append(s.pending, p...)
	s.mu.Unlock()
	return len(p), nil
}

// flush sends what is buffered, except an incomplete UTF-8 sequence or a
// partial sentinel at the end, which wait for the next bytes.
func (s *stream) flush() {
	s.mu.Lock()
	n := len(s.pending)
	if s.fd != nil {
		n -= partialSuffix(s.pending, sentinel)
	}
	n -= incompleteRune(s.pending[:n])
	text := string(s.pending[:n])
	s.pending = append(s.pending[:0], s.pending[n:]...)
	s.mu.Unlock()
	if text != "" {
		s.emit(s.name, text)
	}
}

// sync makes sure every byte written to the stream so far has been sent,
// so that output keeps its order relative to display and result messages.
func (s *stream) sync() {
	if s.fd != nil {
		s.syncMu.Lock()
		// Drain stale acks from an earlier sync that timed out.
		for len(s.acks) > 0 {
			<-s.acks
		}
		if _, err := s.fd.Write(sentinel); err == nil {
			t := time.NewTimer(syncTimeout)
			select {
			case <-s.acks:
			case <-s.readerGone:
			case <-t.C:
			}
			t.Stop()
		}
		s.syncMu.Unlock()
	}
	s.flush()
}

// readPipe copies the pipe into the buffer, honouring sentinels.
func (s *stream) readPipe(r *os.File) {
	defer close(s.readerGone)
	buf := make([]byte, 32*1024)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			s.mu.Lock()
			s.pending = append(s.pending, buf[:n]...)
			found := 0
			for {
				i := bytes.Index(s.pending, sentinel)
				if i < 0 {
					break
				}
				s.pending = append(s.pending[:i], s.pending[i+len(sentinel):]...)
				found++
			}
			s.mu.Unlock()
			for ; found > 0; found-- {
				select {
				case s.acks <- struct{}{}:
				default:
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// partialSuffix is the length of the longest suffix of b that is a proper
// prefix of pat.
func partialSuffix(b, pat []byte) int {
	for k := len(pat) - 1; k > 0; k-- {
		if k <= len(b) && bytes.Equal(b[len(b)-k:], pat[:k]) {
			return k
		}
	}
	return 0
}

// incompleteRune is the number of bytes at the end of b that start a UTF-8
// sequence without finishing it.
func incompleteRune(b []byte) int {
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if utf8.RuneStart(c) {
			if c >= 0x80 && !utf8.FullRune(b[len(b)-k:]) {
				return k
			}
			return 0
		}
	}
	return 0
}

func newStream(name string, emit func(name, text string)) *stream {
	return &stream{name: name, emit: emit, acks: make(chan struct{}, 4), readerGone: make(chan struct{})}
}

// streams are the kernel's stdout and stderr.
type streams struct {
	out, err *stream
	stop     chan struct{}
	// origOut and origErr are the process's stdout and stderr before the
	// redirect, for the kernel's own logging (nil without capture).
	origOut, origErr *os.File
}

func newStreams(emit func(name, text string)) *streams {
	st := &streams{
		out:  newStream("stdout", emit),
		err:  newStream("stderr", emit),
		stop: make(chan struct{}),
	}
	go func() {
		t := time.NewTicker(flushEvery)
		defer t.Stop()
		for {
			select {
			case <-st.stop:
				return
			case <-t.C:
				st.out.flush()
				st.err.flush()
			}
		}
	}()
	return st
}

// captureFDs redirects file descriptors 1 and 2 to pipes read into the
// streams, so that output of compiled packages (which write to os.Stdout
// directly) is sent too. The original descriptors are kept for logging.
func (st *streams) captureFDs() error {
	for _, c := range []struct {
		fd   int
		s    *stream
		orig **os.File
	}{{1, st.out, &st.origOut}, {2, st.err, &st.origErr}} {
		dup, err := syscall.Dup(c.fd)
		if err != nil {
			return fmt.Errorf("capture fd %d: dup: %w", c.fd, err)
		}
		syscall.CloseOnExec(dup)
		r, w, err := os.Pipe()
		if err != nil {
			return fmt.Errorf("capture fd %d: pipe: %w", c.fd, err)
		}
		if err := syscall.Dup3(int(w.Fd()), c.fd, 0); err != nil {
			return fmt.Errorf("capture fd %d: dup3: %w", c.fd, err)
		}
		w.Close()
		*c.orig = os.NewFile(uintptr(dup), fmt.Sprintf("orig-fd-%d", c.fd))
		c.s.mu.Lock() // flush reads fd from the flusher goroutine
		if c.fd == 1 {
			c.s.fd = os.Stdout
		} else {
			c.s.fd = os.Stderr
		}
		c.s.mu.Unlock()
		go c.s.readPipe(r)
	}
	return nil
}

// sync sends all output written so far.
func (st *streams) sync() {
	st.out.sync()
	st.err.sync()
}

func (st *streams) close() {
	st.sync()
	close(st.stop)
}
