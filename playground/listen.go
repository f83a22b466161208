package playground

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// IsLoopback reports whether host (a name or an IP, brackets allowed) is
// this machine's loopback: "localhost" or a loopback address. Off loopback
// the servers require an explicit token.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Listen binds host:port; when the port is taken it tries the next ones,
// up to 49 further, as Jupyter does (port 0 always picks a free one).
func Listen(host, port string) (net.Listener, error) {
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("bad port %q", port)
	}
	var lastErr error
	for i := 0; i < 50; i++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p+i)))
		if err == nil {
			return ln, nil
		}
		lastErr = err
		if p == 0 {
			break
		}
	}
	return nil, fmt.Errorf("listen on %s: %w", net.JoinHostPort(host, port), lastErr)
}
