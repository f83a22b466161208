package plot

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// palette is ECharts' default series palette, so the static picture and
// the interactive chart use the same colours.
var palette = []string{"#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc"}

// niceTicks returns about n round tick values whose span covers [lo, hi]:
// the first is at or below lo and the last at or above hi, so the axis can
// end on a labelled tick.
func niceTicks(lo, hi float64, n int) []float64 {
	if !(hi > lo) {
		lo, hi = lo-1, hi+1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []float64
	for v := math.Floor(lo/step+1e-9) * step; v < hi+step*(1-1e-9); v += step {
		// Snap to the step grid, so 0.30000000000000004 prints as 0.3.
		t, _ := strconv.ParseFloat(strconv.FormatFloat(math.Round(v/step)*step, 'g', 12, 64), 64)
		ticks = append(ticks, t)
		if len(ticks) > 50 {
			break
		}
	}
	if last := ticks[len(ticks)-1]; last < hi {
		t, _ := strconv.ParseFloat(strconv.FormatFloat(last+step, 'g', 12, 64), 64)
		ticks = append(ticks, t)
	}
	return ticks
}

// label formats a tick value compactly.
func label(v float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e5 || a < 1e-3 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func esc(s string) string { return html.EscapeString(s) }

// SVG draws the chart as a standalone SVG document: the static fallback for
// viewers without ECharts (plain Jupyter, GitHub, nbconvert to HTML).
func (c *Chart) SVG() string {
	w, h := c.svgWidth(), c.Height
	if h <= 0 {
		h = 360
	}
	const left, right, bottom = 64.0, 20.0, 48.0
	legend := c.legendLayout(float64(w))
	top := 36.0
	if len(legend) > 0 {
		top = 58 + legendRow*float64(legend[len(legend)-1].row)
	}
	pw, ph := float64(w)-left-right, float64(h)-top-bottom

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`, w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`, w, h)
	if c.Title != "" {
		fmt.Fprintf(&b, `<text x="%d" y="22" font-size="16" font-weight="bold" fill="#333">%s</text>`, 10, esc(c.Title))
	}
	for i, it := range legend {
		y := 34 + legendRow*float64(it.row)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.0f" width="14" height="10" rx="2" fill="%s"/><text x="%.1f" y="%.0f" fill="#333">%s</text>`,
			it.x, y, palette[i%len(palette)], it.x+18, y+9, esc(c.Series[i].Name))
	}

	// The value range; bars always include zero.
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				ylo, yhi = math.Min(ylo, v), math.Max(yhi, v)
			}
		}
	}
	if math.IsInf(ylo, 1) {
		ylo, yhi = 0, 1
	}
	if c.kind() == KindBar {
		ylo, yhi = math.Min(ylo, 0), math.Max(yhi, 0)
	}
	yt := niceTicks(ylo, yhi, 5)
	ylo, yhi = math.Min(ylo, yt[0]), math.Max(yhi, yt[len(yt)-1])
	if yhi == ylo {
		yhi = ylo + 1
	}
	py := func(v float64) float64 { return top + ph - (v-ylo)/(yhi-ylo)*ph }

	// Grid and y axis.
	for _, t := range yt {
		y := py(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e0e6f1"/>`, left, y, left+pw, y)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#555">%s</text>`, left-6, y+4, label(t))
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#6e7079"/>`, left, top+ph, left+pw, top+ph)
	if c.YName != "" {
		fmt.Fprintf(&b, `<text transform="translate(14 %.1f) rotate(-90)" text-anchor="middle" fill="#333">%s</text>`, top+ph/2, esc(c.YName))
	}
	if c.XName != "" {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#333">%s</text>`, left+pw/2, h-8, esc(c.XName))
	}

	if c.kind() == KindBar {
		c.svgBars(&b, left, top, pw, ph, py)
	} else {
		c.svgLines(&b, left, top, pw, ph, py)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func (c *Chart) svgLines(b *strings.Builder, left, top, pw, ph float64, py func(float64) float64) {
	n := 0
	for _, s := range c.Series {
		n = max(n, len(s.Values))
	}
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for i := 0; i < n; i++ {
		x := c.xAt(i)
		xlo, xhi = math.Min(xlo, x), math.Max(xhi, x)
	}
	if n == 0 {
		xlo, xhi = 0, 1
	}
	xt := niceTicks(xlo, xhi, 6)
	xlo, xhi = xt[0], xt[len(xt)-1]
	if xhi == xlo {
		xlo, xhi = xlo-1, xhi+1
	}
	px := func(x float64) float64 { return left + (x-xlo)/(xhi-xlo)*pw }
	whole := c.wholeX() // whole-number x (steps): no tick between two, as in ECharts (minInterval 1)
	for _, t := range xt {
		if t < xlo || t > xhi || (whole && t != math.Trunc(t)) {
			continue
		}
		x := px(t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#6e7079"/>`, x, top+ph, x, top+ph+5)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#555">%s</text>`, x, top+ph+18, label(t))
	}
	for si, s := range c.Series {
		col := palette[si%len(palette)]
		var pts [][2]float64
		flush := func() {
			switch {
			case len(pts) == 1:
				// A lone point between gaps would vanish as a line.
				fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`, pts[0][0], pts[0][1], col)
			case len(pts) > 1:
				fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round" points="`, col)
				for k, p := range pts {
					if k > 0 {
						b.WriteByte(' ')
					}
					fmt.Fprintf(b, "%.1f,%.1f", p[0], p[1])
				}
				b.WriteString(`"/>`)
			}
			pts = pts[:0]
		}
		for _, i := range thin(len(s.Values)) {
			v := s.Values[i]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				flush()
				continue
			}
			pts = append(pts, [2]float64{px(c.xAt(i)), py(v)})
		}
		flush()
	}
}

func (c *Chart) svgBars(b *strings.Builder, left, top, pw, ph float64, py func(float64) float64) {
	n := len(c.Categories)
	for _, s := range c.Series {
		n = max(n, len(s.Values))
	}
	if n == 0 {
		return
	}
	group := pw / float64(n)
	k := max(1, len(c.Series))
	bw := group * 0.7 / float64(k)
	zero := py(0)
	for i := 0; i < n; i++ {
		gx := left + float64(i)*group
		name := strconv.Itoa(i)
		if i < len(c.Categories) {
			name = c.Categories[i]
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#555">%s</text>`, gx+group/2, top+ph+18, esc(name))
		for si, s := range c.Series {
			if i >= len(s.Values) || math.IsNaN(s.Values[i]) || math.IsInf(s.Values[i], 0) {
				continue
			}
			y := py(s.Values[i])
			y0, y1 := math.Min(y, zero), math.Max(y, zero)
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
				gx+group*0.15+float64(si)*bw, y0, bw, math.Max(y1-y0, 0.5), palette[si%len(palette)], esc(s.Name), esc(name), label(s.Values[i]))
		}
	}
}

// legendRow is the height of one row of the legend, in pixels.
const legendRow = 20.0

// legendItem places one series' legend entry: its left edge and its row.
type legendItem struct {
	x   float64
	row int
}

// legendWidth is the width of a legend entry: swatch, gap and name (7
// pixels a character of the 12-pixel font, generously).
func legendWidth(name string) float64 { return 30 + 7*float64(len([]rune(name))) }

// legendLayout places the legend entries (none for a single series) left to
// right, starting a new row where an entry would pass the right edge of a
// chart w pixels wide, as ECharts wraps its own legend.
func (c *Chart) legendLayout(w float64) []legendItem {
	if len(c.Series) < 2 {
		return nil
	}
	items := make([]legendItem, len(c.Series))
	x, row := 10.0, 0
	for i, s := range c.Series {
		if x > 10 && x+legendWidth(s.Name)-12 > w-10 {
			x, row = 10, row+1
		}
		items[i] = legendItem{x: x, row: row}
		x += legendWidth(s.Name)
	}
	return items
}

// svgWidth is the static SVG's width in pixels (Width, default 640).
func (c *Chart) svgWidth() int {
	if c.Width <= 0 {
		return 640
	}
	return c.Width
}
