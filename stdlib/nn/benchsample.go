package nn

// The decoding benchmark (`rlvrworld bench sample`): batched KV-cache
// sampling in tokens per second and the per-token cost by position, with
// the machine's memory bandwidth as the same-run anchor. The command line
// only parses flags into SampleBenchOptions.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/rlvrworld/rlvrworld/gpu"
	"github.com/rlvrworld/rlvrworld/internal/hugepage"
)

// SampleBenchOptions size BenchSample.
type SampleBenchOptions struct {
	// B is the batch rows (64) and Runs the decoding runs per KV cache
	// precision (3; the figures are medians over them).
	B, Runs int
	// KV lists the KV cache precisions to measure (float32, float16, int8).
	KV []KVPrecision
}

// sampleBenchConfig is bench train's model, with room for 640 positions.
var sampleBenchConfig = Config{Vocab: 512, MaxSeq: 640, Layers: 4, Dim: 256, Heads: 4, Seed: 1}

// SampleBench is the JSON report of BenchSample (`rlvrworld bench sample`).
type SampleBench struct {
	Config    Config `json:"config"`
	Backend   string `json:"backend"`
	BLASCore  string `json:"blas_core,omitempty"`
	Batch     int    `json:"batch"`
	PromptLen int    `json:"prompt_len"`
	NewTokens int    `json:"new_tokens"`
	Runs      int    `json:"runs"`
	// The anchors: decoding reads the whole KV cache every step, so the
	// step cost grows with position at the memory bandwidth measured here,
	// by a copy (bytes read and written) and by reading alone.
	StreamGBps float64 `json:"anchor_copy_gbps"`
	ReadGBps   float64 `json:"anchor_read_gbps"`
	// ByKVCache has one entry per cache precision, measured in alternation
	// (run 1 of each, then run 2 of each, ...) so that all see the same
	// load on a shared machine.
	ByKVCache  []DecodeFigures `json:"by_kv_cache"`
	PeakRSSMiB float64         `json:"peak_rss_mib"`
}

// DecodeFigures is one KV cache precision's decoding speed.
type DecodeFigures struct {
	KVCache      string  `json:"kv_cache"`
	TokensPerSec float64 `json:"tokens_per_sec"`
	// The step costs are medians over the timed steps of pairedSteps
	// (positions 32 to 95 and 480 to 543), and Ratio512to64 is the median
	// over the pairs of adjacent blocks, RatioSpread its quartiles.
	StepMsAt64      float64    `json:"step_ms_at_pos_64"`
	StepMsAt512     float64    `json:"step_ms_at_pos_512"`
	PerTokenUsAt64  float64    `json:"per_token_us_at_pos_64"`
	PerTokenUsAt512 float64    `json:"per_token_us_at_pos_512"`
	Ratio512to64    float64    `json:"ratio_512_to_64"`
	RatioSpread     [2]float64 `json:"ratio_512_to_64_quartiles"`
	// The ratio of the two medians, as earlier reports gave it: more
	// exposed to the machine's drift than the paired Ratio512to64.
	RatioOfMedians float64 `json:"ratio_of_median_steps"`
	KVMBAt64       float64 `json:"kv_cache_mb_read_per_step_at_64"`
	KVMBAt512      float64 `json:"kv_cache_mb_read_per_step_at_512"`
	// The ratio if the extra KV bytes at 512 were read at the copy rate.
	// Not a lower bound: a copy moves every byte twice through the memory
	// bus (read and write), and reading alone goes faster.
	RatioAtCopyRate float64 `json:"ratio_if_kv_read_at_copy_rate"`
	// The same at the read anchor's rate: about the floor for this machine,
	// since the kernel does little besides streaming the cache.
	RatioAtReadRate float64 `json:"ratio_if_kv_read_at_read_rate"`
	// The sampler's log-probabilities against a float32 Forward over the
	// same tokens (3 rows of the first run): 0 up to summation order for
	// the float32 cache, the rounding's effect for float16 and int8.
	MaxAbsLogpDiff float64 `json:"max_abs_logp_diff_vs_forward"`
}

