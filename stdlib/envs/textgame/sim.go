package textgame

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// World is one running game: its state, its rules and its random source.
// Worlds are deterministic for a seed; stochastic rules (plants that may not
// grow, kettles that heat by 20 or 30) draw from the world's own source.
type World struct {
	game *game
	st   *State
	pcg  *rand.PCG
	rng  *rand.Rand
	next int // next uuid
	// names are the variant's names of the game's key objects.
	names []string
}

// game is one game type: how to build it and its rules.
type game struct {
	name  string
	rules string // one line shown in every prompt
	// variants name the game's key objects; the last variant is held out
	// of train, val and test (the heldout split uses only it).
	variants [][]string
	build    func(w *World, names []string)
	// use handles "use X on Y"; it reports whether the action did anything.
	use  func(w *World, x, y *Object) bool
	tick func(w *World)
	// score sets w.st.Score from the state.
	score func(w *World)
}

// Games returns the names of the game types.
func Games() []string {
	out := make([]string, len(games))
	for i, g := range games {
		out[i] = g.name
	}
	return out
}

func findGame(name string) *game {
	for _, g := range games {
		if g.name == name {
			return g
		}
	}
	return nil
}

// NewWorld starts a game of the named type with object names from variant
// (0 .. number of variants - 1; the last is the held-out one), seeded.
func NewWorld(gameName string, variant int, seed int64) (*World, error) {
	g := findGame(gameName)
	if g == nil {
		return nil, fmt.Errorf("textgame: unknown game %q (have %s)", gameName, strings.Join(Games(), ", "))
	}
	if variant < 0 || variant >= len(g.variants) {
		return nil, fmt.Errorf("textgame: game %q has variants 0..%d, not %d", gameName, len(g.variants)-1, variant)
	}
	pcg := rand.NewPCG(uint64(seed), 0x7e47_9a3e)
	w := &World{game: g, st: &State{}, pcg: pcg, rng: rand.New(pcg), next: 1, names: g.variants[variant]}
	w.add("inventory", false, true)
	g.build(w, g.variants[variant])
	g.score(w)
	return w, nil
}

// Game is the world's game type.
func (w *World) Game() string { return w.game.name }

// Rules is the one-line rules text of the world's game.
func (w *World) Rules() string { return w.game.rules }

// State returns a copy of the current state.
func (w *World) State() *State { return w.st.Clone() }

// clone copies the world, random source included, so that a candidate
// action can be tried without touching w.
func (w *World) clone() *World {
	pcg := *w.pcg
	return &World{game: w.game, st: w.st.Clone(), pcg: &pcg, rng: rand.New(&pcg), next: w.next, names: w.names}
}

// Step applies one action and one tick of the rules, and reports whether the
// action itself was valid (an invalid action leaves everything but the tick
// unchanged). A finished game ignores every action.
func (w *World) Step(action string) (valid bool) {
	if w.st.Score.GameOver {
		return false
	}
	valid = w.act(action)
	w.game.tick(w)
	w.game.score(w)
	return valid
}

// Actions lists the actions that can be typed in the current state: verbs
// over every object name, most of them invalid here.
func (w *World) Actions() []string {
	acts := []string{"look", "wait"}
	var names []string
	for _, o := range w.st.Objects {
		if o.Name != "inventory" {
			names = append(names, o.Name)
		}
	}
	for _, x := range names {
		acts = append(acts, "take "+x, "open "+x, "close "+x, "turn on "+x, "turn off "+x)
	}
	for _, x := range names {
		for _, y := range names {
			if x != y {
				acts = append(acts, "put "+x+" in "+y, "use "+x+" on "+y)
			}
		}
	}
	return acts
}

func (w *World) inv() *Object { return w.st.Objects[0] }

// add creates an object with the next uuid, in the room.
func (w *World) add(name string, portable, container bool, props ...Prop) *Object {
	o := &Object{UUID: w.next, Name: name, Props: props, portable: portable, container: container}
	if container {
		o.Contains = []int{}
	}
	w.next++
	w.st.Objects = append(w.st.Objects, o)
	return o
}

