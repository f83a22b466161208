package display

import (
	"fmt"
	"html"
	"image"
	"image/color"
	"image/draw"
	"math"
	"sort"
	"strings"
)

// Render gives the frames viewer's JSON (MIMEFrames) for the playground, and
// for plain Jupyter and GitHub a static fallback: one PNG sheet (rows:
// predicted, true, and their difference; context frames first, repeated
// frames outlined in red; with Others: true, then each model's prediction
// and difference) and an HTML figure with that sheet and a table of the
// per-frame metrics.
func (f Frames) Render() Output {
	models := f.models()
	n := f.length()
	enc := func(imgs []image.Image) []string {
		out := make([]string, 0, len(imgs))
		for _, im := range imgs {
			if im == nil {
				// The viewer needs one entry per frame; a blank frame keeps
				// the others aligned.
				im = image.NewRGBA(image.Rect(0, 0, 1, 1))
			}
			out = append(out, PNGBase64(im))
		}
		return out
	}
	for k := range models {
		models[k] = models[k].clean(n)
	}
	data := map[string]any{
		"title":     f.Title,
		"context":   enc(f.Context),
		"predicted": enc(models[0].Predicted),
		"truth":     enc(f.Truth),
		"metrics":   models[0].Metrics,
		"repeated":  models[0].Repeated,
	}
	if f.Label != "" {
		data["label"] = f.Label
	}
	if len(models) > 1 {
		others := make([]map[string]any, 0, len(models)-1)
		for _, m := range models[1:] {
			others = append(others, map[string]any{"label": m.Label, "predicted": enc(m.Predicted), "metrics": m.Metrics, "repeated": m.Repeated})
		}
		data["others"] = others
	}
	sheet := PNGBase64(f.Sheet())
	multi := len(models) > 1
	var all []map[string]float64
	for _, m := range models {
		all = append(all, m.Metrics...)
	}
	keys := metricKeys(all)
	reps := 0
	for _, m := range models {
		for _, r := range m.Repeated {
			if r {
				reps++
			}
		}
	}

	var b strings.Builder
	b.WriteString(`<figure style="margin:4px 0">`)
	fmt.Fprintf(&b, `<figcaption><b>%s</b> %d frames, %d repeated`, html.EscapeString(f.Title), n, reps)
	text := fmt.Sprintf("Frames %q: %d predicted, %d true, %d context, %d repeated", f.Title, len(f.Predicted), len(f.Truth), len(f.Context), reps)
	for _, m := range models {
		lead := ""
		if multi {
			lead = m.Label + " "
		}
		for _, k := range metricKeys(m.Metrics) {
			fmt.Fprintf(&b, ` &middot; %smean %s %.4g`, html.EscapeString(lead), html.EscapeString(strings.ToUpper(k)), meanMetric(m.Metrics, k))
			text += fmt.Sprintf(", %smean %s %.4g", lead, k, meanMetric(m.Metrics, k))
		}
	}
	if multi {
		var rows []string
		for _, m := range models {
			l := html.EscapeString(m.Label)
			rows = append(rows, l+", |"+l+" &minus; true| &times;3")
		}
		fmt.Fprintf(&b, `<br><small>rows: true, %s; context frames first; repeated frames outlined in red</small></figcaption>`, strings.Join(rows, ", "))
	} else {
		b.WriteString(`<br><small>rows: predicted, true, |difference| &times;3; context frames first; repeated frames outlined in red</small></figcaption>`)
	}
	fmt.Fprintf(&b, `<img alt="frames: predicted, true and difference" style="image-rendering:pixelated;max-width:100%%" src="data:image/png;base64,%s">`, sheet)
	b.WriteString(`<table style="border-collapse:collapse;font-family:monospace;font-size:12px"><tr><th style="padding:0 6px">frame</th>`)
	if multi {
		b.WriteString(`<th style="padding:0 6px">model</th>`)
	}
	for _, k := range keys {
		fmt.Fprintf(&b, `<th style="padding:0 6px">%s</th>`, html.EscapeString(strings.ToUpper(k)))
	}
	b.WriteString(`<th style="padding:0 6px">repeated</th></tr>`)
	for i := 0; i < n; i++ {
		for _, m := range models {
			bg := ""
			if m.Repeated[i] {
				bg = ` style="background:#fde2e0"`
			}
			fmt.Fprintf(&b, `<tr%s><td style="padding:0 6px">%d</td>`, bg, i+1)
			if multi {
				fmt.Fprintf(&b, `<td style="padding:0 6px">%s</td>`, html.EscapeString(m.Label))
			}
			for _, k := range keys {
				if v, ok := m.Metrics[i][k]; ok {
					fmt.Fprintf(&b, `<td style="padding:0 6px">%.4g</td>`, v)
				} else {
					b.WriteString(`<td style="padding:0 6px">-</td>`)
				}
			}
			rep := ""
			if m.Repeated[i] {
				rep = "yes"
			}
			fmt.Fprintf(&b, `<td style="padding:0 6px">%s</td></tr>`, rep)
		}
	}
	b.WriteString(`</table></figure>`)
	return Output{Data: map[string]any{
		MIMEFrames: data,
		MIMEHTML:   b.String(),
		MIMEPNG:    sheet,
		MIMEText:   text,
	}}
}

