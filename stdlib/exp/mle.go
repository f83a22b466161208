package exp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
	"github.com/rlvrworld/rlvrworld/stdlib/train"
)

// pretrainSeed seeds the batch draw of every start model's pretraining.
const pretrainSeed = 12345

// accEvery is how often pretraining also measures the task metric on the
// validation split: the loss can plateau while exact-match accuracy still
// moves (docs/results.md), so the checkpoint records both.
const accEvery = 500

// mleOptions are the experiment's MLE settings (pretraining and MLE
// continued) for stdlib/train: batches drawn uniformly with replacement
// from one seeded stream (what the shipped checkpoints were built with),
// AdamW with the reference's betas, weight decay 0.01 and clip 1.
func mleOptions(n, steps, batch int, lr float32, seed int64) train.Options {
	return train.Options{Steps: steps, BatchSize: batch, LR: lr, Draw: train.UniformDraw(n, seed),
		Optimizer: nn.AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, ClipNorm: 1.0}}
}

// sequences views examples as stdlib/train's (prompt, response) pairs.
func sequences(exs []envs.Example) []train.Sequence {
	seqs := make([]train.Sequence, len(exs))
	for i, ex := range exs {
		seqs[i] = train.Sequence{Prompt: ex.Prompt, Response: ex.Target}
	}
	return seqs
}

// ContinueOptions configure ContinueMLE.
type ContinueOptions struct {
	// Steps is the number of gradient steps; Batch the examples per step
	// (default 16, the budgets' MLE batch).
	Steps, Batch int
	// LR is the constant learning rate; Schedule, when set, replaces it.
	LR       float32
	Schedule *train.Schedule
	// Seed seeds the batch draw.
	Seed int64
	// OnStep, when set, sees every step.
	OnStep func(train.Metrics)
}

// ContinueMLE is the experiment's control, "MLE continued": a copy of start
// trained by MLE on data for o.Steps more gradient steps (batches drawn
// uniformly with replacement, the experiment's AdamW settings). Run gives it
// as many gradient steps as RLVR takes (GRPO steps × mini-batches), at the
// start model's final pretraining LR unless Config.MLESchedule says
// otherwise; a notebook calls it to put the same control beside its own RLVR
// run.
func ContinueMLE(ctx context.Context, start *nn.Model, data []envs.Example, o ContinueOptions) (*nn.Model, error) {
	cont := start.Clone()
	if err := trainOn(ctx, cont, data, o); err != nil {
		return nil, err
	}
	return cont, nil
}

// trainOn is ContinueMLE in place: it trains m itself.
func trainOn(ctx context.Context, m *nn.Model, data []envs.Example, o ContinueOptions) error {
	if o.Batch <= 0 {
		o.Batch = 16
	}
	to := mleOptions(len(data), o.Steps, o.Batch, o.LR, o.Seed)
	to.Schedule, to.OnMetrics = o.Schedule, o.OnStep
	if _, err := train.MLE(ctx, m, sequences(data), nil, to); err != nil {
		return fmt.Errorf("mle continued: %w", err)
	}
	return nil
}

// mleContinued trains a copy of the start model by MLE for as many
// gradient steps as RLVR takes.
func (r *runner) mleContinued(ctx context.Context, a *arm, sp startPoint) error {
	steps := a.b.RLSteps * a.b.GRPO.MiniBatches
	t0 := time.Now()
	if s := r.cfg.MLESchedule; s != nil {
		a.res.MLESchedule, a.res.MLEContinuedLR = s.String(), 0
	}
	every := r.cfg.EvalEvery * a.b.GRPO.MiniBatches
	var evalErr error
	cont := sp.Model.Clone()
	onStep := func(m train.Metrics) {
		r.emit(Event{Phase: "mle_continued", Step: m.Step, Steps: steps, Values: []Value{{"loss", m.Loss}}})
		if every > 0 && m.Step%every == 0 && m.Step < steps && evalErr == nil {
			evalErr = r.point(ctx, a, cont, "mle_continued", m.Step)
		}
	}
	o := ContinueOptions{Steps: steps, Batch: a.b.MLEBatch, LR: sp.ContinueLR, Schedule: r.cfg.MLESchedule, Seed: r.cfg.Seed, OnStep: onStep}
	if err := trainOn(ctx, cont, a.train, o); err != nil {
		return err
	}
	if evalErr != nil {
		return evalErr
	}
	return r.evaluate(ctx, a, cont, "mle_continued", steps, time.Since(t0).Seconds())
}

