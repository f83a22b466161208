package robot

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// World geometry, in table units: the table is Table x Table units and a
// frame of Size pixels draws Size/Table pixels per unit. The sizes are
// chosen for 32x32 frames and 4x4 patches: a block is one patch wide.
const (
	Table       = 32.0 // table side in units
	BlockSide   = 4.0  // a block is BlockSide x BlockSide units
	GripperSide = 6.0  // the gripper's drawn outline
	GoalSide    = 8.0  // the goal zone
	MaxStep     = 4.0  // the largest gripper move per step, per axis
	graspRadius = 2.5  // the gripper centre must be this close to a block's centre to grasp it
	// Grid is the lattice every position snaps to. With 4x4-pixel patches
	// at 32x32, objects on a 2-unit grid sit at only two offsets per patch,
	// so a 256-entry codebook can hold nearly every patch the world draws
	// (and colours survive tokenization).
	Grid = 2.0
)

// snap rounds a position to the grid.
func snap(v float64) float64 { return Grid * math.Round(v/Grid) }

// Palette is the block colours. Heldout layouts are those whose blocks
// include one of HeldoutPairs; train, val and test never contain them.
var Palette = []struct {
	Name string
	RGB  [3]uint8
}{
	{"red", [3]uint8{220, 50, 50}},
	{"green", [3]uint8{50, 170, 70}},
	{"blue", [3]uint8{50, 90, 220}},
	{"yellow", [3]uint8{235, 205, 40}},
	{"magenta", [3]uint8{200, 60, 200}},
	{"cyan", [3]uint8{40, 190, 200}},
}

// HeldoutPairs are the colour pairs (indices into Palette) that only the
// heldout split shows together: red with blue, green with yellow.
var HeldoutPairs = [][2]int{{0, 2}, {1, 3}}

var (
	colTable   = [3]uint8{200, 190, 170}
	colGripper = [3]uint8{40, 40, 40}
	colDrawer  = [3]uint8{165, 120, 75}
	colInside  = [3]uint8{120, 88, 58}
)

// Block is one block on the table; X, Y is its centre in table units.
type Block struct {
	X, Y  float64
	Color int // index into Palette
}

// State is the world: the gripper, the blocks, the goal zone and the drawer.
type State struct {
	// GX, GY is the gripper centre. Closed is the finger state; Held is the
	// index of the block in the gripper, or -1.
	GX, GY float64
	Closed bool
	Held   int
	Blocks []Block
	// Target is the block the episode's goal asks to bring into the goal
	// zone centred at GoalX, GoalY.
	Target       int
	GoalX, GoalY float64
	// Drawer, when set, is a drawer along the top edge; DrawerOpen in [0,1]
	// is how far it is pulled out. A closed, empty gripper on its handle
	// moves it.
	Drawer     bool
	DrawerOpen float64
}

// Clone returns a deep copy.
func (s *State) Clone() *State {
	c := *s
	c.Blocks = append([]Block(nil), s.Blocks...)
	return &c
}

// Action is one control: a gripper move DX, DY in [-1,1] (times MaxStep
// units) and Close, the commanded finger state.
type Action struct {
	DX, DY float64
	Close  bool
}

// Physics are the stochastic parts of the dynamics.
type Physics struct {
	// GraspSlip is the chance that closing on a block fails to grasp it.
	GraspSlip float64
	// DropSlip is the chance per moving step that a held block drops.
	DropSlip float64
	// PushSlip is the chance that a pushed block moves only half as far;
	// PushJitter is the standard deviation of the sideways noise of a push.
	PushSlip, PushJitter float64
}

// DefaultPhysics are the slips the datasets use. Positions snap to the
// grid, so the push jitter shows as a sideways step of Grid units about a
// fifth of the time.
var DefaultPhysics = Physics{GraspSlip: 0.15, DropSlip: 0.04, PushSlip: 0.25, PushJitter: 0.8}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// drawerGeom returns the drawer's body rectangle (x0, x1, depth of its
// front) and its handle centre.
func drawerGeom(s *State) (x0, x1, front, hx, hy float64) {
	x0, x1 = 10, 22
	front = 3 + 5*s.DrawerOpen
	return x0, x1, front, 16, front + 1
}