// models lists the predictions of f, its own first (labelled "predicted"
// when Label is empty); others without a label are numbered.
func (f Frames) models() []Prediction {
	label := f.Label
	if label == "" {
		label = "predicted"
	}
	out := []Prediction{{Label: label, Predicted: f.Predicted, Metrics: f.Metrics, Repeated: f.Repeated}}
	for i, o := range f.Others {
		if o.Label == "" {
			o.Label = fmt.Sprintf("model %d", i+2)
		}
		out = append(out, o)
	}
	return out
}

// length is the number of frames: the longest of the truth and the
// predictions.
func (f Frames) length() int {
	n := len(f.Truth)
	for _, m := range f.models() {
		n = max(n, len(m.Predicted))
	}
	return n
}

// clean gives p one metrics map and one flag per frame, n in all. NaN and
// infinities have no JSON form; a metric that is undefined for a frame
// (SSIM of a flat frame) is left out of that frame.
func (p Prediction) clean(n int) Prediction {
	metrics := make([]map[string]float64, n)
	repeated := make([]bool, n)
	for i := 0; i < n; i++ {
		metrics[i] = map[string]float64{}
		if i < len(p.Metrics) {
			for k, v := range p.Metrics[i] {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					metrics[i][k] = v
				}
			}
		}
		repeated[i] = i < len(p.Repeated) && p.Repeated[i]
	}
	p.Metrics, p.Repeated = metrics, repeated
	return p
}

func metricKeys(ms []map[string]float64) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func meanMetric(ms []map[string]float64, k string) float64 {
	s, c := 0.0, 0
	for _, m := range ms {
		if v, ok := m[k]; ok {
			s += v
			c++
		}
	}
	if c == 0 {
		return 0
	}
	return s / float64(c)
}

