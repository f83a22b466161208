package jupyter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
)

// Echo answers heartbeats on a kernel's heartbeat socket (a REP) until the
// socket is closed: every message goes back unchanged.
func Echo(hb zmq4.Socket) {
	for {
		m, err := hb.Recv()
		if err != nil {
			return
		}
		if err := hb.Send(m); err != nil {
			return
		}
	}
}

// Heartbeat pings a kernel's heartbeat from a client's DEALER socket.
type Heartbeat struct {
	s       zmq4.Socket
	replies chan string
	mu      sync.Mutex // one ping at a time
	seq     int
}

// NewHeartbeat starts reading echoes on s (Sockets.HB of Dial) until the
// socket is closed.
func NewHeartbeat(s zmq4.Socket) *Heartbeat {
	h := &Heartbeat{s: s, replies: make(chan string, 4)}
	go func() {
		for {
			zm, err := s.Recv()
			if err != nil {
				return
			}
			if n := len(zm.Frames); n > 0 {
				select {
				case h.replies <- string(zm.Frames[n-1]):
				default: // a stale echo nobody waits for
				}
			}
		}
	}()
	return h
}

// ErrNoHeartbeat is returned by Monitor when the kernel missed its
// heartbeats.
var ErrNoHeartbeat = errors.New("jupyter: kernel missed its heartbeats")

// Ping sends one heartbeat and waits for its echo, or for ctx.
func (h *Heartbeat) Ping(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	ping := "ping-" + strconv.Itoa(h.seq)
	// An empty delimiter frame first, so that a REP socket accepts it.
	if err := h.s.Send(zmq4.NewMsgFrom([]byte{}, []byte(ping))); err != nil {
		return fmt.Errorf("jupyter: heartbeat: %w", err)
	}
	for {
		select {
		case r := <-h.replies:
			if r == ping {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("jupyter: heartbeat: %w", ctx.Err())
		}
	}
}

// Monitor pings every interval, each ping waiting up to interval for its
// echo, and returns ErrNoHeartbeat after misses in a row; it returns
// ctx's error when ctx ends first.
func (h *Heartbeat) Monitor(ctx context.Context, interval time.Duration, misses int) error {
	missed := 0
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, interval)
		err := h.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			missed = 0
		} else if missed++; missed >= misses {
			return fmt.Errorf("%w (%d intervals of %v)", ErrNoHeartbeat, missed, interval)
		}
		t.Reset(interval)
	}
}
