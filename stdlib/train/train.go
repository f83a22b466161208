package train

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	mrand "math/rand"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// Sequence is one training example: the model reads Prompt and learns to
// continue it with Response.
type Sequence struct {
	Prompt, Response []int
}

// Options configures MLE. Zero values take defaults where one is noted.
type Options struct {
	// Steps is the total number of optimiser steps (counting steps done
	// before a resume).
	Steps int
	// BatchSize is the number of sequences per step (default 16).
	BatchSize int
	// LR is the peak learning rate (default 1e-3).
	LR float32
	// WarmupSteps ramps the LR linearly from LR/WarmupSteps up to LR.
	WarmupSteps int
	// CosineDecay decays the LR after warm-up along a cosine down to LR/10
	// at Steps; otherwise it stays constant.
	CosineDecay bool
	// Schedule, when set, gives every step's LR instead of LR, WarmupSteps
	// and CosineDecay (Schedule.At over Steps).
	Schedule *Schedule
	// EvalEvery computes the validation loss every so many steps and at the
	// last step (0: only at the last step; no validation without val data).
	EvalEvery int
	// Seed fixes the order of the training data.
	Seed int64
	// CheckpointPath, when set, receives a checkpoint (nn.Save, with the
	// step as metadata "train.step") every CheckpointEvery steps and at the
	// end, and the optimiser state next to it at CheckpointPath+".adamw".
	CheckpointPath  string
	CheckpointEvery int
	// Resume continues from CheckpointPath when that file exists: the
	// parameters, the optimiser state and the step are restored, and the
	// data order continues where it stopped.
	Resume bool
	// Draw, when set, picks the training indices of each step's batch
	// (1-based step, BatchSize indices) instead of shuffled epochs; see
	// UniformDraw. Resume then replays only what Draw replays.
	Draw func(step, size int) []int
	// Optimizer overrides AdamW's other settings (LR comes from LR above).
	Optimizer nn.AdamWConfig
	// OnMetrics, when set, is called after every step.
	OnMetrics func(Metrics)
}

// Metrics describe one step.
type Metrics struct {
	Step int
	// Loss is the mean negative log-likelihood of this step's response
	// tokens, in nats.
	Loss float64
	// ValLoss is the latest validation loss (see Evaluated).
	ValLoss float64
	// Evaluated is true on the steps where ValLoss was computed.
	Evaluated    bool
	TokensPerSec float64
	GradNorm     float64
	LR           float64
	Elapsed      time.Duration
}

// Result summarises a run.
type Result struct {
	// Steps is the number of the last completed step.
	Steps int
	// Loss is the last step's training loss, ValLoss the last validation
	// loss (NaN when there was none).
	Loss, ValLoss float64
	Elapsed       time.Duration
	// History holds every step's metrics.
	History []Metrics
}

// Pack lays sequences out as a batch of len(seqs) rows of T positions:
// inputs are prompt+response without the last token, targets the same
// shifted by one, and mask[i] is 1 where Targets[i] is a response token.
// Rows are right-padded with token 0 (mask 0). T <= 0 means the longest
// sequence minus one; a longer sequence is cut at T positions.
func Pack(seqs []Sequence, T int) (*nn.Batch, []float32) {
	if T <= 0 {
		for _, s := range seqs {
			T = max(T, len(s.Prompt)+len(s.Response)-1)
		}
		T = max(T, 1)
	}
	B := len(seqs)
	b := &nn.Batch{B: B, T: T, Inputs: make([]int, B*T), Targets: make([]int, B*T)}
	mask := make([]float32, B*T)
	for r, s := range seqs {
		n := len(s.Prompt) + len(s.Response)
		at := func(i int) int {
			if i < len(s.Prompt) {
				return s.Prompt[i]
			}
			return s.Response[i-len(s.Prompt)]
		}
		for t := 0; t < T && t+1 < n; t++ {
			b.Inputs[r*T+t] = at(t)
			b.Targets[r*T+t] = at(t + 1)
			if t+1 >= len(s.Prompt) {
				mask[r*T+t] = 1
			}
		}
	}
	return b, mask
}

// LRAt is the learning rate of step (1-based) under o's schedule.
func LRAt(step int, o Options) float32 {
	if o.Schedule != nil {
		return o.Schedule.At(step, o.Steps)
	}
	lr := o.LR
	if lr == 0 {
		lr = 1e-3
	}
	if o.WarmupSteps > 0 && step <= o.WarmupSteps {
		return lr * float32(step) / float32(o.WarmupSteps)
	}
	if o.CosineDecay && o.Steps > o.WarmupSteps {
		p := float64(step-o.WarmupSteps) / float64(o.Steps-o.WarmupSteps)
		return lr * float32(0.1+0.9*0.5*(1+math.Cos(math.Pi*math.Min(p, 1))))
	}
	return lr
}

