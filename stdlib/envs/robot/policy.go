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
	// GoalPixels is how many goal-tinted pixels were seen (the zone is
	// partly hidden under blocks and the gripper at times).
	GoalPixels int
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
		GoalX: s.GoalX, GoalY: s.GoalY, TargetColor: -1, GoalPixels: int(GoalSide * GoalSide)}
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
		}
	}
	unitPix := float64(size) / Table * float64(size) / Table // pixels per square unit
	o.GX, o.GY, o.Closed, o.GripperSeen = findGripper(gripperMask(pix, size), size)
	for c := 0; c < np; c++ {
		r := 4 + c
		if float64(cnt[r]) >= 2*unitPix {
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
	o.GoalPixels = bestT
	if float64(bestT) < 2*unitPix {
		o.GoalSeen, o.TargetColor = false, -1
	}
	return o
}

// PerceivedSuccess is Success judged from an observation: the target block
// is inside the goal zone and the gripper is open (so not holding it).
func PerceivedSuccess(o Observation) bool {
	if !o.GoalSeen {
		return false
	}
	return perceivedSuccessAt(o, o.GoalX, o.GoalY, o.TargetColor)
}

// perceivedSuccessAt is PerceivedSuccess with the goal known from earlier
// frames (it may be hidden under the block now).
func perceivedSuccessAt(o Observation, gx, gy float64, target int) bool {
	if !o.GripperSeen || o.Closed {
		return false
	}
	b, ok := o.Block(target)
	if !ok {
		return false
	}
	lim := (GoalSide-BlockSide)/2 + 1
	return math.Abs(b.X-gx) <= lim && math.Abs(b.Y-gy) <= lim
}

// Policy chooses actions from observations.
type Policy interface {
	// Name names the policy in reports.
	Name() string
	// Reset forgets the previous episode; the runners call it first.
	Reset()
	// Act returns the next action; rng is the policy's own randomness.
	Act(o Observation, rng *rand.Rand) Action
}

// Expert is the scripted pick-and-place policy: go to the target block,
// close, carry it to the goal zone, open; retry when a grasp slips. It
// remembers the goal zone and the target's last place, because blocks and
// the gripper hide them at times (and a world model's frames more often).
type Expert struct {
	goalPix      int
	goalX, goalY float64
	target       int
	seenB        bool
	bx, by       float64
}

// NewExpert returns the expert policy.
func NewExpert() *Expert { return &Expert{} }

// Name implements Policy.
func (*Expert) Name() string { return "expert" }

// Reset implements Policy.
func (e *Expert) Reset() { *e = Expert{} }

// remember keeps the clearest view of the goal so far and the target's
// last place.
func (e *Expert) remember(o Observation) {
	if o.GoalSeen && o.GoalPixels > e.goalPix {
		e.goalPix, e.goalX, e.goalY, e.target = o.GoalPixels, o.GoalX, o.GoalY, o.TargetColor
	}
	if e.goalPix > 0 {
		if b, ok := o.Block(e.target); ok {
			e.seenB, e.bx, e.by = true, b.X, b.Y
		}
	}
}

// Act implements Policy. It ignores rng.
func (e *Expert) Act(o Observation, _ *rand.Rand) Action {
	e.remember(o)
	idle := Action{Close: o.Closed}
	if !o.GripperSeen {
		// Lost the gripper (a closed gripper over a block is the likeliest
		// to blur away in a decoded frame): open, which shows it again.
		return Action{}
	}
	if e.goalPix == 0 {
		return idle
	}
	lim := (GoalSide - BlockSide) / 2
	inGoal := func(x, y float64) bool { return math.Abs(x-e.goalX) <= lim && math.Abs(y-e.goalY) <= lim }
	b, ok := o.Block(e.target)
	if !ok {
		// The target is hidden, most likely in or under the gripper.
		switch {
		case o.Closed && inGoal(o.GX, o.GY):
			return Action{} // release
		case o.Closed:
			return toward(o.GX, o.GY, e.goalX, e.goalY, true) // carry what is probably held
		case e.seenB && math.Max(math.Abs(e.bx-o.GX), math.Abs(e.by-o.GY)) > 2:
			return toward(o.GX, o.GY, e.bx, e.by, false)
		default:
			return Action{Close: true}
		}
	}
	dist := math.Max(math.Abs(b.X-o.GX), math.Abs(b.Y-o.GY))
	switch {
	case inGoal(b.X, b.Y) && o.Closed:
		return Action{} // release
	case inGoal(b.X, b.Y):
		return idle // done
	case o.Closed && dist <= 1.5:
		return toward(o.GX, o.GY, e.goalX, e.goalY, true) // carrying
	case o.Closed:
		return Action{} // the grasp slipped: open and retry
	case dist <= 1.2:
		return Action{Close: true}
	default:
		return toward(o.GX, o.GY, b.X, b.Y, false)
	}
}

// ActState is Act on the exact observation of a state.
func (e *Expert) ActState(s *State) Action {
	e.Reset()
	return e.Act(Observe(s), nil)
}

func toward(gx, gy, x, y float64, closed bool) Action {
	return Action{DX: clamp((x-gx)/MaxStep, -1, 1), DY: clamp((y-gy)/MaxStep, -1, 1), Close: closed}
}

// Noisy is the expert with a share Eps of uniformly random actions.
type Noisy struct {
	Eps    float64
	Bins   int // bins per axis of the random moves (default 5)
	expert Expert
}

// Name implements Policy.
func (n *Noisy) Name() string { return fmt.Sprintf("noisy-%.2g", n.Eps) }

// Act implements Policy.
func (n *Noisy) Act(o Observation, rng *rand.Rand) Action {
	a := n.expert.Act(o, rng) // always, so that it keeps its memory
	if rng.Float64() < n.Eps {
		return randomAction(rng, binsOr5(n.Bins))
	}
	return a
}

// Reset implements Policy.
func (n *Noisy) Reset() { n.expert.Reset() }

// Random acts uniformly at random.
type Random struct{ Bins int }

// Reset implements Policy.
func (*Random) Reset() {}

// Name implements Policy.
func (*Random) Name() string { return "random" }

// Act implements Policy.
func (r *Random) Act(_ Observation, rng *rand.Rand) Action { return randomAction(rng, binsOr5(r.Bins)) }

func binsOr5(b int) int {
	if b < 2 {
		return 5
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
	p.Reset()
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
	p.Reset()
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
	// The goal zone does not move: success is judged against its clearest
	// view so far, since the block put there hides part of it.
	var goal Observation
	for res.Steps < maxSteps {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		o := Perceive(frame, size)
		if o.GoalSeen && o.GoalPixels > goal.GoalPixels {
			goal = o
		}
		a := t.quantise(p.Act(o, prng))
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
		if o := Perceive(frame, size); goal.GoalSeen && perceivedSuccessAt(o, goal.GoalX, goal.GoalY, goal.TargetColor) {
			res.Success = true
			break
		}
	}
	return res, nil
}

// gripperMask marks the pixels whose nearest reference colour is the
// gripper's.
func gripperMask(pix []uint8, size int) []bool {
	m := make([]bool, size*size)
	g := perceiveRefs[1]
	for i := range m {
		d0, d1, d2 := float64(pix[3*i])-g[0], float64(pix[3*i+1])-g[1], float64(pix[3*i+2])-g[2]
		dg := d0*d0 + d1*d1 + d2*d2
		if dg >= 60*60 {
			continue
		}
		m[i] = true
		for r, c := range perceiveRefs {
			if r == 1 {
				continue
			}
			e0, e1, e2 := float64(pix[3*i])-c[0], float64(pix[3*i+1])-c[1], float64(pix[3*i+2])-c[2]
			if e0*e0+e1*e1+e2*e2 < dg {
				m[i] = false
				break
			}
		}
	}
	return m
}

// gripperCell reports whether unit cell (ux, uy) of the gripper's 6x6 box
// is drawn, open or closed (see Render).
func gripperCell(ux, uy int, closed bool) bool {
	if closed {
		return (uy == 0 && ux >= 1 && ux <= 4) || ux == 1 || ux == 4
	}
	return uy == 0 || ux == 0 || ux == 5
}

// findGripper matches the open and closed gripper templates at every
// integral centre and keeps the best: template cells that are dark count
// for it, dark cells of the box outside the template against it. Matching
// the shape, rather than averaging dark pixels, ignores the stray dark
// edges the tokenizer leaves elsewhere.
func findGripper(mask []bool, size int) (gx, gy float64, closed, seen bool) {
	sc := float64(size) / Table
	dark := func(ux, uy int) bool {
		px, py := int((float64(ux)+0.5)*sc), int((float64(uy)+0.5)*sc)
		return px >= 0 && py >= 0 && px < size && py < size && mask[py*size+px]
	}
	half := int(GripperSide / 2)
	best := -1 << 30
	for cy := half; cy <= int(Table)-half; cy++ {
		for cx := half; cx <= int(Table)-half; cx++ {
			for _, cl := range []bool{false, true} {
				score := 0
				for uy := 0; uy < int(GripperSide); uy++ {
					for ux := 0; ux < int(GripperSide); ux++ {
						d := dark(cx-half+ux, cy-half+uy)
						switch in := gripperCell(ux, uy, cl); {
						case in && d:
							score += 2
						case in:
							score--
						case d:
							score -= 2
						}
					}
				}
				if score > best {
					best, gx, gy, closed = score, float64(cx), float64(cy), cl
				}
			}
		}
	}
	// A full match scores 32 (open) or 28 (closed); accept clearly more than
	// half of it.
	return gx, gy, closed, best >= 14
}

// Replay is a policy that plays back recorded actions, for example the ones a
// policy took inside a world model, so that RunPolicy can tell whether the
// real simulator, from the same start and slips, ends where the model said.
// After the last recorded action it stands still.
type Replay struct {
	// Actions are played in order.
	Actions []Action
	next    int
}

// NewReplay returns a policy that plays back actions.
func NewReplay(actions []Action) *Replay { return &Replay{Actions: actions} }

// Name implements Policy.
func (*Replay) Name() string { return "replay" }

// Reset implements Policy: the next episode starts from the first action.
func (r *Replay) Reset() { r.next = 0 }

// Act implements Policy; it ignores what it sees.
func (r *Replay) Act(Observation, *rand.Rand) Action {
	if r.next >= len(r.Actions) {
		return Action{}
	}
	r.next++
	return r.Actions[r.next-1]
}
