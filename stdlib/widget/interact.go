package widget

import (
	"sync"

	"github.com/rlvrworld/rlvrworld/stdlib/comm"
	"github.com/rlvrworld/rlvrworld/stdlib/display"
)

// Interaction is what Interact returns: a column of the controls above an
// output area that shows fn's latest result.
type Interaction struct {
	*Box
	// Out is the output area fn's displays and result go to.
	Out *Output

	fn      func() any
	mu      sync.Mutex
	running bool // a rerun is scheduled or running
	pending bool // a control changed during it: one more rerun
	runs    int
}

// Interact shows controls above an output area and runs fn now and again
// whenever one of the controls changes, replacing the area's content with
// what fn displays and its result (when not nil). Reruns are debounced:
// changes that come while fn runs (a slider dragged over a slow fn) lead
// to at most one more run, with the latest values.
func Interact(fn func() any, controls ...Widget) *Interaction {
	out := NewOutput()
	children := append(append([]Widget{}, controls...), out)
	it := &Interaction{Box: VBox(children...), Out: out, fn: fn}
	for _, c := range controls {
		if m := modelOf(c); m != nil {
			m.listen(func(key string) {
				if key == "value" || key == "index" {
					it.trigger()
				}
			})
		}
	}
	it.run()
	return it
}

// modelOf finds the model behind a widget of this package.
func modelOf(w Widget) *model {
	models.Lock()
	defer models.Unlock()
	return models.byID[w.ModelID()]
}

// Runs is how many times fn has run.
func (it *Interaction) Runs() int {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.runs
}

// run calls fn once, capturing its displays into the output area.
func (it *Interaction) run() {
	it.mu.Lock()
	it.runs++
	it.mu.Unlock()
	it.Out.Capture(func() {
		if v := it.fn(); v != nil {
			display.Show(v)
		}
	})
}

// trigger schedules a rerun. It is called from a change callback, which
// holds the interpreter's lock: the rerun happens in a goroutine that waits
// for the lock (comm.Run). Changes until the rerun starts are seen by it;
// changes while it runs (from fn itself, or a callback that ran before it)
// set pending: one more run, however many there were.
func (it *Interaction) trigger() {
	it.mu.Lock()
	if it.running {
		it.pending = true
		it.mu.Unlock()
		return
	}
	it.running = true
	it.mu.Unlock()
	go func() {
		for {
			comm.Run(func() {
				// Changes up to now are seen by this run.
				it.mu.Lock()
				it.pending = false
				it.mu.Unlock()
				it.run()
			})
			it.mu.Lock()
			if !it.pending {
				it.running = false
				it.mu.Unlock()
				return
			}
			it.pending = false
			it.mu.Unlock()
		}
	}()
}
