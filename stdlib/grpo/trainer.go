package grpo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// Config holds the GRPO hyperparameters. LanguageConfig and VideoConfig give the paper's
// values scaled down to a CPU; the zero value is not usable.
type Config struct {
	// GroupSize is G, the number of responses sampled per prompt.
	GroupSize int
	// PromptsPerStep is the number of prompts in one rollout batch.
	PromptsPerStep int
	// MiniBatches splits each rollout batch into this many optimizer steps
	// (one epoch over the batch).
	MiniBatches int
	// MicroBatch is the number of sequences per forward/backward pass inside
	// a mini-batch (gradients accumulate); 0 means the whole mini-batch.
	MicroBatch int
	// LR is AdamW's constant learning rate.
	LR float32
	// WeightDecay is AdamW's decoupled weight decay (0.01).
	WeightDecay float32
	// ClipNorm is the global gradient-norm clip (1.0).
	ClipNorm float32
	// Loss holds the clip, KL and entropy coefficients.
	Loss LossConfig
	// Temperature and TopK are the rollout sampler's settings (1 and 0: the
	// reference samples from the full distribution).
	Temperature float32
	TopK        int
	// KV is the rollout sampler's KV cache precision. With nn.KVFloat16,
	// nn.KVInt8 or nn.KVK8V16 long rollouts sample faster, and logp_old is recomputed by the policy
	// after the rollout, as METHOD.md has it; with the default float32 the
	// sampler's own log-probabilities are that same quantity and are reused.
	KV nn.KVPrecision
	// Workers is the number of goroutines scoring responses; 0 means
	// GOMAXPROCS.
	Workers int
	// Seed seeds prompt order and sampling.
	Seed int64
	// DynamicSampling, when positive, is the most extra rollout batches Train
	// may sample in one step to fill PromptsPerStep groups whose rewards
	// differ: groups with equal rewards have zero advantage and teach
	// nothing, and a start model that is right most of the time yields
	// mostly such groups (DAPO's dynamic sampling). Uniform groups fill the
	// batch when the draws run out. 0 keeps the reference's one batch.
	DynamicSampling int
}

// LanguageConfig returns the defaults of a language task (text game, web):
// the reference's clip 0.2, beta 0.001, entropy 0.001, AdamW wd 0.01, clip
// 1.0, 2 mini-batches; G and the batch are scaled down from the paper's
// 5/16 and 128 prompts so that a step takes seconds.
func LanguageConfig() Config {
	return Config{
		GroupSize:      5,
		PromptsPerStep: 8,
		MiniBatches:    2,
		LR:             1e-4,
		WeightDecay:    0.01,
		ClipNorm:       1.0,
		Loss:           LossConfig{ClipEps: 0.2, KLCoef: 0.001, EntropyCoef: 0.001},
		Temperature:    1,
		Seed:           1,
	}
}

// VideoConfig returns the defaults of a video task: LanguageConfig with G =
// 8, the reference's dual clip of 3 and no entropy bonus.
func VideoConfig() Config {
	c := LanguageConfig()
	c.GroupSize = 8
	c.Loss.DualClip = 3
	c.Loss.EntropyCoef = 0
	return c
}

func (c *Config) validate() error {
	if c.GroupSize < 2 {
		return fmt.Errorf("grpo: group size %d must be at least 2 (advantages need a spread)", c.GroupSize)
	}
	if c.PromptsPerStep < 1 {
		return fmt.Errorf("grpo: prompts per step %d must be positive", c.PromptsPerStep)
	}
	if c.MiniBatches < 1 || c.MiniBatches > c.PromptsPerStep*c.GroupSize {
		return fmt.Errorf("grpo: %d mini-batches for %d rollouts", c.MiniBatches, c.PromptsPerStep*c.GroupSize)
	}
	if c.MicroBatch < 0 {
		return fmt.Errorf("grpo: micro-batch %d is negative", c.MicroBatch)
	}
	if !(c.LR > 0) {
		return fmt.Errorf("grpo: learning rate %g must be positive", c.LR)
	}
	if c.DynamicSampling < 0 {
		return fmt.Errorf("grpo: dynamic sampling %d is negative", c.DynamicSampling)
	}
	if c.Temperature <= 0 {
		return fmt.Errorf("grpo: rollout temperature %g must be positive", c.Temperature)
	}
	if err := c.KV.Validate(); err != nil {
		return fmt.Errorf("grpo: rollout sampler: %w", err)
	}
	return nil
}

