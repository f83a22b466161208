// Package plot draws charts in notebooks: line charts (reward curves, several
// series against the training step), bar charts, and live charts that grow
// in place while a training loop runs.
//
// Charts are built with go-echarts, and render in the playground as
// interactive ECharts (display.MIMEECharts). Each also carries a static SVG
// drawn here in Go, so that the same notebook reads well in plain Jupyter and
// on GitHub, where no ECharts script runs.
//
//	plot.Line("reward", steps, plot.NewSeries("MLE", mle...), plot.NewSeries("RLVR", rl...))
//
//	live := plot.NewLive("reward", "mean", "best")
//	for step := 0; step < n; step++ { live.Add(float64(step), mean, best) }
//	live.Flush()
package plot

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/rlvrworld/rlvrworld/stdlib/display"
)

// Kind names a chart type.
const (
	KindLine = "line"
	KindBar  = "bar"
)

// MaxPoints is the most points per series a chart draws; longer series are
// thinned evenly (the last point always kept), so a live chart of a long run
// stays cheap to send and to draw. The data itself is kept whole.
const MaxPoints = 2000

// Series is one named series of values. In a line chart Values pair with the
// chart's X; in a bar chart with its categories.
type Series struct {
	Name   string
	Values []float64
}

// NewSeries returns a series; a shorthand for building charts in a cell.
func NewSeries(name string, values ...float64) Series {
	return Series{Name: name, Values: values}
}

// Chart is a line or bar chart. Its zero value is an empty line chart; the
// fields may be set directly or through Line, Bar and Labels.
type Chart struct {
	Kind  string
	Title string
	// XName and YName label the axes.
	XName, YName string
	// X holds the x values of a line chart (the steps). When nil, the
	// values are plotted against 0, 1, 2, ...
	X []float64
	// Categories label the bars of a bar chart.
	Categories []string
	Series     []Series
	// Width and Height size the static SVG, in pixels (default 640x360).
	Width, Height int
}

// Line returns a line chart of series against x (nil x: 0, 1, 2, ...).
func Line(title string, x []float64, series ...Series) *Chart {
	return &Chart{Kind: KindLine, Title: title, X: x, Series: series}
}

// Bar returns a bar chart with one group of bars per category and one bar
// per series in each group.
func Bar(title string, categories []string, series ...Series) *Chart {
	return &Chart{Kind: KindBar, Title: title, Categories: categories, Series: series}
}

// Labels sets the axis names and returns c, for chaining.
func (c *Chart) Labels(x, y string) *Chart {
	c.XName, c.YName = x, y
	return c
}

// xAt returns the x value of point i of a line chart.
func (c *Chart) xAt(i int) float64 {
	if i < len(c.X) {
		return c.X[i]
	}
	return float64(i)
}

// thin returns the indices of the points to draw out of n, at most
// MaxPoints, evenly spread and ending with n-1.
func thin(n int) []int {
	if n <= MaxPoints {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx := make([]int, 0, MaxPoints)
	for k := 0; k < MaxPoints; k++ {
		idx = append(idx, int(math.Round(float64(k)*float64(n-1)/float64(MaxPoints-1))))
	}
	return idx
}

// finite maps NaN and infinities to nil, which ECharts draws as a gap and
// which JSON can carry.
func finite(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// Option returns the ECharts option object of the chart, built by go-echarts.
// It is what the playground receives under display.MIMEECharts.
func (c *Chart) Option() map[string]any {
	// The grid starts below the legend, which wraps on a narrow chart (the
	// rows are estimated at the static SVG's width).
	gridTop := 64
	if l := c.legendLayout(float64(c.svgWidth())); len(l) > 0 {
		gridTop += int(legendRow) * l[len(l)-1].row
	}
	global := []charts.GlobalOpts{
		charts.WithTitleOpts(opts.Title{Title: c.Title}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(len(c.Series) > 1), Top: "28"}),
		charts.WithGridOpts(opts.Grid{Top: strconv.Itoa(gridTop), Left: "56", Right: "32", Bottom: "48", ContainLabel: opts.Bool(true)}),
	}
	var obj map[string]any
	switch c.Kind {
	case KindBar:
		bar := charts.NewBar()
		bar.SetGlobalOptions(append(global,
			charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: c.XName, NameLocation: "middle", NameGap: 28}),
			charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: c.YName}))...)
		bar.SetXAxis(c.Categories)
		for _, s := range c.Series {
			data := make([]opts.BarData, len(s.Values))
			for i, v := range s.Values {
				data[i] = opts.BarData{Value: finite(v)}
			}
			bar.AddSeries(s.Name, data)
		}
		bar.Validate()
		obj = bar.JSON()
	default:
		line := charts.NewLine()
		line.SetGlobalOptions(append(global,
			charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: c.XName, NameLocation: "middle", NameGap: 28, Scale: opts.Bool(true)}),
			charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: c.YName, Scale: opts.Bool(true)}))...)
		for _, s := range c.Series {
			idx := thin(len(s.Values))
			data := make([]opts.LineData, len(idx))
			for k, i := range idx {
				data[k] = opts.LineData{Value: []any{c.xAt(i), finite(s.Values[i])}}
			}
			line.AddSeries(s.Name, data, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(len(idx) <= 60)}))
		}
		line.Validate()
		obj = line.JSON()
	}
	// go-echarts fills typed structs; a JSON round trip gives the plain
	// maps and slices that the display bundle and the kernel's encoder
	// expect (and drops go-echarts' empty template-only fields).
	b, err := json.Marshal(obj)
	if err != nil {
		return map[string]any{"title": map[string]any{"text": fmt.Sprintf("%s (chart error: %v)", c.Title, err)}}
	}
	var plain map[string]any
	if err := json.Unmarshal(b, &plain); err != nil {
		return map[string]any{"title": map[string]any{"text": fmt.Sprintf("%s (chart error: %v)", c.Title, err)}}
	}
	c.axisHints(plain)
	return plain
}

