package robot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/tok"
	"github.com/rlvrworld/rlvrworld/stdlib/verify"
)

// Options configures the video task. Zero fields take the defaults.
type Options struct {
	// Steps is the number of predicted frames: 1 (the default) is the
	// single-step task "video"; more is the multi-step task "video-multi",
	// whose response holds the frames with the true action tokens between
	// them (injected through Decoding.Force).
	Steps int
	// Context is the number of context frames in the prompt (default 1).
	Context int
	// Size is the frame side in pixels (default 32; 64 also works).
	Size int
	// K is the codebook size (default 256). Bins is the number of bins of
	// each move axis (default 5: moves of -4, -2, 0, 2, 4 units, matching the
	// 2-unit grid; odd so that 0 is a bin).
	K, Bins int
	// Codebook overrides the tokenizer. Without it the task uses the shipped
	// codebook for Size 32 and K 256, and trains one at NewTask otherwise
	// (a few seconds).
	Codebook *tok.Codebook
	// MaxBlocks is the most blocks on the table (default 3); Drawer adds the
	// drawer.
	MaxBlocks int
	Drawer    bool
	// NoOp is the share of no-op actions in the data (default 0.35; negative
	// for none): no move and no finger change, so the next frame equals the
	// last one.
	NoOp float64
	// Warmup is the most data-policy steps an episode runs before the
	// example's transition (default 16; negative for none), so that examples
	// show varied states.
	Warmup int
	// Physics overrides DefaultPhysics.
	Physics *Physics
	// RawTruth scores predictions against the rendered true frame instead of
	// the decoded true tokens. The default compares with what the tokenizer
	// can express, so that the true tokens score the maximum reward 0;
	// RawTruth adds the tokenizer's own error to every score.
	RawTruth bool
	// Perceptual is the perceptual distance of the reward (default
	// verify.SSIMDistance, 1 - SSIM, standing in for LPIPS).
	Perceptual verify.Perceptual
	// Motion is the weight of the moved-patch accuracy in the reward (0,
	// the default: not in it). Per predicted frame whose true tokens
	// differ from the frame before, the reward gains Motion times the share
	// of those changed token positions predicted exactly. It plays the part
	// of acc_changed in the text game's task-specific reward: a frozen
	// frame scores 0 on it, so copying the last frame is no longer a safe
	// answer when pixel error alone barely separates it from a small
	// correct move.
	Motion float64
}

// Task is the robot video world-model task. It implements envs.Task and
// envs.Codec.
//
// Token layout (one vocabulary): ids [0, K) are codebook entries; then
// Bins ids for the x move (K + b), Bins for the y move (K + Bins + b), and 2
// for the fingers (K + 2*Bins: open, +1: close). VocabSize is K + 2*Bins + 2.
// An action is always the three tokens dx, dy, grip.
//
// Prompt: the Context frames' tokens (TokensPerFrame each, patches in raster
// order), then the first action's three tokens. Response: the next frame's
// tokens; for Steps > 1, frame, action, frame, ... (Steps frames, the true
// actions between them). There is no stop token: responses have a fixed
// length, MaxTokens.
type Task struct {
	opt  Options
	cb   *tok.Codebook
	tpf  int // tokens per frame
	name string
}

// ActionTokens is the number of tokens per action.
const ActionTokens = 3