// StepMetrics describes one GRPO step (one rollout batch and its updates).
type StepMetrics struct {
	// Step counts completed steps, from 1.
	Step int
	// RewardMean and RewardStd are over all G*prompts rollouts.
	RewardMean, RewardStd float64
	// RewardMax is the best rollout reward.
	RewardMax float64
	// ZeroGroups is the share of groups whose rewards were all equal (no
	// learning signal), among all groups sampled in the step.
	ZeroGroups float64
	// Draws is the number of rollout batches sampled in the step (1 unless
	// Config.DynamicSampling drew more).
	Draws int
	// AdvMean, AdvStd and AdvAbsMean describe the advantages per rollout.
	AdvMean, AdvStd, AdvAbsMean float64
	// Loss, PolicyLoss, KL, Entropy, ClipFrac and DualClipFrac are token
	// means averaged over the micro-batches of the step.
	Loss, PolicyLoss, KL, Entropy, ClipFrac, DualClipFrac float64
	// GradNorm is the mean pre-clip gradient norm of the optimizer steps.
	GradNorm float64
	// RespLen is the mean response length in tokens (generated and forced).
	RespLen float64
	// Stopped is the share of responses that ended with the stop token.
	Stopped float64
	// ParseErrors is the share of responses the verifier could not use.
	ParseErrors float64
	// SampleSec, RewardSec and UpdateSec split WallSec: rollout sampling,
	// verifier scoring, and the forward/backward/optimizer work (including
	// the old and reference log-probabilities).
	SampleSec, RewardSec, UpdateSec, WallSec float64
	// LogProbSec is the part of UpdateSec spent on the old and reference
	// log-probabilities (forward passes only); the rest is forward, backward
	// and the optimizer.
	LogProbSec float64
}

// Trainer post-trains a policy with GRPO against a task's verifier.
type Trainer struct {
	// Policy is the model being trained.
	Policy *nn.Model
	// Ref is the frozen reference model (a clone of the start policy) that
	// the KL term pulls towards.
	Ref *nn.Model
	// Task supplies the verifier and the decoding settings.
	Task envs.Task
	// Config holds the hyperparameters.
	Config Config
	// Step is the number of completed steps (restored by Resume).
	Step int
	// drawn counts the training prompts drawn so far (restored by Resume),
	// so that a later Train or a resumed run continues the same prompt
	// stream even when dynamic sampling drew more than PromptsPerStep.
	drawn int

	opt *nn.AdamW
	// fullForward computes the reference log-probabilities with the
	// training Forward, as before LogProbs existed; the equivalence test
	// runs both.
	fullForward bool
	// fullBatch trains on the whole padded batch instead of the packed one
	// (nn.Batch.Shared): the path before packing, for the test that
	// compares the two.
	fullBatch bool
}

