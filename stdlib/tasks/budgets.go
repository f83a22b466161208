package tasks

import (
	"sort"

	"github.com/rlvrworld/rlvrworld/stdlib/grpo"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/train"
)

// Budget is the size of one experiment: data, the start model and how many
// steps each arm gets.
type Budget struct {
	Name          string
	TrainN, TestN int
	// Pretrain is the most MLE steps to build the start model when no
	// shipped checkpoint fits. With ValN > 0 pretraining stops early: the
	// validation loss is measured every EvalEvery steps, the best model is
	// kept, and training stops after Patience evaluations without a new
	// best. That gives a converged start model, the paper's regime, in
	// which more MLE buys little (docs/results.md).
	Pretrain int
	// ValN is the size of the validation split for early stopping (0: none,
	// run all Pretrain steps).
	ValN int
	// EvalEvery and Patience drive early stopping (in steps and in
	// evaluations).
	EvalEvery, Patience int
	// RLSteps is the number of GRPO steps; MLE continued gets the same number
	// of optimizer steps (RLSteps * GRPO.MiniBatches).
	RLSteps int
	// MLEBatch and MLELR are the MLE settings (pretraining and continued).
	MLEBatch int
	MLELR    float32
	// MLECosine decays the pretraining LR along a cosine from MLELR down to
	// MLELR/10 at step Pretrain (train.LRAt); MLE continued then goes on at
	// that final LR, as the start model's own training would have.
	MLECosine bool
	// MLEContinued is MLE continued's LR schedule where it was chosen on
	// val for the task (nil: the start model's constant MLELR;
	// exp.Config.MLESchedule overrides it). A start model pretrained with
	// MLECosine continues at its own final LR instead.
	MLEContinued *train.Schedule
	// GRPO is the RLVR configuration.
	GRPO grpo.Config
	// RLChanged is the share of changed transitions among the RL prompts
	// (0: the data's own mix).
	RLChanged float64
	// Model is the architecture (Vocab and MaxSeq are filled from the task).
	Model nn.Config
	// Episodes and EpisodeSteps size a downstream task's evaluation.
	Episodes, EpisodeSteps int
}

// StandardBudgets are the budgets of a task whose RLVR starts from g. The
// numbers are sized for 2 shared CPU cores: smoke is seconds (for tests;
// its numbers mean nothing), tiny a minute, small the one that should show
// the effect within 30 minutes, full a few hours.
func StandardBudgets(g grpo.Config) map[string]Budget {
	g.LR = 5e-5 * 2
	base := Budget{MLEBatch: 16, MLELR: 1e-3, GRPO: g, Model: nn.Config{Layers: 2, Dim: 128, Heads: 4, Seed: 1}}
	smoke, tiny, small, full := base, base, base, base
	smoke.Name, tiny.Name, small.Name, full.Name = "smoke", "tiny", "small", "full"

	smoke.TrainN, smoke.TestN, smoke.Pretrain, smoke.RLSteps = 16, 4, 2, 1
	smoke.MLEBatch = 4
	smoke.ValN, smoke.EvalEvery, smoke.Patience = 4, 1, 1
	smoke.GRPO.PromptsPerStep, smoke.GRPO.GroupSize = 2, 2
	smoke.Model = nn.Config{Layers: 1, Dim: 16, Heads: 2, Seed: 1}
	smoke.Episodes, smoke.EpisodeSteps = 2, 3

	tiny.TrainN, tiny.TestN, tiny.Pretrain, tiny.RLSteps = 512, 48, 200, 5
	tiny.GRPO.PromptsPerStep, tiny.GRPO.GroupSize = 4, 4
	tiny.Episodes, tiny.EpisodeSteps = 6, 8

	// 16,000 training transitions (the simulators are cheap) so that MLE
	// to convergence learns the task rather than memorising a small set;
	// the start model's curve is in docs/results.md.
	small.TrainN, small.TestN, small.Pretrain, small.RLSteps = 16000, 200, 4000, 60
	small.ValN, small.EvalEvery, small.Patience = 256, 100, 4
	small.Episodes, small.EpisodeSteps = 12, 10

	full.TrainN, full.TestN, full.Pretrain, full.RLSteps = 20000, 500, 6000, 200
	full.ValN, full.EvalEvery, full.Patience = 500, 200, 4
	full.GRPO.PromptsPerStep = 16
	full.Episodes, full.EpisodeSteps = 60, 12
	return map[string]Budget{"smoke": smoke, "tiny": tiny, "small": small, "full": full}
}

// editBudgets applies f to every budget of bs.
func editBudgets(bs map[string]Budget, f func(b *Budget)) map[string]Budget {
	for n, b := range bs {
		f(&b)
		bs[n] = b
	}
	return bs
}

func budgetNames(bs map[string]Budget) []string {
	names := make([]string, 0, len(bs))
	for n := range bs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
