package robot

// The JSONL codec of video examples (envs.Codec).
//
// A record has the common fields id, task, split, prompt and ground_truth
// (token id arrays), and:
//
//	changed       bool: whether the true frames differ from the last context frame
//	size, steps, context   ints: the frame side and the task's shape
//	frame_png     the first true next frame, base64 PNG
//	frames_png    every true next frame, base64 PNGs (Steps of them)
//	context_png   the context frames, base64 PNGs
//	actions       [[dx, dy, close]...]: the true actions (close is 0 or 1)
//	episode_seed, warmup   regenerate the episode (Payload)
//
// Example needs only prompt and ground_truth (and frames_png with
// RawTruth): the frames decode from the tokens.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

// Record implements envs.Codec.
func (t *Task) Record(ex *envs.Example) (map[string]any, error) {
	p, ok := ex.Payload.(*Payload)
	if !ok || p == nil {
		return nil, fmt.Errorf("robot: record %s: %w", ex.ID, errNoPayload)
	}
	pngs := func(frames [][]uint8) ([]string, error) {
		out := make([]string, len(frames))
		for i, f := range frames {
			s, err := FramePNG(f, p.Size)
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	}
	frames, err := pngs(p.Frames)
	if err != nil {
		return nil, fmt.Errorf("robot: record %s: %w", ex.ID, err)
	}
	ctxs, err := pngs(p.ContextFrames)
	if err != nil {
		return nil, fmt.Errorf("robot: record %s: %w", ex.ID, err)
	}
	acts := make([][3]float64, len(p.Actions))
	for i, a := range p.Actions {
		c := 0.0
		if a.Close {
			c = 1
		}
		acts[i] = [3]float64{a.DX, a.DY, c}
	}
	return map[string]any{
		"id": ex.ID, "task": t.name, "split": string(ex.Split),
		"prompt": ex.Prompt, "ground_truth": ex.Target, "changed": ex.Changed,
		"size": p.Size, "steps": t.opt.Steps, "context": t.opt.Context,
		"frame_png": frames[0], "frames_png": frames, "context_png": ctxs,
		"actions": acts, "episode_seed": p.EpisodeSeed, "warmup": p.Warmup,
	}, nil
}

// Example implements envs.Codec: it rebuilds an example from prompt and
// ground_truth, checking every token against the layout.
func (t *Task) Example(rec map[string]json.RawMessage) (*envs.Example, error) {
	var prompt, target []int
	if err := jsonField(rec, "prompt", &prompt, true); err != nil {
		return nil, err
	}
	if err := jsonField(rec, "ground_truth", &target, true); err != nil {
		return nil, err
	}
	if len(prompt) != t.PromptLen() {
		return nil, fmt.Errorf("robot: field prompt has %d tokens, want %d", len(prompt), t.PromptLen())
	}
	if len(target) != t.ResponseLen() {
		return nil, fmt.Errorf("robot: field ground_truth has %d tokens, want %d", len(target), t.ResponseLen())
	}
	ex := &envs.Example{Task: t.name}
	if err := jsonField(rec, "id", &ex.ID, false); err != nil {
		return nil, err
	}
	var split string
	if err := jsonField(rec, "split", &split, false); err != nil {
		return nil, err
	}
	ex.Split = envs.Split(split)
	size := t.opt.Size
	p := &Payload{Size: size}
	if err := jsonField(rec, "episode_seed", &p.EpisodeSeed, false); err != nil {
		return nil, err
	}
	if err := jsonField(rec, "warmup", &p.Warmup, false); err != nil {
		return nil, err
	}
	frameToks := func(field string, toks []int) ([]int, []uint8, error) {
		for i, v := range toks {
			if v < 0 || v >= t.opt.K {
				return nil, nil, fmt.Errorf("robot: field %s: token %d at %d is not a codebook id [0,%d)", field, v, i, t.opt.K)
			}
		}
		pix, err := t.cb.Decode(toks, size, size)
		return append([]int(nil), toks...), pix, err
	}
	addAction := func(field string, toks []int) error {
		a, err := t.DecodeAction(toks)
		if err != nil {
			return fmt.Errorf("robot: field %s: %w", field, err)
		}
		p.Actions = append(p.Actions, a)
		p.ActionTokens = append(p.ActionTokens, append([]int(nil), toks...))
		return nil
	}
	for c := 0; c < t.opt.Context; c++ {
		tk, pix, err := frameToks("prompt", prompt[c*t.tpf:(c+1)*t.tpf])
		if err != nil {
			return nil, err
		}
		p.ContextTokens = append(p.ContextTokens, tk)
		p.ContextFrames = append(p.ContextFrames, pix)
	}
	if err := addAction("prompt", prompt[t.opt.Context*t.tpf:]); err != nil {
		return nil, err
	}
	for j := 0; j < t.opt.Steps; j++ {
		o := j * (t.tpf + ActionTokens)
		if j > 0 {
			if err := addAction("ground_truth", target[o-ActionTokens:o]); err != nil {
				return nil, err
			}
		}
		tk, pix, err := frameToks("ground_truth", target[o:o+t.tpf])
		if err != nil {
			return nil, err
		}
		p.FrameTokens = append(p.FrameTokens, tk)
		p.Frames = append(p.Frames, pix)
	}
	// The rendered frames, when present, replace the decoded ones (RawTruth
	// scores against them; the viewer shows them).
	var raw []string
	if err := jsonField(rec, "frames_png", &raw, t.opt.RawTruth); err != nil {
		return nil, err
	}
	if raw != nil {
		if len(raw) != t.opt.Steps {
			return nil, fmt.Errorf("robot: field frames_png has %d frames, want %d", len(raw), t.opt.Steps)
		}
		for j, s := range raw {
			pix, err := DecodeFramePNG(s, size)
			if err != nil {
				return nil, fmt.Errorf("robot: field frames_png[%d]: %w", j, err)
			}
			p.Frames[j] = pix
		}
	}
	if err := t.prepareTruth(p); err != nil {
		return nil, err
	}
	built := t.assemble(p)
	ex.Prompt, ex.Target, ex.Payload = built.Prompt, built.Target, p
	ex.Changed = built.Changed
	var changed *bool
	if err := jsonField(rec, "changed", &changed, false); err != nil {
		return nil, err
	}
	if changed != nil {
		ex.Changed = *changed
	}
	return ex, nil
}

// jsonField decodes rec[name] into v; a missing field is an error only
// when required.
func jsonField(rec map[string]json.RawMessage, name string, v any, required bool) error {
	raw, ok := rec[name]
	if !ok || string(raw) == "null" {
		if required {
			return fmt.Errorf("robot: missing field %s", name)
		}
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("robot: field %s: %v", name, err)
	}
	return nil
}

// ParsePrediction reads a prediction: a JSON array of numbers. A value of
// another JSON type is an error; numbers that are not token ids (fractions,
// beyond the int32 range) come back as -1 with why saying which.
func ParsePrediction(raw json.RawMessage) (toks []int, why string, err error) {
	var vals []any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&vals); err != nil || vals == nil {
		return nil, "", fmt.Errorf("robot: prediction must be an array of token ids")
	}
	toks = make([]int, len(vals))
	for i, v := range vals {
		n, ok := v.(json.Number)
		if !ok {
			return nil, "", fmt.Errorf("robot: prediction[%d] is not a number", i)
		}
		f, err := n.Float64()
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<31 {
			if why == "" {
				why = fmt.Sprintf("prediction[%d] = %s is not a token id", i, n)
			}
			toks[i] = -1
			continue
		}
		toks[i] = int(f)
	}
	return toks, why, nil
}

