package grpo

import (
	"math"
	"math/rand"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestAdvantagesHandComputed(t *testing.T) {
	// Group 1: rewards 1, 0, 0, 1 -> mean 0.5, unbiased std sqrt(1/3).
	// Group 2: all equal -> zeros. Group 3: 3, 1 -> mean 2, std sqrt(2).
	adv, err := Advantages([]float64{1, 0, 0, 1, 0.7, 0.7, 0.7, 0.7}, 4)
	if err != nil {
		t.Fatal(err)
	}
	s := math.Sqrt(1.0 / 3)
	want := []float64{0.5 / (s + 1e-6), -0.5 / (s + 1e-6), -0.5 / (s + 1e-6), 0.5 / (s + 1e-6), 0, 0, 0, 0}
	for i := range want {
		if !near(adv[i], want[i], 1e-12) {
			t.Errorf("adv[%d] = %v, want %v", i, adv[i], want[i])
		}
	}
	adv, _ = Advantages([]float64{3, 1}, 2)
	if !near(adv[0], 1/(math.Sqrt2+1e-6), 1e-12) || !near(adv[1], -1/(math.Sqrt2+1e-6), 1e-12) {
		t.Errorf("G=2 advantages %v", adv)
	}
	if adv, _ := Advantages([]float64{5}, 1); adv[0] != 0 {
		t.Errorf("G=1 advantage %v, want 0", adv[0])
	}
	if _, err := Advantages([]float64{1, 2, 3}, 2); err == nil {
		t.Error("ragged groups accepted")
	}
	if _, err := Advantages([]float64{1}, 0); err == nil {
		t.Error("group size 0 accepted")
	}
}

func f32(xs ...float64) []float32 {
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x)
	}
	return out
}

// TestLossClipBothSides checks the value and gradient of each branch of the
// clipped objective against hand computation, one token per case.
func TestLossClipBothSides(t *testing.T) {
	cfg := LossConfig{ClipEps: 0.2}
	ln := math.Log
	cases := []struct {
		name        string
		ratio, adv  float64
		loss, grad  float64 // per token (mask count 1)
		clippedFrac float64
	}{
		// A>0, ratio inside: l = -A r, dl/dlogp = -A r.
		{"pos-inside", 1.1, 2, -2.2, -2.2, 0},
		// A>0, ratio above 1+eps: clipped at 1.2, constant, no gradient.
		{"pos-above", 1.5, 2, -2.4, 0, 1},
		// A>0, ratio below 1-eps: unclipped branch is larger (pessimistic), gradient flows.
		{"pos-below", 0.5, 2, -1.0, -1.0, 0},
		// A<0, ratio below 1-eps: clipped at 0.8, no gradient.
		{"neg-below", 0.5, -1, 0.8, 0, 1},
		// A<0, ratio above 1+eps: unclipped, l = -A r = 1.5, grad = -A r = 1.5.
		{"neg-above", 1.5, -1, 1.5, 1.5, 0},
		// A=0: nothing.
		{"zero-adv", 1.7, 0, 0, 0, 0},
	}
	for _, c := range cases {
		d, _, st, err := Loss(cfg, LossInput{
			LogP: f32(ln(c.ratio)), OldLogP: f32(0), Advantage: f32(c.adv), Mask: f32(1),
		})
		if err != nil {
			t.Fatal(err)
		}
		if !near(st.Loss, c.loss, 1e-5) || !near(float64(d[0]), c.grad, 1e-5) || st.ClipFrac != c.clippedFrac {
			t.Errorf("%s: loss %v grad %v clip %v, want %v %v %v", c.name, st.Loss, d[0], st.ClipFrac, c.loss, c.grad, c.clippedFrac)
		}
	}
}

