package exp

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/grpo"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
)

// Methods are the three rows of every result, in order (and the models a
// downstream task uses).
var Methods = []string{"mle", "mle_continued", "rlvr"}

// tableMethods are the rows a summary shows, in order: Methods and, where
// runs have it, MLE continued to convergence.
var tableMethods = []string{"mle", "mle_continued", "mle_converged", "rlvr"}

// runner is one run in progress.
type runner struct {
	cfg Config
	// prefix starts every log line (the seed, when several run at once).
	prefix string
	logMu  *sync.Mutex
}

func newRunner(cfg Config) *runner { return &runner{cfg: cfg, logMu: &sync.Mutex{}} }

// Run runs one experiment and returns its result: the three rows (MLE, MLE
// continued, RLVR) of a world-model task, or of a downstream task the
// three models used as its world model. It returns promptly with ctx.Err()
// when ctx is cancelled (a cell's interrupt).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	return newRunner(cfg).run(ctx)
}

func (r *runner) run(ctx context.Context) (*Result, error) {
	if err := r.cfg.Check(); err != nil {
		return nil, err
	}
	spec, err := tasks.Lookup(r.cfg.Task)
	if err != nil {
		return nil, err
	}
	if spec.IsDownstream() {
		return r.downstream(ctx, spec)
	}
	res, _, err := r.models(ctx, spec)
	return res, err
}

// arm is what the three methods share in one run.
type arm struct {
	spec        tasks.Spec
	task        envs.Task
	b           tasks.Budget
	train, test []envs.Example
	res         *Result
	models      map[string]*nn.Model
	// curve collects the intermediate evaluations of the method running.
	curve []CurvePoint
	// patterns counts the training transitions per pattern (nil: the
	// task's payloads have none); measure splits its rows on it.
	patterns map[string]int
}