// remove deletes an object (and takes it out of its container).
func (w *World) remove(o *Object) {
	if p := w.st.Parent(o.UUID); p != nil {
		p.drop(o.UUID)
	}
	out := w.st.Objects[:0]
	for _, x := range w.st.Objects {
		if x != o {
			out = append(out, x)
		}
	}
	w.st.Objects = out
}

// moveTo puts o into c (nil: the room floor).
func (w *World) moveTo(o, c *Object) {
	if p := w.st.Parent(o.UUID); p != nil {
		p.drop(o.UUID)
	}
	if c != nil {
		c.Contains = append(c.Contains, o.UUID)
	}
}

func (w *World) chance(p float64) bool { return w.rng.Float64() < p }

// act applies the generic verbs; "use" goes to the game.
func (w *World) act(action string) bool {
	a := strings.TrimSpace(action)
	switch {
	case a == "look" || a == "wait":
		return false
	case strings.HasPrefix(a, "take "):
		x := w.st.Named(a[5:])
		if x == nil || !x.portable {
			return false
		}
		p := w.st.Parent(x.UUID)
		if p == w.inv() || (p != nil && isClosed(p)) {
			return false
		}
		w.moveTo(x, w.inv())
		return true
	case strings.HasPrefix(a, "put "):
		xs, ys, ok := strings.Cut(a[4:], " in ")
		if !ok {
			return false
		}
		x, y := w.st.Named(xs), w.st.Named(ys)
		if x == nil || y == nil || x == y || !y.container || y == w.inv() || !w.inv().holds(x.UUID) || isClosed(y) {
			return false
		}
		w.moveTo(x, y)
		return true
	case strings.HasPrefix(a, "open "), strings.HasPrefix(a, "close "):
		open := strings.HasPrefix(a, "open ")
		name := a[strings.IndexByte(a, ' ')+1:]
		x := w.st.Named(name)
		if x == nil {
			return false
		}
		v, ok := x.Get("isOpen")
		if !ok || v.AsBool() == open {
			return false
		}
		x.Set("isOpen", Bool(open))
		return true
	case strings.HasPrefix(a, "turn on "), strings.HasPrefix(a, "turn off "):
		on := strings.HasPrefix(a, "turn on ")
		x := w.st.Named(strings.TrimPrefix(strings.TrimPrefix(a, "turn on "), "turn off "))
		if x == nil {
			return false
		}
		v, ok := x.Get("isOn")
		if !ok || v.AsBool() == on {
			return false
		}
		x.Set("isOn", Bool(on))
		return true
	case strings.HasPrefix(a, "use "):
		xs, ys, ok := strings.Cut(a[4:], " on ")
		if !ok || w.game.use == nil {
			return false
		}
		x, y := w.st.Named(xs), w.st.Named(ys)
		if x == nil || y == nil || x == y || !w.inv().holds(x.UUID) {
			return false
		}
		return w.game.use(w, x, y)
	}
	return false
}

func isClosed(o *Object) bool {
	v, ok := o.Get("isOpen")
	return ok && !v.AsBool()
}

func intProp(o *Object, key string) int {
	v, _ := o.Get(key)
	return v.AsInt()
}