// NewTrainer returns a trainer that starts from policy; the reference model
// is a clone of policy as it is now.
func NewTrainer(policy *nn.Model, task envs.Task, cfg Config) (*Trainer, error) {
	if policy == nil || task == nil {
		return nil, fmt.Errorf("grpo: nil policy or task")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if v := policy.Config().Vocab; v < task.VocabSize() {
		return nil, fmt.Errorf("grpo: model vocabulary %d smaller than task %s's %d", v, task.Name(), task.VocabSize())
	}
	return &Trainer{
		Policy: policy,
		Ref:    policy.Clone(),
		Task:   task,
		Config: cfg,
		opt:    newOpt(cfg),
	}, nil
}

func newOpt(cfg Config) *nn.AdamW {
	return nn.NewAdamW(nn.AdamWConfig{LR: cfg.LR, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8,
		WeightDecay: cfg.WeightDecay, ClipNorm: cfg.ClipNorm})
}

// rollout is one sampled response and what the update needs of it.
type rollout struct {
	ex     *envs.Example
	sample nn.Sample
	reward float64
	adv    float64
}

// Train runs steps GRPO steps, drawing PromptsPerStep prompts per step from
// data in a seeded shuffled order (reshuffled each epoch). onStep, when not
// nil, receives each step's metrics. It returns ctx.Err() promptly when ctx
// is cancelled; the steps completed so far are kept.
func (t *Trainer) Train(ctx context.Context, data []envs.Example, steps int, onStep func(StepMetrics)) error {
	if len(data) == 0 {
		return fmt.Errorf("grpo: no training prompts")
	}
	rng := rand.New(rand.NewSource(t.Config.Seed ^ 0x5eed))
	order := rng.Perm(len(data))
	// Skip what a resumed run has already consumed, so resuming continues
	// the same prompt stream.
	pos := 0
	advance := func() *envs.Example {
		if pos == len(order) {
			order = rng.Perm(len(data))
			pos = 0
		}
		ex := &data[order[pos]]
		pos++
		return ex
	}
	for i := 0; i < t.drawn; i++ {
		advance()
	}
	for s := 0; s < steps; s++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		draw := func() []*envs.Example {
			batch := make([]*envs.Example, t.Config.PromptsPerStep)
			for i := range batch {
				batch[i] = advance()
			}
			t.drawn += len(batch)
			return batch
		}
		m, err := t.step(ctx, draw, t.Config.DynamicSampling)
		if err != nil {
			return err
		}
		if onStep != nil {
			onStep(m)
		}
	}
	return nil
}

// TrainStep runs one GRPO step on the given prompts: sample G responses
// each, score them, compute advantages and the old and reference
// log-probabilities, then one epoch of mini-batch updates. It uses exactly
// these prompts: Config.DynamicSampling applies in Train, which has data
// to draw more from.
func (t *Trainer) TrainStep(ctx context.Context, prompts []*envs.Example) (StepMetrics, error) {
	if len(prompts) == 0 {
		return StepMetrics{}, fmt.Errorf("grpo: no prompts")
	}
	t.drawn += len(prompts)
	return t.step(ctx, func() []*envs.Example { return prompts }, 0)
}

// step runs one GRPO step on the prompt batch draw returns. With extra > 0
// it keeps the groups whose rewards differ and draws up to extra more
// batches until PromptsPerStep such groups are found, then fills what is
// missing with uniform groups; with 0 it trains on the one batch as drawn.
func (t *Trainer) step(ctx context.Context, draw func() []*envs.Example, extra int) (StepMetrics, error) {
	G := t.Config.GroupSize
	start := time.Now()
	var m StepMetrics
	pick := groupPicker{G: G, want: t.Config.PromptsPerStep, keepOrder: extra == 0}
	for d := 0; d <= extra; d++ {
		var batch []rollout
		var err error
		// Profile labels (phase=sample, ref, update) split a CPU profile
		// of training by phase: go tool pprof -tagfocus=phase=sample.
		pprof.Do(ctx, pprof.Labels("phase", "sample"), func(ctx context.Context) {
			batch, err = t.rollouts(ctx, draw(), d, &m)
		})
		if err != nil {
			return m, err
		}
		m.Draws++
		if pick.add(batch) {
			break
		}
	}
	ro := pick.result()
	m.ZeroGroups = float64(pick.zero) / float64(pick.groups)
	m.ParseErrors /= float64(pick.groups * G)
	fillRolloutStats(&m, ro)

	// Updates: one epoch over the batch in MiniBatches optimizer steps.
	t1 := time.Now()
	var err error
	pprof.Do(ctx, pprof.Labels("phase", "update"), func(ctx context.Context) { err = t.update(ctx, ro, &m) })
	if err != nil {
		return m, err
	}
	m.UpdateSec = time.Since(t1).Seconds()
	t.Step++
	m.Step = t.Step
	m.WallSec = time.Since(start).Seconds()
	return m, nil
}