func check(m *nn.Model, name string, seqs []Sequence) error {
	cfg := m.Config()
	for i, s := range seqs {
		n := len(s.Prompt) + len(s.Response)
		if len(s.Prompt) == 0 || len(s.Response) == 0 {
			return fmt.Errorf("train: %s sequence %d: prompt and response must both be non-empty", name, i)
		}
		if n-1 > cfg.MaxSeq {
			return fmt.Errorf("train: %s sequence %d has %d tokens, more than the model's MaxSeq+1 = %d", name, i, n, cfg.MaxSeq+1)
		}
		for _, t := range append(append([]int(nil), s.Prompt...), s.Response...) {
			if t < 0 || t >= cfg.Vocab {
				return fmt.Errorf("train: %s sequence %d: token %d outside the vocabulary [0,%d)", name, i, t, cfg.Vocab)
			}
		}
	}
	return nil
}

// order returns the indices of the sequences used at step (1-based):
// epochs are shuffled with (seed, epoch), so any step's batch can be
// recomputed, which makes resume exact.
type order struct {
	n, bs int
	seed  int64
	epoch int
	perm  []int
}

// UniformDraw is a Draw of n sequences uniformly with replacement from one
// math/rand stream of seed, one draw after another: the batches of the
// experiment's MLE (rlvr/exp), with which the shipped checkpoints were
// built. The stream is stateful: a new UniformDraw starts it again.
func UniformDraw(n int, seed int64) func(step, size int) []int {
	rng := mrand.New(mrand.NewSource(seed))
	return func(_, size int) []int {
		idx := make([]int, size)
		for i := range idx {
			idx[i] = rng.Intn(n)
		}
		return idx
	}
}

func (o *order) batch(step int) []int {
	out := make([]int, o.bs)
	for k := range out {
		g := (step-1)*o.bs + k
		if e := g / o.n; e != o.epoch || o.perm == nil {
			o.epoch = e
			o.perm = rand.New(rand.NewPCG(uint64(o.seed), uint64(e))).Perm(o.n)
		}
		out[k] = o.perm[g%o.n]
	}
	return out
}

// MLE trains m by teacher forcing on train, with the loss on response
// tokens only, and reports the validation loss on val. It returns promptly
// with ctx.Err() (and the result so far) when ctx is cancelled.
func MLE(ctx context.Context, m *nn.Model, train, val []Sequence, o Options) (Result, error) {
	res := Result{ValLoss: math.NaN()}
	if err := check(m, "validation", val); err != nil {
		return res, err
	}
	s, err := NewStepper(m, train, o)
	if err != nil {
		return res, err
	}
	o = s.o
	if o.Resume && o.CheckpointPath != "" {
		st, err := resume(m, s.opt, o.CheckpointPath)
		if err != nil {
			return res, err
		}
		s.step = st
		res.Steps = st
	}
	for s.step < o.Steps {
		if err := ctx.Err(); err != nil {
			res.Elapsed = time.Since(s.t0)
			return res, err
		}
		met, err := s.one()
		if err != nil {
			return res, err
		}
		met.ValLoss = res.ValLoss
		step := met.Step
		if len(val) > 0 && ((o.EvalEvery > 0 && step%o.EvalEvery == 0) || step == o.Steps) {
			vl, err := Loss(ctx, m, val, o.BatchSize)
			if err != nil {
				res.Elapsed = time.Since(s.t0)
				return res, err
			}
			res.ValLoss, met.ValLoss, met.Evaluated = vl, vl, true
		}
		met.Elapsed = time.Since(s.t0)
		res.Steps, res.Loss, res.Elapsed = step, met.Loss, met.Elapsed
		res.History = append(res.History, met)
		if o.CheckpointPath != "" && ((o.CheckpointEvery > 0 && step%o.CheckpointEvery == 0) || step == o.Steps) {
			if err := save(m, s.opt, o.CheckpointPath, step); err != nil {
				return res, err
			}
		}
		if o.OnMetrics != nil {
			o.OnMetrics(met)
		}
	}
	return res, nil
}

// Stepper trains by MLE a few steps at a time with one optimizer and one
// data order, for a caller that interleaves its own evaluations (early
// stopping on a task metric, Converge). MLE is a Stepper run to Steps.
type Stepper struct {
	m     *nn.Model
	train []Sequence
	o     Options
	opt   *nn.AdamW
	ord   *order
	step  int
	t0    time.Time
}

