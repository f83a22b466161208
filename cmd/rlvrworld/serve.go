package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rlvrworld/rlvrworld/playground"
	"github.com/rlvrworld/rlvrworld/playground/kernels"
	"github.com/rlvrworld/rlvrworld/static"
)

func init() {
	register("serve", "start the playground server (the default)", runServe)
}

type serveStringList []string

func (l *serveStringList) String() string     { return strings.Join(*l, ",") }
func (l *serveStringList) Set(v string) error { *l = append(*l, v); return nil }

func runServe(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8888", "address to listen on (host:port; port 0 picks a free one)")
	dir := fs.String("notebooks", "./notebooks", "folder the notebooks live in")
	token := fs.String("token", "", "access token (a random one when empty; required off loopback)")
	noBrowser := fs.Bool("no-browser", false, "do not open a browser")
	var origins serveStringList
	fs.Var(&origins, "allow-origin", "extra origin allowed on websockets and API calls (repeatable; * for any)")
	kernelArgv := fs.String("kernel-argv", "", `JSON argv of the default kernel, with {connection_file}, e.g. '["/usr/bin/python3","-m","ipykernel_launcher","-f","{connection_file}"]' (default: this binary's kernel)`)
	interruptMode := fs.String("kernel-interrupt-mode", "", "interrupt_mode of --kernel-argv's kernel: signal or message")
	clientBytes := byteSize(64 << 20)
	fs.Var(&clientBytes, "client-bytes", "output that may wait for one websocket client before it is dropped")
	writeTimeout := fs.Duration("write-timeout", 30*time.Second, "longest one websocket write may block before its client is dropped")
	readTimeout := fs.Duration("read-timeout", 5*time.Minute, "longest time to read one request, body included")
	idleTimeout := fs.Duration("idle-timeout", 2*time.Minute, "idle keep-alive connections are closed after this")
	maxConns := fs.Int("max-conns", 512, "open connections without the token; past it the oldest is closed")
	saveConcurrency := fs.Int("save-concurrency", 2, "saves over 1 MiB that may run at once (others wait, then get 503)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "rlvrworld serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}

	if clientBytes <= 0 || *writeTimeout <= 0 || *readTimeout <= 0 || *idleTimeout <= 0 || *maxConns <= 0 || *saveConcurrency <= 0 {
		fmt.Fprintln(os.Stderr, "rlvrworld serve: --client-bytes, --write-timeout, --read-timeout, --idle-timeout, --max-conns and --save-concurrency must be positive")
		return 2
	}

	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld serve: bad --addr %q: %v\n", *addr, err)
		return 2
	}
	loopback := serveIsLoopback(host)
	if !loopback && *token == "" {
		fmt.Fprintf(os.Stderr, "rlvrworld serve: refusing to listen on %s (not loopback) without an explicit --token\n", *addr)
		return 2
	}
	if *token == "" {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			fmt.Fprintf(os.Stderr, "rlvrworld serve: make token: %v\n", err)
			return 1
		}
		*token = hex.EncodeToString(b[:])
	}

	spec, err := kernels.OwnSpec()
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld serve: %v\n", err)
		return 1
	}
	if *kernelArgv != "" {
		var argv []string
		if err := json.Unmarshal([]byte(*kernelArgv), &argv); err != nil || len(argv) == 0 {
			fmt.Fprintf(os.Stderr, "rlvrworld serve: --kernel-argv must be a non-empty JSON array of strings\n")
			return 2
		}
		spec.Argv = argv
		spec.InterruptMode = "signal"
		if *interruptMode != "" {
			spec.InterruptMode = *interruptMode
		}
	}

	srv, err := playground.New(playground.Options{
		Notebooks:       *dir,
		Token:           *token,
		AllowOrigins:    origins,
		LoopbackOnly:    loopback,
		Kernels:         kernels.Options{Specs: []kernels.Spec{spec}, ClientBytes: int64(clientBytes)},
		UI:              static.Handler(),
		WriteTimeout:    *writeTimeout,
		ReadTimeout:     *readTimeout,
		IdleTimeout:     *idleTimeout,
		MaxConns:        *maxConns,
		SaveConcurrency: *saveConcurrency,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld serve: %v\n", err)
		return 1
	}
	defer srv.Close()

	ln, err := serveListen(host, port)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld serve: %v\n", err)
		return 1
	}
	hs := srv.HTTPServer()
	url := srv.URL(ln.Addr())
	fmt.Printf("RLVR-World playground: serving notebooks from %s\n", *dir)
	fmt.Printf("To access the playground, open this URL in a browser:\n    %s\n", url)
	if !*noBrowser {
		serveOpenBrowser(url)
	}

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	code := 0
	select {
	case sig := <-sigs:
		fmt.Fprintf(os.Stderr, "rlvrworld serve: %v: shutting down kernels\n", sig)
	case err := <-errc:
		fmt.Fprintf(os.Stderr, "rlvrworld serve: %v\n", err)
		code = 1
	}
	// A second signal during shutdown exits at once; kernels still die with
	// us through their parent-death signal.
	go func() {
		<-sigs
		os.Exit(130)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Close()
	hs.Shutdown(ctx)
	return code
}

func serveIsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// serveListen binds host:port; when the port is taken it tries the next ones, as
// Jupyter does (port 0 always picks a free one).
func serveListen(host, port string) (net.Listener, error) {
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

// serveOpenBrowser opens url when a desktop is there to show it.
func serveOpenBrowser(url string) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "linux":
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return
		}
		cmd = exec.Command("xdg-open", url)
	default:
		return
	}
	if err := cmd.Start(); err != nil {
		log.Printf("open browser: %v", err)
		return
	}
	go cmd.Wait()
}