// streamGBps measures memory bandwidth by copying a 256 MiB buffer,
// counting the bytes read and written. copy uses the runtime's vectorised
// memmove, so the figure is not limited by scalar Go code. The buffers sit
// on huge pages where the OS allows, as the KV caches do (hugepage.Make).
func streamGBps() float64 {
	src, dst := hugepage.Make[float32](64<<20), hugepage.Make[float32](64<<20)
	for i := range src {
		src[i] = 1
	}
	copy(dst, src) // touch every page of dst
	return parallelGBps(len(src), 2*4*float64(len(src)), func(lo, hi int) { copy(dst[lo:hi], src[lo:hi]) })
}

// readGBps measures the rate of reading alone, which is what decoding does
// to its KV cache: bytes.IndexByte scans a 256 MiB buffer (on huge pages
// where the OS allows, as the caches are) for a byte it does not hold,
// with the runtime's vector code.
func readGBps() float64 {
	buf := hugepage.Make[byte](256 << 20)
	for i := range buf {
		buf[i] = 1 // real pages: untouched ones all map to one zero page
	}
	return parallelGBps(len(buf), float64(len(buf)), func(lo, hi int) {
		if bytes.IndexByte(buf[lo:hi], 0) >= 0 {
			panic("bench: zero byte in the read buffer")
		}
	})
}

// parallelGBps runs op over [0,n) split across GOMAXPROCS goroutines five
// times and returns moved bytes over the median time, in GB/s.
func parallelGBps(n int, moved float64, op func(lo, hi int)) float64 {
	W := runtime.GOMAXPROCS(0)
	per := n / W
	var ts []float64
	for r := 0; r < 5; r++ {
		t0 := time.Now()
		var wg sync.WaitGroup
		for w := 0; w < W; w++ {
			wg.Go(func() { op(w*per, (w+1)*per) })
		}
		wg.Wait()
		ts = append(ts, time.Since(t0).Seconds())
	}
	return moved / median(ts) / 1e9
}

// BenchSample decodes 528 tokens from 8-token prompts of random tokens
// with bench train's model (room for 640 positions), Runs times per KV
// cache precision in alternation, and measures the per-position cost with
// pairedSteps; the anchors are the memory's copy and read rates.
func BenchSample(ctx context.Context, o SampleBenchOptions) (*SampleBench, error) {
	if o.B == 0 {
		o.B = 64
	}
	if o.Runs == 0 {
		o.Runs = 3
	}
	if len(o.KV) == 0 {
		o.KV = []KVPrecision{KVFloat32, KVFloat16, KVInt8, KVK8V16}
	}
	if o.Runs < 1 || o.B < 1 {
		return nil, fmt.Errorf("bench sample: -runs and -B must be at least 1")
	}
	m, err := New(sampleBenchConfig)
	if err != nil {
		return nil, err
	}
	runs, err := sampleRuns(ctx, m, o)
	if err != nil {
		return nil, err
	}
	be, err := gpu.Default() // the backend New chose
	if err != nil {
		return nil, err
	}
	r := &SampleBench{Config: sampleBenchConfig, Backend: m.Backend(), BLASCore: blasCore(be), Batch: o.B,
		PromptLen: samplePromptLen, NewTokens: sampleNewTokens, Runs: o.Runs, StreamGBps: streamGBps(), ReadGBps: readGBps()}
	for k, kv := range o.KV {
		r.ByKVCache = append(r.ByKVCache, runs[k].figures(kv, o.B, r.StreamGBps, r.ReadGBps))
	}
	r.PeakRSSMiB = peakRSSMiB()
	return r, nil
}

// The decoding runs of BenchSample: an 8-token prompt and 528 new tokens,
// as a rollout has.
const samplePromptLen, sampleNewTokens = 8, 528

