package playground

import (
	"net"
	"strconv"
	"testing"
)

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.8.9.1": true, "::1": true, "[::1]": true,
		"0.0.0.0": false, "192.168.1.4": false, "example.com": false, "": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestListenTakesTheNextFreePort holds a port and asks Listen for it: it
// binds a later one, as Jupyter does.
func TestListenTakesTheNextFreePort(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := held.Addr().(*net.TCPAddr).Port
	ln, err := Listen("127.0.0.1", strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if got := ln.Addr().(*net.TCPAddr).Port; got <= port || got > port+49 {
		t.Errorf("bound port %d with %d taken, want one of the next 49", got, port)
	}
	if _, err := Listen("127.0.0.1", "http"); err == nil {
		t.Error("a port that is not a number was accepted")
	}
}
