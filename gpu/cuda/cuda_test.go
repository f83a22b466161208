//go:build cuda || cudaemu

package cuda

// With the build tag cuda these tests need a CUDA GPU (make test-gpu): a
// test binary linked with gorgonia.org/cu exits in init without a driver,
// and with a driver but no usable device every test fails in openCUDA;
// nothing is skipped. With the build tag cudaemu the same tests run the
// same kernels and host code on the CPU emulator (make cuda-check, part of
// make test), on smaller shapes (see emulated).

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"unsafe"

	"github.com/rlvrworld/rlvrworld/gpu"
	"github.com/rlvrworld/rlvrworld/gpu/cpu"
	"github.com/rlvrworld/rlvrworld/gpu/gputest"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

var (
	openOnce sync.Once
	shared   *Backend
	openErr  error
)

// openCUDA returns one backend for the whole run: New compiles the kernels
// (about a second) and Alloc'd memory is never freed.
func openCUDA(t testing.TB) *Backend {
	t.Helper()
	openOnce.Do(func() { shared, openErr = New(0) })
	if openErr != nil {
		t.Fatalf("CUDA backend: %v", openErr)
	}
	return shared
}

// TestConformance holds the backend to the float64 reference, like every
// backend.
func TestConformance(t *testing.T) {
	be := openCUDA(t)
	t.Logf("backend %s", be.Name())
	gputest.Run(t, be)
}

// TestFree releases buffers and checks that their range no longer counts
// as device memory, while a neighbour still does.
func TestFree(t *testing.T) {
	g := openCUDA(t)
	x, y := g.Alloc(1000), g.Alloc(10)
	x[3], y[9] = 1, 2
	n := len(g.regions)
	g.Free(x)
	if len(g.regions) != n-1 {
		t.Fatalf("%d regions after Free, want %d", len(g.regions), n-1)
	}
	if !g.managed(uintptr(unsafe.Pointer(&y[0])), 40) {
		t.Fatal("the other buffer is no longer known after Free")
	}
	g.Scale(y, 2)
	g.Sync()
	if y[9] != 4 {
		t.Fatalf("y[9] = %g after Scale(2) following a Free, want 4", y[9])
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Free of a sub-slice did not panic")
		}
	}()
	g.Free(y[1:])
}

// pair holds one operand on both backends with the same contents. The
// CUDA side is managed memory, or, when host is set, ordinary Go memory,
// which exercises the staging path.
type pair struct{ g, c []float32 }

type checker struct {
	t    *testing.T
	g    *Backend
	c    *cpu.Backend
	rng  *rand.Rand
	host bool
}

func (k *checker) rand(n int, scale float64) pair {
	p := pair{c: make([]float32, n)}
	if k.host {
		p.g = make([]float32, n)
	} else {
		p.g = k.g.Alloc(n)
	}
	for i := range p.c {
		v := float32(k.rng.NormFloat64() * scale)
		p.g[i], p.c[i] = v, v
	}
	return p
}

func (k *checker) zeros(n int) pair { return k.rand(n, 0) }

// close compares the CUDA result with the CPU result elementwise with an
// fp32 relative bound: |g-c| <= tol*(|c| + mean|c|). The mean term keeps
// entries that cancel to near zero from demanding more than fp32 gives.
func (k *checker) close(what string, p pair, tol float64) {
	k.t.Helper()
	k.g.Sync()
	var mean float64
	for _, v := range p.c {
		mean += math.Abs(float64(v))
	}
	mean /= float64(max(len(p.c), 1))
	for i, w := range p.c {
		g, w := float64(p.g[i]), float64(w)
		if math.IsNaN(g) || math.Abs(g-w) > tol*(math.Abs(w)+mean)+1e-30 {
			k.t.Fatalf("%s[%d]: cuda %g, cpu %g (tolerance %g of |cpu|+%g)", what, i, g, w, tol, mean)
		}
	}
}

func ints(rng *rand.Rand, n, lo, hi int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(lo + rng.IntN(hi-lo))
	}
	return out
}

const tol = 2e-5

