package display

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"sync/atomic"
	"time"
)

// textSink is the default Sink outside a kernel: it prints text/plain.
type textSink struct{}

func (textSink) Display(out Output, id string, update bool) {
	if s, ok := out.Data[MIMEText].(string); ok {
		fmt.Fprintln(os.Stdout, s)
	}
}

func (textSink) Clear(bool) {}

// Publish sends out to the current sink as a new display.
func Publish(out Output) { currentSink().Display(out, "", false) }

// Show publishes v: richly when it implements Renderer or is an image,
// else as text/plain.
func Show(v any) { Publish(Of(v)) }

// Of returns the rich form of v: Render for a Renderer, PNG for an image,
// and its fmt %v form as text/plain otherwise.
func Of(v any) Output {
	switch x := v.(type) {
	case Renderer:
		return x.Render()
	case Output:
		return x
	case image.Image:
		return ImageOutput(x)
	}
	return Output{Data: map[string]any{MIMEText: fmt.Sprint(v)}}
}

// HTML shows an HTML fragment.
func HTML(s string) { Publish(HTMLOutput(s)) }

// HTMLOutput is the Output of an HTML fragment, with a text fallback.
func HTMLOutput(s string) Output {
	return Output{Data: map[string]any{MIMEHTML: s, MIMEText: "<HTML>"}}
}

// Markdown shows Markdown text.
func Markdown(s string) {
	Publish(Output{Data: map[string]any{MIMEMarkdown: s, MIMEText: s}})
}

// SVG shows an SVG document.
func SVG(s string) {
	Publish(Output{Data: map[string]any{MIMESVG: s, MIMEText: "<SVG>"}})
}

// JSON shows v as a JSON tree; it falls back to indented text.
func JSON(v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		Publish(Output{Data: map[string]any{MIMEText: "display.JSON: " + err.Error()}})
		return
	}
	var tree any
	_ = json.Unmarshal(b, &tree)
	Publish(Output{Data: map[string]any{MIMEJSON: tree, MIMEText: string(b)}})
}

// Image shows img as a PNG.
func Image(img image.Image) { Publish(ImageOutput(img)) }

// ImageOutput is the Output of img as a base64 PNG.
func ImageOutput(img image.Image) Output {
	b := img.Bounds()
	return Output{
		Data: map[string]any{
			MIMEPNG:  PNGBase64(img),
			MIMEText: fmt.Sprintf("<image %dx%d>", b.Dx(), b.Dy()),
		},
	}
}

// PNGBase64 encodes img as a base64 PNG, the form Jupyter carries images in.
func PNGBase64(img image.Image) string {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

var nextID atomic.Int64

// Handle is an updatable display: Update replaces its content in place.
type Handle struct {
	id string
}

// NewHandle publishes out as a display that later calls can update.
func NewHandle(out Output) *Handle {
	h := &Handle{id: fmt.Sprintf("rlvr-%d-%d", time.Now().UnixNano(), nextID.Add(1))}
	currentSink().Display(out, h.id, false)
	return h
}

// ID is the display_id of the handle.
func (h *Handle) ID() string { return h.id }

// Update replaces the display's content.
func (h *Handle) Update(out Output) { currentSink().Display(out, h.id, true) }

// Progress is a progress bar that updates in place.
type Progress struct {
	h     *Handle
	label string
	total int
	last  time.Time
}

// NewProgress shows a progress bar for total steps.
func NewProgress(label string, total int) *Progress {
	p := &Progress{label: label, total: total}
	p.h = NewHandle(p.output(0))
	return p
}

// Set moves the bar to done steps. Updates are throttled to about 20 per
// second, except the final one.
func (p *Progress) Set(done int) {
	if done < p.total && time.Since(p.last) < 50*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.h.Update(p.output(done))
}

func (p *Progress) output(done int) Output {
	frac := 0.0
	if p.total > 0 {
		frac = float64(done) / float64(p.total)
	}
	if frac > 1 {
		frac = 1
	}
	text := fmt.Sprintf("%s %d/%d (%.0f%%)", p.label, done, p.total, 100*frac)
	htm := fmt.Sprintf(`<div class="rlvr-progress"><label>%s <progress max="%d" value="%d"></progress> %d/%d</label></div>`,
		html.EscapeString(p.label), p.total, done, done, p.total)
	return Output{Data: map[string]any{MIMEHTML: htm, MIMEText: text}}
}

// Clear clears the current cell's output; with wait, when new output comes.
func Clear(wait bool) { currentSink().Clear(wait) }