func TestLossDualClip(t *testing.T) {
	cfg := LossConfig{ClipEps: 0.2, DualClip: 3}
	// A=-1, ratio 5: l = max(5, 1.2) = 5 > 3 = -3A -> bounded at 3, no gradient.
	d, _, st, err := Loss(cfg, LossInput{LogP: f32(math.Log(5)), OldLogP: f32(0), Advantage: f32(-1), Mask: f32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if !near(st.Loss, 3, 1e-5) || d[0] != 0 || st.DualClipFrac != 1 {
		t.Errorf("dual clip: loss %v grad %v frac %v", st.Loss, d[0], st.DualClipFrac)
	}
	// A=-1, ratio 2: l = 2 < 3, gradient -A r = 2 flows.
	d, _, st, _ = Loss(cfg, LossInput{LogP: f32(math.Log(2)), OldLogP: f32(0), Advantage: f32(-1), Mask: f32(1)})
	if !near(st.Loss, 2, 1e-5) || !near(float64(d[0]), 2, 1e-5) || st.DualClipFrac != 0 {
		t.Errorf("below dual bound: loss %v grad %v", st.Loss, d[0])
	}
	// A>0 never dual-clipped.
	_, _, st, _ = Loss(cfg, LossInput{LogP: f32(math.Log(0.1)), OldLogP: f32(0), Advantage: f32(10), Mask: f32(1)})
	if st.DualClipFrac != 0 || !near(st.Loss, -1, 1e-5) {
		t.Errorf("positive advantage dual-clipped: %+v", st)
	}
	if _, _, _, err := Loss(LossConfig{ClipEps: 0.2, DualClip: 0.5}, LossInput{LogP: f32(0), OldLogP: f32(0), Advantage: f32(0), Mask: f32(1)}); err == nil {
		t.Error("dual clip 0.5 accepted")
	}
}

func TestLossKL(t *testing.T) {
	cfg := LossConfig{ClipEps: 0.2, KLCoef: 0.5}
	// Zero advantage isolates the KL. ref - logp = d = 0.3:
	// k3 = e^0.3 - 0.3 - 1, d k3/d logp = 1 - e^0.3.
	d3 := 0.3
	dl, _, st, err := Loss(cfg, LossInput{LogP: f32(-1), OldLogP: f32(-1), RefLogP: f32(-1 + d3), Advantage: f32(0), Mask: f32(1)})
	if err != nil {
		t.Fatal(err)
	}
	k3 := math.Exp(d3) - d3 - 1
	if !near(st.KL, k3, 1e-6) || !near(st.Loss, 0.5*k3, 1e-6) || !near(float64(dl[0]), 0.5*(1-math.Exp(d3)), 1e-6) {
		t.Errorf("kl %v loss %v grad %v", st.KL, st.Loss, dl[0])
	}
	// Policy equal to reference: KL 0 and gradient 0.
	dl, _, st, _ = Loss(cfg, LossInput{LogP: f32(-2), OldLogP: f32(-2), RefLogP: f32(-2), Advantage: f32(0), Mask: f32(1)})
	if st.KL != 0 || dl[0] != 0 {
		t.Errorf("identical policy: kl %v grad %v", st.KL, dl[0])
	}
	// Clamp: d = 5 -> k3 = e^5 - 6 ~ 142 -> 10, no gradient.
	dl, _, st, _ = Loss(cfg, LossInput{LogP: f32(-6), OldLogP: f32(-6), RefLogP: f32(-1), Advantage: f32(0), Mask: f32(1)})
	if st.KL != KLClamp || dl[0] != 0 {
		t.Errorf("clamped kl %v grad %v", st.KL, dl[0])
	}
}

// TestLossMasksAndTokenMean checks that masked tokens contribute nothing
// and that the mean runs over masked-in tokens only.
func TestLossMasksAndTokenMean(t *testing.T) {
	cfg := LossConfig{ClipEps: 0.2, EntropyCoef: 0.1}
	in := LossInput{
		LogP:      f32(0, 0, 0, 0),
		OldLogP:   f32(0, 0, 0, 0),
		Entropy:   f32(1, 2, 99, 3),
		Advantage: f32(1, -2, 50, 4),
		Mask:      f32(1, 1, 0, 1),
	}
	dl, de, st, err := Loss(cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	// ratio 1 everywhere: l = -A; mean over tokens 0,1,3 = -(1-2+4)/3 = -1.
	// entropy mean (1+2+3)/3 = 2; loss = -1 - 0.1*2 = -1.2.
	if !near(st.PolicyLoss, -1, 1e-6) || !near(st.Entropy, 2, 1e-6) || !near(st.Loss, -1.2, 1e-6) || st.Tokens != 3 {
		t.Errorf("stats %+v", st)
	}
	wantD := []float64{-1.0 / 3, 2.0 / 3, 0, -4.0 / 3}
	for i := range wantD {
		if !near(float64(dl[i]), wantD[i], 1e-6) {
			t.Errorf("dlogp[%d] = %v, want %v", i, dl[i], wantD[i])
		}
	}
	wantE := []float64{-0.1 / 3, -0.1 / 3, 0, -0.1 / 3}
	for i := range wantE {
		if !near(float64(de[i]), wantE[i], 1e-7) {
			t.Errorf("dentropy[%d] = %v, want %v", i, de[i], wantE[i])
		}
	}
	// All masked out: zero loss and gradients, no NaN.
	in.Mask = f32(0, 0, 0, 0)
	dl, _, st, err = Loss(cfg, in)
	if err != nil || st.Loss != 0 || dl[0] != 0 {
		t.Errorf("empty mask: %v %+v", err, st)
	}
	// Length mismatch is an error.
	in.Mask = f32(1)
	if _, _, _, err := Loss(cfg, in); err == nil {
		t.Error("mismatched lengths accepted")
	}
}

// TestLossGradientFiniteDifference checks the analytic gradient against
// central differences of the loss in float64 on random tokens away from
// the clip boundaries.
func TestLossGradientFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	cfg := LossConfig{ClipEps: 0.2, DualClip: 3, KLCoef: 0.3, EntropyCoef: 0.05}
	n := 40
	in := LossInput{LogP: make([]float32, n), OldLogP: make([]float32, n), RefLogP: make([]float32, n),
		Entropy: make([]float32, n), Advantage: make([]float32, n), Mask: make([]float32, n)}
	for i := 0; i < n; i++ {
		old := -rng.Float64() * 3
		in.OldLogP[i] = float32(old)
		in.LogP[i] = float32(old + rng.NormFloat64()*0.4)
		in.RefLogP[i] = float32(old + rng.NormFloat64()*0.5)
		in.Entropy[i] = float32(rng.Float64() * 2)
		in.Advantage[i] = float32(rng.NormFloat64())
		if rng.Float64() < 0.8 {
			in.Mask[i] = 1
		}
	}
	dl, de, _, err := Loss(cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	lossAt := func(in LossInput) float64 {
		_, _, st, _ := Loss(cfg, in)
		return st.Loss
	}
	h := 1e-3
	for i := 0; i < n; i++ {
		r := math.Exp(float64(in.LogP[i]) - float64(in.OldLogP[i]))
		if math.Abs(r-0.8) < 0.01 || math.Abs(r-1.2) < 0.01 {
			continue // a kink: finite differences are meaningless there
		}
		orig := in.LogP[i]
		in.LogP[i] = orig + float32(h)
		up := lossAt(in)
		in.LogP[i] = orig - float32(h)
		dn := lossAt(in)
		in.LogP[i] = orig
		fd := (up - dn) / (2 * h)
		if !near(fd, float64(dl[i]), 2e-3) {
			t.Errorf("token %d: d loss/d logp analytic %v, finite difference %v", i, dl[i], fd)
		}
		oe := in.Entropy[i]
		in.Entropy[i] = oe + float32(h)
		up = lossAt(in)
		in.Entropy[i] = oe - float32(h)
		dn = lossAt(in)
		in.Entropy[i] = oe
		if fd := (up - dn) / (2 * h); !near(fd, float64(de[i]), 1e-4) {
			t.Errorf("token %d: d loss/d entropy analytic %v, finite difference %v", i, de[i], fd)
		}
	}
}

// TestSummarizePairsStepsWithAnchor checks that the ratios are medians of
// per-pair ratios, not ratios of medians: a machine that halves its speed
// for one pair moves both of that pair's times, and the ratio holds.
func TestSummarizePairsStepsWithAnchor(t *testing.T) {
	ms := []StepMetrics{
		{WallSec: 1.2, SampleSec: 0.2, LogProbSec: 0.1, UpdateSec: 0.9},
		{WallSec: 2.4, SampleSec: 0.4, LogProbSec: 0.2, UpdateSec: 1.8}, // a slow stretch
		{WallSec: 2.4, SampleSec: 0.4, LogProbSec: 0.2, UpdateSec: 1.8},
	}
	tm := Summarize(ms, []float64{1, 2, 2})
	if tm.StepOverAnchor != 1.2 || tm.StepS != 2.4 || tm.AnchorS != 2 {
		t.Errorf("step %g, anchor %g, paired ratio %g; want 2.4, 2 and 1.2", tm.StepS, tm.AnchorS, tm.StepOverAnchor)
	}
	if math.Abs(tm.FwdBwdOverAnchor-0.8) > 1e-12 || tm.SampleOverAnchor != 0.2 || tm.LogProbOverAnchor != 0.1 {
		t.Errorf("parts over the anchor: %+v", tm)
	}
	if (Summarize(ms, []float64{1}) != Timing{}) {
		t.Error("mismatched lengths gave a summary")
	}
	// CPU time: pairs (1.3, 1), (1.2, 1.1), (3, 2) give ratios 1.3, 1.09, 1.5.
	tm.AddCPU([]float64{1.3, 1.2, 3}, []float64{1, 1.1, 2})
	if tm.StepCPUS != 1.3 || tm.AnchorCPUS != 1.1 || tm.StepOverAnchorCPU != 1.3 {
		t.Errorf("CPU: step %g, anchor %g, paired ratio %g; want 1.3, 1.1 and 1.3", tm.StepCPUS, tm.AnchorCPUS, tm.StepOverAnchorCPU)
	}
	before := tm
	tm.AddCPU([]float64{1}, nil)
	if tm != before {
		t.Error("AddCPU with mismatched lengths changed the summary")
	}
}