// TestOpsAgainstCPU runs every operation on both backends on fresh random
// inputs per check (three draws per shape), with operands in managed
// memory and, in the "host" variant, in Go memory.
func TestOpsAgainstCPU(t *testing.T) {
	g := openCUDA(t)
	for _, host := range []bool{false, true} {
		t.Run(fmt.Sprintf("host=%v", host), func(t *testing.T) {
			k := &checker{t: t, g: g, c: cpu.New(), rng: rand.New(rand.NewPCG(7, uint64(len(t.Name())))), host: host}
			for draw := 0; draw < 3; draw++ {
				t.Run("Gemm", k.gemm)
				t.Run("Elementwise", k.elementwise)
				t.Run("Embed", k.embed)
				t.Run("Bias", k.bias)
				t.Run("LayerNorm", k.layerNorm)
				t.Run("Gelu", k.gelu)
				t.Run("Attention", k.attention)
				t.Run("AttentionKV", k.attentionKV)
				t.Run("LogSoftmax", k.logSoftmax)
				t.Run("AdamW", k.adamW)
			}
		})
	}
}

func (k *checker) gemm(t *testing.T) {
	k.t = t
	shapes := [][3]int{{1, 1, 1}, {7, 5, 3}, {33, 65, 17}, {4, 4, 0}, {128, 256, 64}, {300, 97, 768}, {64, 50257 / 64, 96}}
	if emulated {
		shapes = shapes[:4]
	}
	for _, s := range shapes {
		m, n, kk := s[0], s[1], s[2]
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			for _, beta := range []float32{0, 1, 0.25} {
				ra, ca := m, kk
				if tr[0] {
					ra, ca = kk, m
				}
				rb, cb := kk, n
				if tr[1] {
					rb, cb = n, kk
				}
				lda, ldb, ldc := ca+2, cb, n+1
				a, b, c := k.rand(max(ra*lda, 1), 1), k.rand(max(rb*ldb, 1), 1), k.rand(m*ldc, 1)
				k.g.Gemm(tr[0], tr[1], m, n, kk, 0.5, a.g, lda, b.g, ldb, beta, c.g, ldc)
				k.c.Gemm(tr[0], tr[1], m, n, kk, 0.5, a.c, lda, b.c, ldb, beta, c.c, ldc)
				k.close(fmt.Sprintf("gemm %v trans=%v beta=%v", s, tr, beta), c, tol*math.Sqrt(float64(kk+1)))
			}
		}
	}
}

func (k *checker) elementwise(t *testing.T) {
	k.t = t
	for _, n := range []int{1, 31, 4097, 1 << 20} {
		a, b, out := k.rand(n, 1), k.rand(n, 1), k.rand(n, 1)
		k.g.Add(out.g, a.g, b.g)
		k.c.Add(out.c, a.c, b.c)
		k.close("add", out, 1e-7)
		k.g.Accumulate(out.g, a.g)
		k.c.Accumulate(out.c, a.c)
		k.close("accumulate", out, 1e-7)
		k.g.Scale(out.g, -0.3)
		k.c.Scale(out.c, -0.3)
		k.close("scale", out, 1e-7)
		gs, cs := k.g.SumSquares(a.g), k.c.SumSquares(a.c)
		if math.Abs(gs-cs) > 1e-6*cs {
			t.Fatalf("sumsquares n=%d: cuda %g, cpu %g", n, gs, cs)
		}
		k.g.Zero(out.g)
		k.c.Zero(out.c)
		k.close("zero", out, 0)
	}
}

func (k *checker) embed(t *testing.T) {
	k.t = t
	for _, s := range [][4]int{{1, 1, 8, 3}, {4, 37, 96, 50}, {8, 64, 128, 5}} { // V=5: many repeats
		B, T, C, V := s[0], s[1], s[2], s[3]
		wte, wpe := k.rand(V*C, 1), k.rand(T*C, 1)
		tok := ints(k.rng, B*T, 0, V)
		out := k.rand(B*T*C, 1)
		k.g.EmbedForward(out.g, tok, wte.g, wpe.g, B, T, C)
		k.c.EmbedForward(out.c, tok, wte.c, wpe.c, B, T, C)
		k.close("embed forward", out, 1e-7)
		dout, dwte, dwpe := k.rand(B*T*C, 1), k.rand(V*C, 1), k.rand(T*C, 1)
		k.g.EmbedBackward(dwte.g, dwpe.g, dout.g, tok, B, T, C)
		k.c.EmbedBackward(dwte.c, dwpe.c, dout.c, tok, B, T, C)
		k.close("embed backward dwte", dwte, tol)
		k.close("embed backward dwpe", dwpe, tol)
	}
}