// rollouts samples G responses for each prompt in one batched KV-cache
// call, scores them in parallel and computes their group advantages. It
// adds its sampling and scoring time and its parse failures (a count) to m.
// draw numbers the batches of one step so that each samples afresh.
func (t *Trainer) rollouts(ctx context.Context, prompts []*envs.Example, draw int, m *StepMetrics) ([]rollout, error) {
	cfg := t.Config
	G := cfg.GroupSize
	t0 := time.Now()
	dec := t.Task.Decoding()
	rows := make([][]int, 0, len(prompts)*G)
	exOf := make([]*envs.Example, 0, len(prompts)*G)
	for _, ex := range prompts {
		for g := 0; g < G; g++ {
			rows = append(rows, ex.Prompt)
			exOf = append(exOf, ex)
		}
	}
	opts := nn.SampleOptions{
		MaxNew:      dec.MaxTokens,
		Temperature: cfg.Temperature,
		TopK:        cfg.TopK,
		Stop:        dec.Stop,
		Seed:        cfg.Seed*1000003 + int64(t.Step)*7919 + int64(draw)*104729 + 1,
		KV:          cfg.KV,
	}
	if dec.Force != nil {
		opts.Force = func(row int, response []int) []int { return dec.Force(exOf[row], response) }
	}
	samples, err := t.Policy.Sample(ctx, rows, opts)
	if err != nil {
		return nil, fmt.Errorf("grpo: step %d: sampling: %w", t.Step+1, err)
	}
	if len(samples) != len(rows) {
		return nil, fmt.Errorf("grpo: sampler returned %d samples for %d prompts", len(samples), len(rows))
	}
	m.SampleSec += time.Since(t0).Seconds()

	t1 := time.Now()
	resp := make([][]int, len(samples))
	for i := range samples {
		resp[i] = samples[i].Tokens
	}
	scores, err := scoreAll(ctx, t.Task, exOf, resp, cfg.Workers)
	if err != nil {
		return nil, err
	}
	rewards := make([]float64, len(scores))
	for i, s := range scores {
		rewards[i] = s.Reward
		if s.Err != "" {
			m.ParseErrors++
		}
	}
	m.RewardSec += time.Since(t1).Seconds()

	adv, err := Advantages(rewards, G)
	if err != nil {
		return nil, err
	}
	ro := make([]rollout, len(samples))
	for i := range ro {
		ro[i] = rollout{ex: exOf[i], sample: samples[i], reward: rewards[i], adv: adv[i]}
	}
	return ro, nil
}

// groupPicker chooses the rollouts of one step from one or more sampled
// batches of groups of G.
type groupPicker struct {
	G, want int
	// keepOrder trains on the first batch as drawn (the reference, without
	// dynamic sampling).
	keepOrder bool
	// signal and uniform hold the groups whose rewards differ and those
	// whose rewards are equal; groups and zero count all groups seen and
	// the uniform ones.
	signal, uniform []rollout
	groups, zero    int
	// asDrawn is the first batch, with keepOrder.
	asDrawn []rollout
}

// add takes one batch and reports whether the step has what it needs.
func (p *groupPicker) add(batch []rollout) bool {
	for g := 0; g+p.G <= len(batch); g += p.G {
		p.groups++
		if uniformGroup(batch[g : g+p.G]) {
			p.zero++
			p.uniform = append(p.uniform, batch[g:g+p.G]...)
		} else {
			p.signal = append(p.signal, batch[g:g+p.G]...)
		}
	}
	if p.keepOrder {
		p.asDrawn = batch
		return true
	}
	return len(p.signal) >= p.want*p.G
}

// result returns want groups: signal groups first, topped up with uniform
// ones when the draws found too few.
func (p *groupPicker) result() []rollout {
	if p.keepOrder {
		return p.asDrawn
	}
	n := p.want * p.G
	if len(p.signal) >= n {
		return p.signal[:n]
	}
	return append(p.signal, p.uniform[:min(n-len(p.signal), len(p.uniform))]...)
}

// uniformGroup reports whether a group's advantages are all zero: its
// rewards were equal, so it carries no policy gradient.
func uniformGroup(group []rollout) bool {
	for _, r := range group {
		if r.adv != 0 {
			return false
		}
	}
	return true
}

