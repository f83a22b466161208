package robot

import (
	"fmt"
	"image"

	"github.com/rlvrworld/rlvrworld/stdlib/display"
	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/verify"
)

// Rollout turns a response into a frames viewer value: the context frames,
// the predicted frames decoded from the response, and the true (rendered)
// frames, with per-frame metrics and repetition flags. Frames the response
// cannot give (too short, bad tokens) show as black with a "bad" metric.
func (t *Task) Rollout(ex *envs.Example, response []int) display.Frames {
	fr := display.Frames{Title: t.name}
	p, ok := ex.Payload.(*Payload)
	if !ok || p == nil {
		fr.Title += ": example has no video payload"
		return fr
	}
	fr.Title = fmt.Sprintf("%s %s", t.name, ex.ID)
	img := func(pix []uint8) image.Image {
		im, err := FrameImage(pix, p.Size)
		if err != nil {
			return image.NewRGBA(image.Rect(0, 0, p.Size, p.Size))
		}
		return im
	}
	for _, c := range p.ContextFrames {
		fr.Context = append(fr.Context, img(c))
	}
	prev := p.ContextTokens[len(p.ContextTokens)-1]
	prevTruth := prev
	for j := range p.Frames {
		fr.Truth = append(fr.Truth, img(p.Frames[j]))
		o := j * (t.tpf + ActionTokens)
		var pred []int
		if o+t.tpf <= len(response) {
			pred = response[o : o+t.tpf]
		}
		pix, err := t.cb.Decode(pred, p.Size, p.Size)
		if err != nil {
			fr.Predicted = append(fr.Predicted, image.NewRGBA(image.Rect(0, 0, p.Size, p.Size)))
			fr.Metrics = append(fr.Metrics, map[string]float64{"bad": 1})
			fr.Repeated = append(fr.Repeated, false)
			prev, prevTruth = nil, p.FrameTokens[j]
			continue
		}
		fr.Predicted = append(fr.Predicted, img(pix))
		m := verify.WorstFrame
		if f, err := t.cb.DecodeFloat(pred, p.Size, p.Size, nil); err == nil && j < len(p.truth) {
			if mm, err := verify.CompareFrames(verify.Image{W: p.Size, H: p.Size, Pix: f}, p.truth[j], t.opt.Perceptual); err == nil {
				m = mm
			}
		}
		mp := m.Map()
		mp["reward"] = m.Reward()
		fr.Metrics = append(fr.Metrics, mp)
		fr.Repeated = append(fr.Repeated, verify.Repeated(pred, prev, p.FrameTokens[j], prevTruth))
		prev, prevTruth = pred, p.FrameTokens[j]
	}
	return fr
}

// EpisodeFrames shows a policy run (the real one, or with a world model) as
// a frames viewer value; with both, the model's frames are the predictions
// and the real ones the truth, step by step.
func EpisodeFrames(model, real EpisodeResult, size int) display.Frames {
	fr := display.Frames{Title: fmt.Sprintf("%s, seed %d: real success %v, in model %v", real.Policy, real.Seed, real.Success, model.Success)}
	n := len(model.Frames)
	if len(real.Frames) > n {
		n = len(real.Frames)
	}
	blank := image.NewRGBA(image.Rect(0, 0, size, size))
	get := func(fs [][]uint8, i int) image.Image {
		if i < len(fs) {
			if im, err := FrameImage(fs[i], size); err == nil {
				return im
			}
		}
		return blank
	}
	for i := 1; i < n; i++ {
		fr.Predicted = append(fr.Predicted, get(model.Frames, i))
		fr.Truth = append(fr.Truth, get(real.Frames, i))
		// No per-frame metrics: the frame's number is its step (the viewer
		// shows it), and a "step" metric read as a score ("mean STEP 7").
		fr.Repeated = append(fr.Repeated, false)
	}
	if n > 0 {
		fr.Context = []image.Image{get(real.Frames, 0)}
	}
	return fr
}
