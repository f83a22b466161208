package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

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
	// The figures over the anchor: medians of the per-pair ratios (each
	// GRPO step and the MLE step timed right after it). The target is
	// StepOverMLE <= 1.5.
	StepOverMLE    float64 `json:"step_over_mle_paired_median"`
	SampleOverMLE  float64 `json:"sample_over_mle_paired_median"`
	LogProbOverMLE float64 `json:"old_ref_logprob_over_mle_paired_median"`
	FwdBwdOverMLE  float64 `json:"fwd_bwd_opt_over_mle_paired_median"`
	// The same pairs in process CPU time (grpo.Timing.AddCPU): the wall
	// ratio's swing that is other jobs' load does not reach it.
	StepCPUS       float64 `json:"step_cpu_s"`
	AnchorCPUS     float64 `json:"anchor_mle_step_cpu_s"`
	StepOverMLECPU float64 `json:"step_over_mle_cpu_paired_median"`
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
	names := fs.String("tasks", "textgame,web,video", "comma-separated tasks")
	steps := fs.Int("steps", 5, "measured steps per task (each paired with an MLE step)")
	budgetName := fs.String("budget", "small", "budget whose GRPO configuration is timed")
	var kv nn.KVPrecision
	fs.TextVar(&kv, "kv", nn.KVFloat32, "KV cache of the rollout sampler: float32, float16, int8 or k8v16 (int8 keys, float16 values)")
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
		m, start, err := exp.StartModel(ctx, exp.Config{Task: name, Budget: *budgetName, Pretrain: true}, data)
		if err != nil {
			return nil, err
		}
		b.GRPO.KV = kv
		tr, err := grpo.NewTrainer(m, task, b.GRPO)
		if err != nil {
			return nil, err
		}
		// GRPO steps alternate with MLE steps of the anchor, so that each
		// step is compared with an anchor taken seconds apart: these
		// machines change speed for whole stretches (BENCHMARKS.md).
		rows := b.GRPO.GroupSize * b.GRPO.PromptsPerStep
		seqs := make([]train.Sequence, len(data))
		for i, ex := range data {
			seqs[i] = train.Sequence{Prompt: ex.Prompt, Response: ex.Target}
		}
		an, err := train.NewStepper(m.Clone(), seqs, train.Options{Steps: *steps + 1, BatchSize: rows, LR: b.MLELR,
			Draw: train.UniformDraw(len(seqs), 7)})
		if err != nil {
			return nil, err
		}
		var ms []grpo.StepMetrics
		var at, cs, ca []float64
		for i := 0; i <= *steps; i++ {
			c0 := processCPUSeconds()
			if err := tr.Train(ctx, data, 1, func(s grpo.StepMetrics) { ms = append(ms, s) }); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			t0, c1 := time.Now(), processCPUSeconds()
			if _, err := an.Steps(ctx, 1); err != nil {
				return nil, err
			}
			at = append(at, time.Since(t0).Seconds())
			cs, ca = append(cs, c1-c0), append(ca, processCPUSeconds()-c1)
		}
		ms, at, cs, ca = ms[1:], at[1:], cs[1:], ca[1:] // the first of each warms caches and allocates
		line := grpoBenchTask{
			Task: name, Model: m.Config(), Start: start, G: b.GRPO.GroupSize, Prompts: b.GRPO.PromptsPerStep,
			MiniBatch: b.GRPO.MiniBatches, Steps: len(ms), KVCache: kv.String(),
		}
		tm := grpo.Summarize(ms, at)
		tm.AddCPU(cs, ca)
		line.StepCPUS, line.AnchorCPUS, line.StepOverMLECPU = round3(tm.StepCPUS), round3(tm.AnchorCPUS), round3(tm.StepOverAnchorCPU)
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

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// processCPUSeconds is the CPU time this process has used so far, every
// thread (OpenBLAS's included), user and system; 0 if it cannot be read.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
