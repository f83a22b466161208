package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rlvrworld/rlvrworld/gpu/gputest"
)

// refLoss is the whole model in float64, built from the gputest reference
// operations: loss = sum_i dl[i]*logp[i] + de[i]*entropy[i].
func refLoss(cfg Config, p map[string][]float64, b *Batch, dl, de []float64) (loss float64, logp []float64) {
	B, T, C, NH, V, L := b.B, b.T, cfg.Dim, cfg.Heads, cfg.Vocab, cfg.Layers
	BT := B * T
	x := make([]float64, BT*C)
	for i := 0; i < BT; i++ {
		for c := 0; c < C; c++ {
			x[i*C+c] = p["wte"][b.Inputs[i]*C+c] + p["wpe"][(i%T)*C+c]
		}
	}
	lin := func(inp, w, bias []float64, IC, OC int) []float64 {
		out := make([]float64, BT*OC)
		gputest.Gemm(false, true, BT, OC, IC, 1, inp, IC, w, IC, 0, out, OC)
		for i := 0; i < BT && bias != nil; i++ {
			for j := 0; j < OC; j++ {
				out[i*OC+j] += bias[j]
			}
		}
		return out
	}
	sl := func(name string, l, n int) []float64 { return p[name][l*n : (l+1)*n] }
	for l := 0; l < L; l++ {
		ln1, _, _ := gputest.LayerNorm(x, sl("ln1w", l, C), sl("ln1b", l, C), BT, C)
		qkv := lin(ln1, sl("qkvw", l, 3*C*C), sl("qkvb", l, 3*C), C, 3*C)
		y, _ := gputest.Attention(qkv, B, T, C, NH)
		ap := lin(y, sl("attprojw", l, C*C), sl("attprojb", l, C), C, C)
		for i := range x {
			x[i] += ap[i]
		}
		ln2, _, _ := gputest.LayerNorm(x, sl("ln2w", l, C), sl("ln2b", l, C), BT, C)
		h := lin(ln2, sl("fcw", l, 4*C*C), sl("fcb", l, 4*C), C, 4*C)
		for i := range h {
			h[i] = gputest.Gelu(h[i])
		}
		fp := lin(h, sl("fcprojw", l, 4*C*C), sl("fcprojb", l, C), 4*C, C)
		for i := range x {
			x[i] += fp[i]
		}
	}
	lnf, _, _ := gputest.LayerNorm(x, p["lnfw"], p["lnfb"], BT, C)
	logits := lin(lnf, p["wte"], nil, C, V)
	tg := make([]int32, BT)
	for i := range tg {
		tg[i] = int32(max(b.Targets[i], -1))
	}
	logp, ent, _ := gputest.LogSoftmax(logits, tg, BT, V)
	for i := range logp {
		loss += dl[i]*logp[i] + de[i]*ent[i]
	}
	return loss, logp
}

func tinyBatch(rng *rand.Rand, cfg Config, B, T int) *Batch {
	b := &Batch{B: B, T: T, Inputs: make([]int, B*T), Targets: make([]int, B*T)}
	for i := range b.Inputs {
		b.Inputs[i] = rng.IntN(cfg.Vocab)
		b.Targets[i] = rng.IntN(cfg.Vocab)
	}
	return b
}