// mleConverged adds the row "mle_converged": MLE from the start model (at
// MLE continued's schedule, over at most Config.Converge steps) evaluated on
// the validation split every EvalEvery steps by the task's first metric,
// kept at its best and stopped after Patience evaluations without a new
// best (train.Converge). Its steps are the kept model's.
func (r *runner) mleConverged(ctx context.Context, a *arm, sp startPoint) error {
	t0 := time.Now()
	val, err := a.task.Generate(ctx, envs.Val, max(a.b.ValN, 1), 1)
	if err != nil {
		return fmt.Errorf("mle to convergence: %w", err)
	}
	metric := a.spec.Metrics[0]
	sign := 1.0
	if !metric.Higher {
		sign = -1 // Converge maximises
	}
	m := sp.Model.Clone()
	best := m.Clone()
	o := mleOptions(len(a.train), r.cfg.Converge, a.b.MLEBatch, sp.ContinueLR, r.cfg.Seed)
	o.Schedule = r.cfg.MLESchedule
	st, err := train.NewStepper(m, sequences(a.train), o)
	if err != nil {
		return fmt.Errorf("mle to convergence: %w", err)
	}
	ran := 0
	c, err := train.Converge(ctx, max(a.b.EvalEvery, 1), r.cfg.Converge, max(a.b.Patience, 1),
		func(ctx context.Context, n int) error { ran += n; _, err := st.Steps(ctx, n); return err },
		func(ctx context.Context) (float64, error) {
			ev, err := evaluateGreedy(ctx, m, a.task, val)
			if err != nil {
				return 0, err
			}
			r.emit(Event{Phase: "mle_converged", Step: ran, Values: []Value{{"val_" + metric.Key, ev[metric.Key]}}})
			return sign * ev[metric.Key], nil
		},
		func() { best = m.Clone() })
	if err != nil {
		return fmt.Errorf("mle to convergence: %w", err)
	}
	return r.evaluate(ctx, a, best, "mle_converged", c.Best, time.Since(t0).Seconds())
}

// data generates the train and test (or val) splits of a task.
func (r *runner) data(ctx context.Context, task envs.Task, b tasks.Budget) (train, test []envs.Example, err error) {
	// The data seed is fixed per task, not per run, so that all seeds of an
	// experiment (and the shipped checkpoint) see the same splits; Seed
	// varies the training randomness.
	train, err = task.Generate(ctx, envs.Train, b.TrainN, 1)
	if err != nil {
		return nil, nil, fmt.Errorf("generate %s train: %w", task.Name(), err)
	}
	split := envs.Test
	if r.cfg.EvalSplit == envs.Val {
		split = envs.Val
	}
	test, err = task.Generate(ctx, split, b.TestN, 1)
	if err != nil {
		return nil, nil, fmt.Errorf("generate %s %s: %w", task.Name(), split, err)
	}
	var pl, tl, pmax, tmax, changed int
	for _, ex := range train {
		pl += len(ex.Prompt)
		tl += len(ex.Target)
		pmax = max(pmax, len(ex.Prompt))
		tmax = max(tmax, len(ex.Target))
		if ex.Changed {
			changed++
		}
	}
	if n := len(train); n > 0 {
		r.note("data", "%s: %d train / %d %s; vocab %d; prompt mean %d max %d; target mean %d max %d; changed %.0f%%",
			task.Name(), n, len(test), split, task.VocabSize(), pl/n, pmax, tl/n, tmax, 100*float64(changed)/float64(n))
	}
	return train, test, nil
}

// modelConfig fills the budget's architecture with the task's vocabulary
// and a context that fits the longest prompt plus the longest response.
func modelConfig(task envs.Task, b tasks.Budget, exs ...[]envs.Example) nn.Config {
	c := b.Model
	c.Vocab = task.VocabSize()
	longest := 0
	for _, set := range exs {
		for _, ex := range set {
			longest = max(longest, len(ex.Prompt))
		}
	}
	c.MaxSeq = longest + task.Decoding().MaxTokens + 1
	return c
}

// CheckpointPath is where a task's shipped start model lives in a folder.
func CheckpointPath(dir, task string) string { return filepath.Join(dir, task+".safetensors") }

// startPoint is an experiment's start model and where it came from.
type startPoint struct {
	Model *nn.Model
	// Source is the checkpoint's path, or "pretrained".
	Source string
	// SHA256 is the hex SHA-256 of the checkpoint file ("" when pretrained):
	// what tells two start models apart in the results.
	SHA256 string
	// ContinueLR is the LR at which MLE continued goes on: the start
	// model's final pretraining LR (the checkpoint's mle_final_lr, recorded
	// when its LR decayed), else the budget's MLE LR.
	ContinueLR float32
}

