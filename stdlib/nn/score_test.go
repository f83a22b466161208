package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLogProbsMatchesForward checks the forward-only path against the
// training Forward on a batch of several chunks with padding-like
// negative targets, padded rows and rows that share their first positions, and that it leaves Forward's saved activations (and so
// Backward's gradients) untouched.
func TestLogProbsMatchesForward(t *testing.T) {
	cfg := Config{Vocab: 37, MaxSeq: 48, Layers: 2, Dim: 32, Heads: 4, Seed: 9}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range m.Params() { // sharper than the init, so that logp spread out
		for i := range v {
			v[i] *= 4
		}
	}
	B, T := 3*scoreTokens/40+5, 40 // four chunks, the last one short
	rng := rand.New(rand.NewPCG(1, 2))
	b := &Batch{B: B, T: T, Inputs: make([]int, B*T), Targets: make([]int, B*T)}
	for i := range b.Inputs {
		b.Inputs[i], b.Targets[i] = rng.IntN(cfg.Vocab), rng.IntN(cfg.Vocab)
		if rng.IntN(10) == 0 {
			b.Targets[i] = -1
		}
	}
	// Groups of rows that begin alike, as GRPO's rollouts of one prompt
	// do: LogProbs computes their common positions once. Some groups
	// straddle a chunk's end; some rows are whole copies.
	for r := 1; r < B; r++ {
		if r%5 == 0 {
			continue // a new group
		}
		k := rng.IntN(T + 1)
		copy(b.Inputs[r*T:r*T+k], b.Inputs[(r-1)*T:])
		copy(b.Targets[r*T:r*T+k], b.Targets[(r-1)*T:])
	}
	// Padded rows, as a batch of responses of several lengths has: no
	// target after a cut (LogProbs does not feed those positions).
	for r := 2; r < B; r += 3 {
		cut := rng.IntN(T)
		for t := cut; t < T; t++ {
			b.Inputs[r*T+t], b.Targets[r*T+t] = 0, -1
		}
	}
	dl := make([]float32, B*T)
	for i := range dl {
		dl[i] = -1 / float32(B*T)
	}
	want, _ := m.Forward(b)
	m.Backward(dl, nil)
	g0 := append([]float32(nil), m.gflat...)
	m.ZeroGrad()

	want, _ = m.Forward(b)
	got := m.LogProbs(b)
	m.Backward(dl, nil) // after LogProbs: must see the same saved activations
	for i := range g0 {
		if m.gflat[i] != g0[i] {
			t.Fatalf("gradient %d after LogProbs: %g, want %g (LogProbs disturbed the saved activations)", i, m.gflat[i], g0[i])
		}
	}
	worst, spread := 0.0, 0.0
	for i := range want {
		if b.Targets[i] < 0 {
			if got[i] != 0 {
				t.Fatalf("position %d has a negative target: logp %g, want 0", i, got[i])
			}
			continue
		}
		worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
		spread = math.Max(spread, math.Abs(float64(want[i])))
	}
	t.Logf("largest |LogProbs - Forward| %.2g over %d positions (|logp| up to %.1f)", worst, B*T, spread)
	if worst > 2e-5*math.Max(1, spread) {
		t.Errorf("LogProbs differs from Forward by up to %g, more than float32 rounding", worst)
	}
	if spread < 1 {
		t.Errorf("log-probabilities all within 1 of 0 (%g): the test model is too flat to tell", spread)
	}
}
