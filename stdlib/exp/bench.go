package exp

// The GRPO step benchmark (`rlvrworld bench grpo`): the wall time of one
// RLVR step of each task's budget configuration, each step paired with a
// teacher-forced MLE step of the same model as the same-run anchor. It
// lives here because it times the experiment's own configurations (the
// task registry's budgets and the experiment's start models).

import (
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/grpo"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
	"github.com/rlvrworld/rlvrworld/stdlib/train"
)

// GRPOBenchOptions choose what BenchGRPO times.
type GRPOBenchOptions struct {
	// Tasks are the task names (textgame, web, video); an unknown one is
	// reported in the report's Skipped, not as an error.
	Tasks []string
	// Steps is the number of measured steps per task (5), each paired with
	// an MLE step, after one warm-up step.
	Steps int
	// Budget names the budget whose GRPO configuration is timed (small).
	Budget string
	// KV is the rollout sampler's KV cache precision.
	KV nn.KVPrecision
}

// GRPOBenchTask is one task's line of the GRPO benchmark.
type GRPOBenchTask struct {
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

// GRPOBench is the JSON report of BenchGRPO.
type GRPOBench struct {
	GOMAXPROCS int             `json:"gomaxprocs"`
	Budget     string          `json:"budget"`
	Tasks      []GRPOBenchTask `json:"tasks"`
	Skipped    []string        `json:"skipped,omitempty"`
}

// BenchGRPO times GRPO steps of each task's budget configuration, starting
// from the shipped checkpoint when there is one: one warm-up step, then the
// median of Steps steps, each followed by an MLE step of the anchor
// (grpo.Summarize pairs them).
func BenchGRPO(ctx context.Context, o GRPOBenchOptions) (*GRPOBench, error) {
	if o.Steps == 0 {
		o.Steps = 5
	}
	if o.Budget == "" {
		o.Budget = "small"
	}
	rep := &GRPOBench{GOMAXPROCS: runtime.GOMAXPROCS(0), Budget: o.Budget}
	for _, name := range o.Tasks {
		spec, err := tasks.Lookup(name)
		if err == nil && spec.New == nil {
			err = fmt.Errorf("%s is a downstream task (of %s), not a world-model task", name, spec.Base)
		}
		if err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		line, err := benchGRPOTask(ctx, spec, o)
		if err != nil {
			return nil, err
		}
		rep.Tasks = append(rep.Tasks, *line)
	}
	return rep, nil
}

// benchGRPOTask times one task's steps.
func benchGRPOTask(ctx context.Context, spec tasks.Spec, o GRPOBenchOptions) (*GRPOBenchTask, error) {
	name := spec.Name
	task, err := spec.New()
	if err != nil {
		return nil, err
	}
	b, err := spec.Budget(o.Budget)
	if err != nil {
		return nil, err
	}
	data, err := task.Generate(ctx, envs.Train, b.GRPO.PromptsPerStep*(o.Steps+1), 1)
	if err != nil {
		return nil, err
	}
	// A fresh model times the same as a trained one of the same shape.
	m, start, err := StartModel(ctx, Config{Task: name, Budget: o.Budget, Pretrain: true}, data)
	if err != nil {
		return nil, err
	}
	b.GRPO.KV = o.KV
	tr, err := grpo.NewTrainer(m, task, b.GRPO)
	if err != nil {
		return nil, err
	}
	// GRPO steps alternate with MLE steps of the anchor, so that each
	// step is compared with an anchor taken seconds apart: these
	// machines change speed for whole stretches (BENCHMARKS.md).
	rows := b.GRPO.GroupSize * b.GRPO.PromptsPerStep
	an, err := train.NewStepper(m.Clone(), sequences(data), train.Options{Steps: o.Steps + 1, BatchSize: rows, LR: b.MLELR,
		Draw: train.UniformDraw(len(data), 7)})
	if err != nil {
		return nil, err
	}
	var ms []grpo.StepMetrics
	var at, cs, ca []float64
	for i := 0; i <= o.Steps; i++ {
		c0 := processCPUSeconds()
		if err := tr.Train(ctx, data, 1, func(s grpo.StepMetrics) { ms = append(ms, s) }); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		t0, c1 := time.Now(), processCPUSeconds()
		var err error
		pprof.Do(ctx, pprof.Labels("phase", "mle"), func(ctx context.Context) { _, err = an.Steps(ctx, 1) })
		if err != nil {
			return nil, err
		}
		at = append(at, time.Since(t0).Seconds())
		cs, ca = append(cs, c1-c0), append(ca, processCPUSeconds()-c1)
	}
	ms, at, cs, ca = ms[1:], at[1:], cs[1:], ca[1:] // the first of each warms caches and allocates
	line := &GRPOBenchTask{
		Task: name, Model: m.Config(), Start: start, G: b.GRPO.GroupSize, Prompts: b.GRPO.PromptsPerStep,
		MiniBatch: b.GRPO.MiniBatches, Steps: len(ms), KVCache: o.KV.String(),
	}
	tm := grpo.Summarize(ms, at)
	tm.AddCPU(cs, ca)
	line.StepCPUS, line.AnchorCPUS, line.StepOverMLECPU = round3(tm.StepCPUS), round3(tm.AnchorCPUS), round3(tm.StepOverAnchorCPU)
	line.StepS, line.SampleS, line.RewardS = round3(tm.StepS), round3(tm.SampleS), round3(tm.RewardS)
	line.LogProbS, line.FwdBwdS, line.RespLen = round3(tm.LogProbS), round3(tm.FwdBwdS), round3(tm.RespLen)
	line.SampledTokS = round3(float64(rows) * tm.RespLen / tm.SampleS)
	line.AnchorMLEStepS = round3(tm.AnchorS)
	line.StepOverMLE, line.SampleOverMLE = round3(tm.StepOverAnchor), round3(tm.SampleOverAnchor)
	line.LogProbOverMLE, line.FwdBwdOverMLE = round3(tm.LogProbOverAnchor), round3(tm.FwdBwdOverAnchor)
	return line, nil
}

// processCPUSeconds is the CPU time this process has used so far, every
// thread (OpenBLAS's included), user and system; 0 if it cannot be read.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
