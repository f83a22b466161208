package plot

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/display"
)

// wellFormed fails the test when s is not well-formed XML.
func wellFormed(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, s)
		}
	}
}

func TestLineOption(t *testing.T) {
	c := Line("reward <curve>", []float64{0, 10, 20}, NewSeries("MLE", 0.1, 0.2, math.NaN()), NewSeries("RLVR", 0.1, 0.4, 0.6)).Labels("step", "reward")
	o := c.Option()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	for _, want := range []string{`"type":"line"`, `"name":"RLVR"`, `[20,0.6]`, `[20,null]`, `"text":"reward \u003ccurve\u003e"`} {
		if !strings.Contains(js, want) {
			t.Errorf("option lacks %s: %s", want, js)
		}
	}
	series := o["series"].([]any)
	if len(series) != 2 {
		t.Fatalf("%d series", len(series))
	}
	xa := o["xAxis"].([]any)[0].(map[string]any)
	if xa["type"] != "value" || xa["name"] != "step" {
		t.Errorf("xAxis = %v", xa)
	}
}

func TestBarOption(t *testing.T) {
	c := Bar("accuracy", []string{"unchanged", "changed"}, NewSeries("MLE", 38.9, 24.2), NewSeries("RLVR", 83.7, 33.8))
	o := c.Option()
	xa := o["xAxis"].([]any)[0].(map[string]any)
	if cats := xa["data"].([]any); len(cats) != 2 || cats[1] != "changed" {
		t.Errorf("categories = %v", xa["data"])
	}
	s := o["series"].([]any)[1].(map[string]any)
	if s["type"] != "bar" || s["name"] != "RLVR" {
		t.Errorf("series = %v", s)
	}
	svg := c.SVG()
	wellFormed(t, svg)
	if n := strings.Count(svg, "<rect x="); n != 4+2 { // 4 bars + 2 legend swatches
		t.Errorf("%d rects in SVG, want 6", n)
	}
}

func TestRenderBundle(t *testing.T) {
	out := Line("r", nil, NewSeries("a", 1, 2, 3)).Render()
	for _, m := range []string{display.MIMEECharts, display.MIMESVG, display.MIMEHTML, display.MIMEText} {
		if out.Data[m] == nil {
			t.Errorf("no %s", m)
		}
	}
	if _, err := json.Marshal(out.Data); err != nil {
		t.Fatal(err)
	}
	svg := out.Data[display.MIMESVG].(string)
	wellFormed(t, svg)
	if !strings.Contains(svg, "<polyline") {
		t.Error("line SVG has no polyline")
	}
	htm := out.Data[display.MIMEHTML].(string)
	const pre = `src="data:image/svg+xml;base64,`
	i := strings.Index(htm, pre)
	if i < 0 {
		t.Fatalf("html fallback is not an SVG image: %s", htm)
	}
	raw, err := base64.StdEncoding.DecodeString(htm[i+len(pre) : strings.LastIndex(htm, `"`)])
	if err != nil || string(raw) != svg {
		t.Errorf("html fallback does not hold the SVG (%v)", err)
	}
	if txt := out.Data[display.MIMEText].(string); !strings.Contains(txt, "a: 3 points, last 3") {
		t.Errorf("text = %q", txt)
	}
}

