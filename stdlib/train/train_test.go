package train

import (
	"context"
	"math"
	mrand "math/rand"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// reversal is a synthetic task: the prompt is 4 symbols and a separator,
// the response is the symbols reversed and an end token. Vocabulary: 0-7
// symbols, 8 separator, 9 end.
func reversal(n int, seed uint64) []Sequence {
	rng := rand.New(rand.NewPCG(seed, seed))
	out := make([]Sequence, n)
	for i := range out {
		p := make([]int, 5)
		r := make([]int, 5)
		for j := 0; j < 4; j++ {
			p[j] = rng.IntN(8)
			r[3-j] = p[j]
		}
		p[4], r[4] = 8, 9
		out[i] = Sequence{Prompt: p, Response: r}
	}
	return out
}

func tiny(t *testing.T) *nn.Model {
	m, err := nn.New(nn.Config{Vocab: 10, MaxSeq: 12, Layers: 2, Dim: 32, Heads: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPack(t *testing.T) {
	b, mask := Pack([]Sequence{{Prompt: []int{1, 2}, Response: []int{3, 4}}, {Prompt: []int{5}, Response: []int{6}}}, 0)
	if b.B != 2 || b.T != 3 {
		t.Fatalf("shape %dx%d, want 2x3", b.B, b.T)
	}
	if !reflect.DeepEqual(b.Inputs, []int{1, 2, 3, 5, 0, 0}) || !reflect.DeepEqual(b.Targets, []int{2, 3, 4, 6, 0, 0}) {
		t.Fatalf("inputs %v targets %v", b.Inputs, b.Targets)
	}
	if !reflect.DeepEqual(mask, []float32{0, 1, 1, 1, 0, 0}) {
		t.Fatalf("mask %v", mask)
	}
	b, mask = Pack([]Sequence{{Prompt: []int{1, 2}, Response: []int{3, 4}}}, 2)
	if !reflect.DeepEqual(b.Inputs, []int{1, 2}) || !reflect.DeepEqual(mask, []float32{0, 1}) {
		t.Fatalf("cut: inputs %v mask %v", b.Inputs, mask)
	}
}

func TestMLELearnsReversal(t *testing.T) {
	m := tiny(t)
	tr, val := reversal(512, 1), reversal(64, 2)
	start := time.Now()
	res, err := MLE(context.Background(), m, tr, val, Options{Steps: 400, BatchSize: 32, LR: 3e-3, WarmupSteps: 20,
		CosineDecay: true, EvalEvery: 100, Seed: 1, Optimizer: nn.AdamWConfig{WeightDecay: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d steps in %v: train loss %.4f, val loss %.4f", res.Steps, time.Since(start), res.Loss, res.ValLoss)
	if res.ValLoss > 0.05 {
		t.Fatalf("validation loss %.4f after %d steps, want < 0.05", res.ValLoss, res.Steps)
	}
	// Greedy decoding solves unseen prompts.
	var prompts [][]int
	for _, s := range val[:16] {
		prompts = append(prompts, s.Prompt)
	}
	out, err := m.Sample(context.Background(), prompts, nn.SampleOptions{MaxNew: 8, Stop: 9})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range out {
		if !reflect.DeepEqual(s.Tokens, val[i].Response) {
			t.Errorf("prompt %v: got %v, want %v", val[i].Prompt, s.Tokens, val[i].Response)
		}
	}
}

func TestMLECancelsPromptly(t *testing.T) {
	m := tiny(t)
	ctx, cancel := context.WithCancel(context.Background())
	var at time.Time
	res, err := MLE(ctx, m, reversal(64, 1), nil, Options{Steps: 1000000, BatchSize: 8, OnMetrics: func(mt Metrics) {
		if mt.Step == 3 {
			cancel()
			at = time.Now()
		}
	}})
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if res.Steps != 3 || time.Since(at) > time.Second {
		t.Fatalf("stopped at step %d, %v after the cancel", res.Steps, time.Since(at))
	}
}

func TestMLEResumeIsExact(t *testing.T) {
	data := reversal(100, 3)
	o := Options{Steps: 12, BatchSize: 8, LR: 1e-3, WarmupSteps: 4, Seed: 5}
	full := tiny(t)
	if _, err := MLE(context.Background(), full, data, nil, o); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ck.safetensors")
	part := tiny(t)
	o1 := o
	o1.Steps, o1.CheckpointPath, o1.Resume = 7, path, true
	if _, err := MLE(context.Background(), part, data, nil, o1); err != nil {
		t.Fatal(err)
	}
	resumed := tiny(t) // fresh weights: everything must come from the checkpoint
	o2 := o
	o2.CheckpointPath, o2.Resume = path, true
	res, err := MLE(context.Background(), resumed, data, nil, o2)
	if err != nil {
		t.Fatal(err)
	}
	if res.History[0].Step != 8 || res.Steps != 12 {
		t.Fatalf("resumed run did steps %d..%d, want 8..12", res.History[0].Step, res.Steps)
	}
	a, b := full.Params(), resumed.Params()
	for name := range a {
		for i := range a[name] {
			if math.Abs(float64(a[name][i]-b[name][i])) > 1e-6 {
				t.Fatalf("%s[%d]: uninterrupted %g, resumed %g", name, i, a[name][i], b[name][i])
			}
		}
	}
}

func TestMLEBadInput(t *testing.T) {
	m := tiny(t)
	for _, seqs := range [][]Sequence{nil, {{Prompt: []int{1}, Response: []int{10}}}, {{Prompt: nil, Response: []int{1}}},
		{{Prompt: make([]int, 13), Response: []int{1}}}} {
		if _, err := MLE(context.Background(), m, seqs, nil, Options{Steps: 1}); err == nil {
			t.Errorf("MLE accepted %v", seqs)
		}
	}
}

// TestDraw checks the Draw option: UniformDraw's batches are one seeded
// stream of uniform draws with replacement (two draws of the same seed
// train the same model), and an index outside the data is an error.
func TestDraw(t *testing.T) {
	data := reversal(32, 5)
	d := UniformDraw(len(data), 9)
	rng := mrand.New(mrand.NewSource(9))
	for step := 1; step <= 3; step++ {
		for _, i := range d(step, 4) {
			if want := rng.Intn(len(data)); i != want {
				t.Fatalf("step %d drew %d, want %d", step, i, want)
			}
		}
	}
	run := func() *nn.Model {
		m := tiny(t)
		if _, err := MLE(context.Background(), m, data, nil, Options{Steps: 3, BatchSize: 4, Draw: UniformDraw(len(data), 9)}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := run(), run()
	if !reflect.DeepEqual(a.Params(), b.Params()) {
		t.Fatal("two runs of one draw trained different models")
	}
	bad := Options{Steps: 1, BatchSize: 2, Draw: func(int, int) []int { return []int{0, len(data)} }}
	if _, err := MLE(context.Background(), tiny(t), data, nil, bad); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("an index outside the data: %v", err)
	}
}
