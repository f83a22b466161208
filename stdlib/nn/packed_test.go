package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// groupedBatch is a GRPO-like batch: groups of G rows with one prompt of P
// tokens each and responses of several lengths (padding after them has no
// target), with Shared marking the prompt positions P-1 rows share, and
// loss gradients on the responses only.
func groupedBatch(rng *rand.Rand, V, groups, G, P, T int) (*Batch, []float32, []float32) {
	B := groups * G
	b := &Batch{B: B, T: T, Inputs: make([]int, B*T), Targets: make([]int, B*T), Shared: make([]int, B)}
	dl, de := make([]float32, B*T), make([]float32, B*T)
	for g := 0; g < groups; g++ {
		prompt := make([]int, P)
		for i := range prompt {
			prompt[i] = rng.IntN(V)
		}
		for k := 0; k < G; k++ {
			r := g*G + k
			n := 1 + rng.IntN(T-P+1) // response tokens
			seq := append(append([]int(nil), prompt...), make([]int, n)...)
			for i := P; i < len(seq); i++ {
				seq[i] = rng.IntN(V)
			}
			for t := 0; t < T; t++ {
				b.Targets[r*T+t] = -1
				if t+1 < len(seq) {
					b.Inputs[r*T+t], b.Targets[r*T+t] = seq[t], seq[t+1]
					if t >= P-1 {
						dl[r*T+t] = float32(rng.NormFloat64()) / float32(B*T)
						de[r*T+t] = float32(rng.NormFloat64()) / float32(10*B*T)
					}
				}
			}
			if k > 0 {
				b.Shared[r] = P - 1
			}
		}
	}
	return b, dl, de
}

// TestPackedMatchesFull checks the packed training path (Batch.Shared)
// against the full batch: the same log-probabilities and entropies at every
// position the loss reads, and the same gradients, up to float32 rounding.
func TestPackedMatchesFull(t *testing.T) {
	cfg := Config{Vocab: 31, MaxSeq: 80, Layers: 2, Dim: 32, Heads: 4, Seed: 3}
	for _, tc := range []struct {
		name            string
		groups, G, P, T int
	}{
		{"grpo groups", 3, 5, 20, 50},
		{"long rows past a chunk", 2, 3, 70, 80}, // own parts longer than attnChunk in the lead
		{"no sharing, padding only", 6, 1, 4, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(tc.P)))
			b, dl, de := groupedBatch(rng, cfg.Vocab, tc.groups, tc.G, tc.P, tc.T)
			full := &Batch{B: b.B, T: b.T, Inputs: b.Inputs, Targets: b.Targets}
			m := randomModel(t, cfg)
			lp0, ent0 := m.Forward(full)
			m.Backward(dl, de)
			g0 := append([]float32(nil), m.gflat...)
			m.ZeroGrad()
			lp1, ent1 := m.Forward(b)
			if m.a.pk == nil {
				t.Fatal("Forward did not take the packed path")
			}
			if m.a.N >= b.B*b.T {
				t.Fatalf("packed %d tokens of %d: nothing saved", m.a.N, b.B*b.T)
			}
			m.Backward(dl, de)
			for i := range lp0 {
				if b.Targets[i] < 0 {
					continue // past a row's end: reported as 0 when packed
				}
				if d := math.Abs(float64(lp0[i] - lp1[i])); d > 1e-5 {
					t.Fatalf("logp %d: full %g, packed %g", i, lp0[i], lp1[i])
				}
				if d := math.Abs(float64(ent0[i] - ent1[i])); d > 1e-5 {
					t.Fatalf("entropy %d: full %g, packed %g", i, ent0[i], ent1[i])
				}
			}
			var worst, size float64
			for i, g := range g0 {
				worst = math.Max(worst, math.Abs(float64(g-m.gflat[i])))
				size = math.Max(size, math.Abs(float64(g)))
			}
			t.Logf("%d of %d tokens computed; largest gradient difference %.2g (largest gradient %.2g)", m.a.N, b.B*b.T, worst, size)
			if size == 0 || worst > 1e-5*size {
				t.Fatalf("gradients differ by %g (largest %g)", worst, size)
			}
		})
	}
}

// TestPackedRefusesWhatItCannotCompute checks Check's errors for a Shared
// that does not describe the batch, and Backward's panic on a gradient at a
// shared position (the packed path would drop it).
func TestPackedRefusesWhatItCannotCompute(t *testing.T) {
	cfg := Config{Vocab: 31, MaxSeq: 80, Layers: 1, Dim: 16, Heads: 2, Seed: 3}
	m := randomModel(t, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	b, dl, _ := groupedBatch(rng, cfg.Vocab, 2, 3, 10, 30)
	for _, tc := range []struct {
		edit func(*Batch)
		want string
	}{
		{func(b *Batch) { b.Shared = b.Shared[:2] }, "entries for"},
		{func(b *Batch) { b.Shared[0] = 3 }, "first row"},
		{func(b *Batch) { b.Shared[1] = -1 }, "outside"},
		{func(b *Batch) { b.Shared[4] = 10 }, "differs from its lead"}, // the first response token
		{func(b *Batch) { b.Shared[4] = 29 }, "has targets up to position"},
		{func(b *Batch) { b.Inputs[b.T+2]++; b.Inputs[b.T+2] %= cfg.Vocab }, "differs from its lead"},
	} {
		c := *b
		c.Shared = append([]int(nil), b.Shared...)
		c.Inputs = append([]int(nil), b.Inputs...)
		tc.edit(&c)
		if err := m.Check(&c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check: %v, want an error with %q", err, tc.want)
		}
	}
	m.Forward(b)
	dl[b.T+3] = 1 // row 1 shares position 3 with row 0
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "row 1, position 3") {
			t.Fatalf("Backward with a gradient at a shared position: %v", r)
		}
	}()
	m.Backward(dl, nil)
}
