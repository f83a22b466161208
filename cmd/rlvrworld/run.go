package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/rlvrworld/rlvrworld/kernel/client"
	"github.com/rlvrworld/rlvrworld/kernel/notebook"
)

func init() {
	register("run", "execute a notebook headlessly with the Go kernel (run NOTEBOOK.ipynb [-o OUT.ipynb])", runNotebook)
}

// runNotebook executes a notebook with our kernel started as a child
// process, driven over ZMQ like any Jupyter client would. A child process
// rather than an in-process kernel, because a fatal runtime error in a cell
// (a stack overflow) ends the kernel's process (run reports it and names
// the cell), and because the kernel captures the output of compiled
// packages through file descriptor 1. A cell tagged "raises-exception" may fail, as
// with nbconvert.
func runNotebook(args []string) int {
	fs := flag.NewFlagSet("rlvrworld run", flag.ContinueOnError)
	out := fs.String("o", "", "write the executed notebook here (default: overwrite the input)")
	timeout := fs.Duration("timeout", 10*time.Minute, "per-cell time limit; a cell running longer is interrupted and fails")
	allowErrors := fs.Bool("allow-errors", false, "run every cell even after one fails (the exit status is still non-zero)")
	quiet := fs.Bool("q", false, "do not print each cell as it starts")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: rlvrworld run NOTEBOOK.ipynb [-o OUT.ipynb] [--timeout D] [--allow-errors]")
		fs.PrintDefaults()
	}
	// Accept flags before and after the notebook path.
	var paths []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(paths) != 1 {
		fs.Usage()
		return 2
	}
	in := paths[0]
	if *out == "" {
		*out = in
	}
	nb, err := notebook.Read(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rlvrworld run:", err)
		return 1
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rlvrworld run:", err)
		return 1
	}
	klog, klogDone, err := quietKernelLog()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rlvrworld run:", err)
		return 1
	}
	defer klogDone()
	proc, err := client.Start([]string{exe, "kernel", "--connection-file", "{connection_file}"}, klog)
	klog.Close() // the kernel has its own copy; EOF comes when it exits
	if err != nil {
		fmt.Fprintln(os.Stderr, "rlvrworld run:", err)
		return 1
	}
	defer proc.Stop(3 * time.Second)
	c, err := client.Dial(proc.Conn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rlvrworld run:", err)
		return 1
	}
	defer c.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	_, err = c.WaitReady(rctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rlvrworld run: kernel did not start:", err)
		return 1
	}
	start := time.Now()
	runErr := nb.Run(ctx, c, notebook.Options{
		CellTimeout: *timeout,
		AllowErrors: *allowErrors,
		Died:        proc.Exited(),
		Progress: func(i int, src string) {
			if !*quiet {
				first, _, _ := strings.Cut(strings.TrimSpace(src), "\n")
				if len(first) > 60 {
					first = first[:60] + "..."
				}
				fmt.Fprintf(os.Stderr, "[run] cell %d: %s\n", i, first)
			}
		},
	})
	sctx, scancel := context.WithTimeout(context.Background(), 3*time.Second)
	_ = c.Shutdown(sctx)
	scancel()

	b, err := nb.Marshal()
	if err == nil {
		err = writeAtomic(*out, b)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rlvrworld run: write:", err)
		return 1
	}
	if runErr != nil {
		var ce *notebook.CellError
		if errors.As(runErr, &ce) {
			fmt.Fprintf(os.Stderr, "rlvrworld run: %s: %v (outputs written to %s)\n", in, ce, *out)
		} else {
			fmt.Fprintf(os.Stderr, "rlvrworld run: %s: %v (outputs so far written to %s)\n", in, runErr, *out)
		}
		return 1
	}
	fmt.Fprintf(os.Stderr, "rlvrworld run: %s: all cells ran in %.1fs; wrote %s\n", in, time.Since(start).Seconds(), *out)
	return 0
}

// writeAtomic writes b to path through a temporary file and a rename, so a
// crash never leaves half a notebook.
func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// quietKernelLog returns the stderr for run's kernel: everything it writes
// reaches our stderr except its start-up "listening on" line, whose ports
// mean nothing to someone running a notebook. done waits until the kernel's
// stderr is drained (after the kernel exits).
func quietKernelLog() (w *os.File, done func(), err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer r.Close()
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadString('\n')
			if line != "" && !isKernelListeningLine(line) {
				io.WriteString(os.Stderr, line)
			}
			if err != nil {
				return
			}
		}
	}()
	return w, func() { <-finished }, nil
}

// isKernelListeningLine matches the kernel's log line
// "rlvrworld kernel: 2006/01/02 15:04:05 listening on 127.0.0.1 (shell N, iopub N)".
func isKernelListeningLine(line string) bool {
	return strings.HasPrefix(line, "rlvrworld kernel: ") && strings.Contains(line, " listening on ")
}
