package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"sort"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
	"github.com/rlvrworld/rlvrworld/playground"
	"github.com/rlvrworld/rlvrworld/playground/kernels"
)

func init() {
	registerBench("serve", "websocket round trip of 1+1 through the playground, 1 and 20 clients", benchServe)
}

// serveLatency summarises round trips in milliseconds.
type serveLatency struct {
	N      int     `json:"n"`
	Median float64 `json:"median_ms"`
	P99    float64 `json:"p99_ms"`
	Mean   float64 `json:"mean_ms"`
}

func serveSummarize(d []time.Duration) serveLatency {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	p99 := d[(len(d)*99+99)/100-1]
	return serveLatency{N: len(d), Median: ms(d[len(d)/2]), P99: ms(p99), Mean: ms(sum / time.Duration(len(d)))}
}

// benchServe measures, on one kernel of ours behind an in-process server on
// loopback: the websocket round trip of execute_request "1+1" until the
// client's own iopub idle, with 1 client and with 20 concurrent clients; and,
// as the anchor in the same run, the same round trip sent to the kernel's
// ZMQ sockets by the server's bridge directly (no HTTP, no websocket).
func benchServe(args []string) (any, error) {
	fs := flag.NewFlagSet("bench serve", flag.ContinueOnError)
	n := fs.Int("n", 300, "round trips with one client (and for the anchor)")
	clients := fs.Int("clients", 20, "concurrent clients for the second figure")
	perClient := fs.Int("per-client", 30, "round trips per concurrent client")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the 20-client run to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	spec, err := kernels.OwnSpec()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rlvrworld-bench-serve-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	const token = "bench"
	srv, err := playground.New(playground.Options{Notebooks: dir, Token: token, LoopbackOnly: true,
		Kernels: kernels.Options{Specs: []kernels.Spec{spec}, KernelOutput: io.Discard}, Log: log.New(io.Discard, "", 0)})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer hs.Close()

	k, err := srv.Kernels().Start(context.Background(), "")
	if err != nil {
		return nil, err
	}
	base := "ws://" + ln.Addr().String() + "/api/kernels/" + k.ID + "/channels?token=" + token + "&session_id="

	// The anchor: the bridge's own client, straight to ZMQ.
	direct, err := k.Attach("bench-direct")
	if err != nil {
		return nil, err
	}
	anchor, err := serveRoundTrips(*n, func() (time.Duration, error) { return serveDirectRoundTrip(direct) })
	direct.Close()
	if err != nil {
		return nil, fmt.Errorf("direct: %w", err)
	}

	// The anchor for many clients: as many bridge clients, concurrently.
	anchorMany, err := serveConcurrent(*clients, *perClient, func(i int) (func() (time.Duration, error), func(), error) {
		c, err := k.Attach(fmt.Sprintf("bench-direct-%d", i))
		if err != nil {
			return nil, nil, err
		}
		return func() (time.Duration, error) { return serveDirectRoundTrip(c) }, c.Close, nil
	})
	if err != nil {
		return nil, fmt.Errorf("direct, %d clients: %w", *clients, err)
	}

	one, err := serveDial(base)
	if err != nil {
		return nil, err
	}
	single, err := serveRoundTrips(*n, one.roundTrip)
	one.conn.Close()
	if err != nil {
		return nil, fmt.Errorf("1 client: %w", err)
	}

	var profile *os.File
	if *cpuProfile != "" {
		if profile, err = os.Create(*cpuProfile); err != nil {
			return nil, err
		}
		defer profile.Close()
		pprof.StartCPUProfile(profile)
	}
	many, err := serveConcurrent(*clients, *perClient, func(int) (func() (time.Duration, error), func(), error) {
		c, err := serveDial(base)
		if err != nil {
			return nil, nil, err
		}
		return c.roundTrip, func() { c.conn.Close() }, nil
	})
	if profile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return nil, fmt.Errorf("%d clients: %w", *clients, err)
	}
	return map[string]any{
		"what":                        `execute_request "1+1" -> the client's own iopub idle, our Go kernel, server on loopback`,
		"anchor_direct":               anchor,
		"anchor_direct_many":          anchorMany,
		"ws_1_client":                 single,
		"ws_many_clients":             many,
		"clients":                     *clients,
		"overhead_1_client_median_ms": single.Median - anchor.Median,
	}, nil
}

