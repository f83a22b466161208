package widget

import (
	"sync"

	"github.com/rlvrworld/rlvrworld/stdlib/comm"
	"github.com/rlvrworld/rlvrworld/stdlib/display"
)

// Output is an area that callbacks write displays into (OutputModel of
// @jupyter-widgets/output). Its outputs are part of its state, in nbformat's
// form, so front ends and saved notebooks show them.
type Output struct {
	*model
	// capture serializes Capture calls: the display sink is global.
	capture sync.Mutex
}

// NewOutput returns an empty output area.
func NewOutput() *Output {
	st := domState("")
	st["msg_id"], st["outputs"] = "", []any{}
	return &Output{model: newModel(outputModule, outputVersion, "OutputModel", "OutputView", "", st)}
}

// Show appends v's rich form (display.Of) to the area.
func (o *Output) Show(v any) { o.Append(display.Of(v)) }

// Append appends one output bundle.
func (o *Output) Append(out display.Output) {
	o.mu.Lock()
	outs := append(append([]any{}, o.state["outputs"].([]any)...), nbOutput(out, ""))
	o.mu.Unlock()
	o.set(map[string]any{"outputs": outs})
}

// Clear empties the area.
func (o *Output) Clear() { o.set(map[string]any{"outputs": []any{}}) }

// Replace shows out alone in the area, in one update (no flicker).
func (o *Output) Replace(outs ...display.Output) {
	list := make([]any, len(outs))
	for i, out := range outs {
		list[i] = nbOutput(out, "")
	}
	o.set(map[string]any{"outputs": list})
}

// Len is the number of outputs in the area.
func (o *Output) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.state["outputs"].([]any))
}

// Capture runs f with every display it makes (display.Show, HTML, charts,
// updates of display handles) sent to the area instead of the cell.
func (o *Output) Capture(f func()) {
	o.capture.Lock()
	defer o.capture.Unlock()
	c := &captureSink{}
	prev := display.SetSink(c)
	defer func() {
		display.SetSink(prev)
		o.Replace(c.outs...)
	}()
	f()
}

// captureSink collects displays: an update replaces the display with its
// id, a clear empties the list.
type captureSink struct {
	outs []display.Output
	ids  []string
}

func (c *captureSink) Display(out display.Output, id string, update bool) {
	if update && id != "" {
		for i := range c.ids {
			if c.ids[i] == id {
				c.outs[i] = out
				return
			}
		}
	}
	c.outs = append(c.outs, out)
	c.ids = append(c.ids, id)
}

func (c *captureSink) Clear(bool) { c.outs, c.ids = nil, nil }

// nbOutput is out as an nbformat display_data output.
func nbOutput(out display.Output, _ string) map[string]any {
	data := out.Data
	if data == nil {
		data = map[string]any{}
	}
	md := out.Metadata
	if md == nil {
		md = map[string]any{}
	}
	return map[string]any{"output_type": "display_data", "data": data, "metadata": md}
}

func messageCustom(event string) comm.Message {
	return comm.Message{Data: map[string]any{"method": "custom", "content": map[string]any{"event": event}}}
}
