package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/exp"
	"github.com/rlvrworld/rlvrworld/stdlib/grpo"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
	"github.com/rlvrworld/rlvrworld/stdlib/train"
)

func init() {
	registerBench("grpo", "wall time of one GRPO step per task: sampling, reward, forward/backward", benchGRPO)
}

// grpoBenchTask is one task's line of `rlvrworld bench grpo`.
type grpoBenchTask struct {
	Task      string    `json:"task"`
	Model     nn.Config `json:"model"`
	Start     string    `json:"start"`
	G         int       `json:"group_size"`
	Prompts   int       `json:"prompts_per_step"`
	MiniBatch int       `json:"mini_batches"`
	Steps     int       `json:"measured_steps"`
	KVCache   string    `json:"kv_cache"`
	// Medians over the measured steps, in seconds.
	StepS    float64 `json:"step_s"`
	SampleS  float64 `json:"sample_s"`
	RewardS  float64 `json:"reward_s"`
	LogProbS float64 `json:"old_ref_logprob_s"`
	FwdBwdS  float64 `json:"fwd_bwd_opt_s"`
	// RespLen is the mean response length, and SampledTokS the sampler's
	// generated tokens per second.
	RespLen     float64 `json:"resp_len"`
	SampledTokS float64 `json:"sampled_tok_per_s"`
	// AnchorMLEStepS is the anchor measured in the same run: the median
	// time of one teacher-forced MLE step (forward, backward, AdamW) of the
	// same model on as many sequences as one GRPO step has rollouts.
	AnchorMLEStepS float64 `json:"anchor_mle_step_s"`
}

// grpoBenchReport is the JSON of `rlvrworld bench grpo`.
type grpoBenchReport struct {
	GOMAXPROCS int             `json:"gomaxprocs"`
	Budget     string          `json:"budget"`
	Tasks      []grpoBenchTask `json:"tasks"`
	Skipped    []string        `json:"skipped,omitempty"`
}

// benchGRPO times GRPO steps of each task's default (small-budget)
// configuration, starting from the shipped checkpoint when there is one: one
// warm-up step, then the median of --steps steps.
func benchGRPO(args []string) (any, error) {
	fs := flag.NewFlagSet("bench grpo", flag.ContinueOnError)
	names := fs.String("tasks", "textgame,web,video", "comma-separated tasks")
	steps := fs.Int("steps", 3, "measured steps per task")
	budgetName := fs.String("budget", "small", "budget whose GRPO configuration is timed")
	var kv nn.KVPrecision
	fs.TextVar(&kv, "kv", nn.KVFloat32, "KV cache of the rollout sampler: float32, float16 or int8")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	ctx := context.Background()
	rep := grpoBenchReport{GOMAXPROCS: runtime.GOMAXPROCS(0), Budget: *budgetName}
	for _, name := range strings.Split(*names, ",") {
		task, err := tasks.New(name)
		if err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		spec, _ := tasks.Lookup(name)
		b, err := spec.Budget(*budgetName)
		if err != nil {
			return nil, err
		}
		data, err := task.Generate(ctx, envs.Train, b.GRPO.PromptsPerStep*(*steps+1), 1)
		if err != nil {
			return nil, err
		}
		// A fresh model times the same as a trained one of the same shape.
		m, start, err := exp.StartModel(ctx, exp.Config{Task: name, Budget: *budgetName}, data)
		if err != nil {
			return nil, err
		}
		b.GRPO.KV = kv
		tr, err := grpo.NewTrainer(m, task, b.GRPO)
		if err != nil {
			return nil, err
		}
		var ms []grpo.StepMetrics
		if err := tr.Train(ctx, data, *steps+1, func(s grpo.StepMetrics) { ms = append(ms, s) }); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		ms = ms[1:]
		med := func(f func(grpo.StepMetrics) float64) float64 {
			xs := make([]float64, len(ms))
			for i, s := range ms {
				xs[i] = f(s)
			}
			sort.Float64s(xs)
			return round3(xs[len(xs)/2])
		}
		line := grpoBenchTask{
			Task: name, Model: m.Config(), Start: start, G: b.GRPO.GroupSize, Prompts: b.GRPO.PromptsPerStep,
			MiniBatch: b.GRPO.MiniBatches, Steps: len(ms), KVCache: kv.String(),
			StepS:    med(func(s grpo.StepMetrics) float64 { return s.WallSec }),
			SampleS:  med(func(s grpo.StepMetrics) float64 { return s.SampleSec }),
			RewardS:  med(func(s grpo.StepMetrics) float64 { return s.RewardSec }),
			LogProbS: med(func(s grpo.StepMetrics) float64 { return s.LogProbSec }),
			FwdBwdS:  med(func(s grpo.StepMetrics) float64 { return s.UpdateSec - s.LogProbSec }),
			RespLen:  med(func(s grpo.StepMetrics) float64 { return s.RespLen }),
		}
		rows := float64(b.GRPO.GroupSize * b.GRPO.PromptsPerStep)
		line.SampledTokS = med(func(s grpo.StepMetrics) float64 { return rows * s.RespLen / s.SampleSec })
		var at []float64
		seqs := make([]train.Sequence, len(data))
		for i, ex := range data {
			seqs[i] = train.Sequence{Prompt: ex.Prompt, Response: ex.Target}
		}
		o := train.Options{Steps: 3, BatchSize: int(rows), LR: b.MLELR, Draw: train.UniformDraw(len(seqs), 7),
			OnMetrics: func(m train.Metrics) { at = append(at, m.Elapsed.Seconds()-sum(at)) }}
		if _, err := train.MLE(ctx, m.Clone(), seqs, nil, o); err != nil {
			return nil, err
		}
		sort.Float64s(at)
		line.AnchorMLEStepS = round3(at[1])
		rep.Tasks = append(rep.Tasks, line)
	}
	return rep, nil
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
