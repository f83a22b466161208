package playground

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// HTTPServer is the http.Server to serve s with: header, body and idle
// timeouts, and a cap on connections that have not shown the token.
//
// Why the cap works this way: every client on this machine shares one
// address, so a per-address cap would lock the user out with the attacker.
// Instead a new connection, when the cap is reached, closes the oldest
// connection that has never carried an authenticated request. A logged-in
// user's connections are never closed for room, and a user's new
// connection always gets in (it is the youngest); idle sockets opened
// without the token cannot starve them.
func (s *Server) HTTPServer() *http.Server {
	cl := &connLimiter{max: s.opts.MaxConns, conns: map[net.Conn]*connInfo{}}
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		ConnState:         cl.state,
		ConnContext:       cl.context,
	}
}

// connInfo is what the limiter knows of one connection.
type connInfo struct {
	seq     uint64
	trusted atomic.Bool // it has carried an authenticated request
}

type connKey struct{}

// connLimiter tracks open HTTP connections (not hijacked websockets, which
// needed the token to open) and closes the oldest untrusted one when a new
// connection would pass max.
type connLimiter struct {
	max   int
	mu    sync.Mutex
	seq   uint64
	conns map[net.Conn]*connInfo
}

// context registers a new connection (net/http calls it before StateNew).
func (cl *connLimiter) context(ctx context.Context, c net.Conn) context.Context {
	cl.mu.Lock()
	cl.seq++
	ci := &connInfo{seq: cl.seq}
	cl.conns[c] = ci
	cl.mu.Unlock()
	return context.WithValue(ctx, connKey{}, ci)
}

func (cl *connLimiter) state(c net.Conn, st http.ConnState) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	switch st {
	case http.StateNew:
		untrusted := 0
		var oldest net.Conn
		var oldestSeq uint64
		for oc, ci := range cl.conns {
			if ci.trusted.Load() {
				continue
			}
			untrusted++
			if oldest == nil || ci.seq < oldestSeq {
				oldest, oldestSeq = oc, ci.seq
			}
		}
		if untrusted > cl.max && oldest != nil {
			delete(cl.conns, oldest)
			oldest.Close()
		}
	case http.StateHijacked, http.StateClosed:
		delete(cl.conns, c)
	}
}

// markTrusted records that r's connection carried an authenticated request.
func markTrusted(r *http.Request) {
	if ci, ok := r.Context().Value(connKey{}).(*connInfo); ok {
		ci.trusted.Store(true)
	}
}