// axisHints sets what go-echarts has no field for: a line chart whose x
// values are all whole numbers (steps) gets whole-number ticks only (ECharts
// would otherwise label 1.2, 1.4 on a short run), and a bar chart shows
// every category's label, turned when they would not fit side by side
// (ECharts otherwise drops labels that overlap).
func (c *Chart) axisHints(option map[string]any) {
	axes, _ := option["xAxis"].([]any)
	if len(axes) == 0 {
		return
	}
	x, _ := axes[0].(map[string]any)
	if x == nil {
		return
	}
	if c.Kind == KindBar {
		label := map[string]any{"interval": 0.0, "hideOverlap": false}
		chars := 0
		for _, cat := range c.Categories {
			chars += len(cat) + 2
		}
		if chars > 60 {
			label["rotate"] = 20.0
		}
		x["axisLabel"] = label
		return
	}
	if c.wholeX() {
		x["minInterval"] = 1.0
	}
}

// wholeX reports whether every x value is a whole number (steps, seeds).
func (c *Chart) wholeX() bool {
	for i := range c.longest() {
		if v := c.xAt(i); v != math.Trunc(v) {
			return false
		}
	}
	return true
}

// longest returns the number of points in the longest series.
func (c *Chart) longest() int {
	n := 0
	for _, s := range c.Series {
		if len(s.Values) > n {
			n = len(s.Values)
		}
	}
	return n
}

// Render gives the chart as ECharts JSON with static fallbacks and a text
// summary; a cell whose last value is a *Chart shows it. The SVG comes twice:
// as image/svg+xml, and as an <img> in text/html, because nbconvert's HTML
// export sanitizes inline SVG down to its text while it keeps images.
func (c *Chart) Render() display.Output {
	svg := c.SVG()
	img := fmt.Sprintf(`<img alt="%s" src="data:image/svg+xml;base64,%s">`,
		html.EscapeString(c.String()), base64.StdEncoding.EncodeToString([]byte(svg)))
	return display.Output{Data: map[string]any{
		display.MIMEECharts: c.Option(),
		display.MIMESVG:     svg,
		display.MIMEHTML:    img,
		display.MIMEText:    c.String(),
	}}
}

// String summarizes the chart in text: its title and each series' last value.
func (c *Chart) String() string {
	s := fmt.Sprintf("%s chart %q", c.kind(), c.Title)
	for _, se := range c.Series {
		if n := len(se.Values); n > 0 {
			s += fmt.Sprintf("; %s: %d points, last %.4g", se.Name, n, se.Values[n-1])
		} else {
			s += fmt.Sprintf("; %s: empty", se.Name)
		}
	}
	return s
}

func (c *Chart) kind() string {
	if c.Kind == KindBar {
		return KindBar
	}
	return KindLine
}

// Show publishes the chart as a new display.
func (c *Chart) Show() { display.Publish(c.Render()) }

var nan = math.NaN()