// kvRuns gathers one KV cache precision's runs: the decoding times, the
// paired steps' times and ratios, and the first run's logp drift.
type kvRuns struct {
	totals, at64, at512, ratios []float64
	drift                       float64
}

// sampleRuns decodes o.Runs times per precision, the precisions in
// alternation (run 1 of each, then run 2 of each, ...), so that all see
// the same load on a shared machine.
func sampleRuns(ctx context.Context, m *Model, o SampleBenchOptions) ([]kvRuns, error) {
	cfg := m.Config()
	rng := rand.New(rand.NewPCG(3, 3))
	prompts := make([][]int, o.B)
	for i := range prompts {
		prompts[i] = make([]int, samplePromptLen)
		for j := range prompts[i] {
			prompts[i][j] = rng.IntN(cfg.Vocab)
		}
	}
	out := make([]kvRuns, len(o.KV))
	for run := 0; run < o.Runs; run++ {
		for k, kv := range o.KV {
			t0 := time.Now()
			samples, err := m.Sample(ctx, prompts, SampleOptions{MaxNew: sampleNewTokens, Temperature: 1, Stop: -1,
				Seed: int64(run + 1), KV: kv})
			if err != nil {
				return nil, err
			}
			out[k].totals = append(out[k].totals, time.Since(t0).Seconds())
			if run == 0 {
				n := min(3, o.B)
				out[k].drift = logpDrift(m, prompts[:n], samples[:n])
			}
			p, err := pairedSteps(ctx, m, o.B, kv, int64(run+1))
			if err != nil {
				return nil, err
			}
			r := &out[k]
			r.at64, r.at512, r.ratios = append(r.at64, p.near...), append(r.at512, p.far...), append(r.ratios, p.ratios...)
		}
	}
	return out, nil
}

// figures summarises one precision's runs, with the KV bytes read per
// step and what the step cost at 512 would be at the anchors' rates.
func (k kvRuns) figures(kv KVPrecision, B int, streamGBps, readGBps float64) DecodeFigures {
	cfg := sampleBenchConfig
	f := DecodeFigures{KVCache: kv.String(), TokensPerSec: float64(B*sampleNewTokens) / median(k.totals)}
	f.StepMsAt64, f.StepMsAt512 = median(k.at64)*1e3, median(k.at512)*1e3
	f.PerTokenUsAt64, f.PerTokenUsAt512 = f.StepMsAt64*1e3/float64(B), f.StepMsAt512*1e3/float64(B)
	f.Ratio512to64 = median(k.ratios)
	f.RatioSpread = [2]float64{quantile(k.ratios, 0.25), quantile(k.ratios, 0.75)}
	f.RatioOfMedians = f.StepMsAt512 / f.StepMsAt64
	bytes := 4.0 // per cached element: K and V, every layer, every row
	switch kv {
	case KVFloat16:
		bytes = 2
	case KVInt8: // one byte, and a float32 scale per head's vector
		bytes = 1 + 4/float64(cfg.Dim/cfg.Heads)
	case KVK8V16: // int8 keys with their scales, float16 values
		bytes = (1 + 4/float64(cfg.Dim/cfg.Heads) + 2) / 2
	}
	mb := func(pos int) float64 {
		return float64(B) * float64(cfg.Layers) * 2 * float64(pos) * float64(cfg.Dim) * bytes / 1e6
	}
	f.KVMBAt64, f.KVMBAt512 = mb(64), mb(512)
	at := func(gbps float64) float64 { return (f.StepMsAt64 + (f.KVMBAt512-f.KVMBAt64)/gbps) / f.StepMsAt64 }
	f.RatioAtCopyRate, f.RatioAtReadRate = at(streamGBps), at(readGBps)
	f.MaxAbsLogpDiff = k.drift
	return f
}