// NewStepper checks the data and options as MLE does and returns a Stepper
// at step 0. Options.Steps is the schedule's length, not a limit.
func NewStepper(m *nn.Model, train []Sequence, o Options) (*Stepper, error) {
	if len(train) == 0 {
		return nil, errors.New("train: no training sequences")
	}
	if o.Steps < 0 || o.BatchSize < 0 || o.LR < 0 {
		return nil, fmt.Errorf("train: negative Steps %d, BatchSize %d or LR %g", o.Steps, o.BatchSize, o.LR)
	}
	if err := check(m, "training", train); err != nil {
		return nil, err
	}
	if o.BatchSize == 0 {
		o.BatchSize = 16
	}
	oc := o.Optimizer
	oc.LR = LRAt(1, o)
	m.ZeroGrad()
	return &Stepper{m: m, train: train, o: o, opt: nn.NewAdamW(oc),
		ord: &order{n: len(train), bs: o.BatchSize, seed: o.Seed}, t0: time.Now()}, nil
}

// Steps runs n more optimizer steps (calling Options.OnMetrics after each)
// and returns the last step's metrics. It returns ctx.Err() promptly when
// ctx is cancelled.
func (s *Stepper) Steps(ctx context.Context, n int) (Metrics, error) {
	var met Metrics
	for k := 0; k < n; k++ {
		if err := ctx.Err(); err != nil {
			return met, err
		}
		var err error
		if met, err = s.one(); err != nil {
			return met, err
		}
		met.Elapsed = time.Since(s.t0)
		if s.o.OnMetrics != nil {
			s.o.OnMetrics(met)
		}
	}
	return met, nil
}

// one runs the next optimizer step.
func (s *Stepper) one() (Metrics, error) {
	s.step++
	step, o := s.step, s.o
	ts := time.Now()
	var idx []int
	if o.Draw != nil {
		idx = o.Draw(step, o.BatchSize)
	} else {
		idx = s.ord.batch(step)
	}
	seqs := make([]Sequence, len(idx))
	for k, i := range idx {
		if i < 0 || i >= len(s.train) {
			return Metrics{}, fmt.Errorf("train: Draw gave index %d at step %d, outside the %d training sequences", i, step, len(s.train))
		}
		seqs[k] = s.train[i]
	}
	b, mask := Pack(seqs, 0)
	var n float32
	for _, v := range mask {
		n += v
	}
	logp, _ := s.m.Forward(b)
	dl := make([]float32, len(mask))
	var loss float64
	for i, v := range mask {
		dl[i] = -v / n
		loss -= float64(v * logp[i])
	}
	loss /= float64(n)
	s.m.Backward(dl, nil)
	lr := LRAt(step, o)
	s.opt.SetLR(lr)
	gn := s.opt.Step(s.m)
	s.m.ZeroGrad()
	return Metrics{Step: step, Loss: loss, GradNorm: float64(gn), LR: float64(lr),
		TokensPerSec: float64(b.B*b.T) / time.Since(ts).Seconds()}, nil
}

// Loss is the mean negative log-likelihood per response token of seqs, in
// batches of batchSize (teacher forcing, no gradient).
func Loss(ctx context.Context, m *nn.Model, seqs []Sequence, batchSize int) (float64, error) {
	if batchSize <= 0 {
		batchSize = 16
	}
	if err := check(m, "evaluation", seqs); err != nil {
		return 0, err
	}
	var sum, n float64
	for lo := 0; lo < len(seqs); lo += batchSize {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		b, mask := Pack(seqs[lo:min(lo+batchSize, len(seqs))], 0)
		logp, _ := m.Forward(b)
		for i, v := range mask {
			sum -= float64(v * logp[i])
			n += float64(v)
		}
	}
	if n == 0 {
		return 0, errors.New("train: no response tokens to evaluate")
	}
	return sum / n, nil
}

func save(m *nn.Model, opt *nn.AdamW, path string, step int) error {
	if err := m.Save(path, map[string]string{"train.step": strconv.Itoa(step)}); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := opt.SaveState(path + ".adamw"); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	return nil
}

// resume restores parameters, optimiser state and step from path; a
// missing file means a fresh start (step 0).
func resume(m *nn.Model, opt *nn.AdamW, path string) (int, error) {
	c, meta, err := nn.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("train: resume: %w", err)
	}
	if err := m.CopyFrom(c); err != nil {
		return 0, fmt.Errorf("train: resume from %s: %w", path, err)
	}
	step, err := strconv.Atoi(meta["train.step"])
	if err != nil || step < 0 {
		return 0, fmt.Errorf("train: resume from %s: bad train.step %q", path, meta["train.step"])
	}
	if err := opt.LoadState(path+".adamw", m); err != nil {
		return 0, fmt.Errorf("train: resume: %w", err)
	}
	return step, nil
}