func boolProp(o *Object, key string) bool {
	v, _ := o.Get(key)
	return v.AsBool()
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// in reports whether container c holds an object.
func (w *World) contents(c *Object) []*Object {
	out := make([]*Object, 0, len(c.Contains))
	for _, id := range c.Contains {
		if o := w.st.Object(id); o != nil {
			out = append(out, o)
		}
	}
	return out
}

// placeRandomly puts a portable object in the inventory or leaves it in the
// room.
func (w *World) placeRandomly(o *Object) {
	if w.chance(0.4) {
		w.moveTo(o, w.inv())
	}
}

// addDistractor adds, with chance 0.5, one object no rule uses, so that
// states vary and names alone do not give the game away.
func (w *World) addDistractor() {
	if !w.chance(0.5) {
		return
	}
	names := []string{"book", "key", "spoon", "towel", "apple"}
	n := names[w.rng.IntN(len(names))]
	if w.st.Named(n) != nil {
		return
	}
	w.placeRandomly(w.add(n, true, false))
}

func won(w *World, score int, win bool) {
	w.st.Score = Score{Score: score, GameOver: win, GameWon: win}
}

// The game types. Each rules line is what the model reads; keep it one line.
var games = []*game{
	{
		name:     "boil water",
		rules:    "boil water: a stove that is on heats what is on it by 20 or 30 a tick up to 100; off the heat water cools 10 a tick to 20. win: water at 100.",
		variants: [][]string{{"pot", "stove"}, {"saucepan", "stove"}, {"pot", "burner"}, {"saucepan", "burner"}},
		build: func(w *World, n []string) {
			stove := w.add(n[1], false, true, Prop{"isOn", Bool(w.chance(0.3))})
			pot := w.add(n[0], true, true)
			water := w.add("water", false, false, Prop{"temp", Int(20)})
			pot.Contains = append(pot.Contains, water.UUID)
			if w.chance(0.3) {
				w.moveTo(pot, stove)
			} else {
				w.placeRandomly(pot)
			}
			w.addDistractor()
		},
		tick: func(w *World) {
			stove, water := w.st.Objects[1], w.st.Named("water")
			heated := false
			if boolProp(stove, "isOn") {
				for _, c := range w.contents(stove) {
					if c.holds(water.UUID) {
						heated = true
					}
				}
			}
			t := intProp(water, "temp")
			if heated {
				t += 20 + 10*w.rng.IntN(2)
			} else {
				t -= 10
			}
			water.Set("temp", Int(clamp(t, 20, 100)))
		},
		score: func(w *World) {
			stove, pot, water := w.st.Objects[1], w.st.Objects[2], w.st.Named("water")
			s := 0
			if stove.holds(pot.UUID) {
				s++
			}
			if boolProp(stove, "isOn") {
				s++
			}
			hot := intProp(water, "temp") >= 100
			if hot {
				s++
			}
			won(w, s, hot)
		},
	},
	{
		name:     "wash dishes",
		rules:    "wash dishes: a sink that is on fills 1 a tick up to 3, off it drains 1 a tick; use soap on a dirty dish in a sink with water to clean it. win: all dishes clean.",
		variants: [][]string{{"plate", "cup"}, {"bowl", "cup"}, {"plate", "glass"}, {"bowl", "glass"}},
		build: func(w *World, n []string) {
			sink := w.add("sink", false, true, Prop{"isOn", Bool(false)}, Prop{"water", Int(0)})
			for i, d := range n {
				// At least one dish starts dirty, so the game is not won at once.
				dish := w.add(d, true, false, Prop{"dirty", Bool(i == 0 || w.chance(0.7))})
				if w.chance(0.3) {
					w.moveTo(dish, sink)
				} else {
					w.placeRandomly(dish)
				}
			}
			w.placeRandomly(w.add("soap", true, false))
			w.addDistractor()
		},
		use: func(w *World, x, y *Object) bool {
			sink := w.st.Named("sink")
			if x.Name != "soap" || !boolProp(y, "dirty") || !sink.holds(y.UUID) || intProp(sink, "water") == 0 {
				return false
			}
			y.Set("dirty", Bool(false))
			return true
		},
		tick: func(w *World) {
			sink := w.st.Named("sink")
			d := -1
			if boolProp(sink, "isOn") {
				d = 1
			}
			sink.Set("water", Int(clamp(intProp(sink, "water")+d, 0, 3)))
		},
		score: func(w *World) {
			s, all := 0, true
			for _, o := range w.st.Objects {
				if _, ok := o.Get("dirty"); ok {
					if boolProp(o, "dirty") {
						all = false
					} else {
						s++
					}
				}
			}
			won(w, s, all)
		},
	},
	{
		name:     "light room",
		rules:    "light room: the room is lit while the lamp is on and holds a bulb that is not broken; a lit bulb breaks with chance 0.1 a tick. win: room lit.",
		variants: [][]string{{"lamp", "bulb"}, {"lantern", "bulb"}, {"lamp", "led"}, {"lantern", "led"}},
		build: func(w *World, n []string) {
			room := w.add("room", false, false, Prop{"lit", Bool(false)})
			_ = room
			lamp := w.add(n[0], false, true, Prop{"isOn", Bool(w.chance(0.3))})
			drawer := w.add("drawer", false, true, Prop{"isOpen", Bool(w.chance(0.3))})
			bulb := w.add(n[1], true, false, Prop{"broken", Bool(false)})
			if w.chance(0.6) {
				w.moveTo(bulb, drawer)
			} else {
				w.placeRandomly(bulb)
			}
			if w.chance(0.5) {
				old := w.add("old "+n[1], true, false, Prop{"broken", Bool(true)})
				w.moveTo(old, lamp)
			}
			w.addDistractor()
		},
		tick: func(w *World) {
			room, lamp := w.st.Objects[1], w.st.Objects[2]
			lit := false
			if boolProp(lamp, "isOn") {
				for _, b := range w.contents(lamp) {
					if v, ok := b.Get("broken"); ok && !v.AsBool() {
						if w.chance(0.1) {
							b.Set("broken", Bool(true))
						} else {
							lit = true
						}
					}
				}
			}
			room.Set("lit", Bool(lit))
		},
		score: func(w *World) {
			lit := boolProp(w.st.Objects[1], "lit")
			s := 0
			if lit {
				s = 1
			}
			won(w, s, lit)
		},
	},
	{
		name:     "grow plant",
		rules:    "grow plant: a sink that is on fills what is in it 1 a tick up to 3; use the watering can on the pot to water it; a seed in wet soil sprouts; a plant in wet soil grows 1 a tick with chance 0.6 and the soil dries 1. win: growth 4.",
		variants: [][]string{{"seed", "flowerpot"}, {"bean", "flowerpot"}, {"seed", "planter"}, {"bean", "planter"}},
		build: func(w *World, n []string) {
			pot := w.add(n[1], false, true, Prop{"water", Int(0)})
			seed := w.add(n[0], true, false)
			can := w.add("watering can", true, false, Prop{"water", Int(w.rng.IntN(2))})
			sink := w.add("sink", false, true, Prop{"isOn", Bool(false)})
			if w.chance(0.3) {
				w.moveTo(seed, pot)
			} else {
				w.placeRandomly(seed)
			}
			if w.chance(0.3) {
				w.moveTo(can, sink)
			} else {
				w.placeRandomly(can)
			}
			w.addDistractor()
		},
		use: func(w *World, x, y *Object) bool {
			if x.Name != "watering can" || y != w.st.Objects[1] || intProp(x, "water") == 0 || intProp(y, "water") >= 3 {
				return false
			}
			x.Set("water", Int(intProp(x, "water")-1))
			y.Set("water", Int(intProp(y, "water")+1))
			return true
		},
		tick: func(w *World) {
			pot, sink := w.st.Objects[1], w.st.Named("sink")
			if boolProp(sink, "isOn") {
				for _, c := range w.contents(sink) {
					if _, ok := c.Get("water"); ok {
						c.Set("water", Int(clamp(intProp(c, "water")+1, 0, 3)))
					}
				}
			}
			if intProp(pot, "water") == 0 {
				return
			}
			for _, c := range w.contents(pot) {
				if c.Name == "plant" {
					if w.chance(0.6) {
						c.Set("growth", Int(clamp(intProp(c, "growth")+1, 0, 4)))
					}
					pot.Set("water", Int(intProp(pot, "water")-1))
					return
				}
			}
			for _, c := range w.contents(pot) {
				if c.Name == w.names[0] {
					// The seed sprouts: it is removed and a plant appears.
					w.remove(c)
					plant := w.add("plant", false, false, Prop{"growth", Int(1)})
					w.moveTo(plant, pot)
					pot.Set("water", Int(intProp(pot, "water")-1))
					return
				}
			}
		},
		score: func(w *World) {
			g := 0
			if p := w.st.Named("plant"); p != nil {
				g = intProp(p, "growth")
			}
			won(w, g, g >= 4)
		},
	},
	{
		name:     "make tea",
		rules:    "make tea: a sink that is on fills a kettle in it 1 a tick up to 3; a kettle that is on with water heats 20 or 30 a tick up to 100, else cools 10; use the kettle on the mug to pour; a teabag in hot water (80+) brews tea. win: tea.",
		variants: [][]string{{"mug", "teabag"}, {"teacup", "teabag"}, {"mug", "herbs"}, {"teacup", "herbs"}},
		build: func(w *World, n []string) {
			kettle := w.add("kettle", true, false, Prop{"isOn", Bool(false)}, Prop{"water", Int(w.rng.IntN(3))}, Prop{"temp", Int(20)})
			sink := w.add("sink", false, true, Prop{"isOn", Bool(false)})
			mug := w.add(n[0], true, true, Prop{"water", Int(0)}, Prop{"temp", Int(20)}, Prop{"tea", Bool(false)})
			bag := w.add(n[1], true, false)
			if w.chance(0.3) {
				w.moveTo(kettle, sink)
			} else {
				w.placeRandomly(kettle)
			}
			w.placeRandomly(mug)
			w.placeRandomly(bag)
		},
		use: func(w *World, x, y *Object) bool {
			if x.Name != "kettle" || y != w.st.Objects[3] || intProp(x, "water") == 0 || intProp(y, "water") > 0 {
				return false
			}
			x.Set("water", Int(intProp(x, "water")-1))
			y.Set("water", Int(1))
			y.Set("temp", Int(intProp(x, "temp")))
			return true
		},
		tick: func(w *World) {
			kettle, sink, mug := w.st.Objects[1], w.st.Objects[2], w.st.Objects[3]
			if boolProp(sink, "isOn") && sink.holds(kettle.UUID) {
				kettle.Set("water", Int(clamp(intProp(kettle, "water")+1, 0, 3)))
			}
			t := intProp(kettle, "temp")
			if boolProp(kettle, "isOn") && intProp(kettle, "water") > 0 {
				t += 20 + 10*w.rng.IntN(2)
			} else {
				t -= 10
			}
			kettle.Set("temp", Int(clamp(t, 20, 100)))
			if intProp(mug, "water") > 0 && intProp(mug, "temp") >= 80 && !boolProp(mug, "tea") {
				for _, c := range w.contents(mug) {
					if c.Name == w.names[1] {
						w.remove(c)
						mug.Set("tea", Bool(true))
						break
					}
				}
			}
			mug.Set("temp", Int(clamp(intProp(mug, "temp")-10, 20, 100)))
		},
		score: func(w *World) {
			kettle, mug := w.st.Objects[1], w.st.Objects[3]
			s := 0
			if intProp(kettle, "temp") >= 80 {
				s++
			}
			if intProp(mug, "water") > 0 {
				s++
			}
			tea := boolProp(mug, "tea")
			if tea {
				s++
			}
			won(w, s, tea)
		},
	},
	{
		name:     "sort recycling",
		rules:    "sort recycling: paper goes in the blue bin, glass in the green bin, plastic in the yellow bin; bins must be open; score +1 per right item, -1 per wrong. win: all sorted.",
		variants: [][]string{{"newspaper", "bottle", "tub"}, {"box", "jar", "tub"}, {"newspaper", "jar", "straw"}, {"box", "bottle", "straw"}},
		build: func(w *World, n []string) {
			for _, b := range []string{"blue bin", "green bin", "yellow bin"} {
				w.add(b, false, true, Prop{"isOpen", Bool(w.chance(0.3))})
			}
			for i, m := range []string{"paper", "glass", "plastic"} {
				w.placeRandomly(w.add(n[i], true, false, Prop{"material", Str(m)}))
			}
			w.addDistractor()
		},
		tick: func(w *World) {},
		score: func(w *World) {
			want := map[string]string{"paper": "blue bin", "glass": "green bin", "plastic": "yellow bin"}
			s, right := 0, 0
			for _, o := range w.st.Objects {
				m, ok := o.Get("material")
				if !ok {
					continue
				}
				p := w.st.Parent(o.UUID)
				if p == nil || p.Name == "inventory" {
					continue
				}
				if p.Name == want[m.s] {
					s++
					right++
				} else {
					s--
				}
			}
			won(w, s, right == 3)
		},
	},
	{
		name:     "charge device",
		rules:    "charge device: a device in a charger that is on gains 25 charge a tick with chance 0.8 up to 100; a device that is on and not charging loses 5. win: charge 100.",
		variants: [][]string{{"phone", "charger"}, {"tablet", "charger"}, {"phone", "dock"}, {"tablet", "dock"}},
		build: func(w *World, n []string) {
			dev := w.add(n[0], true, false, Prop{"isOn", Bool(w.chance(0.5))}, Prop{"charge", Int(25 * w.rng.IntN(3))})
			ch := w.add(n[1], false, true, Prop{"isOn", Bool(w.chance(0.3))})
			if w.chance(0.3) {
				w.moveTo(dev, ch)
			} else {
				w.placeRandomly(dev)
			}
			w.addDistractor()
		},
		tick: func(w *World) {
			dev, ch := w.st.Objects[1], w.st.Objects[2]
			c := intProp(dev, "charge")
			if ch.holds(dev.UUID) && boolProp(ch, "isOn") {
				if w.chance(0.8) {
					c += 25
				}
			} else if boolProp(dev, "isOn") {
				c -= 5
			}
			dev.Set("charge", Int(clamp(c, 0, 100)))
		},
		score: func(w *World) {
			c := intProp(w.st.Objects[1], "charge")
			won(w, c/25, c >= 100)
		},
	},
	{
		name:     "fill bath",
		rules:    "fill bath: a tub that is on fills 1 a tick; without the plug in it, it drains 1 a tick; water 5 floods and loses. win: water 4 with the tub off.",
		variants: [][]string{{"bathtub", "plug"}, {"tub", "plug"}, {"bathtub", "stopper"}, {"tub", "stopper"}},
		build: func(w *World, n []string) {
			tub := w.add(n[0], false, true, Prop{"isOn", Bool(false)}, Prop{"water", Int(w.rng.IntN(3))})
			plug := w.add(n[1], true, false)
			if w.chance(0.3) {
				w.moveTo(plug, tub)
			} else {
				w.placeRandomly(plug)
			}
			w.addDistractor()
		},
		tick: func(w *World) {
			tub, plug := w.st.Objects[1], w.st.Objects[2]
			v := intProp(tub, "water")
			if boolProp(tub, "isOn") {
				v++
			}
			if !tub.holds(plug.UUID) {
				v--
			}
			tub.Set("water", Int(clamp(v, 0, 5)))
		},
		score: func(w *World) {
			tub := w.st.Objects[1]
			v := intProp(tub, "water")
			switch {
			case v >= 5:
				w.st.Score = Score{Score: 0, GameOver: true}
			default:
				win := v == 4 && !boolProp(tub, "isOn")
				won(w, v, win)
			}
		},
	},
	{
		name:     "cool drink",
		rules:    "cool drink: a drink in a closed fridge cools 5 or 10 a tick to 0; outside it warms 5 a tick to 20. win: drink at 5 or less.",
		variants: [][]string{{"soda", "fridge"}, {"juice", "fridge"}, {"soda", "cooler"}, {"juice", "cooler"}},
		build: func(w *World, n []string) {
			drink := w.add(n[0], true, false, Prop{"temp", Int(20)})
			fridge := w.add(n[1], false, true, Prop{"isOpen", Bool(w.chance(0.5))})
			if w.chance(0.3) {
				fridge.Contains = append(fridge.Contains, drink.UUID)
			} else {
				w.placeRandomly(drink)
			}
			w.addDistractor()
		},
		tick: func(w *World) {
			drink, fridge := w.st.Objects[1], w.st.Objects[2]
			t := intProp(drink, "temp")
			switch {
			case fridge.holds(drink.UUID) && !boolProp(fridge, "isOpen"):
				t -= 5 + 5*w.rng.IntN(2)
			case !fridge.holds(drink.UUID):
				t += 5
			}
			drink.Set("temp", Int(clamp(t, 0, 20)))
		},
		score: func(w *World) {
			t := intProp(w.st.Objects[1], "temp")
			won(w, (20-t)/5, t <= 5)
		},
	},
}
