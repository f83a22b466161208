package main

import (
	"context"
	"fmt"
	"math"
	"math/rand"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/grpo"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/train"
)

// mleRun is teacher-forced MLE on (prompt, target) pairs with a
// response-only mask: the pretraining of the start checkpoint and the
// "MLE continued" control of every experiment. Its batch draw (uniform with
// replacement from one seeded stream) is what the shipped checkpoints were
// built with, so it stays here rather than in train.MLE's shuffled epochs;
// the batch layout and the validation loss are stdlib/train's.
type mleRun struct {
	model *nn.Model
	opt   *nn.AdamW
	rng   *rand.Rand
	batch int
	// lrAt, when set, gives the LR of each optimizer step (1-based).
	lrAt func(step int) float32
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

// sequences views examples as stdlib/train's (prompt, response) pairs.
func sequences(exs []envs.Example) []train.Sequence {
	seqs := make([]train.Sequence, len(exs))
	for i, ex := range exs {
		seqs[i] = train.Sequence{Prompt: ex.Prompt, Response: ex.Target}
	}
	return seqs
}

// packMLE lays out a batch with train.Pack (inputs seq[:-1], targets
// seq[1:], right-padded with 0, mask 1 on target tokens), after checking
// that every example fits the model's context.
func packMLE(seqs []train.Sequence, maxSeq int) (*nn.Batch, []float32, error) {
	for _, s := range seqs {
		if n := len(s.Prompt) + len(s.Response); n-1 > maxSeq {
			return nil, nil, fmt.Errorf("example of %d tokens exceeds the model's context of %d", n, maxSeq)
		}
	}
	b, mask := train.Pack(seqs, 0)
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
		if r.lrAt != nil {
			r.opt.SetLR(r.lrAt(r.opt.Steps() + 1))
		}
		seqs := make([]train.Sequence, r.batch)
		for i := range seqs {
			ex := &data[r.rng.Intn(len(data))]
			seqs[i] = train.Sequence{Prompt: ex.Prompt, Response: ex.Target}
		}
		b, mask, err := packMLE(seqs, r.model.Config().MaxSeq)
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

// convergedMLE is "MLE continued to convergence": MLE from the start model
// (at MLE continued's schedule, over the most steps e.converge) evaluated
// on the validation split every b.EvalEvery steps by the task's first
// metric, kept at its best and stopped after b.Patience evaluations without
// a new best (train.Converge). It returns the kept model and its step.
func (e *experiment) convergedMLE(ctx context.Context, task envs.Task, b budget, sp startPoint, data []envs.Example) (*nn.Model, int, error) {
	val, err := task.Generate(ctx, envs.Val, max(b.ValN, 1), 1)
	if err != nil {
		return nil, 0, err
	}
	key := metricKeys[task.Name()][0]
	sign := 1.0
	if key == "mse" {
		sign = -1 // lower is better
	}
	m := sp.Model.Clone()
	best := m.Clone()
	r := newMLERun(m, sp.ContinueLR, b.MLEBatch, e.seed)
	if e.mleSchedule != nil {
		sched := *e.mleSchedule
		r.lrAt = func(step int) float32 { return sched.At(step, e.converge) }
	}
	c, err := train.Converge(ctx, max(b.EvalEvery, 1), e.converge, max(b.Patience, 1),
		func(ctx context.Context, n int) error { _, err := r.steps(ctx, data, n, nil); return err },
		func(ctx context.Context) (float64, error) {
			ev, err := grpo.Evaluate(ctx, m, task, val, grpo.EvalOptions{Seed: 1, Greedy: true})
			if err != nil {
				return 0, err
			}
			e.logf("  mle_converged at %d steps: val %s %.4f", r.opt.Steps(), key, ev.Metrics[key])
			return sign * ev.Metrics[key], nil
		},
		func() { best = m.Clone() })
	return best, c.Best, err
}
