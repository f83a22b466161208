package nn

// The training benchmark (`rlvrworld bench train`): the model's
// forward+backward+AdamW throughput, with the backend's own matrix product
// as the same-run anchor. The command line only parses flags into
// TrainBenchOptions.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/rlvrworld/rlvrworld/gpu"
	"github.com/rlvrworld/rlvrworld/gpu/cpu"
)

// TrainBenchOptions size BenchTrain. The zero value of a field takes the
// default in its comment: the configuration llm.c's train_gpt2 is compared at.
type TrainBenchOptions struct {
	// Steps is the number of timed steps (10), after 2 warm-up steps.
	Steps int
	// B and T are the batch rows (8) and sequence length (256); L, C, NH
	// and V the layers (4), channels (256), heads (4) and vocabulary (512).
	B, T, L, C, NH, V int
	// CPUProfile, when set, receives a CPU profile of the timed steps.
	CPUProfile io.Writer
	// Llmc is a built llm.c train_gpt2 set up for this configuration (same
	// B and T): run after the timed steps and compared by its median step.
	Llmc string
}

func (o *TrainBenchOptions) defaults() {
	for _, f := range []struct {
		p *int
		d int
	}{{&o.Steps, 10}, {&o.B, 8}, {&o.T, 256}, {&o.L, 4}, {&o.C, 256}, {&o.NH, 4}, {&o.V, 512}} {
		if *f.p == 0 {
			*f.p = f.d
		}
	}
}

// TrainBench is the JSON report of BenchTrain.
type TrainBench struct {
	Config       Config  `json:"config"`
	Backend      string  `json:"backend"`
	BLASCore     string  `json:"blas_core,omitempty"`
	Threads      int     `json:"threads"`
	Params       int     `json:"params"`
	Batch        int     `json:"batch"`
	Steps        int     `json:"steps"`
	TokensPerSec float64 `json:"tokens_per_sec"`
	StepMsMedian float64 `json:"step_ms_median"`
	StepMsMin    float64 `json:"step_ms_min"`
	StepMsMax    float64 `json:"step_ms_max"`
	FwdMsMedian  float64 `json:"fwd_ms_median"`
	BwdMsMedian  float64 `json:"bwd_ms_median"`
	OptMsMedian  float64 `json:"adamw_ms_median"`
	GFLOPPerStep float64 `json:"model_gflop_per_step"`
	GFLOPS       float64 `json:"achieved_gflops"`
	Sgemm1024    float64 `json:"anchor_sgemm_1024_gflops"`
	SgemmXfmr    float64 `json:"anchor_sgemm_xfmr_4096x1024x256_gflops"`
	SgemmXfmrT   float64 `json:"anchor_sgemm_xfmr_transB_gflops"`
	MFU          float64 `json:"mfu_vs_anchor_1024"`
	MFUPaired    float64 `json:"mfu_paired_median"`
	PeakRSSMiB   float64 `json:"peak_rss_mib"`
	// LlmcTokPerSec is llm.c's train_gpt2 at this configuration: measured
	// in this run with Llmc, else a figure from another run, which
	// LlmcSource says (it is not a same-run anchor).
	LlmcTokPerSec  float64 `json:"llmc_tokens_per_sec"`
	LlmcSameRun    bool    `json:"llmc_measured_in_this_run"`
	LlmcSource     string  `json:"llmc_source"`
	SpeedupVsLlmc  float64 `json:"speedup_vs_llmc"`
	FinalLoss      float64 `json:"final_loss"`
	FLOPConvention string  `json:"flop_convention"`
}

// trainTimes are the per-step figures of the timed steps, in seconds, and
// each step's model FLOP rate over a 1024^3 product timed right after it.
type trainTimes struct {
	step, fwd, bwd, opt, paired []float64
	loss                        float64
}