// NewTask builds the task. It is quick with the shipped codebook.
func NewTask(opt Options) (*Task, error) {
	if opt.Steps <= 0 {
		opt.Steps = 1
	}
	if opt.Context <= 0 {
		opt.Context = 1
	}
	if opt.Size <= 0 {
		opt.Size = 32
	}
	if opt.K <= 0 {
		opt.K = 256
	}
	if opt.Bins <= 0 {
		opt.Bins = 5
	}
	if opt.MaxBlocks <= 0 {
		opt.MaxBlocks = 3
	}
	switch {
	case opt.NoOp == 0:
		opt.NoOp = 0.35
	case opt.NoOp < 0:
		opt.NoOp = 0
	}
	switch {
	case opt.Warmup == 0:
		opt.Warmup = 16
	case opt.Warmup < 0:
		opt.Warmup = 0
	}
	if opt.Physics == nil {
		p := DefaultPhysics
		opt.Physics = &p
	}
	if opt.Perceptual == nil {
		opt.Perceptual = verify.SSIMDistance{}
	}
	if opt.Steps > 16 || opt.Context > 8 {
		return nil, fmt.Errorf("robot: steps %d (max 16) or context %d (max 8) too large", opt.Steps, opt.Context)
	}
	if opt.Bins < 2 || opt.Bins > 64 {
		return nil, fmt.Errorf("robot: bins %d out of range 2..64", opt.Bins)
	}
	if opt.Motion < 0 || math.IsNaN(opt.Motion) {
		return nil, fmt.Errorf("robot: motion weight %v must be >= 0", opt.Motion)
	}
	if opt.NoOp >= 1 {
		return nil, fmt.Errorf("robot: no-op share %v out of [0,1)", opt.NoOp)
	}
	cb := opt.Codebook
	if cb == nil {
		var err error
		if cb, err = DefaultCodebook(context.Background(), opt.Size, opt.K); err != nil {
			return nil, err
		}
	}
	if err := validateSize(opt.Size, cb.Patch); err != nil {
		return nil, err
	}
	opt.K = cb.K
	t := &Task{opt: opt, cb: cb, tpf: cb.TokensPerFrame(opt.Size, opt.Size), name: "video"}
	if opt.Steps > 1 {
		t.name = "video-multi"
	}
	return t, nil
}

// Options returns the task's options with defaults filled in.
func (t *Task) Options() Options { return t.opt }

// Codebook returns the frame tokenizer.
func (t *Task) Codebook() *tok.Codebook { return t.cb }

// Name is "video" for single-step and "video-multi" for multi-step.
func (t *Task) Name() string { return t.name }

// VocabSize is K + 2*Bins + 2.
func (t *Task) VocabSize() int { return t.opt.K + 2*t.opt.Bins + 2 }

// TokensPerFrame is the number of tokens of one frame.
func (t *Task) TokensPerFrame() int { return t.tpf }

// PromptLen is the prompt length: Context frames and one action.
func (t *Task) PromptLen() int { return t.opt.Context*t.tpf + ActionTokens }

// ResponseLen is the response length: Steps frames with Steps-1 actions.
func (t *Task) ResponseLen() int { return t.opt.Steps*t.tpf + (t.opt.Steps-1)*ActionTokens }

// EncodeAction returns the three tokens of an action (moves rounded to the
// nearest bin).
func (t *Task) EncodeAction(a Action) []int {
	b := t.opt.Bins
	bin := func(v float64) int {
		return int(math.Round((clamp(v, -1, 1) + 1) / 2 * float64(b-1)))
	}
	g := 0
	if a.Close {
		g = 1
	}
	return []int{t.opt.K + bin(a.DX), t.opt.K + b + bin(a.DY), t.opt.K + 2*b + g}
}

// DecodeAction inverts EncodeAction; tokens in the wrong place give an error.
func (t *Task) DecodeAction(toks []int) (Action, error) {
	k, b := t.opt.K, t.opt.Bins
	if len(toks) != ActionTokens {
		return Action{}, fmt.Errorf("robot: action has %d tokens, want %d", len(toks), ActionTokens)
	}
	x, y, g := toks[0]-k, toks[1]-k-b, toks[2]-k-2*b
	if x < 0 || x >= b || y < 0 || y >= b || g < 0 || g > 1 {
		return Action{}, fmt.Errorf("robot: tokens %v are not an action (dx in [%d,%d), dy in [%d,%d), grip in [%d,%d))",
			toks, k, k+b, k+b, k+2*b, k+2*b, k+2*b+2)
	}
	v := func(i int) float64 { return float64(i)/float64(b-1)*2 - 1 }
	return Action{DX: v(x), DY: v(y), Close: g == 1}, nil
}

