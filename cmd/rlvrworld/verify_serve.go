package main

// verl integration (issue 10): `rlvrworld verify --serve`, `rlvrworld verify
// --generations` and `rlvrworld data --format verl|jsonl` (`bench verl` is
// internal/verifyserver.RunBench). data.go and verify.go only dispatch here.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/rlvrworld/rlvrworld/internal/atomicfile"
	"github.com/rlvrworld/rlvrworld/internal/verifyserver"
	"github.com/rlvrworld/rlvrworld/playground"
	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
	"github.com/rlvrworld/rlvrworld/stdlib/verl"
)

// hasFlag reports whether args hold --name (or -name, or --name=...), so
// that verify.go and data.go can hand such calls to this file before their
// own flag parsing.
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// runVerifyServe is `rlvrworld verify --serve [--addr A] [--token T] ...`.
func runVerifyServe(args []string) int {
	fs := flag.NewFlagSet("verify --serve", flag.ContinueOnError)
	fs.Bool("serve", true, "serve the verifier over HTTP")
	addr := fs.String("addr", "127.0.0.1:8890", "listen address (one verifier per node; keep it on loopback or a private network)")
	token := fs.String("token", os.Getenv("RLVRWORLD_VERIFIER_TOKEN"), "bearer token required on /v1/score (default $RLVRWORLD_VERIFIER_TOKEN)")
	timeout := fs.Duration("timeout", 30*time.Second, "time limit per request or batch")
	maxBody := fs.Int64("max-body", 8<<20, "request body limit in bytes")
	maxBatch := fs.Int("max-batch", 4096, "items per batch limit")
	conc := fs.Int("concurrency", runtime.GOMAXPROCS(0), "answers scored at once")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: rlvrworld verify --serve [--addr 127.0.0.1:8890] [--token T]\n\nPOST /v1/score, POST /v1/score/batch, GET /health; see docs/scaling-out.md.")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	// The rule of `serve`: off loopback, only with an explicit token.
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld verify: bad --addr %q: %v\n", *addr, err)
		return 2
	}
	if !playground.IsLoopback(host) && *token == "" {
		fmt.Fprintf(os.Stderr, "rlvrworld verify: refusing to listen on %s (not loopback) without --token (or $RLVRWORLD_VERIFIER_TOKEN)\n", *addr)
		return 2
	}
	sc, err := verl.NewScorer()
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld verify: %v\n", err)
		return 1
	}
	h := verifyserver.New(sc, verifyserver.Options{Token: *token, Timeout: *timeout, MaxBody: *maxBody, MaxBatch: *maxBatch, Concurrency: *conc})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = verifyserver.ListenAndServe(ctx, *addr, h, func(a string) {
		fmt.Fprintf(os.Stderr, "rlvrworld verify: serving on http://%s (POST /v1/score, /v1/score/batch; GET /health)\n", a)
	})
	if err != nil && err != http.ErrServerClosed {
		fmt.Fprintf(os.Stderr, "rlvrworld verify: %v\n", err)
		return 1
	}
	return 0
}

// runVerifyGenerations is `rlvrworld verify --generations FILE --data
// DATASET [--out FILE]`: it re-scores verl's dumped validation generations
// against the exported dataset they were prompted from.
func runVerifyGenerations(args []string) int {
	fs := flag.NewFlagSet("verify --generations", flag.ContinueOnError)
	gensPath := fs.String("generations", "", "verl's validation generations (JSONL of input, output, score)")
	dataPath := fs.String("data", "", "the dataset the run used, as `rlvrworld data --format verl|jsonl` wrote it")
	out := fs.String("out", "", "output JSONL (default stdout)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: rlvrworld verify --generations FILE.jsonl --data DATASET.parquet|.jsonl [--out FILE]\n\nEach output line is {line, step, row, data_source, verl_score, result} or {..., error}.")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *gensPath == "" || *dataPath == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if err := rescoreGenerations(*gensPath, *dataPath, *out); err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld verify: %v\n", err)
		return 1
	}
	return 0
}

func rescoreGenerations(gensPath, dataPath, out string) error {
	w := io.Writer(os.Stdout)
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	sums, gens, err := verl.RescoreFiles(gensPath, dataPath, w)
	if err != nil {
		return err
	}
	matched := 0
	for _, s := range sums {
		matched += s.N
		fmt.Fprintf(os.Stderr, "rlvrworld verify: %s: %d lines, mean score %.4f (verl recorded %.4f)\n", s.DataSource, s.N, s.Mean["score"], s.VerlScore)
	}
	fmt.Fprintf(os.Stderr, "rlvrworld verify: %d of %d generations matched a row of %s and were scored\n", matched, gens, dataPath)
	return nil
}

// runDataVerl is `rlvrworld data --format verl|jsonl ...`: verl's RL dataset
// schema as parquet (verl) or JSON lines (jsonl).
func runDataVerl(args []string) int {
	fs := flag.NewFlagSet("data", flag.ContinueOnError)
	task := fs.String("task", "", "task name: textgame or web")
	split := fs.String("split", "train", "split: train, val, test or heldout")
	n := fs.Int("n", 100, "number of examples")
	seed := fs.Int64("seed", 0, "random seed")
	out := fs.String("out", "", "output file (required for parquet; default stdout for jsonl)")
	format := fs.String("format", "verl", "verl (parquet) or jsonl (verl's schema, one JSON row per line)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: rlvrworld data --task {textgame|web} --split S --n N --format verl --out FILE.parquet\n       rlvrworld data --task {textgame|web} --split S --n N --format jsonl [--out FILE.jsonl]")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *task == "" || fs.NArg() > 0 || (*format != "verl" && *format != "jsonl") || (*format == "verl" && *out == "") {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := writeVerlData(ctx, *task, envs.Split(*split), *n, *seed, *format, *out); err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld data: %v\n", err)
		return 1
	}
	return 0
}

func writeVerlData(ctx context.Context, taskName string, split envs.Split, n int, seed int64, format, out string) error {
	if _, err := verl.DataSource(taskName); err != nil {
		return err
	}
	t, err := tasks.New(taskName)
	if err != nil {
		return err
	}
	if format == "jsonl" && out == "" {
		return verl.WriteDataset(ctx, os.Stdout, t, split, n, seed, format)
	}
	// A failed export never leaves a truncated parquet file where verl reads.
	return atomicfile.Write(out, func(w io.Writer) error { return verl.WriteDataset(ctx, w, t, split, n, seed, format) })
}
