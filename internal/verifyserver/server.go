// Package verifyserver is the HTTP verifier service that verl's reward
// function (integrations/verl/rlvrworld_reward.py) calls:
// `rlvrworld verify --serve`.
//
//	POST /v1/score        {data_source, solution_str, ground_truth, extra_info} -> {score, <metric keys>}
//	POST /v1/score/batch  {"items": [request, ...]}                               -> {"results": [result, ...]}
//	GET  /health          -> {"status":"ok", "metric_keys": {data_source: [keys]}}
//
// Scoring is verl.Scorer, the same codec code that `rlvrworld verify` and
// the notebooks use. A malformed request gets a 4xx with a message; an
// answer that cannot be parsed scores 0 with parse_error 1 and is not an
// error. Scoring runs on at most Concurrency goroutines at once (one per
// core by default), and each request has a time limit and a body limit.
package verifyserver

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/verl"
)

// Options configure the service. The zero value is usable.
type Options struct {
	// Token, when set, is required as "Authorization: Bearer TOKEN" on the
	// scoring endpoints (the health endpoint stays open for probes).
	Token string
	// MaxBody bounds a request body in bytes (default 8 MiB).
	MaxBody int64
	// Timeout bounds the scoring of one request or batch (default 30 s).
	Timeout time.Duration
	// MaxBatch bounds the items of a batch (default 4096).
	MaxBatch int
	// Concurrency is how many answers are scored at once (default
	// GOMAXPROCS).
	Concurrency int
}

// Server serves the scoring endpoints; it is an http.Handler.
type Server struct {
	opts   Options
	scorer *verl.Scorer
	sem    chan struct{}
	mux    *http.ServeMux
}

// New returns the service around a scorer.
func New(scorer *verl.Scorer, opts Options) *Server {
	if opts.MaxBody <= 0 {
		opts.MaxBody = 8 << 20
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 4096
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = runtime.GOMAXPROCS(0)
	}
	s := &Server{opts: opts, scorer: scorer, sem: make(chan struct{}, opts.Concurrency), mux: http.NewServeMux()}
	s.mux.HandleFunc("/health", s.health)
	s.mux.HandleFunc("/v1/score", s.auth(s.score))
	s.mux.HandleFunc("/v1/score/batch", s.auth(s.batch))
	return s
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// errorBody is every error response: {"error": message}.
type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func fail(w http.ResponseWriter, code int, format string, args ...any) {
	writeJSON(w, code, errorBody{Error: fmt.Sprintf(format, args...)})
}

func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.Token)) != 1 {
				fail(w, http.StatusUnauthorized, "missing or wrong bearer token")
				return
			}
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			fail(w, http.StatusMethodNotAllowed, "use POST with a JSON body")
			return
		}
		h(w, r)
	}
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	keys := map[string][]string{}
	for _, d := range verl.DataSources() {
		keys[d] = verl.MetricKeys(d)
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "metric_keys": keys, "concurrency": s.opts.Concurrency})
}

// readBody reads a JSON body within the size limit into v.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(w, http.StatusRequestEntityTooLarge, "body exceeds %d bytes", s.opts.MaxBody)
		} else {
			fail(w, http.StatusBadRequest, "read body: %v", err)
		}
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		fail(w, http.StatusBadRequest, "body is not the expected JSON: %v", err)
		return false
	}
	return true
}

// request is the wire form of one score request; extra_info may carry
// fields verl adds, which are ignored.
type request struct {
	DataSource  *string         `json:"data_source"`
	SolutionStr *string         `json:"solution_str"`
	GroundTruth *string         `json:"ground_truth"`
	ExtraInfo   *verl.ExtraInfo `json:"extra_info"`
}

func (q *request) check() (verl.Request, error) {
	switch {
	case q.DataSource == nil:
		return verl.Request{}, errors.New("missing data_source")
	case q.SolutionStr == nil:
		return verl.Request{}, errors.New("missing solution_str")
	case q.GroundTruth == nil:
		return verl.Request{}, errors.New("missing ground_truth")
	case q.ExtraInfo == nil:
		return verl.Request{}, errors.New("missing extra_info (the row's extra_info column)")
	}
	if verl.MetricKeys(*q.DataSource) == nil {
		return verl.Request{}, fmt.Errorf("unknown data_source %q (have %s)", *q.DataSource, strings.Join(verl.DataSources(), ", "))
	}
	return verl.Request{DataSource: *q.DataSource, SolutionStr: *q.SolutionStr, GroundTruth: *q.GroundTruth, ExtraInfo: *q.ExtraInfo}, nil
}

