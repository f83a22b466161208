// Package copytask is the smallest world-model task, for tests: the state
// is a few tokens, the action says "reverse" or "keep", and the next state
// is the tokens reversed or kept. It exists to show that a new task is one
// package plus one registration line (stdlib/exp's TestFourthTask).
package copytask

import (
	"context"
	"fmt"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

// Token ids: 0..Symbols-1 are state symbols, then the two actions and stop.
const (
	Symbols = 6
	Keep    = Symbols
	Reverse = Symbols + 1
	Stop    = Symbols + 2
	// Length is the number of symbols in a state.
	Length = 3
)

// Task is the copy task.
type Task struct{}

// New returns the task.
func New() (envs.Task, error) { return Task{}, nil }

// Name is "copy".
func (Task) Name() string { return "copy" }

// VocabSize counts the symbols, the two actions and the stop token.
func (Task) VocabSize() int { return Symbols + 3 }

// Generate draws n states and actions of a split.
func (Task) Generate(ctx context.Context, split envs.Split, n int, seed int64) ([]envs.Example, error) {
	r, err := envs.SplitRand(split, seed, 900)
	if err != nil {
		return nil, err
	}
	out := make([]envs.Example, n)
	for i := range out {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := make([]int, Length)
		for j := range s {
			s[j] = r.IntN(Symbols)
		}
		act, next := Keep, append([]int(nil), s...)
		if r.IntN(2) == 1 {
			act = Reverse
			for j := range next {
				next[j] = s[Length-1-j]
			}
		}
		out[i] = envs.Example{ID: fmt.Sprintf("copy-%s-%d", split, i), Task: "copy", Split: split,
			Prompt: append(s, act), Target: append(next, Stop), Changed: act == Reverse && s[0] != s[Length-1]}
	}
	return out, nil
}

// Score is 1 for the exact next state, else 0.
func (Task) Score(ex *envs.Example, response []int) envs.Score {
	if len(response) > 0 && response[len(response)-1] == Stop {
		response = response[:len(response)-1]
	}
	want := ex.Target[:len(ex.Target)-1]
	acc := 0.0
	if fmt.Sprint(response) == fmt.Sprint(want) {
		acc = 1
	}
	return envs.Score{Reward: acc, Metrics: map[string]float64{"acc": acc}}
}

// Evaluate is the mean exact-match accuracy ("acc").
func (Task) Evaluate(exs []envs.Example, scores []envs.Score) map[string]float64 {
	sum := 0.0
	for _, s := range scores {
		sum += s.Metrics["acc"]
	}
	return map[string]float64{"acc": sum / float64(max(len(scores), 1)), "n": float64(len(scores))}
}

// Decoding is greedy, up to the state and the stop token.
func (Task) Decoding() envs.Decoding { return envs.Decoding{MaxTokens: Length + 1, Stop: Stop} }
