package main

// verl integration (issue 10): `rlvrworld verify --serve`, `rlvrworld verify
// --generations`, `rlvrworld data --format verl|jsonl` and `rlvrworld bench
// verl`. data.go and verify.go only dispatch here.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/rlvrworld/rlvrworld/internal/verifyserver"
	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/verl"
)

func init() {
	registerBench("verl", "verifier service load test over loopback (requests/s, p99)", func(args []string) (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		return benchVerl(ctx, args)
	})
}

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
	if !serveIsLoopback(host) && *token == "" {
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
	rows, err := verl.LoadRows(dataPath)
	if err != nil {
		return err
	}
	gens, err := verl.LoadGenerations(gensPath)
	if err != nil {
		return err
	}
	sc, err := verl.NewScorer()
	if err != nil {
		return err
	}
	w := io.Writer(os.Stdout)
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	res := sc.Rescore(gens, rows)
	for _, r := range res {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	sums := verl.Summarize(res)
	matched := 0
	for _, s := range sums {
		matched += s.N
		fmt.Fprintf(os.Stderr, "rlvrworld verify: %s: %d lines, mean score %.4f (verl recorded %.4f)\n", s.DataSource, s.N, s.Mean["score"], s.VerlScore)
	}
	fmt.Fprintf(os.Stderr, "rlvrworld verify: %d of %d generations matched a row of %s and were scored\n", matched, len(gens), dataPath)
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
	switch split {
	case envs.Train, envs.Val, envs.Test, envs.Heldout:
	default:
		return fmt.Errorf("unknown split %q (want train, val, test or heldout)", split)
	}
	if n < 0 {
		return fmt.Errorf("--n must be >= 0, not %d", n)
	}
	t, err := lookupTask(taskName)
	if err != nil {
		return err
	}
	exs, err := t.Generate(ctx, split, n, seed)
	if err != nil {
		return fmt.Errorf("generate %s/%s: %w", taskName, split, err)
	}
	rows, err := verl.Rows(t, exs)
	if err != nil {
		return err
	}
	if format == "jsonl" && out == "" {
		return verl.WriteJSONL(os.Stdout, rows)
	}
	// Write to a temporary name and rename, so a failed export never leaves
	// a truncated parquet file where verl would read it.
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if format == "verl" {
		err = verl.WriteParquet(f, rows)
	} else {
		err = verl.WriteJSONL(f, rows)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, out)
}

// verlBench is the JSON report of `rlvrworld bench verl`.
type verlBench struct {
	// Single is one HTTP request per answer (verl's naive and rate_limited
	// managers call compute_score once per answer).
	Single *verifyserver.LoadReport `json:"single"`
	// Batch sends the same answers in batches of BatchSize (the batch
	// reward manager); its rate counts answers, not requests.
	Batch          *verifyserver.LoadReport `json:"batch"`
	BatchSize      int                      `json:"batch_size"`
	BatchScoresPS  float64                  `json:"batch_scores_per_sec"`
	InProcessPS    float64                  `json:"anchor_in_process_scores_per_sec"`
	TargetScoresPS float64                  `json:"target_scores_per_sec"`
	Mix            string                   `json:"mix"`
	GOMAXPROCS     int                      `json:"gomaxprocs"`
	NumCPU         int                      `json:"num_cpu"`
	// LoadAvg is the machine's 1-minute load average when the run ended
	// (from /proc/loadavg; 0 where unavailable): on a shared machine it
	// says how much of the cores the run really had.
	LoadAvg float64 `json:"loadavg_1m"`
	// CPUMicrosPerRequest is the process's CPU time (user+sys, server and
	// client together) per single request, from getrusage: a figure that
	// does not depend on how busy the machine is.
	CPUMicrosPerRequest float64 `json:"cpu_us_per_request"`
	// CPUBoundPerSec is NumCPU / CPUMicrosPerRequest: the single-request
	// rate the cores would sustain if the run had them to itself.
	CPUBoundPerSec float64 `json:"cpu_bound_requests_per_sec"`
	Note           string  `json:"note"`
}

// benchVerl starts the service in this process on a loopback port and
// loads it with at most 1,000 single requests (and the same answers in
// batches), client and server sharing the machine's cores.
func benchVerl(ctx context.Context, args []string) (*verlBench, error) {
	fs := flag.NewFlagSet("bench verl", flag.ContinueOnError)
	nreq := fs.Int("n", 1000, "requests (at most 1000)")
	conc := fs.Int("c", 16, "client connections")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *nreq < 1 || *nreq > 1000 {
		return nil, fmt.Errorf("-n must be in 1..1000, not %d", *nreq)
	}
	sc, err := verl.NewScorer()
	if err != nil {
		return nil, err
	}
	// verl samples G answers per prompt: 200 prompts x 5 answers, half
	// textgame and half web; per prompt one truth, two truths with a
	// changed character, one truncated answer and one non-answer.
	var reqs []verl.Request
	for _, task := range []string{"textgame", "web"} {
		t, err := lookupTask(task)
		if err != nil {
			return nil, err
		}
		exs, err := t.Generate(ctx, envs.Test, (*nreq+9)/10, 11)
		if err != nil {
			return nil, err
		}
		rows, err := verl.Rows(t, exs)
		if err != nil {
			return nil, err
		}
		r := rand.New(rand.NewPCG(5, 6))
		for _, row := range rows {
			gt := row.RewardModel.GroundTruth
			mut := func() string {
				b := []byte(gt)
				b[r.IntN(len(b))] = byte('a' + r.IntN(26))
				return string(b)
			}
			for _, ans := range []string{gt, mut(), mut(), gt[:len(gt)/2], "I am not sure what happens next."} {
				reqs = append(reqs, verl.Request{DataSource: row.DataSource, SolutionStr: ans, GroundTruth: gt, ExtraInfo: row.ExtraInfo})
			}
		}
	}
	reqs = reqs[:min(len(reqs), *nreq)]
	bodies := make([][]byte, len(reqs))
	for i := range reqs {
		if bodies[i], err = json.Marshal(reqs[i]); err != nil {
			return nil, err
		}
	}
	rep := &verlBench{TargetScoresPS: 2000, GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(), BatchSize: 100,
		Mix:  "200 prompts x 5 answers (truth, 2 one-character edits, truncated, non-answer), half textgame half web",
		Note: "server and load client run in one process on the same cores, over loopback HTTP/1.1 keep-alive"}

	// Anchor: the same scoring without HTTP, sequential, warm cache.
	for _, q := range reqs {
		sc.Score(q)
	}
	t0 := time.Now()
	for _, q := range reqs {
		sc.Score(q)
	}
	rep.InProcessPS = float64(len(reqs)) / time.Since(t0).Seconds()

	srvCtx, stop := context.WithCancel(ctx)
	defer stop()
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- verifyserver.ListenAndServe(srvCtx, "127.0.0.1:0", verifyserver.New(sc, verifyserver.Options{}), func(a string) { addrc <- a })
	}()
	var base string
	select {
	case base = <-addrc:
	case err := <-errc:
		return nil, err
	}
	base = "http://" + base
	// Warm up connections and the example cache (verl's G answers per
	// prompt hit the same cached example too).
	if _, err := verifyserver.LoadTest(ctx, base+"/v1/score", bodies[:min(len(bodies), 100)], *conc); err != nil {
		return nil, err
	}
	cpu0 := cpuTime()
	if rep.Single, err = verifyserver.LoadTest(ctx, base+"/v1/score", bodies, *conc); err != nil {
		return nil, err
	}
	if used := cpuTime() - cpu0; used > 0 {
		rep.CPUMicrosPerRequest = float64(used.Microseconds()) / float64(len(bodies))
		rep.CPUBoundPerSec = float64(rep.NumCPU) * 1e6 / rep.CPUMicrosPerRequest
	}
	var batches [][]byte
	for i := 0; i < len(reqs); i += rep.BatchSize {
		b, err := json.Marshal(map[string]any{"items": reqs[i:min(i+rep.BatchSize, len(reqs))]})
		if err != nil {
			return nil, err
		}
		batches = append(batches, b)
	}
	if rep.Batch, err = verifyserver.LoadTest(ctx, base+"/v1/score/batch", batches, 2); err != nil {
		return nil, err
	}
	rep.BatchScoresPS = float64(len(reqs)) / rep.Batch.Seconds
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscanf(string(b), "%f", &rep.LoadAvg)
	}
	if rep.Single.Errors > 0 || rep.Batch.Errors > 0 {
		return rep, fmt.Errorf("load test had errors: %s %s", rep.Single.FirstErrorMsg, rep.Batch.FirstErrorMsg)
	}
	return rep, nil
}

// cpuTime is the process's user+sys CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
