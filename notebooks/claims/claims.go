package claims

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Dir is the folder of the notebooks, relative to this package.
var Dir = filepath.Join("..")

// Notebook is one saved notebook (nbformat 4), as the checks read it.
type Notebook struct {
	Name  string
	Cells []Cell
}

// Cell is one cell with its source and saved outputs.
type Cell struct {
	ID       string
	Kind     string // "markdown" or "code"
	Source   string
	Tags     []string
	Outputs  []Output
	Executed bool
}

// Output is one saved output: its type and its data by MIME type (a stream's
// text under "text/plain").
type Output struct {
	Type string
	Data map[string]json.RawMessage
}

// Claim is one statement of a notebook's prose, checked against the saved
// output of the code cell that backs it.
type Claim struct {
	// Prose is a phrase of a Markdown cell (or of a code cell's generated
	// Markdown output) that states the claim; the claim fails when no cell
	// says it any more.
	Prose string
	// Cell is a phrase of the source of the code cell whose output backs
	// the claim (the first code cell that contains it).
	Cell string
	// Output is a regular expression matched against the cell's text
	// output (streams, text/plain and text/markdown, in order); each of its
	// groups must be a number, and Check receives them. Empty: no text
	// check.
	Output string
	// Check returns an error when the numbers contradict the prose.
	Check func(v []float64) error
	// Chart, when set, is a phrase of the title of an ECharts output of
	// the cell, and Series the names its legend must show.
	Chart  string
	Series []string
}

