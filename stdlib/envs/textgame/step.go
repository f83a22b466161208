package textgame

import (
	"slices"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

// ValidActions are the actions of w.Actions that the game accepts in its
// current state (the others leave the state as it was, but for the tick).
// w is unchanged.
func (w *World) ValidActions() []string {
	var out []string
	for _, a := range w.Actions() {
		if w.clone().act(a) {
			out = append(out, a)
		}
	}
	return out
}

// Step plays action in a copy of w and returns the transition as an example
// (the prompt a model reads, the true next state as its target) and the
// world after the step; w itself is unchanged. It lets a notebook step a
// game by hand and ask models what happens next.
func (t *Task) Step(w *World, action, id string) (*envs.Example, *World, error) {
	next := w.clone()
	next.Step(action)
	tr := &Transition{Game: w.game.name, Action: action, Before: w.st.Clone(), After: next.st.Clone()}
	for i, v := range w.game.variants {
		if slices.Equal(v, w.names) {
			tr.Variant = i
		}
	}
	ex, err := t.example(tr, id, envs.Test)
	if err != nil {
		return nil, nil, err
	}
	return ex, next, nil
}