// Step applies an action and returns the next state; rng drives the slips.
// The input state is not modified.
func Step(s *State, a Action, ph Physics, rng *rand.Rand) *State {
	n := s.Clone()
	// Fingers first: closing on a block grasps it unless it slips; opening
	// releases what is held where it is.
	if a.Close && !n.Closed {
		n.Closed = true
		if b := blockUnder(n); b >= 0 && rng.Float64() >= ph.GraspSlip {
			n.Held = b
			n.Blocks[b].X, n.Blocks[b].Y = n.GX, n.GY
		}
	} else if !a.Close && n.Closed {
		n.Closed = false
		n.Held = -1
	}
	dx := clamp(a.DX, -1, 1) * MaxStep
	dy := clamp(a.DY, -1, 1) * MaxStep
	lo, hi := gripperRange()
	nx := clamp(snap(n.GX+dx), lo, hi)
	ny := clamp(snap(n.GY+dy), lo, hi)
	dx, dy = nx-n.GX, ny-n.GY
	moved := dx != 0 || dy != 0
	if moved && n.Drawer && n.Closed && n.Held < 0 {
		_, _, _, hx, hy := drawerGeom(n)
		if math.Abs(n.GX-hx) <= 2 && math.Abs(n.GY-hy) <= 2 {
			// The handle follows the gripper's vertical move.
			n.DrawerOpen = clamp(n.DrawerOpen+dy/5, 0, 1)
		}
	}
	if moved && n.Held >= 0 && rng.Float64() < ph.DropSlip {
		n.Held = -1 // the block stays where the move started
	}
	n.GX, n.GY = nx, ny
	if n.Held >= 0 {
		n.Blocks[n.Held].X, n.Blocks[n.Held].Y = nx, ny
	} else if moved && n.Closed {
		// A closed, empty gripper pushes the blocks it runs into.
		bh := BlockSide / 2
		for i := range n.Blocks {
			b := &n.Blocks[i]
			if math.Abs(b.X-nx) >= bh+1.5 || math.Abs(b.Y-ny) >= bh+1.5 {
				continue
			}
			f := 1.0
			if rng.Float64() < ph.PushSlip {
				f = 0.5
			}
			jx, jy := rng.NormFloat64()*ph.PushJitter, rng.NormFloat64()*ph.PushJitter
			if dx == 0 {
				jy = 0
			} else if dy == 0 {
				jx = 0
			}
			b.X = clamp(snap(b.X+f*dx+jx), bh, Table-bh)
			b.Y = clamp(snap(b.Y+f*dy+jy), bh, Table-bh)
		}
	}
	return n
}

// gripperRange is the range of the gripper centre: on the grid, with the
// whole gripper on the table.
func gripperRange() (lo, hi float64) {
	return Grid * math.Ceil(GripperSide/2/Grid), Table - Grid*math.Ceil(GripperSide/2/Grid)
}

// blockUnder is the topmost block within grasp reach of the gripper, or -1.
func blockUnder(s *State) int {
	for i := len(s.Blocks) - 1; i >= 0; i-- {
		b := s.Blocks[i]
		if math.Abs(b.X-s.GX) <= graspRadius && math.Abs(b.Y-s.GY) <= graspRadius {
			return i
		}
	}
	return -1
}

// Success reports whether the target block rests (not held) inside the
// goal zone.
func Success(s *State) bool {
	if s.Target < 0 || s.Target >= len(s.Blocks) || s.Held == s.Target {
		return false
	}
	b := s.Blocks[s.Target]
	lim := (GoalSide-BlockSide)/2 + 0.5
	return math.Abs(b.X-s.GoalX) <= lim && math.Abs(b.Y-s.GoalY) <= lim
}

// isHeldoutColors reports whether a colour set contains a held-out pair.
func isHeldoutColors(cols []int) bool {
	for _, p := range HeldoutPairs {
		a, b := false, false
		for _, c := range cols {
			a = a || c == p[0]
			b = b || c == p[1]
		}
		if a && b {
			return true
		}
	}
	return false
}

// NewEpisode draws an initial layout: 1 to maxBlocks blocks of distinct
// colours at non-overlapping places, a goal zone away from the target
// block, and the gripper open. heldout selects layouts whose colours
// include a held-out pair (and then at least two blocks); otherwise such
// layouts are never drawn.
func NewEpisode(rng *rand.Rand, maxBlocks int, drawer, heldout bool) *State {
	if maxBlocks < 1 {
		maxBlocks = 1
	}
	if maxBlocks > len(Palette) {
		maxBlocks = len(Palette)
	}
	if heldout && maxBlocks < 2 {
		maxBlocks = 2
	}
	s := &State{Held: -1, Drawer: drawer}
	top := 2.0 // blocks stay below the drawer
	if drawer {
		top = 10
		s.DrawerOpen = float64(rng.IntN(2))
	}
	for {
		nb := 1 + rng.IntN(maxBlocks)
		if heldout && nb < 2 {
			nb = 2
		}
		perm := rng.Perm(len(Palette))[:nb]
		if heldout {
			p := HeldoutPairs[rng.IntN(len(HeldoutPairs))]
			perm[0], perm[1] = p[0], p[1]
			for i := 2; i < nb; i++ {
				for perm[i] == p[0] || perm[i] == p[1] {
					perm[i] = rng.IntN(len(Palette))
				}
			}
		}
		if isHeldoutColors(perm) != heldout || hasDup(perm) {
			continue
		}
		s.Blocks = s.Blocks[:0]
		for _, c := range perm {
			for try := 0; ; try++ {
				x := 4 + Grid*float64(rng.IntN(13))
				y := snap(top+2) + Grid*float64(rng.IntN(int((28-snap(top+2))/Grid)+1))
				if !overlaps(s.Blocks, x, y, BlockSide+1) || try > 50 {
					s.Blocks = append(s.Blocks, Block{X: x, Y: y, Color: c})
					break
				}
			}
		}
		break
	}
	s.Target = rng.IntN(len(s.Blocks))
	// The goal zone is aligned to the 4-unit patch grid: it stays put for the
	// whole episode, and aligned it is a few flat patches the tokenizer can
	// express exactly, so its tint (the target's colour) survives decoding.
	gy0 := int(math.Ceil(top/4)) + 1 // the first grid line a goal centre may take
	for {
		gx := 4 * float64(1+rng.IntN(int(Table)/4-1))
		gy := 4 * float64(gy0+rng.IntN(int(Table)/4-gy0))
		b := s.Blocks[s.Target]
		if math.Abs(gx-b.X) > GoalSide || math.Abs(gy-b.Y) > GoalSide {
			s.GoalX, s.GoalY = gx, gy
			break
		}
	}
	lo, hi := gripperRange()
	s.GX = lo + Grid*float64(rng.IntN(int((hi-lo)/Grid)+1))
	s.GY = lo + Grid*float64(rng.IntN(int((hi-lo)/Grid)+1))
	return s
}

