package robot

// Scripted policies of graded quality and the policy-evaluation loop: the
// same policy runs in the real simulator and with a world model in the loop,
// and their success rates are compared (the paper's downstream use).
//
// Policies act on an Observation perceived from pixels, not on the true
// state, because inside a world model only the predicted frames exist.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// SeenBlock is a block found in a frame.
type SeenBlock struct {
	Color  int     // index into Palette
	X, Y   float64 // centre in table units
	Pixels int
}

// Observation is what a policy knows: positions in table units read off a
// frame by Perceive (or taken from the true state by Observe).
type Observation struct {
	GripperSeen bool
	GX, GY      float64
	Closed      bool
	Blocks      []SeenBlock
	// GoalSeen, GoalX, GoalY locate the goal zone; TargetColor is the colour
	// its tint shows (the block to bring there), or -1.
	GoalSeen     bool
	GoalX, GoalY float64
	TargetColor  int
}

// Block returns the seen block of a colour.
func (o *Observation) Block(color int) (SeenBlock, bool) {
	for _, b := range o.Blocks {
		if b.Color == color {
			return b, true
		}
	}
	return SeenBlock{}, false
}

// Observe reads an exact observation off a state.
func Observe(s *State) Observation {
	o := Observation{GripperSeen: true, GX: s.GX, GY: s.GY, Closed: s.Closed, GoalSeen: true,
		GoalX: s.GoalX, GoalY: s.GoalY, TargetColor: -1}
	for _, b := range s.Blocks {
		o.Blocks = append(o.Blocks, SeenBlock{Color: b.Color, X: b.X, Y: b.Y, Pixels: 16})
	}
	if s.Target >= 0 && s.Target < len(s.Blocks) {
		o.TargetColor = s.Blocks[s.Target].Color
	}
	return o
}

// reference colours for perception: 0 table, 1 gripper, 2 drawer, then
// the blocks, then the goal tints of each block colour.
var perceiveRefs = func() [][3]float64 {
	refs := [][3]float64{f3(colTable), f3(colGripper), f3(colDrawer), f3(colInside)}
	for _, p := range Palette {
		refs = append(refs, f3(p.RGB))
	}
	for _, p := range Palette {
		var t [3]float64
		for i := range t {
			t[i] = float64((2*int(colTable[i]) + int(p.RGB[i])) / 3)
		}
		refs = append(refs, t)
	}
	return refs
}()

func f3(c [3]uint8) [3]float64 { return [3]float64{float64(c[0]), float64(c[1]), float64(c[2])} }

// Perceive locates the gripper, the blocks and the goal in a size x size RGB
// frame by classifying each pixel to the nearest reference colour. It
// tolerates the blur of decoded frames; what it cannot find it reports as
// not seen.
func Perceive(pix []uint8, size int) Observation {
	o := Observation{TargetColor: -1}
	if size <= 0 || len(pix) != size*size*3 {
		return o
	}
	np := len(Palette)
	nref := len(perceiveRefs)
	sx := make([]float64, nref)
	sy := make([]float64, nref)
	cnt := make([]int, nref)
	var gxs []float64 // gripper pixel x, for the finger spread
	sc := Table / float64(size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			i := (y*size + x) * 3
			best, bestD := -1, 60.0*60.0
			for r, c := range perceiveRefs {
				d0, d1, d2 := float64(pix[i])-c[0], float64(pix[i+1])-c[1], float64(pix[i+2])-c[2]
				if d := d0*d0 + d1*d1 + d2*d2; d < bestD {
					best, bestD = r, d
				}
			}
			if best < 0 {
				continue
			}
			ux, uy := (float64(x)+0.5)*sc, (float64(y)+0.5)*sc
			sx[best] += ux
			sy[best] += uy
			cnt[best]++
			if best == 1 {
				gxs = append(gxs, ux)
			}
		}
	}
	unitPix := float64(size) / Table * float64(size) / Table // pixels per square unit
	if n := cnt[1]; float64(n) >= 6*unitPix {
		o.GripperSeen = true
		o.GX = sx[1] / float64(n)
		var spread float64
		for _, x := range gxs {
			spread += math.Abs(x - o.GX)
		}
		spread /= float64(n)
		// Open fingers average 2.1 units from the centre, closed ones 1.4.
		o.Closed = spread < 1.75
		// The bar sits on top, so the pixels' mean lies above the centre.
		off := 0.625
		if o.Closed {
			off = 0.36
		}
		o.GY = sy[1]/float64(n) + off
		o.GX, o.GY = math.Round(o.GX*2)/2, math.Round(o.GY*2)/2
	}
	for c := 0; c < np; c++ {
		r := 4 + c
		if float64(cnt[r]) >= 3*unitPix {
			o.Blocks = append(o.Blocks, SeenBlock{Color: c, X: sx[r] / float64(cnt[r]), Y: sy[r] / float64(cnt[r]), Pixels: cnt[r]})
		}
	}
	bestT := 0
	for c := 0; c < np; c++ {
		r := 4 + np + c
		if cnt[r] > bestT {
			bestT = cnt[r]
			o.TargetColor = c
			o.GoalSeen = true
			o.GoalX, o.GoalY = sx[r]/float64(cnt[r]), sy[r]/float64(cnt[r])
		}
	}
	if float64(bestT) < 4*unitPix {
		o.GoalSeen, o.TargetColor = false, -1
	}
	return o
}

