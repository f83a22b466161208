package nn

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/gpu"
)

func randomModel(t *testing.T, cfg Config) *Model {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Sharper than the 0.02 init so that samples vary with the context.
	rng := rand.New(rand.NewPCG(9, 9))
	for _, v := range m.Params() {
		for i := range v {
			v[i] += float32(rng.NormFloat64() * 0.15)
		}
	}
	return m
}

func randPrompt(rng *rand.Rand, n, V int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = rng.IntN(V)
	}
	return p
}

// recompute returns log p(response[i]) by a full Forward over prompt+response.
func recompute(m *Model, prompt, resp []int) []float32 {
	seq := append(append([]int(nil), prompt...), resp...)
	b := &Batch{B: 1, T: len(seq) - 1, Inputs: seq[:len(seq)-1], Targets: seq[1:]}
	logp, _ := m.Forward(b)
	return logp[len(prompt)-1:]
}

func TestSampleKVCacheMatchesFullRecompute(t *testing.T) {
	cfg := Config{Vocab: 23, MaxSeq: 300, Layers: 2, Dim: 16, Heads: 4, Seed: 3}
	m := randomModel(t, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	// Three prompts of 200 tokens overflow the 512-token prefill chunk, so a
	// prompt is split across two prefill steps.
	prompts := [][]int{randPrompt(rng, 200, 23), randPrompt(rng, 1, 23), randPrompt(rng, 200, 23), randPrompt(rng, 200, 23), randPrompt(rng, 37, 23)}
	force := func(row int, resp []int) []int {
		if row == 1 && len(resp)%3 == 0 {
			return []int{5, 6}
		}
		return nil
	}
	out, err := m.Sample(context.Background(), prompts, SampleOptions{MaxNew: 20, Temperature: 1, Stop: -1, Seed: 4, Force: force})
	if err != nil {
		t.Fatal(err)
	}
	for r, s := range out {
		if len(s.Tokens) != 20 || len(s.LogProbs) != 20 || len(s.Generated) != 20 {
			t.Fatalf("row %d: %d tokens, %d logprobs, %d flags, want 20 each", r, len(s.Tokens), len(s.LogProbs), len(s.Generated))
		}
		want := recompute(m, prompts[r], s.Tokens)
		for i := range want {
			if math.Abs(float64(want[i]-s.LogProbs[i])) > 2e-4 {
				t.Fatalf("row %d token %d: KV-cache logp %g, full recompute %g", r, i, s.LogProbs[i], want[i])
			}
		}
	}
	// Row 1: after every third sampled-so-far response, 5 and 6 are injected.
	s := out[1]
	for i := 0; i < len(s.Tokens); i++ {
		if s.Generated[i] {
			continue
		}
		if !((s.Tokens[i] == 5 && !s.Generated[i+1] && s.Tokens[i+1] == 6) || (s.Tokens[i] == 6 && s.Tokens[i-1] == 5)) {
			t.Fatalf("row 1: forced tokens out of place: %v %v", s.Tokens, s.Generated)
		}
	}
	if s.Generated[3] || s.Generated[4] || !s.Generated[5] {
		t.Fatalf("row 1: want tokens 3,4 forced after the third token: %v", s.Generated)
	}
	for r := range out {
		if r != 1 {
			for _, g := range out[r].Generated {
				if !g {
					t.Fatalf("row %d has forced tokens but Force returned none for it", r)
				}
			}
		}
	}
}

func TestSampleDeterminism(t *testing.T) {
	cfg := Config{Vocab: 50, MaxSeq: 64, Layers: 1, Dim: 16, Heads: 2, Seed: 5}
	m := randomModel(t, cfg)
	rng := rand.New(rand.NewPCG(7, 7))
	p0, p1, p2 := randPrompt(rng, 5, 50), randPrompt(rng, 9, 50), randPrompt(rng, 3, 50)
	o := SampleOptions{MaxNew: 30, Temperature: 1, Stop: -1, Seed: 11}
	a, _ := m.Sample(context.Background(), [][]int{p0, p1}, o)
	b, _ := m.Sample(context.Background(), [][]int{p0, p1}, o)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different samples")
	}
	c, _ := m.Sample(context.Background(), [][]int{p0, p2}, o)
	// The tokens are identical; log-probabilities may differ in the last
	// bit, because the products are blocked differently for other batch sizes.
	if !reflect.DeepEqual(a[0].Tokens, c[0].Tokens) || !close32(a[0].LogProbs, c[0].LogProbs, 1e-5) {
		t.Fatalf("row 0 depends on the other rows of the batch:\n%v\n%v", a[0], c[0])
	}
	o.Seed = 12
	d, _ := m.Sample(context.Background(), [][]int{p0, p1}, o)
	if reflect.DeepEqual(a[0].Tokens, d[0].Tokens) {
		t.Fatal("different seeds, same 30-token sample")
	}
	// Greedy ignores the seed; top-k 1 is greedy.
	g1, _ := m.Sample(context.Background(), [][]int{p0}, SampleOptions{MaxNew: 10, Stop: -1, Seed: 1})
	g2, _ := m.Sample(context.Background(), [][]int{p0}, SampleOptions{MaxNew: 10, Stop: -1, Seed: 2})
	k1, _ := m.Sample(context.Background(), [][]int{p0}, SampleOptions{MaxNew: 10, Temperature: 1, TopK: 1, Stop: -1, Seed: 3})
	if !reflect.DeepEqual(g1[0].Tokens, g2[0].Tokens) || !reflect.DeepEqual(g1[0].Tokens, k1[0].Tokens) {
		t.Fatalf("greedy %v / %v, top-k 1 %v: want all equal", g1[0].Tokens, g2[0].Tokens, k1[0].Tokens)
	}
	// Greedy picks the most likely token: its logp is the max over the vocabulary.
	seq := append(append([]int(nil), p0...), g1[0].Tokens[0])
	for tok := 0; tok < 50; tok++ {
		seq[len(seq)-1] = tok
		lp := recompute(m, p0, []int{tok})
		if lp[0] > g1[0].LogProbs[0]+1e-5 {
			t.Fatalf("greedy chose logp %g but token %d has %g", g1[0].LogProbs[0], tok, lp[0])
		}
	}
	// Top-p with a tiny p keeps only the most likely token.
	p, _ := m.Sample(context.Background(), [][]int{p0}, SampleOptions{MaxNew: 10, Temperature: 1, TopP: 1e-6, Stop: -1, Seed: 3})
	if !reflect.DeepEqual(g1[0].Tokens, p[0].Tokens) {
		t.Fatalf("top-p 1e-6 %v differs from greedy %v", p[0].Tokens, g1[0].Tokens)
	}
}

