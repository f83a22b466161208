package textgame_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/textgame"
	"github.com/rlvrworld/rlvrworld/stdlib/grpo"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// BenchmarkStepMove times one move of the text game's stepping widget
// (notebooks 01 and 02) with the shipped checkpoint: the simulator's step
// as an example, the model's greedy prediction of the next state, its score
// and the state-diff viewer. Issue 27 asks for under a second per move. The
// game restarts when it runs out of valid actions.
func BenchmarkStepMove(b *testing.B) {
	m, _, err := nn.Load(filepath.Join("..", "..", "..", "checkpoints", "textgame.safetensors"))
	if err != nil {
		b.Fatal(err)
	}
	task, err := textgame.New(textgame.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	games := 0
	var w *textgame.World
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if w == nil || len(w.ValidActions()) == 0 {
			games++
			if w, err = textgame.NewWorld("boil water", 0, int64(games)); err != nil {
				b.Fatal(err)
			}
		}
		acts := w.ValidActions()
		ex, next, err := task.Step(w, acts[i%len(acts)], "bench")
		if err != nil {
			b.Fatal(err)
		}
		r, err := grpo.Evaluate(ctx, m, task, []envs.Example{*ex}, grpo.EvalOptions{})
		if err != nil {
			b.Fatal(err)
		}
		textgame.Diff(ex, r.Responses[0]).Render()
		w = next
	}
}