// startModel loads the shipped checkpoint of the task when it fits the
// task's vocabulary and the data's lengths, and pretrains otherwise.
func (r *runner) startModel(ctx context.Context, a *arm) (startPoint, error) {
	want := modelConfig(a.task, a.b, a.train, a.test)
	path := CheckpointPath(r.cfg.checkpoints(), a.task.Name())
	m, meta, sum, err := readCheckpoint(path)
	// Saying how to pretrain (Override.Pretrain, Override.Cosine) is asking
	// to pretrain, as on the command line.
	allow := r.cfg.Pretrain || r.cfg.Override.Pretrain > 0 || r.cfg.Override.Cosine
	if err := startCheckpointError(path, err, allow); err != nil {
		return startPoint{}, err
	}
	if err == nil {
		if why := checkpointMisfit(m.Config(), want, meta, r.cfg.Override.TrainN); why != "" {
			r.note("start", "ignoring %s: %s", path, why)
		} else {
			sp := startPoint{Model: m, Source: path, SHA256: sum, ContinueLR: a.b.MLELR}
			if v, ok := meta["mle_final_lr"]; ok {
				lr, err := strconv.ParseFloat(v, 32)
				if err != nil || !(lr > 0) {
					return sp, fmt.Errorf("%s: bad mle_final_lr %q", path, v)
				}
				sp.ContinueLR = float32(lr)
			}
			r.note("start", "loaded %s (sha256 %.12s; %s MLE steps; MLE continued at LR %g)", path, sum, meta["mle_steps"], sp.ContinueLR)
			return sp, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		// Asked to pretrain; still say so on stderr whatever the log: it
		// is an error in a file.
		fmt.Fprintf(os.Stderr, "rlvrworld exp: ignoring the unusable start checkpoint %s (pretraining instead): %v\n", path, err)
	}
	m, info, err := r.pretrain(ctx, a.spec, a.task, a.b, want, a.train)
	return startPoint{Model: m, Source: "pretrained", ContinueLR: info.FinalLR}, err
}

// readCheckpoint loads a checkpoint with the hex SHA-256 of its bytes, read
// once so that the hash is the loaded model's.
func readCheckpoint(path string) (*nn.Model, map[string]string, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, "", err
	}
	m, meta, err := nn.Decode(data)
	if err != nil {
		return nil, nil, "", err // the caller names the path
	}
	sum := sha256.Sum256(data)
	return m, meta, hex.EncodeToString(sum[:]), nil
}

// splitScheme names how train, val and test are made (envs.KeySplit: one
// split per transition key). A checkpoint records it; one without it was
// trained on the old overlapping splits, whose training set held val and
// test rows.
const splitScheme = "keyed"

// checkpointMisfit says why a checkpoint cannot start this run ("" when it
// can): a vocabulary or context that does not fit the data, a text task's
// checkpoint trained before the splits were disjoint, or, when the
// run sets its training set's size (trainN > 0), a start model pretrained
// on another number of transitions. The shipped checkpoint serves every
// budget, but a run that sets its data's size compares MLE and RLVR in that
// data regime, so its start model must have seen that data.
func checkpointMisfit(c, want nn.Config, meta map[string]string, trainN int) string {
	if c.Vocab != want.Vocab || c.MaxSeq < want.MaxSeq {
		return fmt.Sprintf("config %+v does not fit %+v", c, want)
	}
	if (meta["task"] == "textgame" || meta["task"] == "web") && meta["splits"] != splitScheme {
		// Video episodes were always split by seed (robot's episodeSeed).
		return "made with the overlapping splits (its training data held val and test rows): rebuild it with make checkpoints"
	}
	if n := strconv.Itoa(trainN); trainN > 0 && meta["train_n"] != n {
		return fmt.Sprintf("pretrained on %q training transitions, --train-n is %s", meta["train_n"], n)
	}
	return ""
}

// pretrainInfo is what pretraining records in the checkpoint metadata.
type pretrainInfo struct {
	// Steps is the step of the kept model (the best validation loss, or the
	// last step without early stopping); Ran is how many steps ran.
	Steps, Ran int
	// BestVal is the kept model's validation loss (NaN without early
	// stopping); Curve lists "step:val_loss" pairs.
	BestVal float64
	Curve   []string
	// AccCurve lists "step:metric" pairs of the task's first metric on the
	// validation split (greedy), every accEvery steps.
	AccCurve []string
	// FinalLR is the LR of the last step (MLELR/10 with MLECosine).
	FinalLR float32
}

