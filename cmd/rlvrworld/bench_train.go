package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
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
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

func init() {
	registerBench("train", "fwd+bwd+AdamW tokens/s of the world model, with the sgemm anchor", benchTrain)
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

type trainReport struct {
	Config       nn.Config `json:"config"`
	Backend      string    `json:"backend"`
	BLASCore     string    `json:"blas_core,omitempty"`
	Threads      int       `json:"threads"`
	Params       int       `json:"params"`
	Batch        int       `json:"batch"`
	Steps        int       `json:"steps"`
	TokensPerSec float64   `json:"tokens_per_sec"`
	StepMsMedian float64   `json:"step_ms_median"`
	StepMsMin    float64   `json:"step_ms_min"`
	StepMsMax    float64   `json:"step_ms_max"`
	FwdMsMedian  float64   `json:"fwd_ms_median"`
	BwdMsMedian  float64   `json:"bwd_ms_median"`
	OptMsMedian  float64   `json:"adamw_ms_median"`
	GFLOPPerStep float64   `json:"model_gflop_per_step"`
	GFLOPS       float64   `json:"achieved_gflops"`
	Sgemm1024    float64   `json:"anchor_sgemm_1024_gflops"`
	SgemmXfmr    float64   `json:"anchor_sgemm_xfmr_4096x1024x256_gflops"`
	SgemmXfmrT   float64   `json:"anchor_sgemm_xfmr_transB_gflops"`
	MFU          float64   `json:"mfu_vs_anchor_1024"`
	MFUPaired    float64   `json:"mfu_paired_median"`
	PeakRSSMiB   float64   `json:"peak_rss_mib"`
	// LlmcTokPerSec is llm.c's train_gpt2 at this configuration: measured
	// in this run with --llmc, else a figure from another run, which
	// LlmcSource says (it is not a same-run anchor).
	LlmcTokPerSec  float64 `json:"llmc_tokens_per_sec"`
	LlmcSameRun    bool    `json:"llmc_measured_in_this_run"`
	LlmcSource     string  `json:"llmc_source"`
	SpeedupVsLlmc  float64 `json:"speedup_vs_llmc"`
	FinalLoss      float64 `json:"final_loss"`
	FLOPConvention string  `json:"flop_convention"`
}

func benchTrain(args []string) (any, error) {
	fs := flag.NewFlagSet("bench train", flag.ContinueOnError)
	steps := fs.Int("steps", 10, "timed steps (after 2 warm-up steps)")
	B := fs.Int("B", 8, "batch rows")
	T := fs.Int("T", 256, "sequence length")
	L := fs.Int("L", 4, "layers")
	C := fs.Int("C", 256, "channels")
	NH := fs.Int("NH", 4, "heads")
	V := fs.Int("V", 512, "vocabulary")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the timed steps to this file")
	llmc := fs.String("llmc", "", "a built llm.c train_gpt2 set up for this configuration (same B and T): run it after the timed steps and compare with its median step")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cfg := nn.Config{Vocab: *V, MaxSeq: *T, Layers: *L, Dim: *C, Heads: *NH, Seed: 1}
	m, err := nn.New(cfg)
	if err != nil {
		return nil, err
	}
	be, err := gpu.Default()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(7, 7))
	BT := *B * *T
	batch := &nn.Batch{B: *B, T: *T, Inputs: make([]int, BT), Targets: make([]int, BT)}
	for i := range batch.Inputs {
		batch.Inputs[i] = rng.IntN(*V)
		batch.Targets[i] = rng.IntN(*V)
	}
	dl := make([]float32, BT)
	for i := range dl {
		dl[i] = -1 / float32(BT)
	}
	opt := nn.NewAdamW(nn.AdamWConfig{LR: 1e-4})
	var stepT, fwdT, bwdT, optT, paired []float64
	var loss float64
	flops := (6*float64(m.NumParams())*float64(BT) + 12*float64(*L)*float64(*C)*float64(*T)*float64(BT))
	// One 1024^3 product right after each timed step: the machine's state
	// flips between one and two cores' worth for whole stretches, so each
	// step is compared with an anchor taken seconds apart, not minutes.
	pa, pb, pc := be.Alloc(1<<20), be.Alloc(1<<20), be.Alloc(1<<20)
	for s := 0; s < *steps+2; s++ {
		if s == 2 && *prof != "" {
			f, err := os.Create(*prof)
			if err != nil {
				return nil, err
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				return nil, err
			}
			defer f.Close()
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
			stepT = append(stepT, t3.Sub(t0).Seconds())
			fwdT = append(fwdT, t1.Sub(t0).Seconds())
			bwdT = append(bwdT, t2.Sub(t1).Seconds())
			optT = append(optT, t3.Sub(t2).Seconds())
			ta := time.Now()
			be.Gemm(false, false, 1024, 1024, 1024, 1, pa, 1024, pb, 1024, 0, pc, 1024)
			be.Sync()
			anchor := 2 * float64(1<<30) / time.Since(ta).Seconds()
			paired = append(paired, flops/t3.Sub(t0).Seconds()/anchor)
		}
		loss = 0
		for _, v := range logp {
			loss -= float64(v)
		}
		loss /= float64(BT)
	}
	r := trainReport{Config: cfg, Backend: be.Name(), BLASCore: blasCore(be), Threads: runtime.GOMAXPROCS(0), Params: m.NumParams(),
		Batch: *B, Steps: *steps, FinalLoss: loss}
	r.StepMsMedian = median(stepT) * 1e3
	sort.Float64s(stepT)
	r.StepMsMin, r.StepMsMax = stepT[0]*1e3, stepT[len(stepT)-1]*1e3
	r.FwdMsMedian, r.BwdMsMedian, r.OptMsMedian = median(fwdT)*1e3, median(bwdT)*1e3, median(optT)*1e3
	r.TokensPerSec = float64(BT) / median(stepT)
	// 6ND for the parameter products plus 12*L*C*T per token for the
	// attention products counted in full (the PaLM convention); llm.c's
	// 41.2 GFLOP/step for this configuration is the 6ND part alone.
	r.GFLOPPerStep = flops / 1e9
	r.MFUPaired = median(paired)
	r.FLOPConvention = "6*params*tokens + 12*L*C*T*tokens (attention counted in full)"
	r.GFLOPS = r.GFLOPPerStep / median(stepT)
	r.Sgemm1024 = sgemmAnchor(be, 1024, 1024, 1024, false, 5)
	r.SgemmXfmr = sgemmAnchor(be, 4096, 1024, 256, false, 5)
	r.SgemmXfmrT = sgemmAnchor(be, 4096, 1024, 256, true, 5)
	r.MFU = r.GFLOPS / r.Sgemm1024
	r.PeakRSSMiB = peakRSSMiB()
	r.LlmcTokPerSec, r.LlmcSource = llmcOtherRun, llmcOtherRunSource
	if *llmc != "" {
		ms, err := llmcStepMs(*llmc)
		if err != nil {
			return nil, err
		}
		r.LlmcTokPerSec, r.LlmcSameRun = float64(BT)/(ms/1e3), true
		r.LlmcSource = fmt.Sprintf("measured in this run: %s, median of its steps after the first (%.1f ms)", *llmc, ms)
	}
	r.SpeedupVsLlmc = r.TokensPerSec / r.LlmcTokPerSec
	return r, nil
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
func llmcStepMs(path string) (float64, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(abs)
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
