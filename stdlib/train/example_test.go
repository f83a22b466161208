package train_test

import (
	"context"
	"fmt"

	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/train"
)

// Teach a tiny model to answer "a b SEP" with "b a END".
func ExampleMLE() {
	m, _ := nn.New(nn.Config{Vocab: 6, MaxSeq: 8, Layers: 1, Dim: 16, Heads: 2, Seed: 1})
	var data []train.Sequence
	for a := 0; a < 4; a++ {
		for b := 0; b < 4; b++ {
			data = append(data, train.Sequence{Prompt: []int{a, b, 4}, Response: []int{b, a, 5}})
		}
	}
	res, err := train.MLE(context.Background(), m, data, data, train.Options{
		Steps: 150, BatchSize: 16, LR: 1e-2, Seed: 1,
	})
	if err != nil {
		panic(err)
	}
	out, _ := m.Sample(context.Background(), [][]int{{3, 1, 4}}, nn.SampleOptions{MaxNew: 3, Stop: 5})
	fmt.Println(res.Steps, res.ValLoss < 0.05, out[0].Tokens)
	// Output: 150 true [1 3 5]
}