func (k *checker) bias(t *testing.T) {
	k.t = t
	for _, s := range [][2]int{{1, 1}, {37, 33}, {2048, 768}} {
		N, OC := s[0], s[1]
		out, b := k.rand(N*OC, 1), k.rand(OC, 1)
		k.g.BiasForward(out.g, b.g, N, OC)
		k.c.BiasForward(out.c, b.c, N, OC)
		k.close("bias forward", out, 1e-7)
		dout, db := k.rand(N*OC, 1), k.rand(OC, 1)
		k.g.BiasBackward(db.g, dout.g, N, OC)
		k.c.BiasBackward(db.c, dout.c, N, OC)
		k.close("bias backward", db, tol)
	}
}

func (k *checker) layerNorm(t *testing.T) {
	k.t = t
	for _, s := range [][2]int{{1, 8}, {13, 33}, {512, 768}} {
		N, C := s[0], s[1]
		inp, w, b := k.rand(N*C, 2), k.rand(C, 1), k.rand(C, 1)
		out, mean, rstd := k.rand(N*C, 1), k.rand(N, 1), k.rand(N, 1)
		k.g.LayerNormForward(out.g, mean.g, rstd.g, inp.g, w.g, b.g, N, C)
		k.c.LayerNormForward(out.c, mean.c, rstd.c, inp.c, w.c, b.c, N, C)
		k.close("layernorm out", out, tol)
		k.close("layernorm mean", mean, tol)
		k.close("layernorm rstd", rstd, tol)
		dout, dinp, dw, db := k.rand(N*C, 1), k.rand(N*C, 1), k.rand(C, 1), k.rand(C, 1)
		k.g.LayerNormBackward(dinp.g, dw.g, db.g, dout.g, inp.g, w.g, mean.g, rstd.g, N, C)
		k.c.LayerNormBackward(dinp.c, dw.c, db.c, dout.c, inp.c, w.c, mean.c, rstd.c, N, C)
		k.close("layernorm dinp", dinp, 10*tol)
		k.close("layernorm dweight", dw, 10*tol)
		k.close("layernorm dbias", db, tol)
	}
}

func (k *checker) gelu(t *testing.T) {
	k.t = t
	n := 100003
	inp, out := k.rand(n, 3), k.rand(n, 1)
	k.g.GeluForward(out.g, inp.g)
	k.c.GeluForward(out.c, inp.c)
	k.close("gelu forward", out, tol)
	dout, dinp := k.rand(n, 1), k.rand(n, 1)
	k.g.GeluBackward(dinp.g, inp.g, dout.g)
	k.c.GeluBackward(dinp.c, inp.c, dout.c)
	k.close("gelu backward", dinp, tol)
}

func (k *checker) attention(t *testing.T) {
	k.t = t
	shapes := [][4]int{{1, 1, 8, 1}, {2, 17, 48, 3}, {3, 70, 64, 4}, {4, 256, 256, 4}}
	if emulated {
		shapes = shapes[:3]
	}
	for _, s := range shapes {
		B, T, C, NH := s[0], s[1], s[2], s[3]
		qkv := k.rand(B*T*3*C, 1)
		out, att := k.rand(B*T*C, 1), k.rand(B*NH*T*T, 1)
		k.g.AttentionForward(out.g, att.g, qkv.g, B, T, C, NH)
		k.c.AttentionForward(out.c, att.c, qkv.c, B, T, C, NH)
		k.close("attention att", att, tol)
		k.close("attention out", out, tol)
		dout, dqkv := k.rand(B*T*C, 1), k.rand(B*T*3*C, 1)
		k.g.AttentionBackward(dqkv.g, dout.g, qkv.g, att.g, B, T, C, NH)
		k.c.AttentionBackward(dqkv.c, dout.c, qkv.c, att.c, B, T, C, NH)
		k.close("attention dqkv", dqkv, 10*tol)
	}
}

