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
	"strings"
	"syscall"
	"time"

	"github.com/rlvrworld/rlvrworld/internal/bytesize"
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

// serveFlags are `rlvrworld serve`'s flags.
type serveFlags struct {
	addr, dir, token, kernelArgv, interruptMode string
	noBrowser                                   bool
	origins                                     serveStringList
	clientBytes, kernelMemory                   bytesize.Size
	writeTimeout, readTimeout, idleTimeout      time.Duration
	maxConns, saveConcurrency                   int
}

func parseServeFlags(args []string) (*serveFlags, int, bool) {
	f := &serveFlags{clientBytes: 64 << 20, kernelMemory: bytesize.Size(kernels.DefaultMemoryLimit())}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8888", "address to listen on (host:port; port 0 picks a free one)")
	fs.StringVar(&f.dir, "notebooks", "./notebooks", "folder the notebooks live in")
	fs.StringVar(&f.token, "token", "", "access token (a random one when empty; required off loopback)")
	fs.BoolVar(&f.noBrowser, "no-browser", false, "do not open a browser")
	fs.Var(&f.origins, "allow-origin", "extra origin allowed on websockets and API calls (repeatable; * for any)")
	fs.StringVar(&f.kernelArgv, "kernel-argv", "", `JSON argv of the default kernel, with {connection_file}, e.g. '["/usr/bin/python3","-m","ipykernel_launcher","-f","{connection_file}"]' (default: this binary's kernel)`)
	fs.StringVar(&f.interruptMode, "kernel-interrupt-mode", "", "interrupt_mode of --kernel-argv's kernel: signal or message")
	fs.Var(&f.clientBytes, "client-bytes", "output that may wait for one websocket client before it is dropped")
	fs.DurationVar(&f.writeTimeout, "write-timeout", 30*time.Second, "longest one websocket write may block before its client is dropped")
	fs.DurationVar(&f.readTimeout, "read-timeout", 5*time.Minute, "longest time to read one request, body included")
	fs.DurationVar(&f.idleTimeout, "idle-timeout", 2*time.Minute, "idle keep-alive connections are closed after this")
	fs.IntVar(&f.maxConns, "max-conns", 512, "open connections without the token; past it the oldest is closed")
	fs.Var(&f.kernelMemory, "kernel-memory", "resident memory one kernel may use before it is restarted (default half the machine's memory; 0: no limit)")
	fs.IntVar(&f.saveConcurrency, "save-concurrency", 2, "saves over 1 MiB that may run at once (others wait, then get 503)")
	if code, ok := parseFlags(fs, args); !ok {
		return nil, code, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "rlvrworld serve: unexpected argument %q\n", fs.Arg(0))
		return nil, 2, false
	}
	if f.clientBytes <= 0 || f.writeTimeout <= 0 || f.readTimeout <= 0 || f.idleTimeout <= 0 || f.maxConns <= 0 || f.saveConcurrency <= 0 {
		fmt.Fprintln(os.Stderr, "rlvrworld serve: --client-bytes, --write-timeout, --read-timeout, --idle-timeout, --max-conns and --save-concurrency must be positive")
		return nil, 2, false
	}
	return f, 0, true
}

func runServe(args []string) int {
	f, code, ok := parseServeFlags(args)
	if !ok {
		return code
	}
	host, port, err := net.SplitHostPort(f.addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld serve: bad --addr %q: %v\n", f.addr, err)
		return 2
	}
	loopback := playground.IsLoopback(host)
	if !loopback && f.token == "" {
		fmt.Fprintf(os.Stderr, "rlvrworld serve: refusing to listen on %s (not loopback) without an explicit --token\n", f.addr)
		return 2
	}
	if f.token == "" {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			fmt.Fprintf(os.Stderr, "rlvrworld serve: make token: %v\n", err)
			return 1
		}
		f.token = hex.EncodeToString(b[:])
	}
	spec, code, ok := serveKernelSpec(f)
	if !ok {
		return code
	}
	srv, err := playground.New(playground.Options{
		Notebooks: f.dir, Token: f.token, AllowOrigins: f.origins, LoopbackOnly: loopback,
		Kernels: kernels.Options{Specs: []kernels.Spec{spec}, ClientBytes: int64(f.clientBytes), MemoryLimit: int64(f.kernelMemory)},
		UI:      static.Handler(), WriteTimeout: f.writeTimeout, ReadTimeout: f.readTimeout, IdleTimeout: f.idleTimeout,
		MaxConns: f.maxConns, SaveConcurrency: f.saveConcurrency,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld serve: %v\n", err)
		return 1
	}
	defer srv.Close()
	ln, err := playground.Listen(host, port)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld serve: %v\n", err)
		return 1
	}
	return serveUntilSignal(srv, ln, f)
}

// serveKernelSpec is this binary's kernel, or --kernel-argv's.
func serveKernelSpec(f *serveFlags) (kernels.Spec, int, bool) {
	spec, err := kernels.OwnSpec()
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld serve: %v\n", err)
		return spec, 1, false
	}
	if f.kernelArgv != "" {
		var argv []string
		if err := json.Unmarshal([]byte(f.kernelArgv), &argv); err != nil || len(argv) == 0 {
			fmt.Fprintf(os.Stderr, "rlvrworld serve: --kernel-argv must be a non-empty JSON array of strings\n")
			return spec, 2, false
		}
		spec.Argv = argv
		spec.InterruptMode = "signal"
		if f.interruptMode != "" {
			spec.InterruptMode = f.interruptMode
		}
	}
	return spec, 0, true
}

// serveUntilSignal prints the URL, serves until SIGINT, SIGTERM or SIGHUP
// (or a serve error), then closes the kernels and the server.
func serveUntilSignal(srv *playground.Server, ln net.Listener, f *serveFlags) int {
	hs := srv.HTTPServer()
	url := srv.URL(ln.Addr())
	fmt.Printf("RLVR-World playground: serving notebooks from %s\n", f.dir)
	fmt.Printf("To access the playground, open this URL in a browser:\n    %s\n", url)
	if !f.noBrowser {
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