func serveRoundTrips(n int, f func() (time.Duration, error)) (serveLatency, error) {
	for i := 0; i < 10; i++ { // warm-up
		if _, err := f(); err != nil {
			return serveLatency{}, err
		}
	}
	d := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		x, err := f()
		if err != nil {
			return serveLatency{}, err
		}
		d = append(d, x)
	}
	return serveSummarize(d), nil
}

func serveExecuteRequest(session string) (*jupyter.Message, jupyter.Header) {
	yes := true
	m, h, err := jupyter.NewMessage("shell", "execute_request", session, "bench",
		jupyter.ExecuteRequest{Code: "1+1", StoreHistory: &yes, UserExpressions: map[string]string{}, StopOnError: &yes})
	if err != nil {
		panic(err) // a struct of strings and bools always encodes
	}
	return m, h
}

// serveIsOwnIdle reports whether m is the idle status that ends request id.
func serveIsOwnIdle(m *jupyter.Message, id string) bool {
	if m.Channel != "iopub" {
		return false
	}
	h, err := jupyter.ParseHeader(m.Header)
	if err != nil || h.MsgType != "status" {
		return false
	}
	p, err := jupyter.ParseHeader(m.ParentHeader)
	if err != nil || p.MsgID != id {
		return false
	}
	var st jupyter.Status
	return json.Unmarshal(m.Content, &st) == nil && st.ExecutionState == "idle"
}

func serveDirectRoundTrip(c *kernels.Client) (time.Duration, error) {
	m, h := serveExecuteRequest("bench-direct")
	id := h.MsgID
	t0 := time.Now()
	if err := c.Send(context.Background(), m); err != nil {
		return 0, err
	}
	timeout := time.After(30 * time.Second)
	for {
		select {
		case d, ok := <-c.C():
			if !ok {
				return 0, errors.New("client detached")
			}
			if serveIsOwnIdle(d.Msg, id) {
				return time.Since(t0), nil
			}
		case <-timeout:
			return 0, errors.New("no idle within 30 s")
		}
	}
}

type serveBenchClient struct {
	conn    *websocket.Conn
	session string
}

func serveDial(base string) (*serveBenchClient, error) {
	session := jupyter.NewID()
	conn, _, err := websocket.DefaultDialer.Dial(base+session, nil)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	return &serveBenchClient{conn: conn, session: session}, nil
}

func (c *serveBenchClient) roundTrip() (time.Duration, error) {
	m, h := serveExecuteRequest(c.session)
	id := h.MsgID
	frame := jupyter.EncodeJSON(m, h)
	t0 := time.Now()
	if err := c.conn.WriteMessage(websocket.TextMessage, frame); err != nil {
		return 0, err
	}
	c.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	for {
		typ, data, err := c.conn.ReadMessage()
		if err != nil {
			return 0, err
		}
		// Most messages are other clients' or not the idle: skip them
		// without decoding, so the figure is the server's, not this client's.
		if !bytes.Contains(data, []byte(id)) || !bytes.Contains(data, []byte(`"idle"`)) {
			continue
		}
		var got *jupyter.Message
		if typ == websocket.TextMessage {
			got, err = jupyter.DecodeJSON(data)
		} else {
			got, err = jupyter.DecodeLegacyBinary(data)
		}
		if err != nil {
			return 0, err
		}
		if serveIsOwnIdle(got, id) {
			return time.Since(t0), nil
		}
	}
}

// serveManyResult is a concurrent run: the latencies and the throughput.
type serveManyResult struct {
	serveLatency
	CellsPerSec float64 `json:"cells_per_sec"`
}

// serveConcurrent runs perClient round trips on each of n clients at once.
func serveConcurrent(n, perClient int, open func(i int) (func() (time.Duration, error), func(), error)) (serveManyResult, error) {
	trips := make([]func() (time.Duration, error), n)
	for i := range trips {
		f, closeFn, err := open(i)
		if err != nil {
			return serveManyResult{}, err
		}
		defer closeFn()
		trips[i] = f
	}
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for _, f := range trips {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perClient; i++ {
				d, err := f()
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					all = append(all, d)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return serveManyResult{}, firstErr
	}
	return serveManyResult{serveLatency: serveSummarize(all), CellsPerSec: float64(len(all)) / elapsed.Seconds()}, nil
}