func (k *checker) attentionKV(t *testing.T) {
	k.t = t
	R, C, NH, Tc := 3, 64, 4, 40
	kc, vc := k.zeros(R*Tc*C), k.zeros(R*Tc*C)
	// A prefill of uneven prompts, then decode steps with rows in reverse
	// order, as the sampler issues them.
	pre := []int{5, 1, 12}
	var rows, pos []int32
	for r, n := range pre {
		for i := 0; i < n; i++ {
			rows, pos = append(rows, int32(r)), append(pos, int32(i))
		}
	}
	for step := 0; ; step++ {
		N := len(rows)
		qkv, out := k.rand(N*3*C, 1), k.rand(N*C, 1)
		k.g.AttentionKV(out.g, qkv.g, kc.g, vc.g, rows, pos, N, C, NH, Tc)
		k.c.AttentionKV(out.c, qkv.c, kc.c, vc.c, rows, pos, N, C, NH, Tc)
		k.close(fmt.Sprintf("attentionKV step %d out", step), out, tol)
		k.close(fmt.Sprintf("attentionKV step %d k cache", step), kc, 0)
		k.close(fmt.Sprintf("attentionKV step %d v cache", step), vc, 0)
		rows, pos = rows[:0], pos[:0]
		for r := R - 1; r >= 0; r-- {
			if p := pre[r] + step; p < Tc {
				rows, pos = append(rows, int32(r)), append(pos, int32(p))
			}
		}
		if len(rows) == 0 || step == 30 {
			break
		}
	}
}

func (k *checker) logSoftmax(t *testing.T) {
	k.t = t
	shapes := [][2]int{{1, 2}, {7, 33}, {300, 1000}, {64, 50257}}
	if emulated {
		shapes = shapes[:3]
	}
	for _, s := range shapes {
		N, V := s[0], s[1]
		probs := k.rand(N*V, 4)
		tg := ints(k.rng, N, -1, V) // -1: a masked row
		logp, ent := k.rand(N, 1), k.rand(N, 1)
		k.g.LogSoftmaxForward(logp.g, ent.g, probs.g, tg, N, V)
		k.c.LogSoftmaxForward(logp.c, ent.c, probs.c, tg, N, V)
		k.close("logsoftmax probs", probs, tol)
		k.close("logsoftmax logp", logp, tol)
		k.close("logsoftmax entropy", ent, tol)
		for _, withEnt := range []bool{false, true} {
			p := k.zeros(N * V)
			copy(p.g, probs.g)
			copy(p.c, probs.c)
			dl := k.rand(N, 1)
			var de pair
			if withEnt {
				de = k.rand(N, 1)
			}
			k.g.LogSoftmaxBackward(p.g, dl.g, de.g, ent.g, tg, N, V)
			k.c.LogSoftmaxBackward(p.c, dl.c, de.c, ent.c, tg, N, V)
			k.close(fmt.Sprintf("logsoftmax backward (entropy %v)", withEnt), p, 10*tol)
		}
	}
}

func (k *checker) adamW(t *testing.T) {
	k.t = t
	n := 300007
	p, g, m, v := k.rand(n, 1), k.rand(n, 0.1), k.rand(n, 0.01), k.rand(n, 0)
	for i := range v.c { // the second moment is non-negative
		v.c[i] = float32(k.rng.Float64() * 1e-3)
		v.g[i] = v.c[i]
	}
	for step := 1; step <= 3; step++ {
		k.g.AdamW(p.g, g.g, m.g, v.g, 1e-3, 0.9, 0.95, 1e-8, 0.01, step)
		k.c.AdamW(p.c, g.c, m.c, v.c, 1e-3, 0.9, 0.95, 1e-8, 0.01, step)
	}
	k.close("adamw params", p, tol)
	k.close("adamw m", m, tol)
	k.close("adamw v", v, tol)
}