// logpDrift is the largest |sampler logp - Forward logp| over the samples.
func logpDrift(m *Model, prompts [][]int, out []Sample) float64 {
	worst := 0.0
	for i, s := range out {
		seq := append(append([]int(nil), prompts[i]...), s.Tokens...)
		lp, _ := m.Forward(&Batch{B: 1, T: len(seq) - 1, Inputs: seq[:len(seq)-1], Targets: seq[1:]})
		for j, l := range s.LogProbs {
			worst = max(worst, math.Abs(float64(l-lp[len(prompts[i])-1+j])))
		}
	}
	return worst
}

// The paired measure of the per-position cost. On a shared machine the
// speed of a core drifts by tens of percent within seconds, so two figures
// measured a few seconds apart (the step at position 64 early in a decode,
// the step at 512 late in it) give a ratio that swung from 1.08 to 1.81
// between two reports. pairedSteps decodes two batches in alternation
// instead, one prompt ending near position 64 and one near 512, handing
// the core from one to the other every pairBlock steps, so that each
// block at 64 has a block at 512 next to it in time; the ratio is taken
// per pair of blocks.
const (
	pairBlock  = 8 // steps per block; the first of each is a warm-up, not timed
	pairBlocks = 8 // blocks per batch and run
)

// pairedFigures are one paired run's timed steps (seconds) and its
// per-pair ratios (the median step of a block at 512 over that of the
// block at 64 just before it).
type pairedFigures struct {
	near, far, ratios []float64
}

// pairedSteps decodes pairBlocks blocks of B rows around each position, in
// alternation, with the KV cache kv; the two batches never compute at once.
func pairedSteps(ctx context.Context, m *Model, B int, kv KVPrecision, seed int64) (pairedFigures, error) {
	const steps = pairBlock * pairBlocks
	// Steps feed positions start .. start+steps-1, centred on the target.
	starts := [2]int{64 - steps/2, 512 - steps/2}
	times := [2][][]float64{}
	// Batch i computes only while it holds batons[i]; done[i] closes when
	// batch i returns, so that the other never waits for it after that.
	batons := [2]chan struct{}{make(chan struct{}, 1), make(chan struct{}, 1)}
	done := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	errs := [2]error{}
	var wg sync.WaitGroup
	for i := range 2 {
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
		prompts := make([][]int, B)
		for r := range prompts {
			prompts[r] = make([]int, starts[i])
			for j := range prompts[r] {
				prompts[r][j] = rng.IntN(m.Config().Vocab)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			wait := func() {
				select {
				case <-batons[i]:
				case <-done[1-i]:
				}
			}
			wait() // the prefill runs on the baton too
			var block []float64
			t := time.Now()
			_, errs[i] = m.Sample(ctx, prompts, SampleOptions{
				MaxNew: steps + 1, Temperature: 1, Stop: -1, Seed: seed, KV: kv,
				OnStep: func(s int) {
					now := time.Now()
					if (s-1)%pairBlock != 0 { // the first step of a block warms the caches
						block = append(block, now.Sub(t).Seconds())
					}
					if s%pairBlock == 0 {
						times[i] = append(times[i], block)
						block = nil
						batons[1-i] <- struct{}{}
						if s == steps {
							return // this batch is done; its last pick needs no step
						}
						wait()
						now = time.Now()
					}
					t = now
				}})
		}()
	}
	batons[0] <- struct{}{}
	wg.Wait()
	if err := errors.Join(errs[0], errs[1]); err != nil {
		return pairedFigures{}, err
	}
	var p pairedFigures
	if len(times[0]) != pairBlocks || len(times[1]) != pairBlocks {
		return p, fmt.Errorf("paired decode: %d and %d blocks, want %d each", len(times[0]), len(times[1]), pairBlocks)
	}
	for j := range pairBlocks {
		p.near, p.far = append(p.near, times[0][j]...), append(p.far, times[1][j]...)
		p.ratios = append(p.ratios, median(times[1][j])/median(times[0][j]))
	}
	return p, nil
}

// quantile is the q-quantile of xs by linear interpolation between the
// sorted values.
func quantile(xs []float64, q float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	x := q * float64(len(s)-1)
	i := int(x)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (x-float64(i))*(s[i+1]-s[i])
}