// fillRolloutStats sets the reward, advantage and response statistics of
// the rollouts the step trains on.
func fillRolloutStats(m *StepMetrics, ro []rollout) {
	n := float64(len(ro))
	m.RewardMax = math.Inf(-1)
	for _, r := range ro {
		m.RewardMean += r.reward
		m.AdvMean += r.adv
		m.AdvAbsMean += math.Abs(r.adv)
		m.RespLen += float64(len(r.sample.Tokens))
		if r.sample.Stopped {
			m.Stopped++
		}
		m.RewardMax = math.Max(m.RewardMax, r.reward)
	}
	m.RewardMean /= n
	m.AdvMean /= n
	m.AdvAbsMean /= n
	m.RespLen /= n
	m.Stopped /= n
	for _, r := range ro {
		m.RewardStd += (r.reward - m.RewardMean) * (r.reward - m.RewardMean)
		m.AdvStd += (r.adv - m.AdvMean) * (r.adv - m.AdvMean)
	}
	m.RewardStd = math.Sqrt(m.RewardStd / n)
	m.AdvStd = math.Sqrt(m.AdvStd / n)
}

// microBatch is one packed forward pass with its fixed inputs.
type microBatch struct {
	batch   *nn.Batch
	mask    []float32
	adv     []float32
	oldLogP []float32
	refLogP []float32
}

// pack builds the model batch of rollouts: sequence = prompt ++ response,
// inputs seq[:-1], targets seq[1:], right-padded with token 0. The mask is 1
// exactly where the target is a generated response token: prompt, padding
// and forced tokens get 0.
func pack(ro []rollout, maxSeq int) (*nn.Batch, []float32, []float32, error) {
	T := 0
	for _, r := range ro {
		if l := len(r.ex.Prompt) + len(r.sample.Tokens) - 1; l > T {
			T = l
		}
	}
	if T < 1 {
		return nil, nil, nil, fmt.Errorf("grpo: empty sequences")
	}
	if T > maxSeq {
		return nil, nil, nil, fmt.Errorf("grpo: prompt+response of %d tokens exceeds the model's context of %d", T, maxSeq)
	}
	B := len(ro)
	b := &nn.Batch{B: B, T: T, Inputs: make([]int, B*T), Targets: make([]int, B*T), Shared: make([]int, B)}
	mask := make([]float32, B*T)
	adv := make([]float32, B*T)
	lead := 0
	for i, r := range ro {
		P := len(r.ex.Prompt)
		resp := r.sample.Tokens
		L := P + len(resp) - 1
		// The rollouts of one prompt share its positions but the last (which
		// predicts each one's first response token): the model computes
		// them once per group (nn.Batch.Shared); the loss has no term there.
		if i > 0 && slices.Equal(r.ex.Prompt, ro[lead].ex.Prompt) {
			b.Shared[i] = P - 1
		} else {
			lead = i
		}
		for t := L; t < T; t++ {
			b.Targets[i*T+t] = -1 // padding: no target, so no position to compute
		}
		for t := 0; t < L; t++ {
			if t < P {
				b.Inputs[i*T+t] = r.ex.Prompt[t]
			} else {
				b.Inputs[i*T+t] = resp[t-P]
			}
			j := t + 1 - P // index of the target in the response
			if j < 0 {
				b.Targets[i*T+t] = r.ex.Prompt[t+1]
				continue
			}
			b.Targets[i*T+t] = resp[j]
			generated := r.sample.Generated == nil || (j < len(r.sample.Generated) && r.sample.Generated[j])
			if generated {
				mask[i*T+t] = 1
				adv[i*T+t] = float32(r.adv)
			}
		}
	}
	return b, mask, adv, nil
}