// Load reads notebooks/NAME.ipynb; a missing or malformed file fails t.
func Load(t testing.TB, name string) *Notebook {
	t.Helper()
	nb, err := Read(filepath.Join(Dir, name+".ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

// Read parses one .ipynb file.
func Read(path string) (*Notebook, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Cells []struct {
			ID             string          `json:"id"`
			CellType       string          `json:"cell_type"`
			Source         json.RawMessage `json:"source"`
			ExecutionCount *int            `json:"execution_count"`
			Metadata       struct {
				Tags []string `json:"tags"`
			} `json:"metadata"`
			Outputs []struct {
				OutputType string                     `json:"output_type"`
				Text       json.RawMessage            `json:"text"`
				Data       map[string]json.RawMessage `json:"data"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	nb := &Notebook{Name: strings.TrimSuffix(filepath.Base(path), ".ipynb")}
	for _, c := range raw.Cells {
		src, err := multiline(c.Source)
		if err != nil {
			return nil, fmt.Errorf("%s: cell %s: source: %w", path, c.ID, err)
		}
		cell := Cell{ID: c.ID, Kind: c.CellType, Source: src, Tags: c.Metadata.Tags, Executed: c.ExecutionCount != nil}
		for _, o := range c.Outputs {
			out := Output{Type: o.OutputType, Data: o.Data}
			if o.OutputType == "stream" {
				out.Data = map[string]json.RawMessage{"text/plain": o.Text}
			}
			cell.Outputs = append(cell.Outputs, out)
		}
		nb.Cells = append(nb.Cells, cell)
	}
	return nb, nil
}

// multiline decodes nbformat's string-or-list-of-lines form.
func multiline(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err != nil {
		return "", err
	}
	return strings.Join(lines, ""), nil
}

// Text is the output's readable text: text/markdown when it has one, else
// text/plain ("" for neither).
func (o Output) Text() string {
	for _, m := range []string{"text/markdown", "text/plain"} {
		if raw, ok := o.Data[m]; ok {
			s, err := multiline(raw)
			if err == nil {
				return s
			}
		}
	}
	return ""
}

// Text is the cell's text output, its outputs joined by newlines.
func (c Cell) Text() string {
	var parts []string
	for _, o := range c.Outputs {
		if s := o.Text(); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n")
}

// Code returns the first code cell whose source contains phrase.
func (nb *Notebook) Code(phrase string) (Cell, error) {
	for _, c := range nb.Cells {
		if c.Kind == "code" && strings.Contains(c.Source, phrase) {
			return c, nil
		}
	}
	return Cell{}, fmt.Errorf("%s: no code cell contains %q", nb.Name, phrase)
}

// Says reports whether a Markdown cell, or the Markdown a code cell
// printed, contains phrase.
func (nb *Notebook) Says(phrase string) bool {
	for _, c := range nb.Cells {
		if c.Kind == "markdown" && strings.Contains(c.Source, phrase) {
			return true
		}
		for _, o := range c.Outputs {
			if _, ok := o.Data["text/markdown"]; ok && strings.Contains(o.Text(), phrase) {
				return true
			}
		}
	}
	return false
}

// Num is a regular expression group for one printed number.
const Num = `([-+]?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)`

// Numbers matches expr against text and parses its groups as numbers (a
// trailing % is dropped).
func Numbers(expr, text string) ([]float64, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatch(text)
	if m == nil {
		return nil, fmt.Errorf("no match for %q in the output:\n%s", expr, text)
	}
	var v []float64
	for _, g := range m[1:] {
		f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(g, "+"), "%"), 64)
		if err != nil {
			return nil, fmt.Errorf("%q: group %q is not a number", expr, g)
		}
		v = append(v, f)
	}
	return v, nil
}

// Check runs each claim as a subtest named by its prose.
func (nb *Notebook) Check(t *testing.T, claims []Claim) {
	t.Helper()
	for _, c := range claims {
		t.Run(c.Prose, func(t *testing.T) {
			if err := nb.check(c); err != nil {
				t.Errorf("%s: %q: %v", nb.Name, c.Prose, err)
			}
		})
	}
}

func (nb *Notebook) check(c Claim) error {
	if !nb.Says(c.Prose) {
		return fmt.Errorf("the notebook no longer says this: update the claim with the prose")
	}
	cell, err := nb.Code(c.Cell)
	if err != nil {
		return err
	}
	if !cell.Executed {
		return fmt.Errorf("cell %s has not run", cell.ID)
	}
	if c.Output != "" {
		v, err := Numbers(c.Output, cell.Text())
		if err != nil {
			return fmt.Errorf("cell %s: %w", cell.ID, err)
		}
		if c.Check != nil {
			if err := c.Check(v); err != nil {
				return fmt.Errorf("cell %s: %v (numbers %v)", cell.ID, err, v)
			}
		}
	}
	if c.Chart != "" {
		if err := cell.chartHas(c.Chart, c.Series); err != nil {
			return fmt.Errorf("cell %s: %w", cell.ID, err)
		}
	}
	return nil
}

// chartOption is the part of a saved ECharts option that the checks read.
type chartOption struct {
	Title  json.RawMessage `json:"title"`
	Legend json.RawMessage `json:"legend"`
	Series []struct {
		Name string            `json:"name"`
		Data []json.RawMessage `json:"data"`
	} `json:"series"`
}

// chart returns the options of the cell's first ECharts output whose title
// contains phrase, and its title.
func (c Cell) chart(phrase string) (*chartOption, string, error) {
	var titles []string
	for _, o := range c.Outputs {
		raw, ok := o.Data["application/vnd.rlvrworld.echarts+json"]
		if !ok {
			continue
		}
		var opt chartOption
		if err := json.Unmarshal(raw, &opt); err != nil {
			return nil, "", fmt.Errorf("chart options: %w", err)
		}
		title := firstField(opt.Title, "text")
		if strings.Contains(title, phrase) {
			return &opt, title, nil
		}
		titles = append(titles, title)
	}
	return nil, "", fmt.Errorf("no chart titled %q (charts: %q)", phrase, titles)
}

// chartHas checks that an ECharts output titled with phrase shows a legend
// with every one of names.
func (c Cell) chartHas(phrase string, names []string) error {
	opt, title, err := c.chart(phrase)
	if err != nil {
		return err
	}
	if len(names) > 1 && firstField(opt.Legend, "show") != "true" {
		return fmt.Errorf("chart %q shows no legend", title)
	}
	have := map[string]bool{}
	for _, s := range opt.Series {
		have[s.Name] = true
	}
	for _, n := range names {
		if !have[n] {
			return fmt.Errorf("chart %q has no series %q", title, n)
		}
	}
	return nil
}

// Series returns the values of the series name in the cell's chart whose
// title contains chart: a bar's values, a line's y values (null as NaN).
func (c Cell) Series(chart, name string) ([]float64, error) {
	opt, _, err := c.chart(chart)
	if err != nil {
		return nil, fmt.Errorf("cell %s: %w", c.ID, err)
	}
	for _, s := range opt.Series {
		if s.Name != name {
			continue
		}
		var v []float64
		for _, d := range s.Data {
			var point struct {
				Value json.RawMessage `json:"value"`
			}
			if json.Unmarshal(d, &point) == nil && point.Value != nil {
				d = point.Value
			}
			var xy []*float64
			var y *float64
			if json.Unmarshal(d, &xy) == nil && len(xy) == 2 {
				y = xy[1]
			} else if err := json.Unmarshal(d, &y); err != nil {
				return nil, fmt.Errorf("chart %q series %q: point %s: %w", chart, name, d, err)
			}
			if y == nil {
				v = append(v, math.NaN())
			} else {
				v = append(v, *y)
			}
		}
		return v, nil
	}
	return nil, fmt.Errorf("chart %q has no series %q", chart, name)
}

// firstField reads key of an ECharts component given as an object or as a
// list of objects (the first), as text.
func firstField(raw json.RawMessage, key string) string {
	var one map[string]any
	if json.Unmarshal(raw, &one) != nil {
		var list []map[string]any
		if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
			return ""
		}
		one = list[0]
	}
	if v, ok := one[key]; ok {
		return fmt.Sprint(v)
	}
	return ""
}

// Ending checks that the notebook ends with a takeaway and three "try this"
// prompts: a "## Takeaway" section and a "## Try this" section with three
// numbered items.
func (nb *Notebook) Ending(t *testing.T) {
	t.Helper()
	var md string
	for _, c := range nb.Cells {
		if c.Kind == "markdown" {
			md += c.Source + "\n"
		}
	}
	take, try := strings.LastIndex(md, "## Takeaway"), strings.LastIndex(md, "## Try this")
	if take < 0 || try < 0 || try < take {
		t.Fatalf("%s: want a \"## Takeaway\" section, then a \"## Try this\" section", nb.Name)
	}
	items := regexp.MustCompile(`(?m)^\d\. `).FindAllString(md[try:], -1)
	if len(items) != 3 {
		t.Errorf("%s: \"## Try this\" has %d numbered prompts, want 3", nb.Name, len(items))
	}
}

// That passes when ok holds for the numbers, and otherwise fails with want
// (what the prose needs of them).
func That(want string, ok func(v []float64) bool) func([]float64) error {
	return func(v []float64) error {
		if !ok(v) {
			return fmt.Errorf("%s", want)
		}
		return nil
	}
}

// Equal passes when the only number is want, to the printed precision.
func Equal(want float64) func([]float64) error {
	return func(v []float64) error {
		if len(v) != 1 || math.Abs(v[0]-want) > 1e-9 {
			return fmt.Errorf("want %g", want)
		}
		return nil
	}
}

// Below passes when every number is below limit.
func Below(limit float64) func([]float64) error {
	return func(v []float64) error {
		for _, x := range v {
			if !(x < limit) {
				return fmt.Errorf("want every number below %g", limit)
			}
		}
		return nil
	}
}

// Within passes when every number lies in [lo, hi].
func Within(lo, hi float64) func([]float64) error {
	return func(v []float64) error {
		for _, x := range v {
			if x < lo || x > hi {
				return fmt.Errorf("want every number in [%g, %g]", lo, hi)
			}
		}
		return nil
	}
}