// BenchTrain times forward, backward and AdamW steps of a fresh model on
// random tokens, each step paired with a 1024^3 product of the backend (the
// machine's state flips between one and two cores' worth for whole
// stretches, so each step is compared with an anchor taken seconds apart),
// then the backend's sgemm rates and, with Llmc, llm.c's own step.
func BenchTrain(ctx context.Context, o TrainBenchOptions) (*TrainBench, error) {
	o.defaults()
	cfg := Config{Vocab: o.V, MaxSeq: o.T, Layers: o.L, Dim: o.C, Heads: o.NH, Seed: 1}
	m, err := New(cfg)
	if err != nil {
		return nil, err
	}
	be, err := gpu.Default()
	if err != nil {
		return nil, err
	}
	BT := o.B * o.T
	// 6ND for the parameter products plus 12*L*C*T per token for the
	// attention products counted in full (the PaLM convention); llm.c's
	// 41.2 GFLOP/step for this configuration is the 6ND part alone.
	flops := 6*float64(m.NumParams())*float64(BT) + 12*float64(o.L)*float64(o.C)*float64(o.T)*float64(BT)
	tt, err := timeTrainSteps(ctx, m, be, o, flops)
	if err != nil {
		return nil, err
	}
	r := &TrainBench{Config: cfg, Backend: be.Name(), BLASCore: blasCore(be), Threads: runtime.GOMAXPROCS(0),
		Params: m.NumParams(), Batch: o.B, Steps: o.Steps, FinalLoss: tt.loss}
	r.StepMsMedian = median(tt.step) * 1e3
	sort.Float64s(tt.step)
	r.StepMsMin, r.StepMsMax = tt.step[0]*1e3, tt.step[len(tt.step)-1]*1e3
	r.FwdMsMedian, r.BwdMsMedian, r.OptMsMedian = median(tt.fwd)*1e3, median(tt.bwd)*1e3, median(tt.opt)*1e3
	r.TokensPerSec = float64(BT) / median(tt.step)
	r.GFLOPPerStep = flops / 1e9
	r.MFUPaired = median(tt.paired)
	r.FLOPConvention = "6*params*tokens + 12*L*C*T*tokens (attention counted in full)"
	r.GFLOPS = r.GFLOPPerStep / median(tt.step)
	r.Sgemm1024 = sgemmAnchor(be, 1024, 1024, 1024, false, 5)
	r.SgemmXfmr = sgemmAnchor(be, 4096, 1024, 256, false, 5)
	r.SgemmXfmrT = sgemmAnchor(be, 4096, 1024, 256, true, 5)
	r.MFU = r.GFLOPS / r.Sgemm1024
	r.PeakRSSMiB = peakRSSMiB()
	r.LlmcTokPerSec, r.LlmcSource = llmcOtherRun, llmcOtherRunSource
	if o.Llmc != "" {
		ms, err := llmcStepMs(ctx, o.Llmc)
		if err != nil {
			return nil, err
		}
		r.LlmcTokPerSec, r.LlmcSameRun = float64(BT)/(ms/1e3), true
		r.LlmcSource = fmt.Sprintf("measured in this run: %s, median of its steps after the first (%.1f ms)", o.Llmc, ms)
	}
	r.SpeedupVsLlmc = r.TokensPerSec / r.LlmcTokPerSec
	return r, nil
}

// timeTrainSteps runs 2 warm-up and o.Steps timed training steps of m on
// random tokens, profiling the timed ones when o.CPUProfile is set.
func timeTrainSteps(ctx context.Context, m *Model, be gpu.Backend, o TrainBenchOptions, flops float64) (trainTimes, error) {
	var tt trainTimes
	rng := rand.New(rand.NewPCG(7, 7))
	BT := o.B * o.T
	batch := &Batch{B: o.B, T: o.T, Inputs: make([]int, BT), Targets: make([]int, BT)}
	for i := range batch.Inputs {
		batch.Inputs[i] = rng.IntN(o.V)
		batch.Targets[i] = rng.IntN(o.V)
	}
	dl := make([]float32, BT)
	for i := range dl {
		dl[i] = -1 / float32(BT)
	}
	opt := NewAdamW(AdamWConfig{LR: 1e-4})
	pa, pb, pc := be.Alloc(1<<20), be.Alloc(1<<20), be.Alloc(1<<20)
	for s := 0; s < o.Steps+2; s++ {
		if err := ctx.Err(); err != nil {
			return tt, err
		}
		if s == 2 && o.CPUProfile != nil {
			if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
				return tt, err
			}
			defer pprof.StopCPUProfile()
		}
		t0 := time.Now()
		logp, _ := m.Forward(batch)
		t1 := time.Now()
		m.Backward(dl, nil)
		t2 := time.Now()
		opt.Step(m)
		m.ZeroGrad()
		t3 := time.Now()
		if s >= 2 {
			tt.step = append(tt.step, t3.Sub(t0).Seconds())
			tt.fwd = append(tt.fwd, t1.Sub(t0).Seconds())
			tt.bwd = append(tt.bwd, t2.Sub(t1).Seconds())
			tt.opt = append(tt.opt, t3.Sub(t2).Seconds())
			// The anchor is the second of two products: the first one's
			// speed depends on how the step ended (after the Go AdamW loop
			// it ran 10% faster than after the AVX2 one), the second's
			// does not.
			be.Gemm(false, false, 1024, 1024, 1024, 1, pa, 1024, pb, 1024, 0, pc, 1024)
			be.Sync()
			ta := time.Now()
			be.Gemm(false, false, 1024, 1024, 1024, 1, pa, 1024, pb, 1024, 0, pc, 1024)
			be.Sync()
			anchor := 2 * float64(1<<30) / time.Since(ta).Seconds()
			tt.paired = append(tt.paired, flops/t3.Sub(t0).Seconds()/anchor)
		}
		tt.loss = 0
		for _, v := range logp {
			tt.loss -= float64(v)
		}
		tt.loss /= float64(BT)
	}
	return tt, nil
}