func hasDup(xs []int) bool {
	for i := range xs {
		for j := i + 1; j < len(xs); j++ {
			if xs[i] == xs[j] {
				return true
			}
		}
	}
	return false
}

func overlaps(bs []Block, x, y, d float64) bool {
	for _, b := range bs {
		if math.Abs(b.X-x) < d && math.Abs(b.Y-y) < d {
			return true
		}
	}
	return false
}

// Render draws the state as a size x size RGB frame (row-major,
// interleaved), at size/Table pixels per unit.
func Render(s *State, size int) []uint8 {
	pix := make([]uint8, size*size*3)
	sc := float64(size) / Table
	fill := func(x0, y0, x1, y1 float64, c [3]uint8) {
		// Units to pixels with rounding, so that integral unit positions give
		// crisp, patch-aligned edges.
		px0, py0 := int(math.Round(x0*sc)), int(math.Round(y0*sc))
		px1, py1 := int(math.Round(x1*sc)), int(math.Round(y1*sc))
		px0, py0 = max(px0, 0), max(py0, 0)
		px1, py1 = min(px1, size), min(py1, size)
		for y := py0; y < py1; y++ {
			for x := px0; x < px1; x++ {
				i := (y*size + x) * 3
				pix[i], pix[i+1], pix[i+2] = c[0], c[1], c[2]
			}
		}
	}
	fill(0, 0, Table, Table, colTable)
	if s.Target >= 0 && s.Target < len(s.Blocks) {
		// The goal zone is tinted with the target block's colour, so the frame
		// itself says which block goes where.
		tc := Palette[s.Blocks[s.Target].Color].RGB
		var tint [3]uint8
		for i := range tint {
			tint[i] = uint8((2*int(colTable[i]) + int(tc[i])) / 3)
		}
		h := GoalSide / 2
		fill(s.GoalX-h, s.GoalY-h, s.GoalX+h, s.GoalY+h, tint)
	}
	if s.Drawer {
		x0, x1, front, hx, hy := drawerGeom(s)
		fill(x0, 0, x1, front, colDrawer)
		if s.DrawerOpen > 0.05 {
			fill(x0+1, 3, x1-1, front-1, colInside)
		}
		fill(hx-2, hy-1, hx+2, hy, colInside)
	}
	bh := BlockSide / 2
	for i, b := range s.Blocks {
		if i == s.Held {
			continue
		}
		fill(b.X-bh, b.Y-bh, b.X+bh, b.Y+bh, Palette[b.Color].RGB)
	}
	if s.Held >= 0 && s.Held < len(s.Blocks) {
		b := s.Blocks[s.Held]
		fill(b.X-bh, b.Y-bh, b.X+bh, b.Y+bh, Palette[b.Color].RGB)
	}
	// The gripper: a bar on top and two fingers, wide apart when open and
	// touching the block's sides when closed.
	gh := GripperSide / 2
	x0, y0 := s.GX-gh, s.GY-gh
	if s.Closed {
		// Closed: a shorter bar, so that the fingers' spread shows the state.
		fill(x0+1, y0, x0+GripperSide-1, y0+1, colGripper)
		fill(x0+1, y0, x0+2, y0+GripperSide, colGripper)
		fill(x0+GripperSide-2, y0, x0+GripperSide-1, y0+GripperSide, colGripper)
	} else {
		fill(x0, y0, x0+GripperSide, y0+1, colGripper)
		fill(x0, y0, x0+1, y0+GripperSide, colGripper)
		fill(x0+GripperSide-1, y0, x0+GripperSide, y0+GripperSide, colGripper)
	}
	return pix
}

// validateSize checks a frame size for the tokenizer's patch grid.
func validateSize(size, patch int) error {
	if size < 8 || size > 256 || size%patch != 0 {
		return fmt.Errorf("robot: frame size %d must be in 8..256 and a multiple of the %d-pixel patch", size, patch)
	}
	return nil
}