// samplerLogP lays the sampler's log-probabilities of the rollouts out as
// pack lays out their targets (row i, position t predicts response token
// t+1-len(prompt)); other positions are 0 and masked out of the loss. It
// reports false when a rollout lacks one log-probability per token.
func samplerLogP(ro []rollout, T int) ([]float32, bool) {
	out := make([]float32, len(ro)*T)
	for i, r := range ro {
		lp := r.sample.LogProbs
		if len(lp) != len(r.sample.Tokens) {
			return nil, false
		}
		P := len(r.ex.Prompt)
		for j := range lp {
			if t := P - 1 + j; t < T {
				out[i*T+t] = lp[j]
			}
		}
	}
	return out, true
}

func (t *Trainer) update(ctx context.Context, ro []rollout, m *StepMetrics) error {
	cfg := t.Config
	maxSeq := t.Policy.Config().MaxSeq
	n := len(ro)
	// Mini-batch boundaries, as even as possible.
	var minis [][]rollout
	for k := 0; k < cfg.MiniBatches; k++ {
		lo, hi := k*n/cfg.MiniBatches, (k+1)*n/cfg.MiniBatches
		if hi > lo {
			minis = append(minis, ro[lo:hi])
		}
	}
	// Split each mini-batch into micro-batches and fix the old and reference
	// log-probabilities now, before any parameter moves: old = the policy
	// right after the rollout.
	var plan [][]*microBatch
	tlp := time.Now()
	for _, mb := range minis {
		size := cfg.MicroBatch
		if size <= 0 || size > len(mb) {
			size = len(mb)
		}
		var micros []*microBatch
		for lo := 0; lo < len(mb); lo += size {
			hi := lo + size
			if hi > len(mb) {
				hi = len(mb)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			b, mask, adv, err := pack(mb[lo:hi], maxSeq)
			if err == nil && t.fullBatch {
				b.Shared = nil
			}
			if err == nil {
				err = t.Policy.Check(b)
			}
			if err != nil {
				return fmt.Errorf("grpo: step %d: %w", t.Step+1, err)
			}
			// The sampler already returned the rollout policy's own
			// (temperature-1) log-probabilities of every response token:
			// with a float32 cache they are logp_old, and reusing them
			// saves one of the two forward passes here. Rollouts without
			// them, or from a reduced cache (float16, int8, k8v16), recompute.
			old, ok := samplerLogP(mb[lo:hi], b.T)
			if !ok || cfg.KV != nn.KVFloat32 {
				// The training Forward, so that the ratio of the first
				// mini-batch is exactly 1, as in the reference.
				lp, _ := t.Policy.Forward(b)
				old = lp
			}
			micros = append(micros, &microBatch{batch: b, mask: mask, adv: adv,
				oldLogP: old, refLogP: t.refLogProbs(ctx, b)})
		}
		plan = append(plan, micros)
	}
	m.LogProbSec = time.Since(tlp).Seconds()
	count := 0
	for _, micros := range plan {
		t.Policy.ZeroGrad()
		for _, mb := range micros {
			if err := ctx.Err(); err != nil {
				return err
			}
			logp, ent := t.Policy.Forward(mb.batch)
			in := LossInput{LogP: logp, OldLogP: mb.oldLogP, Advantage: mb.adv, Mask: mb.mask, Entropy: ent}
			if cfg.Loss.KLCoef != 0 {
				in.RefLogP = mb.refLogP
			}
			dl, de, st, err := Loss(cfg.Loss, in)
			if err != nil {
				return err
			}
			// Each micro-batch is a token mean; the mini-batch averages them,
			// as gradient accumulation in the reference does.
			if s := float32(len(micros)); s > 1 {
				for i := range dl {
					dl[i] /= s
				}
				for i := range de {
					de[i] /= s
				}
			}
			if de == nil {
				de = make([]float32, len(dl))
			}
			t.Policy.Backward(dl, de)
			m.Loss += st.Loss
			m.PolicyLoss += st.PolicyLoss
			m.KL += st.KL
			m.Entropy += st.Entropy
			m.ClipFrac += st.ClipFrac
			m.DualClipFrac += st.DualClipFrac
			count++
		}
		m.GradNorm += float64(t.opt.Step(t.Policy))
	}
	if count > 0 {
		c := float64(count)
		m.Loss /= c
		m.PolicyLoss /= c
		m.KL /= c
		m.Entropy /= c
		m.ClipFrac /= c
		m.DualClipFrac /= c
		m.GradNorm /= float64(len(plan))
	}
	return nil
}

// refLogProbs is the reference model's log-probabilities of b's targets:
// the forward-only nn.Model.LogProbs (no stored activations, the decoding
// kernels' attention), or the training Forward with fullForward.
func (t *Trainer) refLogProbs(ctx context.Context, b *nn.Batch) (lp []float32) {
	pprof.Do(ctx, pprof.Labels("phase", "ref"), func(context.Context) {
		if t.fullForward {
			lp, _ = t.Ref.Forward(b)
			return
		}
		lp = t.Ref.LogProbs(b)
	})
	return lp
}

// scoreAll scores responses with the task's verifier on workers goroutines.
func scoreAll(ctx context.Context, task envs.Task, exs []*envs.Example, resp [][]int, workers int) ([]envs.Score, error) {
	out := make([]envs.Score, len(resp))
	if workers < 1 {
		workers = 1
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = safeScore(task, exs[i], resp[i])
			}
		}()
	}
	var err error