// ScorePrediction implements envs.Codec.
func (t *Task) ScorePrediction(ex *envs.Example, prediction json.RawMessage) (envs.Score, error) {
	toks, why, err := ParsePrediction(prediction)
	if err != nil {
		return envs.Score{}, err
	}
	if why != "" {
		return worst(why), nil
	}
	return t.Score(ex, toks), nil
}

// FramePNG encodes an RGB frame as a base64 PNG.
func FramePNG(pix []uint8, size int) (string, error) {
	img, err := FrameImage(pix, size)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("robot: encode png: %w", err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// DecodeFramePNG decodes a base64 PNG of a size x size frame into RGB bytes.
func DecodeFramePNG(s string, size int) ([]uint8, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("base64: %w", err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("png: %w", err)
	}
	if cfg.Width != size || cfg.Height != size {
		return nil, fmt.Errorf("png is %dx%d, want %dx%d", cfg.Width, cfg.Height, size, size)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("png: %w", err)
	}
	return imageRGB(img, size), nil
}

// FrameImage wraps RGB bytes as an image for display.
func FrameImage(pix []uint8, size int) (*image.RGBA, error) {
	if size <= 0 || len(pix) != size*size*3 {
		return nil, fmt.Errorf("robot: %d bytes is not a %dx%d RGB frame", len(pix), size, size)
	}
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for i := 0; i < size*size; i++ {
		copy(img.Pix[i*4:i*4+3], pix[i*3:i*3+3])
		img.Pix[i*4+3] = 255
	}
	return img, nil
}

func imageRGB(img image.Image, size int) []uint8 {
	out := make([]uint8, size*size*3)
	b := img.Bounds()
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := (y*size + x) * 3
			out[i], out[i+1], out[i+2] = uint8(r>>8), uint8(g>>8), uint8(bl>>8)
		}
	}
	return out
}
