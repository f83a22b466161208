package web

import "github.com/rlvrworld/rlvrworld/stdlib/envs"

// Step plays action in a copy of b and returns the transition as an example
// (the prompt a model reads, the true page diff as its target) and the
// browser after the step; b itself is unchanged. It lets a notebook step a
// site by hand and ask models what the next page will be.
func (t *Task) Step(b *Browser, objective, previous, action, id string) (*envs.Example, *Browser) {
	next := b.Clone()
	before := b.Items()
	next.Step(action)
	after := next.Items()
	tr := &Transition{URL: b.URL(), Objective: objective, Previous: previous, Action: action, Sections: DiffItems(before, after)}
	for _, it := range before {
		tr.Before = append(tr.Before, it.Line())
	}
	for _, it := range after {
		tr.After = append(tr.After, it.Line())
	}
	return t.example(tr, id, envs.Test), next
}