// scoreOne scores within a concurrency slot; it gives up waiting for a slot
// when ctx ends.
func (s *Server) scoreOne(ctx context.Context, req verl.Request) (verl.Result, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.sem }()
	return s.scorer.Score(req)
}

// withDeadline runs f and waits at most the request timeout for it. A
// verifier call cannot be interrupted, so on timeout f finishes in the
// background and its result is dropped.
func (s *Server) withDeadline(r *http.Request, f func(ctx context.Context) any) (any, bool) {
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	done := make(chan any, 1)
	go func() { done <- f(ctx) }()
	select {
	case v := <-done:
		return v, true
	case <-ctx.Done():
		return nil, false
	}
}

type outcome struct {
	res verl.Result
	err error
}

func (s *Server) score(w http.ResponseWriter, r *http.Request) {
	var q request
	if !s.readBody(w, r, &q) {
		return
	}
	req, err := q.check()
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	v, ok := s.withDeadline(r, func(ctx context.Context) any {
		res, err := s.scoreOne(ctx, req)
		return outcome{res, err}
	})
	if !ok {
		fail(w, http.StatusServiceUnavailable, "scoring took longer than %s", s.opts.Timeout)
		return
	}
	o := v.(outcome)
	if o.err != nil {
		if errors.Is(o.err, context.DeadlineExceeded) || errors.Is(o.err, context.Canceled) {
			fail(w, http.StatusServiceUnavailable, "no scoring slot within %s", s.opts.Timeout)
			return
		}
		fail(w, http.StatusUnprocessableEntity, "%v", o.err)
		return
	}
	writeJSON(w, http.StatusOK, o.res)
}

// batchItem is one result of a batch: the result keys, plus "error" (and
// the zero keys) for an item that could not be scored.
type batchItem map[string]any

func (s *Server) batch(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Items []request `json:"items"`
	}
	if !s.readBody(w, r, &body) {
		return
	}
	if body.Items == nil {
		fail(w, http.StatusBadRequest, "missing items (a list of score requests)")
		return
	}
	if len(body.Items) > s.opts.MaxBatch {
		fail(w, http.StatusRequestEntityTooLarge, "%d items exceed the batch limit of %d", len(body.Items), s.opts.MaxBatch)
		return
	}
	v, ok := s.withDeadline(r, func(ctx context.Context) any {
		out := make([]batchItem, len(body.Items))
		var wg sync.WaitGroup
		for i := range body.Items {
			req, err := body.Items[i].check()
			if err != nil {
				out[i] = itemError(body.Items[i].DataSource, err)
				continue
			}
			wg.Add(1)
			go func(i int, req verl.Request) {
				defer wg.Done()
				res, err := s.scoreOne(ctx, req)
				if err != nil {
					out[i] = itemError(&req.DataSource, err)
					return
				}
				item := make(batchItem, len(res))
				for k, v := range res {
					item[k] = v
				}
				out[i] = item
			}(i, req)
		}
		wg.Wait()
		return out
	})
	if !ok {
		fail(w, http.StatusServiceUnavailable, "batch scoring took longer than %s", s.opts.Timeout)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": v})
}

func itemError(source *string, err error) batchItem {
	item := batchItem{"error": err.Error()}
	if source != nil {
		for k, v := range verl.ZeroResult(*source) {
			item[k] = v
		}
	}
	if _, ok := item["score"]; !ok {
		item["score"] = 0.0
	}
	return item
}

// ListenAndServe serves on addr until ctx ends, then shuts down, letting
// requests in flight finish for up to five seconds. ready, when non-nil, is
// called with the bound address once the listener is open.
func ListenAndServe(ctx context.Context, addr string, h http.Handler, ready func(addr string)) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	ln, err := listen(addr)
	if err != nil {
		return fmt.Errorf("verifyserver: listen %s: %w", addr, err)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		return nil
	}
}

func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