// PerceivedSuccess is Success judged from an observation: the target block
// is inside the goal zone and the gripper is open (so not holding it).
func PerceivedSuccess(o Observation) bool {
	if !o.GoalSeen || !o.GripperSeen || o.Closed {
		return false
	}
	b, ok := o.Block(o.TargetColor)
	if !ok {
		return false
	}
	lim := (GoalSide-BlockSide)/2 + 1
	return math.Abs(b.X-o.GoalX) <= lim && math.Abs(b.Y-o.GoalY) <= lim
}

// Policy chooses actions from observations.
type Policy interface {
	// Name names the policy in reports.
	Name() string
	// Act returns the next action; rng is the policy's own randomness.
	Act(o Observation, rng *rand.Rand) Action
}

// Expert is the scripted pick-and-place policy: go to the target block,
// close, carry it to the goal zone, open; retry when a grasp slips.
type Expert struct{}

// NewExpert returns the expert policy.
func NewExpert() *Expert { return &Expert{} }

// Name implements Policy.
func (*Expert) Name() string { return "expert" }

// Act implements Policy. It ignores rng.
func (e *Expert) Act(o Observation, _ *rand.Rand) Action {
	idle := Action{Close: o.Closed}
	if !o.GripperSeen || !o.GoalSeen {
		return idle
	}
	b, ok := o.Block(o.TargetColor)
	if !ok {
		return idle
	}
	lim := (GoalSide - BlockSide) / 2
	inGoal := math.Abs(b.X-o.GoalX) <= lim && math.Abs(b.Y-o.GoalY) <= lim
	dist := math.Max(math.Abs(b.X-o.GX), math.Abs(b.Y-o.GY))
	switch {
	case inGoal && o.Closed:
		return Action{} // release
	case inGoal:
		return idle // done
	case o.Closed && dist <= 1.5:
		return toward(o.GX, o.GY, o.GoalX, o.GoalY, true) // carrying
	case o.Closed:
		return Action{} // the grasp slipped: open and retry
	case dist <= 1.2:
		return Action{Close: true}
	default:
		return toward(o.GX, o.GY, b.X, b.Y, false)
	}
}

// ActState is Act on the exact observation of a state.
func (e *Expert) ActState(s *State) Action { o := Observe(s); return e.Act(o, nil) }

func toward(gx, gy, x, y float64, closed bool) Action {
	return Action{DX: clamp((x-gx)/MaxStep, -1, 1), DY: clamp((y-gy)/MaxStep, -1, 1), Close: closed}
}

// Noisy is the expert with a share Eps of uniformly random actions.
type Noisy struct {
	Eps  float64
	Bins int // bins per axis of the random moves (default 9)
}

// Name implements Policy.
func (n *Noisy) Name() string { return fmt.Sprintf("noisy-%.2g", n.Eps) }

// Act implements Policy.
func (n *Noisy) Act(o Observation, rng *rand.Rand) Action {
	if rng.Float64() < n.Eps {
		return randomAction(rng, binsOr9(n.Bins))
	}
	return (&Expert{}).Act(o, rng)
}

// Random acts uniformly at random.
type Random struct{ Bins int }

// Name implements Policy.
func (*Random) Name() string { return "random" }

// Act implements Policy.
func (r *Random) Act(_ Observation, rng *rand.Rand) Action { return randomAction(rng, binsOr9(r.Bins)) }

func binsOr9(b int) int {
	if b < 2 {
		return 9
	}
	return b
}

