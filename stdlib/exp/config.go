package exp

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
	"github.com/rlvrworld/rlvrworld/stdlib/train"
)

// DefaultMotionWeight is the weight of the moved-patch accuracy in the
// video reward "motion" when Config.MotionWeight is 0: enough that a frozen
// frame (0) trails a correct move (1) by more than pixel error separates
// them, while pixel error still ranks the rest. Measured: neither 0.25 nor 1
// reduced multi-step repetition (docs/results.md).
const DefaultMotionWeight = 0.25

// Config is one experiment. The zero values of the optional fields are the
// task's and the budget's own settings.
type Config struct {
	// Task is a registered task (rlvr/tasks): a world-model task or a
	// downstream one (web-agent, policy-eval).
	Task string
	// Budget is smoke, tiny, small or full (default tiny).
	Budget string
	// Seed varies data order, sampling and the RL run; the data itself is
	// fixed per task, so all seeds evaluate on the same rows.
	Seed int64
	// Checkpoints is the folder of the shipped MLE start models
	// (<task>.safetensors); "" means "checkpoints". A checkpoint that does
	// not fit the data is ignored (and said so), and the start model is
	// then pretrained. A missing or unreadable one is an error unless
	// Pretrain is set.
	Checkpoints string
	// Pretrain allows pretraining a start model when the checkpoint is
	// missing or corrupt (so do Override.Pretrain and Override.Cosine).
	// Without it that is an error: a run that silently pretrained would
	// compare other models than the user meant.
	Pretrain bool
	// Reward selects a non-default RL reward (text game "binary", video
	// "motion"); evaluation metrics do not depend on it. MotionWeight is the
	// moved-patch weight of "motion" (0: DefaultMotionWeight).
	Reward       string
	MotionWeight float64
	// EvalSplit is the split the rows are evaluated on: envs.Test (default)
	// or envs.Val (for choosing settings).
	EvalSplit envs.Split
	// EvalGreedy decodes the evaluation greedily whatever the task's
	// settings (video: sampling noise hides repeated frames).
	EvalGreedy bool
	// EvalEvery, when positive, evaluates MLE continued and RLVR every this
	// many GRPO steps (and as many MLE gradient steps) into their curves.
	EvalEvery int
	// WorldModel is the world-model task a downstream task runs in (""
	// its registered Base; policy-eval also takes video-multi).
	WorldModel string
	// MLESchedule is MLE continued's LR schedule (nil: the one the task
	// chose on val at this budget, Budget.MLEContinued, else the start
	// model's final LR, constant); train.ControlGrid lists the ones to
	// choose from on val.
	MLESchedule *train.Schedule
	// Converge, when positive, adds the row "mle_converged": MLE from the
	// start model for at most this many steps, early-stopped on the task's
	// first metric on the validation split (train.Converge).
	Converge int
	// SkipRLVR leaves out the RLVR row (choosing MLE continued's schedule).
	SkipRLVR bool
	// Override changes budget settings.
	Override Override
	// Log receives a readable line per phase, step and evaluation (nil:
	// none).
	Log io.Writer
	// Progress receives structured progress (nil: none); Live returns one
	// that draws progress bars and charts in a notebook cell.
	Progress func(Event)
}

// Override holds changes to a budget; zero fields keep the budget's value.
type Override struct {
	// LR is the RLVR learning rate; Temperature the rollout temperature.
	LR, Temperature float64
	// RLChanged is the share of changed transitions among the RL prompts
	// (nil: the budget's; 0: the data's own mix).
	RLChanged *float64
	// Group and Prompts are GRPO's G and prompts per step; RLSteps the
	// number of GRPO steps (MLE continued follows); Pretrain the most MLE
	// steps of a start model that is pretrained.
	Group, Prompts, RLSteps, Pretrain int
	// EvalN is the number of test (or val) rows evaluated.
	EvalN int
	// TrainN is the training set's size; a start model must then have
	// been pretrained on that many transitions (its train_n).
	TrainN int
	// Dynamic is grpo.Config.DynamicSampling (nil: the budget's).
	Dynamic *int
	// KV is the rollout sampler's KV cache precision.
	KV nn.KVPrecision
	// Cosine pretrains with a cosine-decaying LR (MLE continued then runs
	// at its final LR).
	Cosine bool
}

// apply changes b by o.
func (o Override) apply(b *tasks.Budget) {
	if o.RLChanged != nil {
		b.RLChanged = *o.RLChanged
	}
	if o.LR > 0 {
		b.GRPO.LR = float32(o.LR)
	}
	if o.Group > 0 {
		b.GRPO.GroupSize = o.Group
	}
	if o.Prompts > 0 {
		b.GRPO.PromptsPerStep = o.Prompts
	}
	if o.RLSteps > 0 {
		b.RLSteps = o.RLSteps
	}
	if o.Pretrain > 0 {
		b.Pretrain = o.Pretrain
	}
	if o.EvalN > 0 {
		b.TestN = o.EvalN
	}
	if o.TrainN > 0 {
		b.TrainN = o.TrainN
	}
	if o.Temperature > 0 {
		b.GRPO.Temperature = float32(o.Temperature)
	}
	if o.Dynamic != nil {
		b.GRPO.DynamicSampling = *o.Dynamic
	}
	if o.Cosine {
		b.MLECosine = true
	}
	b.GRPO.KV = o.KV
}

// Check refuses settings that would run something other than what they
// say, before any work (Run calls it first). A WorldModel equal to the
// task's default Base becomes "", as results record the default.
func (c *Config) Check() error {
	if c.Task == "" {
		return fmt.Errorf("no task (have %v)", tasks.Names())
	}
	if c.EvalSplit != "" && c.EvalSplit != envs.Test && c.EvalSplit != envs.Val {
		return fmt.Errorf("eval split %q: want test or val", c.EvalSplit)
	}
	if c.MotionWeight != 0 && c.Reward != "motion" {
		// Silently ignoring it would let a run look like a motion-reward run.
		return fmt.Errorf("a motion weight applies only with the reward motion")
	}
	if c.Override.TrainN < 0 || c.EvalEvery < 0 || c.Converge < 0 {
		return fmt.Errorf("train n %d, eval every %d and converge %d: want 0 or more", c.Override.TrainN, c.EvalEvery, c.Converge)
	}
	if d := c.Override.Dynamic; d != nil && *d < 0 {
		return fmt.Errorf("dynamic sampling %d: want 0 or more", *d)
	}
	if w := c.WorldModel; w != "" {
		spec, err := tasks.Lookup(c.Task)
		if err != nil {
			return err
		}
		if !spec.IsDownstream() || (w != spec.Base && !slices.Contains(spec.Bases, w)) {
			return fmt.Errorf("world model %q: only a downstream task runs in another task's models (%s runs in %s)", w, c.Task, strings.Join(append([]string{spec.Base}, spec.Bases...), " or "))
		}
		if w == spec.Base {
			c.WorldModel = "" // the default, recorded as such
		}
	}
	return nil
}

// budget returns the task's budget under the config's overrides, with the
// run's seed.
func (c *Config) budget(spec tasks.Spec) (tasks.Budget, error) {
	b, err := spec.Budget(c.budgetName())
	if err != nil {
		return b, err
	}
	b.GRPO.Seed = c.Seed
	c.Override.apply(&b)
	return b, nil
}

func (c *Config) budgetName() string {
	if c.Budget == "" {
		return "tiny"
	}
	return c.Budget
}

func (c *Config) checkpoints() string {
	if c.Checkpoints == "" {
		return "checkpoints"
	}
	return c.Checkpoints
}
