package grpo

import (
	"context"
	"fmt"
	"runtime"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// EvalOptions tunes Evaluate; the zero value uses the task's decoding.
type EvalOptions struct {
	// BatchSize is the number of prompts decoded together (default 64).
	BatchSize int
	// Seed seeds sampled decoding (video); greedy decoding ignores it.
	Seed int64
	// Workers is the number of scoring goroutines (default GOMAXPROCS).
	Workers int
	// Greedy decodes greedily whatever the task's evaluation settings: for
	// video, where sampling noise alone makes an exact repeat of a frame
	// unlikely, it shows what the model itself predicts.
	Greedy bool
}

// EvalResult is the outcome of evaluating a model on a split.
type EvalResult struct {
	// Metrics are the task's aggregate metrics (Task.Evaluate) plus
	// "reward", the mean verifier reward, and "parse_errors", the share of
	// responses the verifier could not use.
	Metrics map[string]float64
	// Scores holds the verifier's judgement of each example, in order.
	Scores []envs.Score
	// Responses holds each decoded response (token ids), in order.
	Responses [][]int
}

// Evaluate decodes every example with the task's evaluation settings
// (greedy for language, temperature 1 with top-k for video; opts.Greedy
// for greedy everywhere), scores the
// responses with the verifier and aggregates them with Task.Evaluate. It
// returns ctx.Err() promptly when ctx is cancelled.
func Evaluate(ctx context.Context, m *nn.Model, task envs.Task, exs []envs.Example, opts EvalOptions) (*EvalResult, error) {
	if m == nil || task == nil {
		return nil, fmt.Errorf("grpo: evaluate: nil model or task")
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 64
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	dec := task.Decoding()
	res := &EvalResult{Responses: make([][]int, len(exs))}
	ptrs := make([]*envs.Example, len(exs))
	for i := range exs {
		ptrs[i] = &exs[i]
	}
	for lo := 0; lo < len(exs); lo += opts.BatchSize {
		hi := lo + opts.BatchSize
		if hi > len(exs) {
			hi = len(exs)
		}
		prompts := make([][]int, hi-lo)
		for i := lo; i < hi; i++ {
			prompts[i-lo] = exs[i].Prompt
		}
		so := nn.SampleOptions{
			MaxNew:      dec.MaxTokens,
			Temperature: float32(dec.EvalTemperature),
			TopK:        dec.EvalTopK,
			Stop:        dec.Stop,
			Seed:        opts.Seed*1000003 + int64(lo) + 17,
		}
		if opts.Greedy {
			so.Temperature, so.TopK = 0, 0
		}
		if dec.Force != nil {
			base := lo
			so.Force = func(row int, response []int) []int { return dec.Force(ptrs[base+row], response) }
		}
		samples, err := m.Sample(ctx, prompts, so)
		if err != nil {
			return nil, fmt.Errorf("grpo: evaluate %s: sampling: %w", task.Name(), err)
		}
		for i := range samples {
			res.Responses[lo+i] = samples[i].Tokens
		}
	}
	scores, err := scoreAll(ctx, task, ptrs, res.Responses, opts.Workers)
	if err != nil {
		return nil, err
	}
	res.Scores = scores
	res.Metrics = task.Evaluate(exs, scores)
	if res.Metrics == nil {
		res.Metrics = map[string]float64{}
	}
	var sum, bad float64
	for _, s := range scores {
		sum += s.Reward
		if s.Err != "" {
			bad++
		}
	}
	if n := float64(len(scores)); n > 0 {
		res.Metrics["reward"] = sum / n
		res.Metrics["parse_errors"] = bad / n
	}
	return res, nil
}
