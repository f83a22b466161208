package kernel

import (
	"bytes"
	"fmt"
	"log"
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
	// emitMu is held from taking bytes out of pending until they are sent,
	// so that two flushes (the ticker's and sync's) cannot overtake each
	// other, and sync returns only after an earlier flush's bytes are out.
	emitMu sync.Mutex

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
	s.emitMu.Lock()
	defer s.emitMu.Unlock()
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

// captureFDs sends the process's output into the streams. fd 1 is
// redirected to a pipe read into the stdout stream, so that compiled
// packages and child processes that write to fd 1 are sent too. stderr is
// captured one level up: os.Stderr becomes a pipe read into the stderr
// stream, and fd 2 stays the process's real stderr. Why: the runtime writes
// a fatal error's report (a stack overflow, a concurrent map write) to
// fd 2 with the world stopped, so a reader inside the process cannot drain
// it; with fd 2 a pipe, the report filled the pipe and the kernel hung
// forever instead of exiting for a restart, and the report was lost. Go
// code writes to os.Stderr (fmt, log, os/exec with cmd.Stderr = os.Stderr),
// so only the runtime's own messages and C code bypass the stream.
func (st *streams) captureFDs() error {
	dup, err := syscall.Dup(1)
	if err != nil {
		return fmt.Errorf("capture fd 1: dup: %w", err)
	}
	syscall.CloseOnExec(dup)
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("capture fd 1: pipe: %w", err)
	}
	if err := syscall.Dup3(int(w.Fd()), 1, 0); err != nil {
		return fmt.Errorf("capture fd 1: dup3: %w", err)
	}
	w.Close()
	// A larger pipe lets bursts of output through without waking the
	// writer (best effort: Linux caps it at /proc/sys/fs/pipe-max-size).
	_, _ = fcntl(1, syscall.F_SETPIPE_SZ, pipeSize)
	st.origOut = os.NewFile(uintptr(dup), "orig-fd-1")
	st.out.fd = os.Stdout
	go st.out.readPipe(r)

	r, w, err = os.Pipe()
	if err != nil {
		return fmt.Errorf("capture stderr: pipe: %w", err)
	}
	_, _ = fcntl(int(w.Fd()), syscall.F_SETPIPE_SZ, pipeSize)
	// Fd leaves w in blocking mode; the poller-backed file waits instead.
	if err := syscall.SetNonblock(int(w.Fd()), true); err != nil {
		return fmt.Errorf("capture stderr: nonblock: %w", err)
	}
	wfd, err := syscall.Dup(int(w.Fd()))
	if err != nil {
		return fmt.Errorf("capture stderr: dup: %w", err)
	}
	w.Close()
	syscall.CloseOnExec(wfd)
	// The start-up os.Stderr is kept: its finalizer would close fd 2.
	st.origErr = os.Stderr
	os.Stderr = os.NewFile(uintptr(wfd), "/dev/stderr")
	log.SetOutput(os.Stderr)
	st.err.fd = os.Stderr
	go st.err.readPipe(r)
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

// pipeSize is the capacity asked for the capture pipes.
const pipeSize = 1 << 20

func fcntl(fd, cmd, arg int) (int, error) {
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), uintptr(arg))
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}