// Sheet draws the rollout as one image: predicted frames on the first row,
// true frames on the second and their absolute difference (times 3) on the
// third, each frame scaled up to at least 64 pixels, context frames first on
// the top two rows. Frames that repeat the previous one are outlined in red.
// With Others, the true frames come first (the context frames before them),
// then two rows per model: its prediction and its difference from the truth.
func (f Frames) Sheet() image.Image {
	models := f.models()
	n := f.length()
	fw, fh := 1, 1
	sets := [][]image.Image{f.Context, f.Truth}
	for _, m := range models {
		sets = append(sets, m.Predicted)
	}
	for _, set := range sets {
		for _, im := range set {
			if im == nil {
				continue
			}
			if b := im.Bounds(); b.Dx() > fw || b.Dy() > fh {
				fw, fh = max(fw, b.Dx()), max(fh, b.Dy())
			}
		}
	}
	scale := max(1, 64/max(fw, fh))
	const gap, pad = 4, 3
	cw, ch := fw*scale+2*pad, fh*scale+2*pad
	ctx := len(f.Context)
	sep := 0
	if ctx > 0 {
		sep = 8
	}
	cols := ctx + n
	rows := 1 + 2*len(models)
	sheet := image.NewRGBA(image.Rect(0, 0, max(1, cols*(cw+gap)+sep), rows*(ch+gap)))
	draw.Draw(sheet, sheet.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	cell := func(col, row int) image.Rectangle {
		x := col*(cw+gap) + pad
		if col >= ctx {
			x += sep
		}
		y := row*(ch+gap) + pad
		return image.Rect(x, y, x+fw*scale, y+fh*scale)
	}
	at := func(imgs []image.Image, i int) image.Image {
		if i < len(imgs) {
			return imgs[i]
		}
		return nil
	}
	// Row of the truth, and of each model's prediction and difference.
	truthRow, predRow, diffRow := 1, func(int) int { return 0 }, func(int) int { return 2 }
	if len(models) > 1 {
		truthRow = 0
		predRow = func(k int) int { return 1 + 2*k }
		diffRow = func(k int) int { return 2 + 2*k }
	}
	for i, im := range f.Context {
		blit(sheet, cell(i, truthRow), im, scale)
		if len(models) == 1 {
			blit(sheet, cell(i, 0), im, scale)
		}
	}
	for i := 0; i < n; i++ {
		t := at(f.Truth, i)
		blit(sheet, cell(ctx+i, truthRow), t, scale)
		for k, m := range models {
			p := at(m.Predicted, i)
			blit(sheet, cell(ctx+i, predRow(k)), p, scale)
			blit(sheet, cell(ctx+i, diffRow(k)), DiffImage(p, t, 3), scale)
			if i < len(m.Repeated) && m.Repeated[i] {
				r := cell(ctx+i, predRow(k)).Inset(-pad)
				outline(sheet, r, color.RGBA{R: 211, G: 47, B: 47, A: 255}, 2)
			}
		}
	}
	return sheet
}

// DiffImage is the per-pixel absolute difference of a and b, times gain and
// clamped, over their common area; nil when either is nil.
func DiffImage(a, b image.Image, gain float64) image.Image {
	if a == nil || b == nil {
		return nil
	}
	ab, bb := a.Bounds(), b.Bounds()
	w, h := min(ab.Dx(), bb.Dx()), min(ab.Dy(), bb.Dy())
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	d := func(x, y uint32) uint8 {
		v := (float64(x) - float64(y)) / 257
		if v < 0 {
			v = -v
		}
		v *= gain
		if v > 255 {
			v = 255
		}
		return uint8(v)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			out.SetRGBA(x, y, color.RGBA{R: d(r1, r2), G: d(g1, g2), B: d(b1, b2), A: 255})
		}
	}
	return out
}

// blit draws src scaled by an integer factor (nearest neighbour, so pixels
// stay crisp) into r; a nil src leaves a grey box.
func blit(dst *image.RGBA, r image.Rectangle, src image.Image, scale int) {
	if src == nil {
		draw.Draw(dst, r, image.NewUniform(color.RGBA{R: 200, G: 200, B: 200, A: 255}), image.Point{}, draw.Src)
		return
	}
	sb := src.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		sy := sb.Min.Y + (y-r.Min.Y)/scale
		if sy >= sb.Max.Y {
			break
		}
		for x := r.Min.X; x < r.Max.X; x++ {
			sx := sb.Min.X + (x-r.Min.X)/scale
			if sx >= sb.Max.X {
				break
			}
			dst.Set(x, y, src.At(sx, sy))
		}
	}
}

func outline(dst *image.RGBA, r image.Rectangle, c color.Color, w int) {
	u := image.NewUniform(c)
	for _, s := range []image.Rectangle{
		image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+w), image.Rect(r.Min.X, r.Max.Y-w, r.Max.X, r.Max.Y),
		image.Rect(r.Min.X, r.Min.Y, r.Min.X+w, r.Max.Y), image.Rect(r.Max.X-w, r.Min.Y, r.Max.X, r.Max.Y),
	} {
		draw.Draw(dst, s.Intersect(dst.Bounds()), u, image.Point{}, draw.Src)
	}
}

// Change says what a step did to an item: "changed", "added", "removed" or
// "unchanged".
func (it DiffItem) Change() string {
	switch {
	case it.Before == "" && it.Truth != "":
		return "added"
	case it.Before != "" && it.Truth == "":
		return "removed"
	case it.Before != it.Truth:
		return "changed"
	}
	return "unchanged"
}