// PretrainOnly builds a task's start checkpoint (`make checkpoints`) at
// path, with room for the longest prompt of any budget's data.
func PretrainOnly(ctx context.Context, cfg Config, path string) error {
	r := newRunner(cfg)
	if err := cfg.Check(); err != nil {
		return err
	}
	spec, err := tasks.Lookup(cfg.Task)
	if err != nil {
		return err
	}
	a, _, err := r.setup(spec)
	if err != nil {
		return err
	}
	if a.train, a.test, err = r.data(ctx, a.task, a.b); err != nil {
		return err
	}
	c := modelConfig(a.task, a.b, a.train, a.test)
	c.MaxSeq += c.MaxSeq / 4 // the checkpoint is shared by all budgets
	m, info, err := r.pretrain(ctx, spec, a.task, a.b, c, a.train)
	if err != nil {
		return err
	}
	if err := m.Save(path, checkpointMeta(a, cfg.budgetName(), info)); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	r.note("pretrain", "wrote %s", path)
	return nil
}

// checkpointMeta is what a start checkpoint records of its making.
func checkpointMeta(a *arm, budget string, info pretrainInfo) map[string]string {
	b := a.b
	meta := map[string]string{"task": a.task.Name(), "mle_steps": strconv.Itoa(info.Steps),
		"mle_steps_run": strconv.Itoa(info.Ran), "mle_batch": strconv.Itoa(b.MLEBatch),
		"mle_lr": strconv.FormatFloat(float64(b.MLELR), 'g', -1, 32), "train_n": strconv.Itoa(b.TrainN),
		"val_n": strconv.Itoa(b.ValN), "budget": budget, "splits": splitScheme,
		"made_by": "rlvrworld exp --pretrain-to (make checkpoints)"}
	if b.MLECosine {
		meta["mle_schedule"] = "cosine"
		meta["mle_final_lr"] = strconv.FormatFloat(float64(info.FinalLR), 'g', -1, 32)
	}
	if len(info.AccCurve) > 0 {
		meta["val_acc_curve"] = strings.Join(info.AccCurve, " ")
	}
	if len(info.Curve) > 0 {
		meta["best_val_loss"] = strconv.FormatFloat(info.BestVal, 'f', 4, 64)
		meta["val_curve"] = strings.Join(info.Curve, " ")
	}
	return meta
}

// pretrain builds a start model by MLE. With a validation split and
// EvalEvery it keeps the model of the best validation loss and stops after
// Patience evaluations without a new best (unless the LR decays: its last,
// lowest-LR steps are the point of it).
func (r *runner) pretrain(ctx context.Context, spec tasks.Spec, task envs.Task, b tasks.Budget, cfg nn.Config, data []envs.Example) (*nn.Model, pretrainInfo, error) {
	info := pretrainInfo{BestVal: math.NaN(), FinalLR: b.MLELR}
	m, err := nn.New(cfg)
	if err != nil {
		return nil, info, fmt.Errorf("new model %+v: %w", cfg, err)
	}
	var val []envs.Example
	if b.ValN > 0 && b.EvalEvery > 0 {
		if val, err = task.Generate(ctx, envs.Val, b.ValN, 1); err != nil {
			return nil, info, fmt.Errorf("generate %s val: %w", task.Name(), err)
		}
	}
	r.note("pretrain", "%s by MLE: at most %d steps, batch %d, %d val, model %+v", task.Name(), b.Pretrain, b.MLEBatch, len(val), cfg)
	o := mleOptions(len(data), b.Pretrain, b.MLEBatch, b.MLELR, pretrainSeed)
	if b.MLECosine {
		o.CosineDecay = true
		info.FinalLR = train.LRAt(b.Pretrain, o)
		r.note("pretrain", "LR: cosine from %g to %g at step %d", b.MLELR, info.FinalLR, b.Pretrain)
	}
	stopCtx, stop := context.WithCancel(ctx)
	defer stop()
	es := &earlyStop{r: r, spec: spec, task: task, b: b, m: m, val: val, info: &info, stop: stop, ctx: ctx}
	if len(val) > 0 {
		o.EvalEvery = b.EvalEvery
		o.OnMetrics = es.onEval
	} else {
		o.OnMetrics = func(met train.Metrics) {
			r.emit(Event{Phase: "pretrain", Step: met.Step, Steps: b.Pretrain, Values: []Value{{"loss", met.Loss}}})
		}
	}
	res, err := train.MLE(stopCtx, m, sequences(data), sequences(val), o)
	if err != nil && !(es.stopped && ctx.Err() == nil) {
		return nil, info, fmt.Errorf("pretrain: %w", err)
	}
	if es.err != nil {
		return nil, info, es.err
	}
	info.Ran = res.Steps
	if len(val) == 0 {
		info.Steps = res.Steps
		return m, info, nil
	}
	return es.best, info, nil
}