// modelPair builds the same model (same seed) on the CPU and on CUDA.
func modelPair(t *testing.T, cfg nn.Config) (mc, mg *nn.Model) {
	g := openCUDA(t)
	c := cpu.New()
	var err error
	gpu.SetDefault(c)
	if mc, err = nn.New(cfg); err != nil {
		t.Fatal(err)
	}
	gpu.SetDefault(g)
	if mg, err = nn.New(cfg); err != nil {
		t.Fatal(err)
	}
	if mg.Backend() != g.Name() {
		t.Fatalf("model on %q, want the CUDA backend", mg.Backend())
	}
	return mc, mg
}

func closeSlices(t *testing.T, what string, g, c []float32, tol float64) {
	t.Helper()
	if len(g) != len(c) {
		t.Fatalf("%s: %d values on CUDA, %d on the CPU", what, len(g), len(c))
	}
	var mean float64
	for _, v := range c {
		mean += math.Abs(float64(v))
	}
	mean /= float64(max(len(c), 1))
	for i := range c {
		d := math.Abs(float64(g[i]) - float64(c[i]))
		if math.IsNaN(float64(g[i])) || d > tol*(math.Abs(float64(c[i]))+mean)+1e-30 {
			t.Fatalf("%s[%d]: cuda %g, cpu %g", what, i, g[i], c[i])
		}
	}
}

// patternBatch is next-token prediction on a fixed cyclic sequence, which
// a small model learns within a few dozen steps.
func patternBatch(B, T, V int, rng *rand.Rand) *nn.Batch {
	b := &nn.Batch{B: B, T: T, Inputs: make([]int, B*T), Targets: make([]int, B*T)}
	for r := 0; r < B; r++ {
		start := rng.IntN(V)
		for t := 0; t < T; t++ {
			b.Inputs[r*T+t] = (start + 3*t) % V
			b.Targets[r*T+t] = (start + 3*t + 3) % V
		}
	}
	b.Targets[B*T-1] = -1 // a masked position
	return b
}

