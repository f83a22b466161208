package plot

import (
	"sync"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/display"
)

// LiveInterval is the least time between two updates a Live chart sends;
// points added faster are batched into the next update.
const LiveInterval = 250 * time.Millisecond

// Live is a line chart that grows in place while a loop runs (a reward
// curve during training): NewLive shows it, Add appends a point, and the
// display is updated through update_display_data at most every
// LiveInterval. The last points are sent by a timer, or at once by Flush.
// It is safe for concurrent use.
type Live struct {
	mu      sync.Mutex
	chart   Chart
	handle  *display.Handle
	last    time.Time
	pending bool
	timer   *time.Timer
}

// NewLive shows an empty live line chart with one series per name.
func NewLive(title string, names ...string) *Live {
	l := &Live{chart: Chart{Kind: KindLine, Title: title, XName: "step"}}
	for _, n := range names {
		l.chart.Series = append(l.chart.Series, Series{Name: n})
	}
	l.handle = display.NewHandle(l.chart.Render())
	l.last = time.Now()
	return l
}

// Labels sets the axis names (the x axis defaults to "step").
func (l *Live) Labels(x, y string) *Live {
	l.mu.Lock()
	l.chart.XName, l.chart.YName = x, y
	l.mu.Unlock()
	return l
}

// Add appends one point: values[i] to series i at x = step. Missing values
// are gaps (NaN); values beyond the series named in NewLive are ignored.
func (l *Live) Add(step float64, values ...float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.chart.X = append(l.chart.X, step)
	for i := range l.chart.Series {
		v := nan
		if i < len(values) {
			v = values[i]
		}
		l.chart.Series[i].Values = append(l.chart.Series[i].Values, v)
	}
	if wait := LiveInterval - time.Since(l.last); wait > 0 {
		// Too soon: send later, once, with everything added meanwhile.
		if !l.pending {
			l.pending = true
			l.timer = time.AfterFunc(wait, l.Flush)
		}
		return
	}
	l.sendLocked()
}

// Flush sends the chart's current state now, if it has unsent points.
func (l *Live) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending {
		l.sendLocked()
	}
}

func (l *Live) sendLocked() {
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.pending = false
	l.last = time.Now()
	l.handle.Update(l.chart.Render())
}

// Chart returns a copy of the chart as it stands, for a static picture.
func (l *Live) Chart() *Chart {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.chart
	c.X = append([]float64(nil), l.chart.X...)
	c.Series = make([]Series, len(l.chart.Series))
	for i, s := range l.chart.Series {
		c.Series[i] = Series{Name: s.Name, Values: append([]float64(nil), s.Values...)}
	}
	return &c
}

// Render gives the chart as it stands (a Live as a cell's last value).
func (l *Live) Render() display.Output { return l.Chart().Render() }

// Len is the number of points added so far.
func (l *Live) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.chart.X)
}