// sgemmAnchor measures the backend's matrix product in GFLOP/s (median of
// reps) on an (m,k)x(k,n) product, op(B) transposed or not: the ceiling the
// model's throughput is compared with, taken in the same run because these
// machines flip between a one-core and a two-core state.
func sgemmAnchor(be gpu.Backend, m, n, k int, transB bool, reps int) float64 {
	a, b, c := be.Alloc(m*k), be.Alloc(k*n), be.Alloc(m*n)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range a {
		a[i] = rng.Float32()
	}
	for i := range b {
		b[i] = rng.Float32()
	}
	ldb := n
	if transB {
		ldb = k
	}
	var ts []float64
	for r := 0; r < reps+1; r++ {
		t0 := time.Now()
		be.Gemm(false, transB, m, n, k, 1, a, k, b, ldb, 0, c, n)
		be.Sync()
		if r > 0 { // the first run warms caches and page tables
			ts = append(ts, time.Since(t0).Seconds())
		}
	}
	return 2 * float64(m) * float64(n) * float64(k) / median(ts) / 1e9
}

// median is the middle value of xs (the mean of the two middle ones for an
// even count), 0 for none.
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// peakRSSMiB is the process's peak resident memory, -1 where unknown.
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}

// blasCore is cpu.BLASCore for the CPU backend, "" for the others.
func blasCore(be gpu.Backend) string {
	if _, ok := be.(*cpu.Backend); ok {
		return cpu.BLASCore()
	}
	return ""
}

// llmcOtherRun is llm.c's rate at bench train's default configuration from
// another run (BENCHMARKS.md): it is no same-run anchor, and the report says so.
const (
	llmcOtherRun       = 1060
	llmcOtherRunSource = "another run, not this one: llm.c train_gpt2 at this configuration ran at 1,050 to 1,070 tokens/s " +
		"on 2026-12-06 on an AMD EPYC of this kind (BENCHMARKS.md); pass --llmc PATH to measure it in the same run"
)

// llmcStepRE matches llm.c train_gpt2's step lines, "step 3: train loss
// 5.1 (took 1923.4 ms)".
var llmcStepRE = regexp.MustCompile(`step\s+\d+: train loss \S+ \(took ([0-9.]+) ms\)`)

// llmcStepMs runs a built llm.c train_gpt2 in its own directory (it reads
// its data and checkpoint files from there) and returns the median time of
// its steps after the first.
func llmcStepMs(ctx context.Context, path string) (float64, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, err
	}
	cmd := exec.CommandContext(ctx, abs)
	cmd.Dir = filepath.Dir(abs)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("llm.c %s: %w\n%s", path, err, out)
	}
	var ms []float64
	for _, m := range llmcStepRE.FindAllSubmatch(out, -1) {
		v, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			return 0, fmt.Errorf("llm.c %s: step time %q: %w", path, m[1], err)
		}
		ms = append(ms, v)
	}
	if len(ms) < 2 {
		return 0, fmt.Errorf("llm.c %s: found %d step lines (\"step N: train loss X (took Y ms)\"), need at least 2", path, len(ms))
	}
	return median(ms[1:]), nil
}
