// Package display sends rich output from notebook cells: HTML, Markdown,
// images, SVG, JSON, and displays that update in place (progress bars, live
// charts).
//
// The package knows nothing of the kernel. Output goes to a Sink; the kernel
// installs one that turns outputs into Jupyter display_data and
// update_display_data messages. Without a kernel the default sink prints the
// text/plain form to stdout, so the same code runs in a Go program or a test.
//
// A value renders richly when it implements Renderer: the kernel calls
// Render on a cell's last expression, and Show publishes any value.
//
//	display.HTML("<b>hello</b>")
//	bar := display.NewProgress("training", 100)
//	for i := 0; i < 100; i++ { bar.Set(i + 1) }
package display

import (
	"sync"
)

// Well-known MIME types, including the playground's own viewers. Each custom
// type is always sent together with a static fallback (text/html or
// image/png) so that outputs read well in plain Jupyter.
const (
	MIMEText     = "text/plain"
	MIMEHTML     = "text/html"
	MIMEMarkdown = "text/markdown"
	MIMEPNG      = "image/png"
	MIMESVG      = "image/svg+xml"
	MIMEJSON     = "application/json"
	// MIMEECharts carries an ECharts option object (JSON).
	MIMEECharts = "application/vnd.rlvrworld.echarts+json"
	// MIMEFrames carries a frames rollout: predicted and true frames with
	// per-frame metrics (see the frames viewer in static/).
	MIMEFrames = "application/vnd.rlvrworld.frames+json"
	// MIMEStateDiff carries a predicted-versus-true state diff.
	MIMEStateDiff = "application/vnd.rlvrworld.statediff+json"
)

// Output is one MIME bundle, as Jupyter's display_data carries it. Data maps
// a MIME type to its content: a string for text types and base64 images, any
// JSON-encodable value for JSON types.
type Output struct {
	Data     map[string]any
	Metadata map[string]any
}

// Renderer is implemented by values that have a rich form. The kernel shows a
// cell's last expression through Render when its value implements it.
type Renderer interface {
	Render() Output
}

// Sink receives outputs. The kernel installs one; the default prints the
// text/plain form.
type Sink interface {
	// Display publishes out. A non-empty id names an updatable display; with
	// update true it replaces the display with that id in place.
	Display(out Output, id string, update bool)
	// Clear clears the cell's output; with wait, only when new output comes.
	Clear(wait bool)
}

var (
	sinkMu sync.RWMutex
	sink   Sink = textSink{}
)

// SetSink installs s as the destination of all outputs and returns the
// previous sink. The kernel calls it once at start-up; tests may swap it.
// A nil s restores the default text sink.
func SetSink(s Sink) Sink {
	if s == nil {
		s = textSink{}
	}
	sinkMu.Lock()
	defer sinkMu.Unlock()
	prev := sink
	sink = s
	return prev
}

func currentSink() Sink {
	sinkMu.RLock()
	defer sinkMu.RUnlock()
	return sink
}
