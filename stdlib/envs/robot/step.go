package robot

import (
	"fmt"

	"github.com/rlvrworld/rlvrworld/stdlib/display"
	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

// EpisodeExamples turns an episode run in the simulator (RunPolicy) into the
// task's examples, so that a world model can be asked to predict each of its
// steps from the true frames: example i has the frames up to step i as its
// context (the first frame repeated where the episode is shorter than the
// context) and the next Steps actions and true frames as its target. An
// episode of n steps gives n - Steps + 1 examples (none when shorter).
func (t *Task) EpisodeExamples(ep EpisodeResult) ([]envs.Example, error) {
	if len(ep.Frames) != len(ep.Actions)+1 {
		return nil, fmt.Errorf("robot: episode has %d frames for %d actions, want one more frame than actions", len(ep.Frames), len(ep.Actions))
	}
	size := t.opt.Size
	for i, f := range ep.Frames {
		if len(f) != size*size*3 {
			return nil, fmt.Errorf("robot: episode frame %d has %d bytes, want %d (a %dx%d RGB frame)", i, len(f), size*size*3, size, size)
		}
	}
	var out []envs.Example
	for i := 0; i+t.opt.Steps <= len(ep.Actions); i++ {
		p := &Payload{Size: size, EpisodeSeed: ep.Seed}
		for c := i - t.opt.Context + 1; c <= i; c++ {
			p.ContextFrames = append(p.ContextFrames, ep.Frames[max(c, 0)])
		}
		for j := i; j < i+t.opt.Steps; j++ {
			a := t.quantise(ep.Actions[j])
			p.Actions = append(p.Actions, a)
			p.ActionTokens = append(p.ActionTokens, t.EncodeAction(a))
			p.Frames = append(p.Frames, ep.Frames[j+1])
		}
		if err := t.tokenize(p); err != nil {
			return nil, fmt.Errorf("robot: episode step %d: %w", i+1, err)
		}
		ex := t.assemble(p)
		ex.ID = fmt.Sprintf("%s-%s-%d-step-%d", t.name, ep.Policy, ep.Seed, i+1)
		ex.Split = envs.Test
		out = append(out, *ex)
	}
	return out, nil
}

// Compare shows several models' responses to one example in one frames
// viewer: the true next frames, then each model's predicted frames with
// their metrics and repetition flags (Rollout's), labels[k] naming
// responses[k]. It needs one label per response and at least one response.
func (t *Task) Compare(ex *envs.Example, labels []string, responses ...[]int) (display.Frames, error) {
	if len(responses) == 0 || len(labels) != len(responses) {
		return display.Frames{}, fmt.Errorf("robot: Compare needs one label per response, got %d labels for %d responses", len(labels), len(responses))
	}
	fr := t.Rollout(ex, responses[0])
	fr.Label = labels[0]
	for k := 1; k < len(responses); k++ {
		r := t.Rollout(ex, responses[k])
		fr.Others = append(fr.Others, display.Prediction{Label: labels[k], Predicted: r.Predicted, Metrics: r.Metrics, Repeated: r.Repeated})
	}
	return fr, nil
}