// TestModelAgainstCPU runs the whole model on both backends: forward
// (log-probabilities and entropies), backward (every gradient tensor), a
// short training run (losses step by step), then sampling (greedy and
// seeded top-k) from the trained models.
func TestModelAgainstCPU(t *testing.T) {
	cfg := nn.Config{Vocab: 61, MaxSeq: 64, Layers: 2, Dim: 64, Heads: 4, Seed: 11}
	mc, mg := modelPair(t, cfg)
	rng := rand.New(rand.NewPCG(3, 4))
	B, T, steps, maxNew := 4, 48, 60, 20
	if emulated {
		B, T, steps, maxNew = 2, 24, 8, 10
	}

	b := patternBatch(B, T, cfg.Vocab, rng)
	lc, ec := mc.Forward(b)
	lg, eg := mg.Forward(b)
	closeSlices(t, "forward logp", lg, lc, 1e-4)
	closeSlices(t, "forward entropy", eg, ec, 1e-4)
	dl, de := make([]float32, len(lc)), make([]float32, len(lc))
	for i := range dl {
		dl[i], de[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64()*0.1)
	}
	mc.Backward(dl, de)
	mg.Backward(dl, de)
	gc, gg := mc.Grads(), mg.Grads()
	for name, c := range gc {
		closeSlices(t, "gradient "+name, gg[name], c, 1e-3)
	}

	oc, og := nn.NewAdamW(nn.AdamWConfig{LR: 3e-3}), nn.NewAdamW(nn.AdamWConfig{LR: 3e-3})
	g := openCUDA(t)
	var allocsAfterWarmup int
	for step := 0; step < steps; step++ {
		b := patternBatch(B, T, cfg.Vocab, rng)
		loss := func(m *nn.Model, o *nn.AdamW) float64 {
			m.ZeroGrad()
			logp, _ := m.Forward(b)
			n := 0
			for _, tg := range b.Targets {
				if tg >= 0 {
					n++
				}
			}
			dl := make([]float32, len(logp))
			var l float64
			for i, tg := range b.Targets {
				if tg >= 0 {
					dl[i] = -1 / float32(n)
					l -= float64(logp[i]) / float64(n)
				}
			}
			m.Backward(dl, nil)
			o.Step(m)
			return l
		}
		lc, lg := loss(mc, oc), loss(mg, og)
		if math.Abs(lc-lg) > 1e-3*math.Abs(lc)+1e-4 {
			t.Fatalf("training step %d: loss cuda %g, cpu %g", step, lg, lc)
		}
		if step == 1 {
			allocsAfterWarmup = g.deviceAllocs
		}
		if step == steps-1 {
			t.Logf("loss after %d steps: cuda %.4f, cpu %.4f", steps, lg, lc)
		}
	}
	if g.deviceAllocs != allocsAfterWarmup {
		t.Errorf("training steps 3..%d allocated device memory %d times; the pools should make that 0", steps, g.deviceAllocs-allocsAfterWarmup)
	}

	// Host-side paths of the model on device buffers: parameters read
	// back, a checkpoint saved from the GPU model and loaded onto the GPU,
	// and a clone, all giving the CPU model's log-probabilities.
	pc, pg := mc.Params(), mg.Params()
	for name, c := range pc {
		closeSlices(t, "trained parameter "+name, pg[name], c, 2e-2)
	}
	path := t.TempDir() + "/m.safetensors"
	if err := mg.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	ml, _, err := nn.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	probe := patternBatch(B, T, cfg.Vocab, rng)
	want, _ := mc.Forward(probe)
	for what, m := range map[string]*nn.Model{"loaded": ml, "clone": mg.Clone()} {
		if m.Backend() != g.Name() {
			t.Fatalf("%s model on %q, want the CUDA backend", what, m.Backend())
		}
		got, _ := m.Forward(probe)
		closeSlices(t, what+" model logp", got, want, 2e-3)
	}

	prompts := [][]int{{1, 4, 7}, {10}, {20, 23, 26, 29, 32, 35}}
	for _, opts := range []nn.SampleOptions{
		{MaxNew: maxNew, Temperature: 0, Stop: -1},
		{MaxNew: maxNew, Temperature: 1, TopK: 5, Stop: -1, Seed: 99},
	} {
		sc, err := mc.Sample(context.Background(), prompts, opts)
		if err != nil {
			t.Fatal(err)
		}
		sg, err := mg.Sample(context.Background(), prompts, opts)
		if err != nil {
			t.Fatal(err)
		}
		for r := range prompts {
			if fmt.Sprint(sg[r].Tokens) != fmt.Sprint(sc[r].Tokens) {
				t.Fatalf("sample (temperature %v) row %d: cuda %v, cpu %v", opts.Temperature, r, sg[r].Tokens, sc[r].Tokens)
			}
			closeSlices(t, fmt.Sprintf("sample row %d log-probs", r), sg[r].LogProbs, sc[r].LogProbs, 1e-3)
		}
	}
}

// BenchmarkTrainStep times one forward+backward+AdamW step of a GPT-2
// small-like layer stack on the GPU (go test -bench; the JSON figures come
// from `rlvrworld-cuda bench train`).
func BenchmarkTrainStep(b *testing.B) {
	g := openCUDA(b)
	gpu.SetDefault(g)
	cfg := nn.Config{Vocab: 50257, MaxSeq: 256, Layers: 12, Dim: 768, Heads: 12, Seed: 1}
	m, err := nn.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	o := nn.NewAdamW(nn.AdamWConfig{LR: 1e-4})
	rng := rand.New(rand.NewPCG(1, 1))
	batch := &nn.Batch{B: 4, T: 256, Inputs: make([]int, 4*256), Targets: make([]int, 4*256)}
	for i := range batch.Inputs {
		batch.Inputs[i], batch.Targets[i] = rng.IntN(cfg.Vocab), rng.IntN(cfg.Vocab)
	}
	dl := make([]float32, 4*256)
	for i := range dl {
		dl[i] = -1.0 / float32(len(dl))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.ZeroGrad()
		m.Forward(batch)
		m.Backward(dl, nil)
		o.Step(m)
	}
	b.ReportMetric(float64(b.N*len(dl))/b.Elapsed().Seconds(), "tokens/s")
}
