package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/rlvrworld/rlvrworld/gpu"
	"github.com/rlvrworld/rlvrworld/gpu/cpu"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

func init() {
	registerBench("train", "fwd+bwd+AdamW tokens/s of the world model, with the sgemm anchor", benchTrain)
	registerBench("sample", "batched KV-cache decoding: tokens/s and per-token cost by position", benchSample)
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
func blasCore(backend string) string {
	if strings.HasPrefix(backend, "cpu/") {
		return cpu.BLASCore()
	}
	return ""
}

type trainReport struct {
	Config         nn.Config `json:"config"`
	Backend        string    `json:"backend"`
	BLASCore       string    `json:"blas_core,omitempty"`
	Threads        int       `json:"threads"`
	Params         int       `json:"params"`
	Batch          int       `json:"batch"`
	Steps          int       `json:"steps"`
	TokensPerSec   float64   `json:"tokens_per_sec"`
	StepMsMedian   float64   `json:"step_ms_median"`
	StepMsMin      float64   `json:"step_ms_min"`
	StepMsMax      float64   `json:"step_ms_max"`
	FwdMsMedian    float64   `json:"fwd_ms_median"`
	BwdMsMedian    float64   `json:"bwd_ms_median"`
	OptMsMedian    float64   `json:"adamw_ms_median"`
	GFLOPPerStep   float64   `json:"model_gflop_per_step"`
	GFLOPS         float64   `json:"achieved_gflops"`
	Sgemm1024      float64   `json:"anchor_sgemm_1024_gflops"`
	SgemmXfmr      float64   `json:"anchor_sgemm_xfmr_4096x1024x256_gflops"`
	SgemmXfmrT     float64   `json:"anchor_sgemm_xfmr_transB_gflops"`
	MFU            float64   `json:"mfu_vs_anchor_1024"`
	MFUPaired      float64   `json:"mfu_paired_median"`
	PeakRSSMiB     float64   `json:"peak_rss_mib"`
	LlmcTokPerSec  float64   `json:"llmc_reference_tokens_per_sec"`
	SpeedupVsLlmc  float64   `json:"speedup_vs_llmc"`
	FinalLoss      float64   `json:"final_loss"`
	FLOPConvention string    `json:"flop_convention"`
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
	r := trainReport{Config: cfg, Backend: be.Name(), BLASCore: blasCore(be.Name()), Threads: runtime.GOMAXPROCS(0), Params: m.NumParams(),
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
	r.LlmcTokPerSec = 760
	r.SpeedupVsLlmc = r.TokensPerSec / 760
	return r, nil
}

type sampleReport struct {
	Config    nn.Config `json:"config"`
	Backend   string    `json:"backend"`
	BLASCore  string    `json:"blas_core,omitempty"`
	Batch     int       `json:"batch"`
	PromptLen int       `json:"prompt_len"`
	NewTokens int       `json:"new_tokens"`
	Runs      int       `json:"runs"`
	// The anchor: decoding reads the whole KV cache every step, so the
	// step cost grows with position at the memory bandwidth measured here.
	StreamGBps float64 `json:"anchor_copy_gbps"`
	// ByKVCache has one entry per cache precision, measured in alternation
	// (run 1 of each, then run 2 of each, ...) so that both see the same
	// load on a shared machine.
	ByKVCache  []decodeFigures `json:"by_kv_cache"`
	PeakRSSMiB float64         `json:"peak_rss_mib"`
}

// decodeFigures is one KV cache precision's decoding speed.
type decodeFigures struct {
	KVCache         string  `json:"kv_cache"`
	TokensPerSec    float64 `json:"tokens_per_sec"`
	StepMsAt64      float64 `json:"step_ms_at_pos_64"`
	StepMsAt512     float64 `json:"step_ms_at_pos_512"`
	PerTokenUsAt64  float64 `json:"per_token_us_at_pos_64"`
	PerTokenUsAt512 float64 `json:"per_token_us_at_pos_512"`
	Ratio512to64    float64 `json:"ratio_512_to_64"`
	KVMBAt64        float64 `json:"kv_cache_mb_read_per_step_at_64"`
	KVMBAt512       float64 `json:"kv_cache_mb_read_per_step_at_512"`
	// The ratio if the extra KV bytes at 512 were read at the copy rate.
	// Not a lower bound: a copy moves every byte twice through the memory
	// bus (read and write), and reading alone goes faster.
	RatioAtCopyRate float64 `json:"ratio_if_kv_read_at_copy_rate"`
	// The sampler's log-probabilities against a float32 Forward over the
	// same tokens (3 rows of the first run): 0 up to summation order for
	// the float32 cache, the rounding's effect for float16 and int8.
	MaxAbsLogpDiff float64 `json:"max_abs_logp_diff_vs_forward"`
}

// streamGBps measures memory bandwidth by copying a 256 MiB buffer on
// GOMAXPROCS goroutines (median of 5), counting the bytes read and written:
// decoding reads its whole KV cache every step at about this rate. copy
// uses the runtime's vectorised memmove, so the figure is not limited by
// scalar Go code.
func streamGBps() float64 {
	src, dst := make([]float32, 64<<20), make([]float32, 64<<20)
	for i := range src {
		src[i] = 1
	}
	copy(dst, src) // touch every page of dst
	W := runtime.GOMAXPROCS(0)
	var ts []float64
	for r := 0; r < 5; r++ {
		t0 := time.Now()
		done := make(chan struct{}, W)
		per := len(src) / W
		for w := 0; w < W; w++ {
			go func(w int) {
				copy(dst[w*per:(w+1)*per], src[w*per:(w+1)*per])
				done <- struct{}{}
			}(w)
		}
		for w := 0; w < W; w++ {
			<-done
		}
		ts = append(ts, time.Since(t0).Seconds())
	}
	return 2 * float64(len(src)*4) / median(ts) / 1e9
}

func benchSample(args []string) (any, error) {
	fs := flag.NewFlagSet("bench sample", flag.ContinueOnError)
	B := fs.Int("B", 64, "batch rows")
	runs := fs.Int("runs", 3, "decoding runs per KV cache precision (the figures are medians over them)")
	kvList := fs.String("kv", "float32,float16,int8", "KV cache precisions to measure, comma-separated")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *runs < 1 {
		return nil, fmt.Errorf("bench sample: -runs must be at least 1")
	}
	var kvs []nn.KVPrecision
	for _, f := range strings.Split(*kvList, ",") {
		kv, err := nn.ParseKVPrecision(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("bench sample: -kv: %w", err)
		}
		kvs = append(kvs, kv)
	}
	cfg := nn.Config{Vocab: 512, MaxSeq: 640, Layers: 4, Dim: 256, Heads: 4, Seed: 1}
	m, err := nn.New(cfg)
	if err != nil {
		return nil, err
	}
	const promptLen, newTok = 8, 528
	rng := rand.New(rand.NewPCG(3, 3))
	prompts := make([][]int, *B)
	for i := range prompts {
		prompts[i] = make([]int, promptLen)
		for j := range prompts[i] {
			prompts[i][j] = rng.IntN(cfg.Vocab)
		}
	}
	// Each run decodes newTok tokens; stamps[s] is when decoding step s
	// finished, and the step that feeds the token at position p is step
	// p - promptLen + 1. The step time at a position is the median over
	// the 17 steps around it in every run: single steps on a shared
	// machine vary by tens of percent.
	const window = 8
	at64, at512, totals := make([][]float64, len(kvs)), make([][]float64, len(kvs)), make([][]float64, len(kvs))
	drift := make([]float64, len(kvs))
	for run := 0; run < *runs; run++ {
		for k, kv := range kvs {
			var stamps []time.Time
			t0 := time.Now()
			out, err := m.Sample(context.Background(), prompts, nn.SampleOptions{MaxNew: newTok, Temperature: 1, Stop: -1,
				Seed: int64(run + 1), KV: kv, OnStep: func(int) { stamps = append(stamps, time.Now()) }})
			if err != nil {
				return nil, err
			}
			totals[k] = append(totals[k], time.Since(t0).Seconds())
			if len(stamps) < 512-promptLen+window+1 {
				return nil, fmt.Errorf("sampler took %d steps, want at least %d", len(stamps), 512-promptLen+window+1)
			}
			steps := func(pos int) (ds []float64) {
				for s := pos - promptLen - window; s <= pos-promptLen+window; s++ {
					ds = append(ds, stamps[s].Sub(stamps[s-1]).Seconds())
				}
				return ds
			}
			at64[k], at512[k] = append(at64[k], steps(64)...), append(at512[k], steps(512)...)
			if run == 0 {
				drift[k] = logpDrift(m, prompts[:3], out[:3])
			}
		}
	}
	r := sampleReport{Config: cfg, Backend: m.Backend(), BLASCore: blasCore(m.Backend()), Batch: *B, PromptLen: promptLen,
		NewTokens: newTok, Runs: *runs, StreamGBps: streamGBps()}
	for k, kv := range kvs {
		f := decodeFigures{KVCache: kv.String(), TokensPerSec: float64(*B*newTok) / median(totals[k])}
		f.StepMsAt64, f.StepMsAt512 = median(at64[k])*1e3, median(at512[k])*1e3
		f.PerTokenUsAt64, f.PerTokenUsAt512 = f.StepMsAt64*1e3/float64(*B), f.StepMsAt512*1e3/float64(*B)
		f.Ratio512to64 = f.StepMsAt512 / f.StepMsAt64
		bytes := 4.0 // per cached element: K and V, every layer, every row
		switch kv {
		case nn.KVFloat16:
			bytes = 2
		case nn.KVInt8: // one byte, and a float32 scale per head's vector
			bytes = 1 + 4/float64(cfg.Dim/cfg.Heads)
		}
		mb := func(pos int) float64 {
			return float64(*B) * float64(cfg.Layers) * 2 * float64(pos) * float64(cfg.Dim) * bytes / 1e6
		}
		f.KVMBAt64, f.KVMBAt512 = mb(64), mb(512)
		f.RatioAtCopyRate = (f.StepMsAt64 + (f.KVMBAt512-f.KVMBAt64)/1e3/r.StreamGBps*1e3) / f.StepMsAt64
		f.MaxAbsLogpDiff = drift[k]
		r.ByKVCache = append(r.ByKVCache, f)
	}
	r.PeakRSSMiB = peakRSSMiB()
	return r, nil
}

// logpDrift is the largest |sampler logp - Forward logp| over the samples.
func logpDrift(m *nn.Model, prompts [][]int, out []nn.Sample) float64 {
	worst := 0.0
	for i, s := range out {
		seq := append(append([]int(nil), prompts[i]...), s.Tokens...)
		lp, _ := m.Forward(&nn.Batch{B: 1, T: len(seq) - 1, Inputs: seq[:len(seq)-1], Targets: seq[1:]})
		for j, l := range s.LogProbs {
			worst = max(worst, math.Abs(float64(l-lp[len(prompts[i])-1+j])))
		}
	}
	return worst
}