func TestSampleStopAndLimits(t *testing.T) {
	cfg := Config{Vocab: 6, MaxSeq: 40, Layers: 1, Dim: 8, Heads: 2, Seed: 6}
	m := randomModel(t, cfg)
	rng := rand.New(rand.NewPCG(8, 8))
	prompts := make([][]int, 16)
	for i := range prompts {
		prompts[i] = randPrompt(rng, 1+i, 6)
	}
	out, err := m.Sample(context.Background(), prompts, SampleOptions{MaxNew: 30, Temperature: 1, Stop: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	stopped := 0
	for r, s := range out {
		for i, tok := range s.Tokens {
			if tok == 2 && i != len(s.Tokens)-1 {
				t.Fatalf("row %d: generation went on after the stop token: %v", r, s.Tokens)
			}
		}
		if s.Stopped {
			stopped++
			if s.Tokens[len(s.Tokens)-1] != 2 {
				t.Fatalf("row %d: Stopped without a final stop token", r)
			}
		} else if len(s.Tokens) != min(30, 40-len(prompts[r])) {
			t.Fatalf("row %d: %d tokens without stopping, want %d", r, len(s.Tokens), min(30, 40-len(prompts[r])))
		}
	}
	if stopped == 0 {
		t.Fatal("no row sampled the stop token among 6 symbols; the test is vacuous")
	}
	// A forced stop token does not stop the row.
	out, _ = m.Sample(context.Background(), [][]int{{1}}, SampleOptions{MaxNew: 4, Temperature: 0, Stop: 5,
		Force: func(int, []int) []int { return []int{5} }})
	if g := out[0]; g.Stopped && !g.Generated[len(g.Tokens)-1] {
		t.Fatalf("a forced stop token stopped the row: %+v", g)
	}
}

func TestSampleErrorsAndCancel(t *testing.T) {
	cfg := Config{Vocab: 10, MaxSeq: 16, Layers: 1, Dim: 8, Heads: 2}
	m := randomModel(t, cfg)
	bad := []struct {
		p [][]int
		o SampleOptions
	}{
		{[][]int{{}}, SampleOptions{MaxNew: 1}},
		{[][]int{{10}}, SampleOptions{MaxNew: 1}},
		{[][]int{make([]int, 16)}, SampleOptions{MaxNew: 1}},
		{[][]int{{1}}, SampleOptions{MaxNew: -1}},
		{[][]int{{1}}, SampleOptions{MaxNew: 1, Temperature: -1}},
		{[][]int{{1}}, SampleOptions{MaxNew: 1, TopP: 2}},
		{[][]int{{1}}, SampleOptions{MaxNew: 1, Stop: 10}},
		{[][]int{{1}}, SampleOptions{MaxNew: 3, Stop: -1, Force: func(int, []int) []int { return []int{99} }}},
	}
	for i, c := range bad {
		if _, err := m.Sample(context.Background(), c.p, c.o); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Sample(ctx, [][]int{{1}}, SampleOptions{MaxNew: 5, Stop: -1}); err != context.Canceled {
		t.Fatalf("cancelled Sample returned %v", err)
	}
}

func close32(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > tol {
			return false
		}
	}
	return true
}

func TestSamplePerRowLimitsAndStops(t *testing.T) {
	cfg := Config{Vocab: 6, MaxSeq: 40, Layers: 1, Dim: 8, Heads: 2, Seed: 6}
	m := randomModel(t, cfg)
	prompts := [][]int{{1}, {2}, {3}, {4}}
	// Greedy: find each row's first token, then make it that row's stop token.
	g, _ := m.Sample(context.Background(), prompts, SampleOptions{MaxNew: 1, Stop: -1})
	stops := []int{g[0].Tokens[0], -1, g[2].Tokens[0], -1}
	out, err := m.Sample(context.Background(), prompts, SampleOptions{MaxNewPerRow: []int{5, 0, 7, 3}, StopPerRow: stops})
	if err != nil {
		t.Fatal(err)
	}
	if !out[0].Stopped || len(out[0].Tokens) != 1 || !out[2].Stopped || len(out[2].Tokens) != 1 {
		t.Fatalf("rows 0 and 2 should stop on their first token: %+v %+v", out[0], out[2])
	}
	if len(out[1].Tokens) != 0 || len(out[3].Tokens) != 3 || out[3].Stopped {
		t.Fatalf("rows 1 and 3 should take 0 and 3 tokens: %+v %+v", out[1], out[3])
	}
	if _, err := m.Sample(context.Background(), prompts, SampleOptions{MaxNewPerRow: []int{1}}); err == nil {
		t.Fatal("a MaxNewPerRow of the wrong length was accepted")
	}
}

// TestSampleReducedKV: with a float16 cache the sampler's
// log-probabilities stay within 1e-2 of a float32 full recompute (the
// rounding is about 1e-3), with an int8 cache within 5e-2, but neither is
// the float32 cache's, so the reduced cache is really in use; for a head
// size the fused kernel takes (16) and one it does not (4).
func TestSampleReducedKV(t *testing.T) {
	for _, kv := range []struct {
		p   KVPrecision
		tol float64
	}{{KVFloat16, 1e-2}, {KVInt8, 5e-2}, {KVK8V16, 1e-2}} {
		for _, heads := range []int{2, 8} {
			cfg := Config{Vocab: 23, MaxSeq: 300, Layers: 2, Dim: 32, Heads: heads, Seed: 3}
			m := randomModel(t, cfg)
			rng := rand.New(rand.NewPCG(1, 2))
			prompts := [][]int{randPrompt(rng, 200, 23), randPrompt(rng, 1, 23), randPrompt(rng, 37, 23)}
			opts := SampleOptions{MaxNew: 40, Temperature: 1, Stop: -1, Seed: 4}
			exact, err := m.Sample(context.Background(), prompts, opts)
			if err != nil {
				t.Fatal(err)
			}
			opts.KV = kv.p
			reduced, err := m.Sample(context.Background(), prompts, opts)
			if err != nil {
				t.Fatal(err)
			}
			worst, differs := 0.0, false
			for r, s := range reduced {
				if len(s.Tokens) != 40 {
					t.Fatalf("%v hs %d row %d: %d tokens, want 40", kv.p, 32/heads, r, len(s.Tokens))
				}
				want := recompute(m, prompts[r], s.Tokens)
				for i := range want {
					worst = max(worst, math.Abs(float64(want[i]-s.LogProbs[i])))
					differs = differs || i >= len(exact[r].LogProbs) || exact[r].LogProbs[i] != s.LogProbs[i]
				}
			}
			t.Logf("hs %d: %v cache, largest |logp - float32 recompute| = %.2g", 32/heads, kv.p, worst)
			if worst > kv.tol {
				t.Fatalf("hs %d: %v-cache logp differs from the float32 recompute by %g, want at most %g", 32/heads, kv.p, worst, kv.tol)
			}
			if !differs {
				t.Fatalf("hs %d: %v-cache log-probabilities are bit-identical to float32's: that cache was not used", 32/heads, kv.p)
			}
		}
	}
}

// plainBackend hides the backend's optional interfaces (gpu.HalfKV,
// gpu.Int8KV).
type plainBackend struct{ gpu.Backend }

func TestSampleKVPrecisionErrors(t *testing.T) {
	m := randomModel(t, Config{Vocab: 11, MaxSeq: 32, Layers: 1, Dim: 8, Heads: 1, Seed: 1})
	p := [][]int{{1, 2}}
	if _, err := m.Sample(context.Background(), p, SampleOptions{MaxNew: 2, Stop: -1, KV: 7}); err == nil {
		t.Fatal("precision 7 accepted")
	}
	m.be = plainBackend{m.be}
	_, err := m.Sample(context.Background(), p, SampleOptions{MaxNew: 2, Stop: -1, KV: KVFloat16})
	if err == nil || !strings.Contains(err.Error(), "no float16 KV cache") {
		t.Fatalf("float16 on a backend without HalfKV: err = %v", err)
	}
	_, err = m.Sample(context.Background(), p, SampleOptions{MaxNew: 2, Stop: -1, KV: KVInt8})
	if err == nil || !strings.Contains(err.Error(), "no int8 KV cache") {
		t.Fatalf("int8 on a backend without Int8KV: err = %v", err)
	}
	_, err = m.Sample(context.Background(), p, SampleOptions{MaxNew: 2, Stop: -1, KV: KVK8V16})
	if err == nil || !strings.Contains(err.Error(), "no int8-key, float16-value KV cache") {
		t.Fatalf("k8v16 on a backend without MixedKV: err = %v", err)
	}
	if _, err := m.Sample(context.Background(), p, SampleOptions{MaxNew: 2, Stop: -1}); err != nil {
		t.Fatalf("float32 on that backend: %v", err)
	}
	for _, s := range []string{"float32", "float16", "int8", "k8v16"} {
		if k, err := ParseKVPrecision(s); err != nil || k.String() != s {
			t.Fatalf("ParseKVPrecision(%q) = %v, %v", s, k, err)
		}
	}
	if _, err := ParseKVPrecision("fp8"); err == nil {
		t.Fatal(`ParseKVPrecision("fp8") accepted`)
	}
	var back struct{ KV KVPrecision }
	if b, err := json.Marshal(struct{ KV KVPrecision }{KVFloat16}); err != nil || string(b) != `{"KV":"float16"}` {
		t.Fatalf("JSON of KVFloat16 = %s, %v", b, err)
	} else if err := json.Unmarshal(b, &back); err != nil || back.KV != KVFloat16 {
		t.Fatalf("JSON round trip: %v, %v", back.KV, err)
	}
	if b, err := json.Marshal(struct{ KV KVPrecision }{KVInt8}); err != nil || string(b) != `{"KV":"int8"}` {
		t.Fatalf("JSON of KVInt8 = %s, %v", b, err)
	}
	if _, err := json.Marshal(struct{ KV KVPrecision }{7}); err == nil {
		t.Fatal("JSON of an unknown precision accepted")
	}
	if err := json.Unmarshal([]byte(`{"KV":"bf16"}`), &back); err == nil {
		t.Fatal(`JSON "bf16" accepted`)
	}
}

// TestPickLogProbIsLogSoftmaxAt: at temperature 1 over the full
// distribution, pick's log-probability of the token it drew is
// logSoftmaxAt's bit for bit (the sampler keeps it instead of a second
// pass); with a temperature, top-k or top-p it reports none.
func TestPickLogProbIsLogSoftmaxAt(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	V := 301
	lg := make([]float32, V)
	probs, idx := make([]float64, V), make([]int, V)
	for trial := 0; trial < 200; trial++ {
		for j := range lg {
			lg[j] = float32(rng.NormFloat64() * 3)
		}
		tok, lp, known := pick(lg, SampleOptions{Temperature: 1}, rng, probs, idx)
		if !known {
			t.Fatal("temperature 1: no log-probability")
		}
		if w := logSoftmaxAt(lg, tok); math.Float32bits(lp) != math.Float32bits(w) {
			t.Fatalf("token %d: pick's logp %g, logSoftmaxAt %g", tok, lp, w)
		}
	}
	for _, o := range []SampleOptions{{Temperature: 0.7}, {Temperature: 1, TopK: 5}, {Temperature: 1, TopK: V}, {Temperature: 1, TopP: 0.9}, {}} {
		if _, _, known := pick(lg, o, rng, probs, idx); known {
			t.Errorf("%+v: pick claims logSoftmaxAt's log-probability", o)
		}
	}
}

// TestSampleSharedPromptsMatchAlone: rows whose prompt equals the row
// before's copy its cache and logits instead of running the prompt again;
// greedy decoding of every row must still give what the prompt gives
// alone, tokens and log-probabilities, in every cache precision.
func TestSampleSharedPromptsMatchAlone(t *testing.T) {
	cfg := Config{Vocab: 23, MaxSeq: 40, Layers: 2, Dim: 32, Heads: 4, Seed: 11}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range m.Params() { // sharper than the init, so that rows part ways
		for i := range v {
			v[i] *= 4
		}
	}
	rng := rand.New(rand.NewPCG(8, 9))
	a, b, c := randPrompt(rng, 9, cfg.Vocab), randPrompt(rng, 17, cfg.Vocab), randPrompt(rng, 4, cfg.Vocab)
	prompts := [][]int{a, a, a, b, b, c, a}
	for _, kv := range kvPrecisions {
		o := SampleOptions{MaxNew: 12, Temperature: 0, Stop: -1, KV: kv}
		got, err := m.Sample(context.Background(), prompts, o)
		if err != nil {
			t.Fatal(err)
		}
		for r, p := range prompts {
			alone, err := m.Sample(context.Background(), [][]int{p}, o)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got[r].Tokens, alone[0].Tokens) {
				t.Fatalf("%v row %d: %v in the batch, %v alone", kv, r, got[r].Tokens, alone[0].Tokens)
			}
			for i, lp := range got[r].LogProbs {
				if d := math.Abs(float64(lp - alone[0].LogProbs[i])); d > 1e-5 {
					t.Fatalf("%v row %d token %d: logp %g in the batch, %g alone", kv, r, i, lp, alone[0].LogProbs[i])
				}
			}
		}
	}
}

// TestSampleK8V16Within1e3 holds the int8-key, float16-value cache to the
// bound it exists for, on bench sample's model and decode (a random-init
// L=4, d=256, 4-head model, 8-token prompts, 528 new tokens at temperature
// 1): every sampled token's log-probability within 1e-3 of a float32
// Forward over the same tokens. KVInt8 misses it there (2.5e-3 to 2.9e-3:
// its int8 values), which is why this cache keeps the values in float16.
func TestSampleK8V16Within1e3(t *testing.T) {
	cfg := Config{Vocab: 512, MaxSeq: 640, Layers: 4, Dim: 256, Heads: 4, Seed: 1}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	prompts := [][]int{randPrompt(rng, 8, cfg.Vocab), randPrompt(rng, 8, cfg.Vocab)}
	for seed := int64(1); seed <= 2; seed++ {
		out, err := m.Sample(context.Background(), prompts, SampleOptions{MaxNew: 528, Temperature: 1, Stop: -1,
			Seed: seed, KV: KVK8V16})
		if err != nil {
			t.Fatal(err)
		}
		worst, differs := 0.0, false
		for r, s := range out {
			if len(s.Tokens) != 528 {
				t.Fatalf("row %d: %d tokens, want 528", r, len(s.Tokens))
			}
			want := recompute(m, prompts[r], s.Tokens)
			for i, lp := range s.LogProbs {
				d := math.Abs(float64(lp - want[i]))
				worst, differs = max(worst, d), differs || d > 1e-5
			}
		}
		t.Logf("seed %d: largest |logp - float32 Forward| over %d tokens = %.2g", seed, 2*528, worst)
		if worst > 1e-3 {
			t.Fatalf("seed %d: k8v16 log-probabilities differ from a float32 Forward by up to %g, want at most 1e-3", seed, worst)
		}
		if !differs {
			t.Fatalf("seed %d: k8v16 log-probabilities all within 1e-5 of float32's: the reduced cache was not used", seed)
		}
	}
}

// TestSpareBuffersLeaveResultsUnchanged checks that a model's reused
// sampler buffers (spareSampler), full of an earlier call's values, give
// bit for bit what fresh memory gives: each call on a model that has just
// run a larger one, in another precision or shape, equals the same call on
// a fresh clone, for Sample and for LogProbs.
func TestSpareBuffersLeaveResultsUnchanged(t *testing.T) {
	cfg := Config{Vocab: 29, MaxSeq: 48, Layers: 2, Dim: 32, Heads: 4, Seed: 5}
	m := randomModel(t, cfg)
	rng := rand.New(rand.NewPCG(3, 4))
	big := [][]int{randPrompt(rng, 20, cfg.Vocab), randPrompt(rng, 11, cfg.Vocab), randPrompt(rng, 11, cfg.Vocab)}
	big = append(big, big[0], big[0], big[1])
	small := [][]int{randPrompt(rng, 7, cfg.Vocab), randPrompt(rng, 7, cfg.Vocab)}
	small = append(small, small[0])
	ctx := context.Background()
	for _, kv := range kvPrecisions {
		// The larger call in the same precision, so that its cache is the
		// one reused (it switched from the previous precision's).
		if _, err := m.Sample(ctx, big, SampleOptions{MaxNew: 25, Temperature: 1, Stop: -1, Seed: 1, KV: kv}); err != nil {
			t.Fatal(err)
		}
		if m.spare.s == nil {
			t.Fatal("Sample kept no spare buffers on the CPU backend")
		}
		o := SampleOptions{MaxNew: 9, Temperature: 1, Stop: -1, Seed: 2, KV: kv}
		got, err := m.Sample(ctx, small, o)
		if err != nil {
			t.Fatal(err)
		}
		want, err := m.Clone().Sample(ctx, small, o)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%v: with reused buffers %+v, fresh %+v", kv, got, want)
		}
	}
	// LogProbs after Sample (a different shape of the same spare).
	B, T := 5, 30
	b := &Batch{B: B, T: T, Inputs: make([]int, B*T), Targets: make([]int, B*T)}
	for i := range b.Inputs {
		b.Inputs[i], b.Targets[i] = rng.IntN(cfg.Vocab), rng.IntN(cfg.Vocab)
	}
	copy(b.Inputs[T:T+12], b.Inputs)
	copy(b.Targets[T:T+12], b.Targets)
	got := m.LogProbs(b)
	if want := m.Clone().LogProbs(b); !reflect.DeepEqual(got, want) {
		t.Fatalf("LogProbs with reused buffers differs from fresh: %v against %v", got, want)
	}
}

