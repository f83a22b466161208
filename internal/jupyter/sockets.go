package jupyter

import (
	"context"
	"fmt"

	"github.com/go-zeromq/zmq4"
)

// Sockets are the five channels of one kernel connection, from either
// side.
type Sockets struct {
	Shell, Control, Stdin, IOPub, HB zmq4.Socket
}

// Dial connects a client's sockets to the kernel at conn: DEALERs on shell,
// control and stdin that share the identity id (a kernel sends an
// input_request on stdin to the identity that sent the execute_request on
// shell), a SUB on iopub subscribed to every topic, and a DEALER on the
// heartbeat. opts (retries, a logger) apply to every socket. The sockets
// end with ctx or Close.
func Dial(ctx context.Context, conn *Connection, id string, opts ...zmq4.Option) (*Sockets, error) {
	with := func(extra ...zmq4.Option) []zmq4.Option { return append(append([]zmq4.Option(nil), opts...), extra...) }
	ident := zmq4.WithID(zmq4.SocketIdentity(id))
	s := &Sockets{
		Shell:   zmq4.NewDealer(ctx, with(ident)...),
		Control: zmq4.NewDealer(ctx, with(ident)...),
		Stdin:   zmq4.NewDealer(ctx, with(ident)...),
		IOPub:   zmq4.NewSub(ctx, with()...),
		HB:      zmq4.NewDealer(ctx, with()...),
	}
	if err := s.IOPub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		s.Close()
		return nil, fmt.Errorf("jupyter: subscribe iopub: %w", err)
	}
	// iopub first: the sooner it is subscribed, the less of the kernel's
	// start-up output is lost (PUB drops what no subscriber takes).
	for _, d := range s.list([]string{"iopub", "shell", "control", "stdin", "hb"}) {
		if err := d.s.Dial(conn.Endpoint(d.port(conn))); err != nil {
			s.Close()
			return nil, fmt.Errorf("jupyter: connect %s (%s): %w", d.name, conn.Endpoint(d.port(conn)), err)
		}
	}
	return s, nil
}

// Listen binds a kernel's sockets on conn: ROUTERs on shell, control and
// stdin, a PUB on iopub and a REP on the heartbeat (see Echo).
func Listen(ctx context.Context, conn *Connection) (*Sockets, error) {
	s := &Sockets{
		Shell:   zmq4.NewRouter(ctx),
		Control: zmq4.NewRouter(ctx),
		Stdin:   zmq4.NewRouter(ctx),
		IOPub:   zmq4.NewPub(ctx),
		HB:      zmq4.NewRep(ctx),
	}
	for _, d := range s.list([]string{"shell", "control", "stdin", "iopub", "hb"}) {
		if err := d.s.Listen(conn.Endpoint(d.port(conn))); err != nil {
			s.Close()
			return nil, fmt.Errorf("jupyter: listen %s on %s: %w", d.name, conn.Endpoint(d.port(conn)), err)
		}
	}
	return s, nil
}

type namedSocket struct {
	name string
	s    zmq4.Socket
}

func (d namedSocket) port(c *Connection) int {
	switch d.name {
	case "shell":
		return c.ShellPort
	case "control":
		return c.ControlPort
	case "stdin":
		return c.StdinPort
	case "iopub":
		return c.IOPubPort
	}
	return c.HBPort
}

func (s *Sockets) list(order []string) []namedSocket {
	by := map[string]zmq4.Socket{"shell": s.Shell, "control": s.Control, "stdin": s.Stdin, "iopub": s.IOPub, "hb": s.HB}
	out := make([]namedSocket, len(order))
	for i, n := range order {
		out[i] = namedSocket{n, by[n]}
	}
	return out
}

// Close closes every socket.
func (s *Sockets) Close() {
	for _, z := range []zmq4.Socket{s.Shell, s.Control, s.Stdin, s.IOPub, s.HB} {
		if z != nil {
			z.Close()
		}
	}
}
