package nn_test

import (
	"context"
	"fmt"

	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// One MLE step and a sample, the way a Go program, a test and a notebook
// cell all use the model.
func Example() {
	m, err := nn.New(nn.Config{Vocab: 16, MaxSeq: 32, Layers: 2, Dim: 32, Heads: 4, Seed: 1})
	if err != nil {
		panic(err)
	}
	opt := nn.NewAdamW(nn.AdamWConfig{LR: 1e-3})

	// Learn "1 2 3 4" -> each token is followed by the next one.
	b := &nn.Batch{B: 1, T: 3, Inputs: []int{1, 2, 3}, Targets: []int{2, 3, 4}}
	logp, _ := m.Forward(b)
	dLogp := make([]float32, len(logp))
	for i := range dLogp {
		dLogp[i] = -1 / float32(len(logp)) // MLE: minimise the mean negative log-likelihood
	}
	m.Backward(dLogp, nil)
	opt.Step(m)
	m.ZeroGrad()

	out, err := m.Sample(context.Background(), [][]int{{1, 2}, {5}}, nn.SampleOptions{MaxNew: 4, Temperature: 1, Stop: -1, Seed: 7})
	if err != nil {
		panic(err)
	}
	fmt.Println(m.NumParams(), len(out), len(out[0].Tokens), len(out[1].LogProbs))
	// Output: 27008 2 4 4
}