func TestSVGEdgeCases(t *testing.T) {
	for name, c := range map[string]*Chart{
		"empty":     {},
		"flat":      Line("flat", nil, NewSeries("a", 2, 2, 2)),
		"all nan":   Line("nan", nil, NewSeries("a", math.NaN(), math.Inf(1))),
		"one point": Line("one", []float64{5}, NewSeries("a", 1)),
		"gap":       Line("gap", nil, NewSeries("a", 1, math.NaN(), 3, 4)),
		"neg bars":  Bar("neg", []string{"x"}, NewSeries("a", -2)),
	} {
		svg := c.SVG()
		wellFormed(t, svg)
		if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
			t.Errorf("%s: SVG has NaN/Inf coordinates", name)
		}
		if _, err := json.Marshal(c.Render().Data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestThin(t *testing.T) {
	n := 10*MaxPoints + 7
	idx := thin(n)
	if len(idx) != MaxPoints || idx[0] != 0 || idx[len(idx)-1] != n-1 {
		t.Fatalf("thin(%d): %d points, first %d last %d", n, len(idx), idx[0], idx[len(idx)-1])
	}
	vals := make([]float64, n)
	o := Line("long", nil, NewSeries("a", vals...)).Option()
	if got := len(o["series"].([]any)[0].(map[string]any)["data"].([]any)); got != MaxPoints {
		t.Errorf("drawn points = %d", got)
	}
}

func TestNiceTicks(t *testing.T) {
	ticks := niceTicks(0, 1, 5)
	if len(ticks) < 4 || ticks[0] != 0 || ticks[len(ticks)-1] != 1 {
		t.Errorf("ticks(0,1) = %v", ticks)
	}
	for _, r := range [][2]float64{{0.2, 0.594}, {0, 490}, {-3.2, 7.9}, {1e-4, 3e-4}, {5, 5}} {
		tk := niceTicks(r[0], r[1], 5)
		if tk[0] > r[0] || tk[len(tk)-1] < r[1] || len(tk) > 12 {
			t.Errorf("ticks(%v) = %v do not cover the range", r, tk)
		}
	}
	for _, v := range niceTicks(0.1, 0.7, 5) {
		if l := label(v); len(l) > 6 {
			t.Errorf("ugly label %q", l)
		}
	}
}

// recSink records displays, as the kernel's sink would send them.
type recSink struct {
	mu      sync.Mutex
	shows   int
	updates []display.Output
	ids     map[string]bool
}

func (s *recSink) Display(out display.Output, id string, update bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = map[string]bool{}
	}
	s.ids[id] = true
	if update {
		s.updates = append(s.updates, out)
	} else {
		s.shows++
	}
}
func (s *recSink) Clear(bool) {}

func (s *recSink) count() (int, int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shows, len(s.updates), len(s.ids)
}

func TestLiveThrottlesAndFlushes(t *testing.T) {
	sink := &recSink{}
	prev := display.SetSink(sink)
	defer display.SetSink(prev)

	l := NewLive("reward", "mean", "best")
	for i := 0; i < 200; i++ {
		l.Add(float64(i), float64(i)/200, 1)
	}
	shows, updates, ids := sink.count()
	if shows != 1 || ids != 1 {
		t.Fatalf("shows=%d ids=%d, want one display", shows, ids)
	}
	if updates > 2 {
		t.Errorf("%d updates for 200 fast points: not throttled", updates)
	}
	l.Flush()
	_, updates, _ = sink.count()
	last := sink.updates[updates-1]
	if !strings.Contains(last.Data[display.MIMEText].(string), "mean: 200 points") {
		t.Errorf("after Flush the chart is %q", last.Data[display.MIMEText])
	}
	// A point added after a pause is sent by the timer without Flush.
	time.Sleep(LiveInterval + 50*time.Millisecond)
	l.Add(200, 1)
	time.Sleep(10 * time.Millisecond)
	l.Add(201, 1)
	deadline := time.Now().Add(2 * time.Second)
	for {
		sink.mu.Lock()
		txt := sink.updates[len(sink.updates)-1].Data[display.MIMEText].(string)
		sink.mu.Unlock()
		if strings.Contains(txt, "mean: 202 points") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the timer did not send the last point: %q", txt)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if l.Len() != 202 {
		t.Errorf("Len = %d", l.Len())
	}
	// The second series got NaN (a gap) for the points without it.
	c := l.Chart()
	if !math.IsNaN(c.Series[1].Values[201]) {
		t.Error("a missing value is not a gap")
	}
}

func ExampleLine() {
	steps := []float64{0, 100, 200}
	c := Line("reward", steps, NewSeries("MLE", 0.20, 0.25, 0.27), NewSeries("RLVR", 0.20, 0.41, 0.55)).Labels("step", "reward")
	display.Show(c) // outside a kernel this prints the text form
	// Output: line chart "reward"; MLE: 3 points, last 0.27; RLVR: 3 points, last 0.55
}

// Steps are whole numbers: a short run's axis must not be labelled 1.2, 1.4.
func TestLineStepsGetWholeTicks(t *testing.T) {
	xAxis := func(c *Chart) map[string]any {
		return c.Option()["xAxis"].([]any)[0].(map[string]any)
	}
	if got := xAxis(Line("r", []float64{0, 1, 2}, NewSeries("a", 1, 2, 3)))["minInterval"]; got != float64(1) {
		t.Errorf("whole steps: minInterval %v, want 1", got)
	}
	if got := xAxis(Line("r", nil, NewSeries("a", 1, 2, 3)))["minInterval"]; got != float64(1) {
		t.Errorf("implicit steps 0,1,2: minInterval %v, want 1", got)
	}
	if got, ok := xAxis(Line("r", []float64{0, 0.5, 1}, NewSeries("a", 1, 2, 3)))["minInterval"]; ok {
		t.Errorf("fractional x: minInterval %v, want none", got)
	}
}

// A bar chart names every category (ECharts drops overlapping labels by
// default), turned when they are long.
func TestBarShowsEveryCategory(t *testing.T) {
	label := func(c *Chart) map[string]any {
		return c.Option()["xAxis"].([]any)[0].(map[string]any)["axisLabel"].(map[string]any)
	}
	short := label(Bar("b", []string{"a", "b"}, NewSeries("s", 1, 2)))
	if short["interval"] != float64(0) || short["rotate"] != nil {
		t.Errorf("short labels: %v, want interval 0 and no rotation", short)
	}
	cats := []string{"textgame acc_overall", "web f1", "video ssim", "video-multi ssim", "web-agent success_rate", "policy-eval mean_abs_err"}
	long := label(Bar("b", cats, NewSeries("s", 1, 2, 3, 4, 5, 6)))
	if long["interval"] != float64(0) || long["rotate"] == nil {
		t.Errorf("long labels: %v, want interval 0 and a rotation", long)
	}
}

// TestLegendWraps checks that a legend too wide for the chart continues on a
// second row inside the picture, and that the plot area moves down for it.
func TestLegendWraps(t *testing.T) {
	names := []string{"token 0 (reward 0)", "token 1 (reward 0)", "token 2 (reward 1)", "token 3 (reward 0.5)", "group mean reward"}
	var series []Series
	for _, n := range names {
		series = append(series, NewSeries(n, 0, 1))
	}
	c := Line("pi", nil, series...)
	items := c.legendLayout(640)
	last := items[len(items)-1]
	if last.row != 1 {
		t.Errorf("last legend entry at %+v, want row 1", last)
	}
	for i, it := range items {
		if end := it.x + legendWidth(names[i]) - 12; end > 630 {
			t.Errorf("entry %q ends at %.0f, past the chart's 640", names[i], end)
		}
	}
	svg := c.SVG()
	wellFormed(t, svg)
	if !strings.Contains(svg, fmt.Sprintf(`<text x="%.1f" y="63" fill="#333">group mean reward</text>`, last.x+18)) {
		t.Errorf("the fifth entry is not drawn on the second row:\n%s", svg[:800])
	}
	grid := c.Option()["grid"].([]any)[0].(map[string]any)
	if grid["top"] != "84" {
		t.Errorf("grid top = %v, want 84 (one more legend row)", grid["top"])
	}
	if two := Line("pi", nil, series[:2]...); two.Option()["grid"].([]any)[0].(map[string]any)["top"] != "64" {
		t.Error("a one-row legend moved the grid")
	}
}

// TestWholeXTicks checks that a line chart over whole-number x (seeds,
// steps) labels no tick between two whole numbers in its SVG.
func TestWholeXTicks(t *testing.T) {
	svg := Line("per seed", []float64{1, 2, 3}, NewSeries("seed 1", 0.67, 0.72, 0.665)).SVG()
	wellFormed(t, svg)
	for _, half := range []string{">1.5<", ">2.5<"} {
		if strings.Contains(svg, half) {
			t.Errorf("SVG labels a tick %s between whole x values", half)
		}
	}
	if !strings.Contains(svg, ">2<") {
		t.Error("SVG lost the whole tick 2")
	}
	if frac := Line("f", []float64{0, 0.5, 1}, NewSeries("a", 1, 2, 3)).SVG(); !strings.Contains(frac, ">0.2<") {
		t.Error("a fractional x axis lost its 0.2 tick")
	}
}