// earlyStop follows pretraining's validation loss: it keeps the best
// model, records the curves and stops the run when patience runs out.
type earlyStop struct {
	r       *runner
	ctx     context.Context
	spec    tasks.Spec
	task    envs.Task
	b       tasks.Budget
	m, best *nn.Model
	val     []envs.Example
	info    *pretrainInfo
	stop    func()
	bad     int
	stopped bool
	err     error
}

func (s *earlyStop) onEval(met train.Metrics) {
	vals := []Value{{"loss", met.Loss}}
	if !met.Evaluated || s.err != nil {
		s.r.emit(Event{Phase: "pretrain", Step: met.Step, Steps: s.b.Pretrain, Values: vals})
		return
	}
	info := s.info
	info.Curve = append(info.Curve, fmt.Sprintf("%d:%.4f", met.Step, met.ValLoss))
	vals = append(vals, Value{"val_loss", met.ValLoss})
	if math.IsNaN(info.BestVal) || met.ValLoss < info.BestVal {
		info.BestVal, info.Steps, s.bad = met.ValLoss, met.Step, 0
		s.best = s.m.Clone()
		vals = append(vals, Value{"best_at", float64(met.Step)})
	} else {
		s.bad++
	}
	if key := s.spec.Metrics[0].Key; met.Step%accEvery == 0 {
		ev, err := evaluateGreedy(s.ctx, s.m, s.task, s.val)
		if err != nil {
			s.err = err
			s.stop()
			return
		}
		info.AccCurve = append(info.AccCurve, fmt.Sprintf("%d:%.4f", met.Step, ev[key]))
		vals = append(vals, Value{"val_" + key, ev[key]})
	}
	s.r.emit(Event{Phase: "pretrain", Step: met.Step, Steps: s.b.Pretrain, Values: vals})
	if s.bad >= s.b.Patience && !s.b.MLECosine {
		s.r.note("pretrain", "early stop: no better val loss in %d steps; keeping step %d", s.bad*s.b.EvalEvery, info.Steps)
		s.stopped = true
		s.stop()
	}
}

// StartModel is the start model a run of cfg begins from on data: the
// shipped checkpoint when it fits, else a fresh (untrained) model of the
// budget's architecture, with where it came from. It is for benchmarks,
// which time a model of the right shape; Run pretrains instead.
func StartModel(ctx context.Context, cfg Config, data []envs.Example) (*nn.Model, string, error) {
	spec, err := tasks.Lookup(cfg.Task)
	if err != nil {
		return nil, "", err
	}
	task, err := spec.New()
	if err != nil {
		return nil, "", err
	}
	b, err := cfg.budget(spec)
	if err != nil {
		return nil, "", err
	}
	want := modelConfig(task, b, data)
	path := CheckpointPath(cfg.checkpoints(), task.Name())
	if m, meta, _, err := readCheckpoint(path); err == nil && checkpointMisfit(m.Config(), want, meta, 0) == "" {
		return m, path, nil
	}
	m, err := nn.New(want)
	return m, "fresh (no checkpoint)", err
}

// startCheckpointError says why a run must stop when reading its start
// checkpoint at path failed with readErr (nil when it read fine, or when
// the caller allowed pretraining a start model instead). A missing or
// corrupt checkpoint must not silently turn into a freshly pretrained start
// model: the run would compare different models than the user meant, and
// with a quiet log nothing would say so.
func startCheckpointError(path string, readErr error, pretrain bool) error {
	switch {
	case readErr == nil || pretrain:
		return nil
	case errors.Is(readErr, os.ErrNotExist):
		return fmt.Errorf("no start checkpoint at %s: run `make checkpoints`, or pass --pretrain (Config.Pretrain) to pretrain a start model", path)
	default:
		return fmt.Errorf("start checkpoint %s is unusable: %v (pass --pretrain, Config.Pretrain, to pretrain a fresh start model instead)", path, readErr)
	}
}
