package playground

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
	"github.com/rlvrworld/rlvrworld/playground/kernels"
)

// handleChannels is the kernel websocket, /api/kernels/{id}/channels.
//
// Without a subprotocol, messages are JSON text frames with a "channel"
// field, and messages with buffers use the legacy binary framing. When the
// client offers v1.kernel.websocket.jupyter.org, the server selects it and
// every message is a v1 binary frame. Any other offer is refused the
// standard way: the handshake answers without a Sec-WebSocket-Protocol, and
// the client falls back to the default protocol (or gives up).
func (s *Server) handleChannels(w http.ResponseWriter, r *http.Request) {
	k, ok := s.kernel(w, r)
	if !ok {
		return
	}
	if o := r.Header.Get("Origin"); o != "" && !s.auth.originOK(r, o) {
		writeError(w, http.StatusForbidden, "websocket Origin %q is not this server; start the server with --allow-origin to allow it", o)
		return
	}
	session := r.URL.Query().Get("session_id")
	client, err := k.Attach(session)
	if err != nil {
		writeError(w, http.StatusNotFound, "kernel %s: %v", k.ID, err)
		return
	}
	up := websocket.Upgrader{
		Subprotocols:    []string{jupyter.ProtocolV1},
		CheckOrigin:     func(*http.Request) bool { return true }, // checked above
		ReadBufferSize:  64 << 10,
		WriteBufferSize: 64 << 10,
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		client.Close()
		return // Upgrade has answered the client
	}
	s.mu.Lock()
	if s.shuttingOff {
		s.mu.Unlock()
		client.Close()
		conn.Close()
		return
	}
	s.wsConns[conn] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.wsConns, conn)
		s.mu.Unlock()
	}()
	conn.SetReadLimit(s.opts.MaxMessage)
	v1 := conn.Subprotocol() == jupyter.ProtocolV1

	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		s.writeLoop(conn, client, v1)
	}()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for {
		typ, data, err := conn.ReadMessage()
		if err != nil {
			break
		}
		var m *jupyter.Message
		switch {
		case v1:
			m, err = jupyter.DecodeV1(data)
		case typ == websocket.TextMessage:
			m, err = jupyter.DecodeJSON(data)
		default:
			m, err = jupyter.DecodeLegacyBinary(data)
		}
		if err != nil {
			s.opts.Log.Printf("kernel %s websocket: %v", k.ID, err)
			continue
		}
		if err := client.Send(ctx, m); err != nil {
			s.opts.Log.Printf("kernel %s websocket: %v", k.ID, err)
			if m.Channel != "shell" && m.Channel != "control" && m.Channel != "stdin" {
				continue
			}
		}
	}
	client.Close()
	<-writerDone
	conn.Close()
}

// writeLoop sends the client's messages until it is detached, pinging the
// browser every 30 s so idle proxies keep the connection open. Every write
// has a deadline (Options.WriteTimeout): a client that stops reading is
// dropped when it passes, or sooner when its queue passes its byte budget;
// either way the kernel's other clients keep receiving everything.
func (s *Server) writeLoop(conn *websocket.Conn, client *kernels.Client, v1 bool) {
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	for {
		select {
		case d, ok := <-client.C():
			if !ok || client.Overflowed() {
				// What is still queued for a client cut off is dropped
				// unsent: it is told why, and reconnects to a fresh stream.
				code, text := websocket.CloseNormalClosure, "kernel shut down"
				if client.Overflowed() {
					code, text = websocket.CloseTryAgainLater, "client fell too far behind: its output queue passed its limit"
				}
				conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(s.opts.WriteTimeout))
				conn.Close() // ends the read loop too
				return
			}
			conn.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
			var err error
			if v1 {
				err = conn.WriteMessage(websocket.BinaryMessage, d.V1())
			} else if data, bin := d.JSON(); bin {
				err = conn.WriteMessage(websocket.BinaryMessage, data)
			} else {
				err = conn.WriteMessage(websocket.TextMessage, data)
			}
			client.Sent(d)
			if err != nil {
				conn.Close()
				client.Close()
				for range client.C() {
				}
				return
			}
		case <-ping.C:
			conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(5*time.Second))
		}
	}
}