func TestModelGradientsMatchFloat64FiniteDifferences(t *testing.T) {
	cfg := Config{Vocab: 11, MaxSeq: 8, Layers: 2, Dim: 8, Heads: 2, Seed: 7}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	// Larger weights than the 0.02 init, so that every path carries signal.
	for _, v := range m.Params() {
		for i := range v {
			v[i] += float32(rng.NormFloat64() * 0.3)
		}
	}
	b := tinyBatch(rng, cfg, 2, 6)
	b.Targets[3] = -1 // a masked position
	dl, de := make([]float32, 12), make([]float32, 12)
	dl64, de64 := make([]float64, 12), make([]float64, 12)
	for i := range dl {
		dl[i], de[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		dl64[i], de64[i] = float64(dl[i]), float64(de[i])
	}
	p64 := map[string][]float64{}
	for name, v := range m.Params() {
		p64[name] = make([]float64, len(v))
		for i, x := range v {
			p64[name][i] = float64(x)
		}
	}
	logp, _ := m.Forward(b)
	_, refLogp := refLoss(cfg, p64, b, dl64, de64)
	gputest.Close(t, "logp", logp, refLogp, 1e-5, 1e-4)
	m.ZeroGrad()
	m.Backward(dl, de)
	grads := m.Grads()
	const h = 1e-6
	for name, v := range p64 {
		g := grads[name]
		var maxErr, maxG float64
		for i := range v {
			old := v[i]
			v[i] = old + h
			lp, _ := refLoss(cfg, p64, b, dl64, de64)
			v[i] = old - h
			lm, _ := refLoss(cfg, p64, b, dl64, de64)
			v[i] = old
			num := (lp - lm) / (2 * h)
			maxErr = math.Max(maxErr, math.Abs(num-float64(g[i])))
			maxG = math.Max(maxG, math.Abs(num))
		}
		if maxG == 0 {
			t.Errorf("%s: zero gradient everywhere; the check would be vacuous", name)
		}
		if maxErr > 1e-4+2e-3*maxG {
			t.Errorf("%s: max |analytic - finite difference| = %g (max |grad| %g)", name, maxErr, maxG)
		}
	}
}

func TestGradientsAccumulateAndZero(t *testing.T) {
	cfg := Config{Vocab: 9, MaxSeq: 5, Layers: 1, Dim: 4, Heads: 1, Seed: 1}
	m, _ := New(cfg)
	rng := rand.New(rand.NewPCG(2, 2))
	b := tinyBatch(rng, cfg, 1, 5)
	d := []float32{-1, -1, -1, -1, -1}
	m.Forward(b)
	m.Backward(d, nil)
	once := append([]float32(nil), m.Grads()["qkvw"]...)
	m.Forward(b)
	m.Backward(d, nil)
	for i, g := range m.Grads()["qkvw"] {
		if math.Abs(float64(g-2*once[i])) > 1e-5+1e-4*math.Abs(float64(g)) {
			t.Fatalf("grad[%d] after two backwards = %g, want %g", i, g, 2*once[i])
		}
	}
	m.ZeroGrad()
	for _, g := range m.Grads()["qkvw"] {
		if g != 0 {
			t.Fatal("ZeroGrad left a nonzero gradient")
		}
	}
}

func TestConfigAndBatchValidation(t *testing.T) {
	bad := []Config{{}, {Vocab: 10, MaxSeq: 4, Layers: 1, Dim: 6, Heads: 4}, {Vocab: 1, MaxSeq: 4, Layers: 1, Dim: 4, Heads: 1},
		{Vocab: 10, MaxSeq: 0, Layers: 1, Dim: 4, Heads: 1}, {Vocab: 10, MaxSeq: 4, Layers: -1, Dim: 4, Heads: 1}}
	for _, c := range bad {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted an invalid config", c)
		}
	}
	m, err := New(Config{Vocab: 10, MaxSeq: 4, Layers: 1, Dim: 4, Heads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if m.NumParams() != 10*4+4*4+2*4+12*4+12+4*4+4+2*4+16*4+16+4*16+4+2*4 {
		t.Errorf("NumParams = %d", m.NumParams())
	}
	for _, b := range []*Batch{nil, {B: 1, T: 5, Inputs: make([]int, 5), Targets: make([]int, 5)},
		{B: 1, T: 2, Inputs: []int{0}, Targets: []int{0, 1}}, {B: 1, T: 2, Inputs: []int{0, 10}, Targets: []int{0, 1}},
		{B: 1, T: 2, Inputs: []int{0, 1}, Targets: []int{0, 10}}} {
		if m.Check(b) == nil {
			t.Errorf("Check(%+v) accepted a bad batch", b)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Forward on a bad batch did not panic")
			}
		}()
		m.Forward(&Batch{B: 1, T: 1, Inputs: []int{99}, Targets: []int{0}})
	}()
}

func TestInitIsDeterministic(t *testing.T) {
	cfg := Config{Vocab: 20, MaxSeq: 8, Layers: 2, Dim: 8, Heads: 2, Seed: 42}
	a, _ := New(cfg)
	b, _ := New(cfg)
	cfg.Seed = 43
	c, _ := New(cfg)
	pa, pb, pc := a.Params()["qkvw"], b.Params()["qkvw"], c.Params()["qkvw"]
	same := true
	for i := range pa {
		if pa[i] != pb[i] {
			t.Fatal("same seed, different init")
		}
		same = same && pa[i] == pc[i]
	}
	if same {
		t.Fatal("different seeds, same init")
	}
	cl := a.Clone()
	cl.Params()["qkvw"][0] += 1
	if a.Params()["qkvw"][0] == cl.Params()["qkvw"][0] {
		t.Fatal("Clone shares memory with the original")
	}
}

func TestProbsMatchLogp(t *testing.T) {
	m := tinyModel(t)
	b := &Batch{B: 2, T: 3, Inputs: []int{1, 2, 3, 4, 5, 6}, Targets: []int{2, 3, 4, 5, 6, 7}}
	if m.Probs() != nil {
		t.Fatal("Probs before any Forward")
	}
	logp, _ := m.Forward(b)
	p := m.Probs()
	V := m.Config().Vocab
	for i := 0; i < 6; i++ {
		var s float64
		for _, v := range p[i*V : (i+1)*V] {
			s += float64(v)
		}
		if math.Abs(s-1) > 1e-5 || math.Abs(math.Log(float64(p[i*V+b.Targets[i]]))-float64(logp[i])) > 1e-4 {
			t.Fatalf("row %d: sum %g, log p(target) %g vs logp %g", i, s, math.Log(float64(p[i*V+b.Targets[i]])), logp[i])
		}
	}
}
