package exp_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/exp"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/train"
)

// ContinueMLE trains a copy (the start model is left as it was), learns
// (the loss of an always-the-same answer falls), and repeats itself for a
// seed, so that a notebook's control is reproducible.
func TestContinueMLE(t *testing.T) {
	start, err := nn.New(nn.Config{Vocab: 8, MaxSeq: 16, Layers: 1, Dim: 16, Heads: 2, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	before := map[string][]float32{}
	for k, v := range start.Params() {
		before[k] = slices.Clone(v)
	}
	var data []envs.Example
	for i := 0; i < 8; i++ {
		data = append(data, envs.Example{Prompt: []int{1, 2, i % 3}, Target: []int{3, 4}})
	}
	var losses []float64
	o := exp.ContinueOptions{Steps: 30, Batch: 4, LR: 1e-2, Seed: 7, OnStep: func(m train.Metrics) { losses = append(losses, m.Loss) }}
	a, err := exp.ContinueMLE(context.Background(), start, data, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(losses) != 30 || !(losses[29] < losses[0]/2) {
		t.Fatalf("losses %v: want 30 steps and the loss halved", losses)
	}
	for k, v := range start.Params() {
		if !slices.Equal(v, before[k]) {
			t.Fatalf("the start model's %s changed", k)
		}
	}
	o.OnStep = nil
	b, err := exp.ContinueMLE(context.Background(), start, data, o)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range a.Params() {
		if !slices.Equal(v, b.Params()[k]) {
			t.Fatalf("two runs with seed 7 differ in %s", k)
		}
	}
	if _, err := exp.ContinueMLE(context.Background(), start, nil, o); err == nil {
		t.Error("ContinueMLE accepted no data")
	}
}
