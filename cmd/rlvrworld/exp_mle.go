package main

import (
	"context"
	"fmt"
	"math"
	"math/rand"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// mleRun is teacher-forced MLE on (prompt, target) pairs with a
// response-only mask: the pretraining of the start checkpoint and the
// "MLE continued" control of every experiment. It is kept here, small and
// explicit, so that both arms of an experiment use the same optimizer
// settings and batch draw; stdlib/train is the notebook-facing MLE trainer.
type mleRun struct {
	model *nn.Model
	opt   *nn.AdamW
	rng   *rand.Rand
	batch int
}

func newMLERun(m *nn.Model, lr float32, batch int, seed int64) *mleRun {
	return &mleRun{
		model: m,
		opt: nn.NewAdamW(nn.AdamWConfig{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8,
			WeightDecay: 0.01, ClipNorm: 1.0}),
		rng:   rand.New(rand.NewSource(seed)),
		batch: batch,
	}
}

// packMLE packs examples as prompt ++ target, inputs seq[:-1], targets
// seq[1:], right-padded with 0; the mask is 1 on target tokens.
func packMLE(exs []*envs.Example, maxSeq int) (*nn.Batch, []float32, error) {
	T := 0
	for _, ex := range exs {
		if l := len(ex.Prompt) + len(ex.Target) - 1; l > T {
			T = l
		}
	}
	if T > maxSeq {
		return nil, nil, fmt.Errorf("example of %d tokens exceeds the model's context of %d", T+1, maxSeq)
	}
	B := len(exs)
	b := &nn.Batch{B: B, T: T, Inputs: make([]int, B*T), Targets: make([]int, B*T)}
	mask := make([]float32, B*T)
	for i, ex := range exs {
		seq := append(append([]int(nil), ex.Prompt...), ex.Target...)
		P := len(ex.Prompt)
		for t := 0; t < len(seq)-1; t++ {
			b.Inputs[i*T+t] = seq[t]
			b.Targets[i*T+t] = seq[t+1]
			if t+1 >= P {
				mask[i*T+t] = 1
			}
		}
	}
	return b, mask, nil
}

// steps runs n optimizer steps on random batches of data and returns the
// mean token loss of the last step.
func (r *mleRun) steps(ctx context.Context, data []envs.Example, n int, onStep func(step int, loss float64)) (float64, error) {
	last := math.NaN()
	for s := 0; s < n; s++ {
		if err := ctx.Err(); err != nil {
			return last, err
		}
		exs := make([]*envs.Example, r.batch)
		for i := range exs {
			exs[i] = &data[r.rng.Intn(len(data))]
		}
		b, mask, err := packMLE(exs, r.model.Config().MaxSeq)
		if err != nil {
			return last, err
		}
		logp, _ := r.model.Forward(b)
		cnt := 0.0
		for _, m := range mask {
			cnt += float64(m)
		}
		d := make([]float32, len(logp))
		loss := 0.0
		for i, m := range mask {
			if m != 0 {
				d[i] = float32(-1 / cnt)
				loss -= float64(logp[i])
			}
		}
		loss /= cnt
		r.model.ZeroGrad()
		r.model.Backward(d, make([]float32, len(logp)))
		r.opt.Step(r.model)
		last = loss
		if onStep != nil {
			onStep(s+1, loss)
		}
	}
	return last, nil
}