// models runs the three-row experiment on a world-model task and also
// returns the three models by method name, for the downstream tasks.
func (r *runner) models(ctx context.Context, spec tasks.Spec) (*Result, map[string]*nn.Model, error) {
	a, rlTask, err := r.setup(spec)
	if err != nil {
		return nil, nil, err
	}
	if a.train, a.test, err = r.data(ctx, a.task, a.b); err != nil {
		return nil, nil, err
	}
	if a.patterns = patternCounts(a.train); a.patterns != nil {
		r.note("data", "%d of %d evaluated rows have a pattern that fewer than %d training rows share (the _rare columns)",
			rareRows(a.patterns, a.test), len(a.test), RareBelow)
	}
	sp, err := r.startModel(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	a.res.StartSHA256 = sp.SHA256
	if sp.ContinueLR != a.b.MLELR {
		a.res.MLEContinuedLR = float64(sp.ContinueLR)
	}
	r.note("plan", "table steps are gradient steps: RLVR runs %d GRPO steps of %d mini-batches = %d, MLE continued as many",
		a.b.RLSteps, a.b.GRPO.MiniBatches, a.b.RLSteps*a.b.GRPO.MiniBatches)
	if err := r.evaluate(ctx, a, sp.Model, "mle", 0, 0); err != nil {
		return nil, nil, err
	}
	if err := r.mleContinued(ctx, a, sp); err != nil {
		return nil, nil, err
	}
	if r.cfg.Converge > 0 {
		if err := r.mleConverged(ctx, a, sp); err != nil {
			return nil, nil, err
		}
	}
	if r.cfg.SkipRLVR {
		return a.res, a.models, nil
	}
	if err := r.rlvr(ctx, a, rlTask); err != nil {
		return nil, nil, err
	}
	return a.res, a.models, nil
}

// setup builds the task, the budget, the result's header and the task that
// gives RLVR its reward, before any work.
func (r *runner) setup(spec tasks.Spec) (*arm, envs.Task, error) {
	task, err := spec.New()
	if err != nil {
		return nil, nil, err
	}
	b, err := r.cfg.budget(spec)
	if err != nil {
		return nil, nil, err
	}
	res := &Result{Task: spec.Name, Budget: r.cfg.budgetName(), Seed: r.cfg.Seed, GRPO: &b.GRPO, RLChanged: b.RLChanged}
	if r.cfg.EvalSplit == envs.Val {
		res.EvalSplit = "val"
	}
	if r.cfg.EvalGreedy {
		res.EvalDecoding = "greedy"
	}
	if r.cfg.Override.TrainN > 0 {
		res.TrainN = b.TrainN
	}
	rlTask := task
	if r.cfg.Reward != "" {
		w := r.cfg.MotionWeight
		if w == 0 {
			w = DefaultMotionWeight
		}
		if rlTask, err = spec.RewardTask(r.cfg.Reward, w); err != nil {
			return nil, nil, err
		}
		res.Reward = r.cfg.Reward
		if r.cfg.Reward == "motion" {
			res.MotionWeight = w
		}
	}
	return &arm{spec: spec, task: task, b: b, res: res, models: map[string]*nn.Model{}}, rlTask, nil
}

// measure evaluates m on the run's test (or val) rows.
func (r *runner) measure(ctx context.Context, a *arm, m *nn.Model) (map[string]float64, error) {
	ev, err := grpo.Evaluate(ctx, m, a.task, a.test, grpo.EvalOptions{Seed: r.cfg.Seed, Greedy: r.cfg.EvalGreedy})
	if err != nil {
		return nil, err
	}
	rareMetrics(ev.Metrics, a.task, a.spec.MetricKeys(), a.patterns, a.test, ev.Scores)
	return ev.Metrics, nil
}

// point adds an intermediate evaluation of a method to its curve.
func (r *runner) point(ctx context.Context, a *arm, m *nn.Model, method string, steps int) error {
	ms, err := r.measure(ctx, a, m)
	if err != nil {
		return fmt.Errorf("evaluate %s at %d steps: %w", method, steps, err)
	}
	p := CurvePoint{Steps: steps, Metrics: map[string]float64{}}
	for _, k := range a.spec.MetricKeys() {
		p.Metrics[k] = round3(ms[k])
	}
	a.curve = append(a.curve, p)
	r.emit(Event{Phase: "eval", Method: method, Step: steps, Values: values(a.spec.MetricKeys(), p.Metrics)})
	return nil
}

// evaluate measures a method's final model into its row.
func (r *runner) evaluate(ctx context.Context, a *arm, m *nn.Model, method string, steps int, wall float64) error {
	ms, err := r.measure(ctx, a, m)
	if err != nil {
		return fmt.Errorf("evaluate %s: %w", method, err)
	}
	row := Row{Method: method, Steps: steps, WallS: round3(wall), Metrics: roundMap(ms)}
	if a.curve != nil {
		p := CurvePoint{Steps: steps, Metrics: map[string]float64{}}
		for _, k := range a.spec.MetricKeys() {
			p.Metrics[k] = row.Metrics[k]
		}
		row.Curve, a.curve = append(a.curve, p), nil
	}
	a.res.Rows = append(a.res.Rows, row)
	a.models[method] = m
	keys := a.spec.MetricKeys()
	if _, ok := ms["reward"]; ok {
		keys = append(keys, "reward")
	}
	r.emit(Event{Phase: "eval", Method: method, Step: steps, Values: values(keys, ms)})
	return nil
}

// rlvr post-trains a copy of the start model with GRPO on the RL task's
// reward.
func (r *runner) rlvr(ctx context.Context, a *arm, rlTask envs.Task) error {
	t0 := time.Now()
	tr, err := grpo.NewTrainer(a.models["mle"].Clone(), rlTask, a.b.GRPO)
	if err != nil {
		return err
	}
	var evalErr error
	err = tr.Train(ctx, rlPrompts(a.train, a.b.RLChanged), a.b.RLSteps, func(m grpo.StepMetrics) {
		r.emit(Event{Phase: "rlvr", Step: m.Step, Steps: a.b.RLSteps, Values: []Value{
			{"reward", m.RewardMean}, {"reward_std", m.RewardStd}, {"zero_groups", m.ZeroGroups}, {"draws", float64(m.Draws)},
			{"kl", m.KL}, {"clip", m.ClipFrac}, {"entropy", m.Entropy}, {"resp_len", m.RespLen},
			{"sample_s", m.SampleSec}, {"reward_s", m.RewardSec}, {"update_s", m.UpdateSec}}})
		if r.cfg.EvalEvery > 0 && m.Step%r.cfg.EvalEvery == 0 && m.Step < a.b.RLSteps && evalErr == nil {
			evalErr = r.point(ctx, a, tr.Policy, "rlvr", m.Step*a.b.GRPO.MiniBatches)
		}
	})
	if err != nil {
		return fmt.Errorf("grpo: %w", err)
	}
	if evalErr != nil {
		return evalErr
	}
	return r.evaluate(ctx, a, tr.Policy, "rlvr", a.b.RLSteps*a.b.GRPO.MiniBatches, time.Since(t0).Seconds())
}

// rlPrompts returns the RLVR prompt set: the training data, or, with a
// share in (0,1), all of its changed transitions plus as many unchanged
// ones (the first, in data order) as make the requested share.
func rlPrompts(train []envs.Example, share float64) []envs.Example {
	if share <= 0 || share >= 1 {
		return train
	}
	var ch, un []envs.Example
	for _, ex := range train {
		if ex.Changed {
			ch = append(ch, ex)
		} else {
			un = append(un, ex)
		}
	}
	nUn := min(int(float64(len(ch))*(1-share)/share), len(un))
	return append(ch, un[:nUn]...)
}

// downstream runs a downstream task: first the three-row experiment of its
// world-model task, then each of the three models as the world model.
func (r *runner) downstream(ctx context.Context, spec tasks.Spec) (*Result, error) {
	baseName := spec.Base
	if w := r.cfg.WorldModel; w != "" {
		baseName = w // Check allowed it
	}
	baseSpec, err := tasks.Lookup(baseName)
	if err != nil {
		return nil, err
	}
	size, err := spec.Budget(r.cfg.budgetName())
	if err != nil {
		return nil, err
	}
	baseRes, models, err := r.models(ctx, baseSpec)
	if err != nil {
		return nil, err
	}
	task, err := baseSpec.New()
	if err != nil {
		return nil, err
	}
	// The three models come from the base run: its start checkpoint and
	// MLE continued's schedule are this result's too.
	res := &Result{Task: spec.Name, Budget: r.cfg.budgetName(), Seed: r.cfg.Seed, StartSHA256: baseRes.StartSHA256,
		MLESchedule: baseRes.MLESchedule, MLEContinuedLR: baseRes.MLEContinuedLR}
	if baseName != spec.Base {
		res.WorldModel = baseName
	}
	o := tasks.DownstreamOptions{Episodes: size.Episodes, MaxSteps: size.EpisodeSteps, Seed: r.cfg.Seed}
	for i, method := range Methods {
		t0 := time.Now()
		metrics, err := spec.Downstream(ctx, task, models[method], o)
		if err != nil {
			return nil, fmt.Errorf("%s with the %s model: %w", spec.Name, method, err)
		}
		r.emit(Event{Phase: spec.Name, Method: method, Values: values(spec.MetricKeys(), metrics)})
		res.Rows = append(res.Rows, Row{Method: method, Steps: baseRes.Rows[i].Steps, WallS: round3(time.Since(t0).Seconds()), Metrics: roundMap(metrics)})
	}
	return res, nil
}

// values picks keys out of a metric map, in order.
func values(keys []string, ms map[string]float64) []Value {
	out := make([]Value, 0, len(keys))
	for _, k := range keys {
		if v, ok := ms[k]; ok {
			out = append(out, Value{k, v})
		}
	}
	return out
}

func round3(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 3, 64), 64)
	return v
}

func roundMap(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k], _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	}
	return out
}

// evaluateGreedy is the task's metrics of m on exs, decoded greedily.
func evaluateGreedy(ctx context.Context, m *nn.Model, task envs.Task, exs []envs.Example) (map[string]float64, error) {
	ev, err := grpo.Evaluate(ctx, m, task, exs, grpo.EvalOptions{Seed: 1, Greedy: true})
	if err != nil {
		return nil, err
	}
	return ev.Metrics, nil
}
