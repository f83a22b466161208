package exp

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/display"
	"github.com/rlvrworld/rlvrworld/stdlib/plot"
)

// Event is one piece of progress of a run.
type Event struct {
	// Phase is "data", "pretrain", "mle_continued", "rlvr", "eval" or a
	// downstream task's name.
	Phase string
	// Step of Steps within the phase: gradient steps for pretrain and
	// mle_continued, GRPO steps for rlvr; 0 of 0 for a one-off.
	Step, Steps int
	// Method is the evaluated model's method (mle, mle_continued, rlvr) in
	// eval and downstream events.
	Method string
	// Seed is the run's seed (RunSeeds runs several at once).
	Seed int64
	// Values are the named figures of the event, in a fixed order.
	Values []Value
	// Note is a sentence instead of figures (a loaded checkpoint, a data
	// summary, an early stop).
	Note string
}

// Value is one named figure of an Event.
type Value struct {
	Name  string
	Value float64
}

// String formats the event as a log line: phase, step, then each value by
// name with 3 significant digits.
func (e Event) String() string {
	var sb strings.Builder
	sb.WriteString(e.Phase)
	if e.Method != "" {
		sb.WriteString(" " + e.Method)
	}
	if e.Steps > 0 {
		fmt.Fprintf(&sb, " %d/%d", e.Step, e.Steps)
	} else if e.Step > 0 {
		fmt.Fprintf(&sb, " at %d steps", e.Step)
	}
	if e.Note != "" {
		sb.WriteString(": " + e.Note)
	}
	for i, v := range e.Values {
		if i == 0 {
			sb.WriteString(":")
		} else {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, " %s %.3g", v.Name, v.Value)
	}
	return sb.String()
}

// emit sends an event to the config's log and progress callback.
func (r *runner) emit(e Event) {
	e.Seed = r.cfg.Seed
	if r.cfg.Log != nil && logged(e) {
		r.logMu.Lock()
		fmt.Fprintf(r.cfg.Log, "[%s] %s%s\n", time.Now().Format("15:04:05"), r.prefix, e)
		r.logMu.Unlock()
	}
	if r.cfg.Progress != nil {
		r.cfg.Progress(e)
	}
}

// note emits a sentence in a phase.
func (r *runner) note(phase, format string, a ...any) {
	r.emit(Event{Phase: phase, Note: fmt.Sprintf(format, a...)})
}

// Live returns a Progress callback for a notebook cell: per phase a
// progress bar that moves in place, a live chart of the training figure
// (loss for MLE, mean reward for RLVR), and one line per evaluation.
func Live() func(Event) {
	l := &live{bars: map[string]*display.Progress{}, charts: map[string]*plot.Live{}}
	return l.event
}

type live struct {
	mu     sync.Mutex
	bars   map[string]*display.Progress
	charts map[string]*plot.Live
}

func (l *live) event(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Steps == 0 || e.Phase == "eval" {
		if e.Phase == "eval" || e.Phase == "data" || e.Method != "" {
			display.Markdown("`" + e.String() + "`")
		}
		return
	}
	key := fmt.Sprintf("%s, seed %d", e.Phase, e.Seed)
	bar, ok := l.bars[key]
	if !ok {
		bar = display.NewProgress(key, e.Steps)
		l.bars[key] = bar
	}
	bar.Set(e.Step)
	if len(e.Values) == 0 {
		return
	}
	ch, ok := l.charts[key]
	if !ok {
		ch = plot.NewLive(key+": "+e.Values[0].Name, e.Values[0].Name)
		l.charts[key] = ch
	}
	ch.Add(float64(e.Step), e.Values[0].Value)
	if e.Step == e.Steps {
		ch.Flush()
	}
}

// logged says whether an event goes to the text log: every event except
// the plain loss of most MLE steps (every 50th, the first few and the last
// are kept), which would flood it.
func logged(e Event) bool {
	if e.Steps <= 20 || e.Step == e.Steps || e.Step%50 == 0 || e.Note != "" {
		return true
	}
	return len(e.Values) > 1 || e.Phase == "rlvr"
}
