package verifyserver

// The service's load test (`rlvrworld bench verl`): requests per second and
// latency over loopback HTTP, with in-process scoring of the same answers
// as the same-run anchor. The command line only parses flags into
// BenchOptions.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
	"github.com/rlvrworld/rlvrworld/stdlib/verl"
)

// Bench is the JSON report of RunBench (`rlvrworld bench verl`).
type Bench struct {
	// Single is one HTTP request per answer (verl's naive and rate_limited
	// managers call compute_score once per answer).
	Single *LoadReport `json:"single"`
	// Batch sends the same answers in batches of BatchSize (the batch
	// reward manager); its rate counts answers, not requests.
	Batch          *LoadReport `json:"batch"`
	BatchSize      int         `json:"batch_size"`
	BatchScoresPS  float64     `json:"batch_scores_per_sec"`
	InProcessPS    float64     `json:"anchor_in_process_scores_per_sec"`
	TargetScoresPS float64     `json:"target_scores_per_sec"`
	Mix            string      `json:"mix"`
	GOMAXPROCS     int         `json:"gomaxprocs"`
	NumCPU         int         `json:"num_cpu"`
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

// BenchOptions size RunBench.
type BenchOptions struct {
	// N is the number of single requests, 1 to 1000 (1000); Conc the
	// client connections (16).
	N, Conc int
}

// RunBench starts the service in this process on a loopback port and
// loads it with at most 1,000 single requests (and the same answers in
// batches), client and server sharing the machine's cores. The anchor is
// the same scoring without HTTP, in the same run.
func RunBench(ctx context.Context, o BenchOptions) (*Bench, error) {
	if o.N == 0 {
		o.N = 1000
	}
	if o.Conc == 0 {
		o.Conc = 16
	}
	if o.N < 1 || o.N > 1000 {
		return nil, fmt.Errorf("-n must be in 1..1000, not %d", o.N)
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
		t, err := tasks.New(task)
		if err != nil {
			return nil, err
		}
		exs, err := t.Generate(ctx, envs.Test, (o.N+9)/10, 11)
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
	reqs = reqs[:min(len(reqs), o.N)]
	bodies := make([][]byte, len(reqs))
	for i := range reqs {
		if bodies[i], err = json.Marshal(reqs[i]); err != nil {
			return nil, err
		}
	}
	rep := &Bench{TargetScoresPS: 2000, GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(), BatchSize: 100,
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
		errc <- ListenAndServe(srvCtx, "127.0.0.1:0", New(sc, Options{}), func(a string) { addrc <- a })
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
	if _, err := LoadTest(ctx, base+"/v1/score", bodies[:min(len(bodies), 100)], o.Conc); err != nil {
		return nil, err
	}
	cpu0 := cpuTime()
	if rep.Single, err = LoadTest(ctx, base+"/v1/score", bodies, o.Conc); err != nil {
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
	if rep.Batch, err = LoadTest(ctx, base+"/v1/score/batch", batches, 2); err != nil {
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