feed:
	for i := range resp {
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	return out, err
}

// safeScore turns a verifier panic (a task bug) into a zero reward with
// the panic as its error, so one bad response cannot kill a long run.
func safeScore(task envs.Task, ex *envs.Example, resp []int) (s envs.Score) {
	defer func() {
		if r := recover(); r != nil {
			s = envs.Score{Reward: 0, Err: fmt.Sprintf("verifier panic: %v", r)}
		}
	}()
	return task.Score(ex, resp)
}

// Save writes the policy to path with the trainer's step and config in the
// checkpoint metadata, and the optimizer's moments to path + ".adamw", so
// that Resume can continue the run exactly.
func (t *Trainer) Save(path string) error {
	cfg, err := json.Marshal(t.Config)
	if err != nil {
		return fmt.Errorf("grpo: encode config: %w", err)
	}
	meta := map[string]string{"grpo_step": strconv.Itoa(t.Step), "grpo_drawn": strconv.Itoa(t.drawn),
		"grpo_config": string(cfg), "grpo_task": t.Task.Name()}
	if err := t.Policy.Save(path, meta); err != nil {
		return fmt.Errorf("grpo: save %s: %w", path, err)
	}
	if err := t.opt.SaveState(path + ".adamw"); err != nil {
		return fmt.Errorf("grpo: save optimizer state: %w", err)
	}
	return nil
}

// Resume loads a checkpoint written by Save into the trainer: the policy
// weights, the optimizer's moments and the step count (so Train continues
// the same prompt stream). The reference model stays the trainer's own: the
// start checkpoint the trainer was built from.
func (t *Trainer) Resume(path string) error {
	m, meta, err := nn.Load(path)
	if err != nil {
		return fmt.Errorf("grpo: resume: %w", err)
	}
	if m.Config() != t.Policy.Config() {
		return fmt.Errorf("grpo: resume %s: model config %+v differs from the trainer's %+v", path, m.Config(), t.Policy.Config())
	}
	step, err := strconv.Atoi(meta["grpo_step"])
	if err != nil {
		return fmt.Errorf("grpo: resume %s: no valid grpo_step in metadata: %w", path, err)
	}
	// Checkpoints from before dynamic sampling drew PromptsPerStep a step.
	drawn := step * t.Config.PromptsPerStep
	if v, ok := meta["grpo_drawn"]; ok {
		if drawn, err = strconv.Atoi(v); err != nil || drawn < 0 {
			return fmt.Errorf("grpo: resume %s: bad grpo_drawn %q", path, v)
		}
	}
	if name := meta["grpo_task"]; name != "" && name != t.Task.Name() {
		return fmt.Errorf("grpo: resume %s: checkpoint is for task %q, trainer for %q", path, name, t.Task.Name())
	}
	opt := newOpt(t.Config)
	if err := opt.LoadState(path+".adamw", m); err != nil {
		return fmt.Errorf("grpo: resume: %w", err)
	}
	t.Policy = m
	t.Step = step
	t.drawn = drawn
	t.opt = opt
	return nil
}
