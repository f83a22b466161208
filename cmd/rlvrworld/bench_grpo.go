package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/grpo"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
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
	// The figures over the anchor: medians of the per-pair ratios (each
	// GRPO step and the MLE step timed right after it). The target is
	// StepOverMLE <= 1.5.
	StepOverMLE    float64 `json:"step_over_mle_paired_median"`
	SampleOverMLE  float64 `json:"sample_over_mle_paired_median"`
	LogProbOverMLE float64 `json:"old_ref_logprob_over_mle_paired_median"`
	FwdBwdOverMLE  float64 `json:"fwd_bwd_opt_over_mle_paired_median"`
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
// warm-up step, then the median of --steps steps, each followed by an MLE
// step of the anchor (grpo.Summarize pairs them).
func benchGRPO(args []string) (any, error) {
	fs := flag.NewFlagSet("bench grpo", flag.ContinueOnError)
	tasks := fs.String("tasks", "textgame,web,video", "comma-separated tasks")
	steps := fs.Int("steps", 5, "measured steps per task (each paired with an MLE step)")
	budgetName := fs.String("budget", "small", "budget whose GRPO configuration is timed")
	var kv nn.KVPrecision
	fs.TextVar(&kv, "kv", nn.KVFloat32, "KV cache of the rollout sampler: float32, float16 or int8")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	rep := grpoBenchReport{GOMAXPROCS: runtime.GOMAXPROCS(0), Budget: *budgetName}
	for _, name := range strings.Split(*tasks, ",") {
		task, err := lookupTask(name)
		if err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		b, err := expBudget(task.Name(), *budgetName, 1)
		if err != nil {
			return nil, err
		}
		b.TrainN = b.GRPO.PromptsPerStep * (*steps + 1)
		b.TestN = 1
		e := &experiment{task: name, budgetName: *budgetName, seed: 1, ckptDir: "checkpoints", log: io.Discard}
		train, test, err := e.data(ctx, task, b)
		if err != nil {
			return nil, err
		}
		b.Pretrain = 0 // a fresh model times the same as a trained one of the same shape
		sp, err := e.startModel(ctx, task, b, train, test)
		if err != nil {
			return nil, err
		}
		m, start := sp.Model, sp.Source
		if start == "pretrained" {
			start = "fresh (no checkpoint)"
		}
		b.GRPO.KV = kv
		tr, err := grpo.NewTrainer(m, task, b.GRPO)
		if err != nil {
			return nil, err
		}
		// GRPO steps alternate with MLE steps of the anchor, so that each
		// step is compared with an anchor taken seconds apart: these
		// machines change speed for whole stretches (BENCHMARKS.md).
		an := newMLERun(m.Clone(), b.MLELR, b.GRPO.GroupSize*b.GRPO.PromptsPerStep, 7)
		var ms []grpo.StepMetrics
		var at []float64
		for i := 0; i <= *steps; i++ {
			if err := tr.Train(ctx, train, 1, func(s grpo.StepMetrics) { ms = append(ms, s) }); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			t0 := time.Now()
			if _, err := an.steps(ctx, train, 1, nil); err != nil {
				return nil, err
			}
			at = append(at, time.Since(t0).Seconds())
		}
		ms, at = ms[1:], at[1:] // the first of each warms caches and allocates
		line := grpoBenchTask{
			Task: name, Model: m.Config(), Start: start, G: b.GRPO.GroupSize, Prompts: b.GRPO.PromptsPerStep,
			MiniBatch: b.GRPO.MiniBatches, Steps: len(ms), KVCache: kv.String(),
		}
		tm := grpo.Summarize(ms, at)
		line.StepS, line.SampleS, line.RewardS = round3(tm.StepS), round3(tm.SampleS), round3(tm.RewardS)
		line.LogProbS, line.FwdBwdS, line.RespLen = round3(tm.LogProbS), round3(tm.FwdBwdS), round3(tm.RespLen)
		line.SampledTokS = round3(float64(b.GRPO.GroupSize*b.GRPO.PromptsPerStep) * tm.RespLen / tm.SampleS)
		line.AnchorMLEStepS = round3(tm.AnchorS)
		line.StepOverMLE, line.SampleOverMLE = round3(tm.StepOverAnchor), round3(tm.SampleOverAnchor)
		line.LogProbOverMLE, line.FwdBwdOverMLE = round3(tm.LogProbOverAnchor), round3(tm.FwdBwdOverAnchor)
		rep.Tasks = append(rep.Tasks, line)
	}
	return rep, nil
}