// Payload is what a video example carries for its verifier and its viewer.
type Payload struct {
	// Size is the frame side in pixels.
	Size int
	// EpisodeSeed and Warmup regenerate the example: NewEpisode from the
	// seed, then Warmup steps of the data policy.
	EpisodeSeed uint64
	Warmup      int
	// Actions are the Steps true actions; ActionTokens their tokens.
	Actions      []Action
	ActionTokens [][]int
	// ContextFrames and Frames are the rendered RGB frames (Size*Size*3
	// bytes): the context, then the Steps true next frames.
	ContextFrames [][]uint8
	Frames        [][]uint8
	// ContextTokens and FrameTokens are their tokens.
	ContextTokens [][]int
	FrameTokens   [][]int
	// States are the true states after each step (nil when rebuilt from a
	// record).
	States []*State
	// truth are the frames Score compares with, precomputed so that Score
	// is read-only and safe to call from several goroutines.
	truth []verify.Image
}

// episodeSeed derives disjoint seeds per split: the split's index sits in
// the top bits, so two splits never share an episode. Seeds are taken
// modulo 2^26 and indices modulo 2^24.
func episodeSeed(split envs.Split, seed int64, i int) (uint64, error) {
	var s uint64
	switch split {
	case envs.Train:
		s = 1
	case envs.Val:
		s = 2
	case envs.Test:
		s = 3
	case envs.Heldout:
		s = 4
	default:
		return 0, fmt.Errorf("robot: unknown split %q", split)
	}
	// 3 split bits, 26 seed bits, 24 index bits: 53 bits in all, so the
	// seed survives JSON readers that hold numbers as doubles (jq, JS).
	return s<<50 | (uint64(seed)&(1<<26-1))<<24 | uint64(i)&(1<<24-1), nil
}

// dataPolicy is the policy that collects the datasets: an expert with 40%
// random actions, and NoOp of the steps replaced by a no-op.
type dataPolicy struct {
	t      *Task
	expert *Expert
}

func (d *dataPolicy) act(s *State, rng *rand.Rand) Action {
	r := rng.Float64()
	switch {
	case r < d.t.opt.NoOp:
		return Action{Close: s.Closed}
	case r < d.t.opt.NoOp+0.4*(1-d.t.opt.NoOp):
		return randomAction(rng, d.t.opt.Bins)
	}
	a := d.expert.ActState(s)
	if a.DX == 0 && a.DY == 0 && a.Close == s.Closed {
		// The expert idles once done; keep the data moving instead, so that
		// the no-op share stays NoOp.
		return randomAction(rng, d.t.opt.Bins)
	}
	return a
}

func randomAction(rng *rand.Rand, bins int) Action {
	v := func() float64 { return float64(rng.IntN(bins))/float64(bins-1)*2 - 1 }
	return Action{DX: v(), DY: v(), Close: rng.IntN(2) == 1}
}

// quantise rounds an action to the task's bins, so that the simulator runs
// the action its tokens say.
func (t *Task) quantise(a Action) Action {
	q, _ := t.DecodeAction(t.EncodeAction(a))
	return q
}