// TestSampleDrawsIndependentOfWorkers checks that the rows' parallel draws
// (picker) give what one worker gives: each row has its own generator.
func TestSampleDrawsIndependentOfWorkers(t *testing.T) {
	cfg := Config{Vocab: 41, MaxSeq: 40, Layers: 2, Dim: 32, Heads: 4, Seed: 6}
	m := randomModel(t, cfg)
	rng := rand.New(rand.NewPCG(5, 6))
	var prompts [][]int
	for r := 0; r < 3*pickGrain+1; r++ {
		prompts = append(prompts, randPrompt(rng, 5+r%7, cfg.Vocab))
	}
	for _, o := range []SampleOptions{
		{MaxNew: 20, Temperature: 1, Stop: 3, Seed: 4},
		{MaxNew: 20, Temperature: 0.7, TopK: 9, Stop: -1, Seed: 5},
	} {
		prev := runtime.GOMAXPROCS(1)
		one, err := m.Sample(context.Background(), prompts, o)
		runtime.GOMAXPROCS(max(prev, 2))
		if err != nil {
			t.Fatal(err)
		}
		if w := len(newPicker(len(prompts), cfg.Vocab).probs); w < 2 {
			t.Fatalf("the picker has %d worker with GOMAXPROCS %d: the test compares nothing", w, runtime.GOMAXPROCS(0))
		}
		many, err := m.Sample(context.Background(), prompts, o)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(one, many) {
			t.Fatalf("%+v: one worker and several disagree", o)
		}
	}
}
