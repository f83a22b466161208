package textgame_test

import (
	"fmt"

	"github.com/rlvrworld/rlvrworld/stdlib/envs/textgame"
)

// A world steps through actions; the diff of two states is the response a
// world model must write, and ScoreText grades a response against it.
func Example() {
	w, _ := textgame.NewWorld("cool drink", 0, 1)
	before := w.State()
	w.Step("open fridge")
	after := w.State()
	fmt.Println(before.DiffJSON(after))

	task, _ := textgame.New(textgame.Options{})
	tr := &textgame.Transition{Game: "cool drink", Action: "open fridge", Before: before, After: after}
	s := task.ScoreText(tr, `{'modified': [], 'removed': [],}`) // predicts no change: 2 of 3 objects right
	fmt.Printf("reward %.4f binary %v\n", s.Reward, s.Metrics["binary"])
	// Output:
	// {"modified":[{"uuid":3,"name":"fridge","properties":{"isOpen":true},"contains":[]}],"removed":[],"score":{"score":0,"gameOver":false,"gameWon":false}}
	// reward 0.0700 binary 0
}