// Generate returns n examples of a split. Each example is its own episode:
// a layout drawn from the episode seed, 0 to Warmup steps of the data
// policy, then the Steps steps the example predicts. Two goroutines share
// the work; each example depends only on its own seed, so the result does
// not depend on scheduling.
func (t *Task) Generate(ctx context.Context, split envs.Split, n int, seed int64) ([]envs.Example, error) {
	if n < 0 {
		return nil, fmt.Errorf("robot: negative example count %d", n)
	}
	if _, err := episodeSeed(split, seed, 0); err != nil {
		return nil, err
	}
	out := make([]envs.Example, n)
	const workers = 2
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if (i/workers)%16 == 0 && ctx.Err() != nil {
					errs[w] = ctx.Err()
					return
				}
				es, _ := episodeSeed(split, seed, i)
				ex, err := t.example(es, split == envs.Heldout)
				if err != nil {
					errs[w] = err
					return
				}
				ex.ID = fmt.Sprintf("%s-%s-%d-%d", t.name, split, seed, i)
				ex.Split = split
				out[i] = *ex
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Example regenerates the example of an episode seed (as recorded in
// Payload.EpisodeSeed).
func (t *Task) example(es uint64, heldout bool) (*envs.Example, error) {
	rng := rand.New(rand.NewPCG(es, 0x726f626f74))
	s := NewEpisode(rng, t.opt.MaxBlocks, t.opt.Drawer, heldout)
	pol := &dataPolicy{t: t, expert: NewExpert()}
	warm := rng.IntN(t.opt.Warmup + 1)
	size := t.opt.Size
	frames := [][]uint8{Render(s, size)}
	for w := 0; w < warm; w++ {
		s = Step(s, t.quantise(pol.act(s, rng)), *t.opt.Physics, rng)
		frames = append(frames, Render(s, size))
	}
	for len(frames) < t.opt.Context {
		frames = append([][]uint8{frames[0]}, frames...)
	}
	p := &Payload{Size: size, EpisodeSeed: es, Warmup: warm, ContextFrames: frames[len(frames)-t.opt.Context:]}
	for j := 0; j < t.opt.Steps; j++ {
		a := t.quantise(pol.act(s, rng))
		s = Step(s, a, *t.opt.Physics, rng)
		p.Actions = append(p.Actions, a)
		p.ActionTokens = append(p.ActionTokens, t.EncodeAction(a))
		p.Frames = append(p.Frames, Render(s, size))
		p.States = append(p.States, s)
	}
	if err := t.tokenize(p); err != nil {
		return nil, err
	}
	return t.assemble(p), nil
}

// tokenize fills the payload's tokens from its frames and prepares the
// truth frames for Score.
func (t *Task) tokenize(p *Payload) error {
	p.ContextTokens, p.FrameTokens = nil, nil
	for _, f := range p.ContextFrames {
		tk, err := t.cb.Encode(f, p.Size, p.Size)
		if err != nil {
			return fmt.Errorf("robot: encode context frame: %w", err)
		}
		p.ContextTokens = append(p.ContextTokens, tk)
	}
	for _, f := range p.Frames {
		tk, err := t.cb.Encode(f, p.Size, p.Size)
		if err != nil {
			return fmt.Errorf("robot: encode frame: %w", err)
		}
		p.FrameTokens = append(p.FrameTokens, tk)
	}
	return t.prepareTruth(p)
}

func (t *Task) prepareTruth(p *Payload) error {
	p.truth = p.truth[:0]
	for j := range p.FrameTokens {
		var img verify.Image
		var err error
		if t.opt.RawTruth {
			img, err = verify.ImageFromRGB(p.Frames[j], p.Size, p.Size)
		} else {
			var f []float32
			f, err = t.cb.DecodeFloat(p.FrameTokens[j], p.Size, p.Size, nil)
			img = verify.Image{W: p.Size, H: p.Size, Pix: f}
		}
		if err != nil {
			return fmt.Errorf("robot: truth frame %d: %w", j, err)
		}
		p.truth = append(p.truth, img)
	}
	return nil
}

// assemble builds the example's prompt and target from a tokenized payload.
func (t *Task) assemble(p *Payload) *envs.Example {
	ex := &envs.Example{Task: t.name, Payload: p}
	for _, c := range p.ContextTokens {
		ex.Prompt = append(ex.Prompt, c...)
	}
	ex.Prompt = append(ex.Prompt, p.ActionTokens[0]...)
	for j, f := range p.FrameTokens {
		if j > 0 {
			ex.Target = append(ex.Target, p.ActionTokens[j]...)
		}
		ex.Target = append(ex.Target, f...)
	}
	prev := p.ContextFrames[len(p.ContextFrames)-1]
	for _, f := range p.Frames {
		if string(f) != string(prev) {
			ex.Changed = true
		}
		prev = f
	}
	return ex
}

// Decoding: fixed-length responses, no stop token; evaluation samples at
// temperature 1 with top-k 16; multi-step injects the true actions.
func (t *Task) Decoding() envs.Decoding {
	d := envs.Decoding{MaxTokens: t.ResponseLen(), Stop: -1, EvalTemperature: 1, EvalTopK: 16}
	if t.opt.Steps > 1 {
		d.Force = t.force
	}
	return d
}

// force returns the true action tokens after each predicted frame but the
// last.
func (t *Task) force(ex *envs.Example, response []int) []int {
	p, ok := ex.Payload.(*Payload)
	if !ok {
		return nil
	}
	per := t.tpf + ActionTokens
	n := len(response)
	if n == 0 || n%per != t.tpf {
		return nil
	}
	j := n/per + 1
	if j >= len(p.ActionTokens) {
		return nil
	}
	return append([]int(nil), p.ActionTokens[j]...)
}

// FrameOf returns the tokens of predicted frame j of a response, without
// checking them.
func (t *Task) frameOf(response []int, j int) []int {
	o := j * (t.tpf + ActionTokens)
	return response[o : o+t.tpf]
}

// worst is the score of a response that cannot be used: every metric at
// its worst and the lowest reward, -(1 + 2) = -3.
func worst(why string) envs.Score {
	m := verify.WorstFrame.Map()
	m["repetition"] = 0
	m["invalid"] = 1
	return envs.Score{Reward: verify.WorstFrame.Reward(), Metrics: m, Err: why}
}

// LowestReward is the reward of an unusable response, below that of any
// decodable frame.
var LowestReward = verify.WorstFrame.Reward()

// Score decodes each predicted frame and compares it with the truth. The
// reward is the mean over steps of -(MAE + perceptual), 0 at best, plus
// Options.Motion times the moved-patch accuracy of each step that moved.
// Metrics: mae, mse, psnr, ssim, perceptual (means over steps), repetition
// (1 when the last predicted frame's tokens equal the frame's before it
// while the truth changed), invalid, and moved_acc (the share of moved
// token positions predicted exactly, over the steps that moved; absent when
// none did). A response of the wrong length or with a
// frame token outside the codebook scores LowestReward with Err set.
// Tokens at the action positions of a multi-step response are ignored:
// they are injected, not generated.
func (t *Task) Score(ex *envs.Example, response []int) envs.Score {
	if ex == nil {
		return worst("no example")
	}
	p, ok := ex.Payload.(*Payload)
	if !ok || p == nil || len(p.FrameTokens) != t.opt.Steps || len(p.ContextTokens) == 0 {
		return worst("example has no video payload of this task")
	}
	truth := p.truth
	if len(truth) != len(p.FrameTokens) {
		// A payload built by hand: compute the truth now, without caching it,
		// so Score stays read-only.
		q := *p
		q.truth = nil
		if err := t.prepareTruth(&q); err != nil {
			return worst(err.Error())
		}
		truth = q.truth
	}
	if len(response) != t.ResponseLen() {
		return worst(fmt.Sprintf("response has %d tokens, want %d", len(response), t.ResponseLen()))
	}
	var sum verify.FrameMetrics
	var reward, moved, nMoved float64
	buf := make([]float32, p.Size*p.Size*3)
	for j := 0; j < t.opt.Steps; j++ {
		f, err := t.cb.DecodeFloat(t.frameOf(response, j), p.Size, p.Size, buf)
		if err != nil {
			return worst(fmt.Sprintf("frame %d: %v", j, err))
		}
		m, err := verify.CompareFrames(verify.Image{W: p.Size, H: p.Size, Pix: f}, truth[j], t.opt.Perceptual)
		if err != nil {
			return worst(fmt.Sprintf("frame %d: %v", j, err))
		}
		reward += m.Reward()
		if acc, ok := movedAccuracy(t.frameOf(response, j), p.FrameTokens[j], prevTruthTokens(p, j)); ok {
			moved += acc
			nMoved++
			reward += t.opt.Motion * acc
		}
		sum.MAE += m.MAE
		sum.MSE += m.MSE
		sum.PSNR += m.PSNR
		sum.SSIM += m.SSIM
		sum.Perceptual += m.Perceptual
	}
	n := float64(t.opt.Steps)
	last := t.opt.Steps - 1
	prevPred, prevTruth := p.ContextTokens[len(p.ContextTokens)-1], p.ContextTokens[len(p.ContextTokens)-1]
	if last > 0 {
		prevPred, prevTruth = t.frameOf(response, last-1), p.FrameTokens[last-1]
	}
	rep := 0.0
	if verify.Repeated(t.frameOf(response, last), prevPred, p.FrameTokens[last], prevTruth) {
		rep = 1
	}
	metrics := map[string]float64{
		"mae": sum.MAE / n, "mse": sum.MSE / n, "psnr": sum.PSNR / n, "ssim": sum.SSIM / n,
		"perceptual": sum.Perceptual / n, "repetition": rep, "invalid": 0,
	}
	if nMoved > 0 {
		metrics["moved_acc"] = moved / nMoved
	}
	return envs.Score{Reward: reward / n, Metrics: metrics}
}

// prevTruthTokens is the true frame before predicted frame j: the last
// context frame, or the true frame j-1 of a multi-step rollout.
func prevTruthTokens(p *Payload, j int) []int {
	if j == 0 {
		return p.ContextTokens[len(p.ContextTokens)-1]
	}
	return p.FrameTokens[j-1]
}

// movedAccuracy is the share of the token positions where truth differs
// from prev that pred gets exactly; ok is false when nothing moved.
func movedAccuracy(pred, truth, prev []int) (acc float64, ok bool) {
	moved, right := 0, 0
	for i, v := range truth {
		if i < len(prev) && prev[i] == v {
			continue
		}
		moved++
		if i < len(pred) && pred[i] == v {
			right++
		}
	}
	if moved == 0 {
		return 0, false
	}
	return float64(right) / float64(moved), true
}

// Evaluate averages the scores' metrics (mse, psnr, ssim, mae, perceptual,
// repetition, invalid, reward) over all examples, moved_acc over those
// where some frame moved, and mse and ssim also
// over the changed and the unchanged ones (mse_changed, ...).
// repetition_changed is the repetition rate among changed examples, the
// rate the paper reports.
func (t *Task) Evaluate(exs []envs.Example, scores []envs.Score) map[string]float64 {
	out := map[string]float64{}
	if len(exs) != len(scores) || len(scores) == 0 {
		return out
	}
	keys := []string{"mse", "psnr", "ssim", "mae", "perceptual", "repetition", "invalid"}
	var n, nc, nu, moved, nMoved float64
	for i, s := range scores {
		n++
		out["reward"] += s.Reward
		if v, ok := s.Metrics["moved_acc"]; ok {
			moved += v
			nMoved++
		}
		suf := "_unchanged"
		if exs[i].Changed {
			suf = "_changed"
			nc++
		} else {
			nu++
		}
		for _, k := range keys {
			v := s.Metrics[k]
			out[k] += v
			if k == "mse" || k == "ssim" || k == "repetition" {
				out[k+suf] += v
			}
		}
	}
	for k, v := range out {
		switch {
		case len(k) > 8 && k[len(k)-8:] == "_changed":
			if nc > 0 {
				out[k] = v / nc
			}
		case len(k) > 10 && k[len(k)-10:] == "_unchanged":
			if nu > 0 {
				out[k] = v / nu
			}
		default:
			out[k] = v / n
		}
	}
	delete(out, "repetition_unchanged") // always 0 by definition
	out["changed_share"] = nc / n
	if nMoved > 0 {
		out["moved_acc"] = moved / nMoved
	}
	return out
}

// errNoPayload is returned where an example lacks its video payload.
var errNoPayload = errors.New("robot: example has no video payload")
