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

// runFlags are `rlvrworld run`'s flags and its one notebook.
type runFlags struct {
	in, out     string
	timeout     time.Duration
	allowErrors bool
	quiet       bool
}

// parseRunFlags accepts flags before and after the notebook path.
func parseRunFlags(args []string) (runFlags, int, bool) {
	var f runFlags
	fs := flag.NewFlagSet("rlvrworld run", flag.ContinueOnError)
	fs.StringVar(&f.out, "o", "", "write the executed notebook here (default: overwrite the input)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Minute, "per-cell time limit; a cell running longer is interrupted and fails")
	fs.BoolVar(&f.allowErrors, "allow-errors", false, "run every cell even after one fails (the exit status is still non-zero)")
	fs.BoolVar(&f.quiet, "q", false, "do not print each cell as it starts")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: rlvrworld run NOTEBOOK.ipynb [-o OUT.ipynb] [--timeout D] [--allow-errors]")
		fs.PrintDefaults()
	}
	var paths []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return f, 2, false
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(paths) != 1 {
		fs.Usage()
		return f, 2, false
	}
	f.in = paths[0]
	if f.out == "" {
		f.out = f.in
	}
	return f, 0, true
}

// runNotebook executes a notebook with our kernel started as a child
// process, driven over ZMQ like any Jupyter client would. A child process
// rather than an in-process kernel, because a fatal runtime error in a cell
// (a stack overflow) ends the kernel's process (run reports it and names
// the cell), and because the kernel captures the output of compiled
// packages through file descriptor 1. A cell tagged "raises-exception" may fail, as
// with nbconvert.
func runNotebook(args []string) int {
	f, code, ok := parseRunFlags(args)
	if !ok {
		return code
	}
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "rlvrworld run:", err); return 1 }
	nb, err := notebook.Read(f.in)
	if err != nil {
		return fail(err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	klog, klogDone, err := quietKernelLog()
	if err != nil {
		return fail(err)
	}
	defer klogDone()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	proc, c, err := client.Launch(ctx, []string{exe, "kernel", "--connection-file", "{connection_file}"}, klog)
	klog.Close() // the kernel has its own copy; EOF comes when it exits
	if err != nil {
		return fail(err)
	}
	defer proc.Stop(3 * time.Second)
	defer c.Close()
	start := time.Now()
	runErr := nb.Run(ctx, c, notebook.Options{CellTimeout: f.timeout, AllowErrors: f.allowErrors, Died: proc.Exited(),
		Progress: func(i int, src string) {
			if !f.quiet {
				first, _, _ := strings.Cut(strings.TrimSpace(src), "\n")
				if len(first) > 60 {
					first = first[:60] + "..."
				}
				fmt.Fprintf(os.Stderr, "[run] cell %d: %s\n", i, first)
			}
		}})
	sctx, scancel := context.WithTimeout(context.Background(), 3*time.Second)
	_ = c.Shutdown(sctx)
	scancel()
	if err := nb.Save(f.out); err != nil {
		return fail(fmt.Errorf("write: %w", err))
	}
	return reportRun(f, runErr, time.Since(start))
}

// reportRun prints run's last line and returns its exit code.
func reportRun(f runFlags, runErr error, took time.Duration) int {
	if runErr != nil {
		var ce *notebook.CellError
		if errors.As(runErr, &ce) {
			fmt.Fprintf(os.Stderr, "rlvrworld run: %s: %v (outputs written to %s)\n", f.in, ce, f.out)
		} else {
			fmt.Fprintf(os.Stderr, "rlvrworld run: %s: %v (outputs so far written to %s)\n", f.in, runErr, f.out)
		}
		return 1
	}
	fmt.Fprintf(os.Stderr, "rlvrworld run: %s: all cells ran in %.1fs; wrote %s\n", f.in, took.Seconds(), f.out)
	return 0
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