// GradedPolicies are the policies of the policy-evaluation experiment, from
// best to worst: expert, noisy 0.25, noisy 0.5, random.
func GradedPolicies() []Policy {
	return []Policy{&Expert{}, &Noisy{Eps: 0.25}, &Noisy{Eps: 0.5}, &Random{}}
}

// EpisodeResult is one policy run.
type EpisodeResult struct {
	Policy  string
	Seed    uint64
	Success bool
	// Steps is the number of steps taken (up to the success or MaxSteps).
	Steps   int
	Actions []Action
	// Frames are the frames seen, starting with the initial one: rendered in
	// the simulator, decoded predictions with a world model.
	Frames [][]uint8
	// Err says why a world-model run stopped early (an unusable prediction).
	Err string
}

// episodeStart draws the initial state of a policy episode and the two
// random streams: the simulator's slips and the policy's own.
func episodeStart(t *Task, seed uint64) (*State, *rand.Rand, *rand.Rand) {
	rng := rand.New(rand.NewPCG(seed, 0x706f6c696379))
	s := NewEpisode(rng, t.opt.MaxBlocks, t.opt.Drawer, false)
	return s, rng, rand.New(rand.NewPCG(seed, 0x61637473))
}

// RunPolicy runs a policy in the real simulator for up to maxSteps steps,
// from the initial layout of seed; the policy sees perceived frames.
func RunPolicy(ctx context.Context, t *Task, p Policy, seed uint64, maxSteps int) (EpisodeResult, error) {
	s, rng, prng := episodeStart(t, seed)
	size := t.opt.Size
	res := EpisodeResult{Policy: p.Name(), Seed: seed, Frames: [][]uint8{Render(s, size)}}
	for res.Steps < maxSteps {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		a := t.quantise(p.Act(Perceive(res.Frames[len(res.Frames)-1], size), prng))
		s = Step(s, a, *t.opt.Physics, rng)
		res.Steps++
		res.Actions = append(res.Actions, a)
		res.Frames = append(res.Frames, Render(s, size))
		if Success(s) {
			res.Success = true
			break
		}
	}
	return res, nil
}

// RunPolicyInModel runs a policy with a world model in place of the
// simulator: from the real initial frame, each step's prompt (the last
// Context frames' tokens and the action's tokens, as in the task) goes to
// predict, whose first TokensPerFrame tokens are the next frame. Success is
// judged on the predicted frames (PerceivedSuccess). predict is typically a
// model's greedy or top-k sampler; it must not retain the prompt.
func RunPolicyInModel(ctx context.Context, t *Task, p Policy, seed uint64, maxSteps int, predict func(prompt []int) []int) (EpisodeResult, error) {
	if predict == nil {
		return EpisodeResult{}, fmt.Errorf("robot: RunPolicyInModel needs a predictor")
	}
	s, _, prng := episodeStart(t, seed)
	size := t.opt.Size
	first := Render(s, size)
	tk, err := t.cb.Encode(first, size, size)
	if err != nil {
		return EpisodeResult{}, err
	}
	frame, err := t.cb.Decode(tk, size, size)
	if err != nil {
		return EpisodeResult{}, err
	}
	ctxTok := make([][]int, t.opt.Context)
	for i := range ctxTok {
		ctxTok[i] = tk
	}
	res := EpisodeResult{Policy: p.Name(), Seed: seed, Frames: [][]uint8{frame}}
	for res.Steps < maxSteps {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		a := t.quantise(p.Act(Perceive(frame, size), prng))
		prompt := make([]int, 0, t.PromptLen())
		for _, c := range ctxTok {
			prompt = append(prompt, c...)
		}
		prompt = append(prompt, t.EncodeAction(a)...)
		out := predict(prompt)
		res.Steps++
		res.Actions = append(res.Actions, a)
		if len(out) < t.tpf {
			res.Err = fmt.Sprintf("step %d: prediction has %d tokens, want %d", res.Steps, len(out), t.tpf)
			return res, nil
		}
		next := append([]int(nil), out[:t.tpf]...)
		if frame, err = t.cb.Decode(next, size, size); err != nil {
			res.Err = fmt.Sprintf("step %d: %v", res.Steps, err)
			return res, nil
		}
		res.Frames = append(res.Frames, frame)
		ctxTok = append(ctxTok[1:], next)
		if PerceivedSuccess(Perceive(frame, size)) {
			res.Success = true
			break
		}
	}
	return res, nil
}
