package playground

// The serving benchmark (`rlvrworld bench serve`): the websocket round
// trip of a cell through this server, next to the same round trip sent by
// the server's bridge straight to the kernel's ZMQ sockets (the same-run
// anchor). The command line only parses flags into ServeBenchOptions.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	"github.com/rlvrworld/rlvrworld/playground/kernels"
)

// ServeBenchOptions size BenchServe.
type ServeBenchOptions struct {
	// N is the number of round trips with one client and for the anchor
	// (300).
	N int
	// Clients is the number of concurrent clients of the second figure
	// (20), each making PerClient round trips (30).
	Clients, PerClient int
	// CPUProfile, when set, receives a CPU profile of the many-client run.
	CPUProfile io.Writer
}

// ServeBench is the JSON report of BenchServe. Its fields are in the order
// of their JSON names, as the report has always listed them.
type ServeBench struct {
	AnchorDirect     ServeLatency `json:"anchor_direct"`
	AnchorDirectMany ServeMany    `json:"anchor_direct_many"`
	Clients          int          `json:"clients"`
	// Overhead1 is the median of one client over the websocket minus the
	// median straight to ZMQ.
	Overhead1 float64      `json:"overhead_1_client_median_ms"`
	What      string       `json:"what"`
	WS1Client ServeLatency `json:"ws_1_client"`
	WSMany    ServeMany    `json:"ws_many_clients"`
}

// BenchServe measures, on one kernel of ours (this binary's, kernels.OwnSpec)
// behind an in-process server on loopback: the websocket round trip of
// execute_request "1+1" until the client's own iopub idle, with 1 client and
// with Clients concurrent clients; and, as the anchor in the same run, the
// same round trips sent to the kernel's ZMQ sockets by the server's bridge
// directly (no HTTP, no websocket).
func BenchServe(ctx context.Context, o ServeBenchOptions) (*ServeBench, error) {
	if o.N == 0 {
		o.N = 300
	}
	if o.Clients == 0 {
		o.Clients = 20
	}
	if o.PerClient == 0 {
		o.PerClient = 30
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
	srv, err := New(Options{Notebooks: dir, Token: token, LoopbackOnly: true,
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
	k, err := srv.Kernels().Start(ctx, "")
	if err != nil {
		return nil, err
	}
	rep := &ServeBench{Clients: o.Clients,
		What: `execute_request "1+1" -> the client's own iopub idle, our Go kernel, server on loopback`}
	if err := benchDirect(k, o, rep); err != nil {
		return nil, err
	}
	base := "ws://" + ln.Addr().String() + "/api/kernels/" + k.ID + "/channels?token=" + token + "&session_id="
	if err := benchWebsocket(base, o, rep); err != nil {
		return nil, err
	}
	rep.Overhead1 = rep.WS1Client.Median - rep.AnchorDirect.Median
	return rep, nil
}

// benchDirect fills the anchors: the bridge's own clients, straight to
// ZMQ, one and then o.Clients at once.
func benchDirect(k *kernels.Kernel, o ServeBenchOptions, rep *ServeBench) error {
	direct, err := k.Attach("bench-direct")
	if err != nil {
		return err
	}
	rep.AnchorDirect, err = serveRoundTrips(o.N, func() (time.Duration, error) { return serveDirectRoundTrip(direct) })
	direct.Close()
	if err != nil {
		return fmt.Errorf("direct: %w", err)
	}
	rep.AnchorDirectMany, err = serveConcurrent(o.Clients, o.PerClient, func(i int) (func() (time.Duration, error), func(), error) {
		c, err := k.Attach(fmt.Sprintf("bench-direct-%d", i))
		if err != nil {
			return nil, nil, err
		}
		return func() (time.Duration, error) { return serveDirectRoundTrip(c) }, c.Close, nil
	})
	if err != nil {
		return fmt.Errorf("direct, %d clients: %w", o.Clients, err)
	}
	return nil
}

// benchWebsocket fills the websocket figures: one client, then o.Clients
// at once (profiled when o.CPUProfile is set).
func benchWebsocket(base string, o ServeBenchOptions, rep *ServeBench) error {
	one, err := serveDial(base)
	if err != nil {
		return err
	}
	rep.WS1Client, err = serveRoundTrips(o.N, one.roundTrip)
	one.conn.Close()
	if err != nil {
		return fmt.Errorf("1 client: %w", err)
	}
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			return err
		}
	}
	rep.WSMany, err = serveConcurrent(o.Clients, o.PerClient, func(int) (func() (time.Duration, error), func(), error) {
		c, err := serveDial(base)
		if err != nil {
			return nil, nil, err
		}
		return c.roundTrip, func() { c.conn.Close() }, nil
	})
	if o.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return fmt.Errorf("%d clients: %w", o.Clients, err)
	}
	return nil
}

// ServeLatency summarises round trips in milliseconds.
type ServeLatency struct {
	N      int     `json:"n"`
	Median float64 `json:"median_ms"`
	P99    float64 `json:"p99_ms"`
	Mean   float64 `json:"mean_ms"`
}

func serveSummarize(d []time.Duration) ServeLatency {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	p99 := d[(len(d)*99+99)/100-1]
	return ServeLatency{N: len(d), Median: ms(d[len(d)/2]), P99: ms(p99), Mean: ms(sum / time.Duration(len(d)))}
}

func serveRoundTrips(n int, f func() (time.Duration, error)) (ServeLatency, error) {
	for i := 0; i < 10; i++ { // warm-up
		if _, err := f(); err != nil {
			return ServeLatency{}, err
		}
	}
	d := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		x, err := f()
		if err != nil {
			return ServeLatency{}, err
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

// ServeMany is a concurrent run: the latencies and the throughput.
type ServeMany struct {
	ServeLatency
	CellsPerSec float64 `json:"cells_per_sec"`
}

// serveConcurrent runs perClient round trips on each of n clients at once.
func serveConcurrent(n, perClient int, open func(i int) (func() (time.Duration, error), func(), error)) (ServeMany, error) {
	trips := make([]func() (time.Duration, error), n)
	for i := range trips {
		f, closeFn, err := open(i)
		if err != nil {
			return ServeMany{}, err
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
		return ServeMany{}, firstErr
	}
	return ServeMany{ServeLatency: serveSummarize(all), CellsPerSec: float64(len(all)) / elapsed.Seconds()}, nil
}