// Correct reports whether the prediction matches the truth. Lines are
// compared as a set in any order, trailing spaces ignored, as properties
// are one per line.
func (it DiffItem) Correct() bool {
	return normLines(it.Predicted) == normLines(it.Truth)
}

func normLines(s string) string {
	if s == "" {
		return ""
	}
	ls := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i := range ls {
		ls[i] = strings.TrimRight(ls[i], " \t\r")
	}
	sort.Strings(ls)
	return strings.Join(ls, "\n")
}

// Mistakes counts the items whose prediction differs from the truth.
func (d StateDiff) Mistakes() int {
	n := 0
	for _, it := range d.Items {
		if !it.Correct() {
			n++
		}
	}
	return n
}

// Render gives the state-diff viewer's JSON (MIMEStateDiff) and, for plain
// Jupyter and GitHub, an HTML table with the changed, added, removed and
// mispredicted items coloured inline (no stylesheet is assumed there).
func (d StateDiff) Render() Output {
	items := d.Items
	if items == nil {
		items = []DiffItem{}
	}
	counts := map[string]int{}
	for _, it := range items {
		counts[it.Change()]++
	}
	mistakes := d.Mistakes()
	summary := fmt.Sprintf("%d items: %d changed, %d added, %d removed; %d mispredicted",
		len(items), counts["changed"], counts["added"], counts["removed"], mistakes)

	colour := map[string]string{"changed": "#fff1d6", "added": "#dcf5e3", "removed": "#fde2e0", "unchanged": "#ffffff"}
	cell := func(s string) string {
		if s == "" {
			return `<i style="color:#666">(absent)</i>`
		}
		return html.EscapeString(s)
	}
	var b strings.Builder
	b.WriteString(`<div><p style="margin:2px 0">`)
	if d.Title != "" {
		fmt.Fprintf(&b, `<b>%s</b> &middot; `, html.EscapeString(d.Title))
	}
	b.WriteString(html.EscapeString(summary))
	b.WriteString(`</p><table style="border-collapse:collapse;font-family:monospace;font-size:12px">`)
	b.WriteString(`<tr><th>item</th><th>step</th><th>before</th><th>true next</th><th>predicted</th><th></th></tr>`)
	td := `<td style="border:1px solid #ccc;padding:2px 6px;vertical-align:top;white-space:pre-wrap">`
	quiet := 0
	for _, it := range items {
		ch := it.Change()
		ok := it.Correct()
		if ch == "unchanged" && ok {
			quiet++
			continue
		}
		verdict, pstyle := `<span style="color:#1a7f37">&#10003;</span>`, ""
		if !ok {
			verdict, pstyle = `<b style="color:#b3261e">&#10007;</b>`, ` style="border:1px solid #ccc;padding:2px 6px;vertical-align:top;white-space:pre-wrap;background:#fde2e0"`
		}
		fmt.Fprintf(&b, `<tr style="background:%s">%s%s</td>%s%s</td>%s%s</td>%s%s</td>`, colour[ch],
			td, html.EscapeString(it.Key), td, ch, td, cell(it.Before), td, cell(it.Truth))
		if pstyle != "" {
			fmt.Fprintf(&b, `<td%s>%s</td>`, pstyle, cell(it.Predicted))
		} else {
			fmt.Fprintf(&b, `%s%s</td>`, td, cell(it.Predicted))
		}
		fmt.Fprintf(&b, `%s%s</td></tr>`, td, verdict)
	}
	b.WriteString(`</table>`)
	if quiet > 0 {
		fmt.Fprintf(&b, `<p style="margin:2px 0;color:#555">%d unchanged items predicted right are not shown.</p>`, quiet)
	}
	b.WriteString(`</div>`)

	text := "StateDiff"
	if d.Title != "" {
		text += " " + fmt.Sprintf("%q", d.Title)
	}
	return Output{Data: map[string]any{
		MIMEStateDiff: map[string]any{"title": d.Title, "items": items},
		MIMEHTML:      b.String(),
		MIMEText:      text + ": " + summary,
	}}
}
