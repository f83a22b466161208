package exp

import (
	"cmp"
	"fmt"
	"html"
	"math"
	"slices"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/display"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
)

// Summary is the tables of several results: one per setting (task, budget
// and every variant that changes what was run), each the mean ± sample std
// over its seeds. It renders in a cell and as Markdown (docs/results.md).
type Summary struct {
	Tables []Table
}

// Table is one setting's table.
type Table struct {
	// Title names the setting and its seeds.
	Title string
	// Columns are the metric columns; Higher[i] says whether a higher value
	// of Columns[i] is better (false also where the registry does not say).
	Columns []string
	Higher  []bool
	Rows    []TableRow
	// PairedSeeds is how many seeds the paired row pairs (0: no paired
	// row); the table then ends with the paired difference's t statistic.
	PairedSeeds int
}

// tStats are the t statistics of a paired row, per column: mean / (std /
// sqrt(n)), n-1 degrees of freedom; "-" without spread.
func tStats(cols []string, row TableRow) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = "-"
		if t := PairedTTest(row.Values[c]).T; !math.IsNaN(t) {
			out[i] = fmt.Sprintf("%+.2f", t)
		}
	}
	return out
}

// TableRow is one method's line (or the paired difference's).
type TableRow struct {
	// Label is the method, or "rlvr − mle_continued, paired by seed".
	Label string
	// Steps and WallS are means over seeds (NaN on the paired row).
	Steps, WallS float64
	// Values holds, per column, the per-seed values (empty: none).
	Values map[string][]float64
	// Paired marks the RLVR − MLE continued row (signed cells).
	Paired bool
}

// Cell returns the mean and sample std of a column (NaN when empty).
func (r TableRow) Cell(col string) (mean, std float64) { return meanStd(r.Values[col]) }

// setting is what tells result files apart: only seeds of one setting are
// averaged (task, budget and RL variant: reward, prompt mix, sampling,
// length, data size, start model).
type setting struct {
	task, budget, reward, split, decoding string
	worldModel                            string
	kv                                    string // "" for the default float32 rollout cache
	rlChanged                             float64
	lr, temperature                       float32
	group, prompts, dynamic               int
	trainN, rlSteps                       int // 0: the budget's data; the RLVR row's steps
	// continuedLR tells start models apart: one pretrained with a decaying
	// LR continues at its own final LR.
	continuedLR float64
	schedule    string // MLE continued's schedule (Config.MLESchedule)
	// start is the start checkpoint's hash, where the files record it.
	start string
}

func settingOf(r *Result) setting {
	k := setting{task: r.Task, budget: r.Budget, reward: r.Reward, rlChanged: r.RLChanged, split: r.EvalSplit, decoding: r.EvalDecoding,
		worldModel: r.WorldModel, trainN: r.TrainN, continuedLR: r.MLEContinuedLR, start: r.StartSHA256, schedule: r.MLESchedule}
	if r.MotionWeight > 0 {
		k.reward += fmt.Sprintf(" (weight %g)", r.MotionWeight)
	}
	if row := r.Row("rlvr"); row != nil {
		k.rlSteps = row.Steps
	}
	if g := r.GRPO; g != nil {
		k.group, k.prompts, k.lr = g.GroupSize, g.PromptsPerStep, g.LR
		k.temperature, k.dynamic = g.Temperature, g.DynamicSampling
		if g.KV != nn.KVFloat32 {
			k.kv = g.KV.String()
		}
	}
	return k
}

func (a setting) compare(b setting) int {
	return cmp.Or(cmp.Compare(a.task, b.task), cmp.Compare(a.budget, b.budget), cmp.Compare(a.split, b.split),
		cmp.Compare(a.decoding, b.decoding), cmp.Compare(a.reward, b.reward), cmp.Compare(a.rlChanged, b.rlChanged),
		cmp.Compare(a.kv, b.kv), cmp.Compare(a.group, b.group), cmp.Compare(a.prompts, b.prompts), cmp.Compare(a.lr, b.lr),
		cmp.Compare(a.trainN, b.trainN), cmp.Compare(a.rlSteps, b.rlSteps), cmp.Compare(a.dynamic, b.dynamic),
		cmp.Compare(a.temperature, b.temperature), cmp.Compare(a.worldModel, b.worldModel), cmp.Compare(a.continuedLR, b.continuedLR),
		cmp.Compare(a.start, b.start), cmp.Compare(a.schedule, b.schedule))
}

// variant describes a setting beyond its task and budget.
func (k setting) variant() string {
	var parts []string
	add := func(ok bool, format string, a ...any) {
		if ok {
			parts = append(parts, fmt.Sprintf(format, a...))
		}
	}
	add(k.split != "", "evaluated on %s", k.split)
	add(k.decoding != "", "%s evaluation", k.decoding)
	add(k.worldModel != "", "world model %s", k.worldModel)
	add(k.reward != "", "RL reward %s", k.reward)
	add(k.group > 0, "G=%d, %d prompts/step, LR %g", k.group, k.prompts, k.lr)
	add(k.rlChanged > 0, "RL prompts %.0f%% changed", 100*k.rlChanged)
	add(k.kv != "", "%s rollout KV cache", k.kv)
	add(k.temperature > 0 && k.temperature != 1, "rollout temperature %g", k.temperature)
	add(k.dynamic > 0, "dynamic sampling (up to %d extra draws)", k.dynamic)
	add(k.trainN > 0, "%d training transitions", k.trainN)
	add(k.continuedLR > 0, "start model's MLE continued at LR %.3g", k.continuedLR)
	add(k.schedule != "", "MLE continued at LR %s", k.schedule)
	add(k.start != "", "start checkpoint sha256 %.12s", k.start)
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

// Summarize groups results by setting and tabulates each group: per method
// the mean ± sample std over seeds, and, with two or more seeds, RLVR minus
// MLE continued paired by seed.
func Summarize(results ...*Result) Summary {
	groups := map[setting][]*Result{}
	var order []setting
	for _, r := range results {
		k := settingOf(r)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	slices.SortFunc(order, setting.compare)
	var s Summary
	for _, k := range order {
		s.Tables = append(s.Tables, table(k, groups[k]))
	}
	return s
}

// table is one setting's table.
func table(k setting, rs []*Result) Table {
	seeds := make([]string, len(rs))
	for i, r := range rs {
		seeds[i] = fmt.Sprint(r.Seed)
	}
	t := Table{Title: fmt.Sprintf("%s, budget %s%s, seeds %s (mean ± std)", k.task, k.budget, k.variant(), strings.Join(seeds, ", "))}
	t.Columns, t.Higher = summaryColumns(k.task, rs[0])
	for _, method := range tableMethods {
		row := TableRow{Label: method, Values: map[string][]float64{}}
		var steps, wall []float64
		for _, r := range rs {
			mr := r.Row(method)
			if mr == nil {
				continue
			}
			steps, wall = append(steps, float64(mr.Steps)), append(wall, mr.WallS)
			for _, c := range t.Columns {
				if v, ok := mr.Metrics[c]; ok {
					row.Values[c] = append(row.Values[c], v)
				}
			}
		}
		if len(steps) == 0 {
			continue
		}
		row.Steps, _ = meanStd(steps)
		row.WallS, _ = meanStd(wall)
		t.Rows = append(t.Rows, row)
	}
	if d, paired := pairedDiff(rs, t.Columns); paired >= 2 {
		t.Rows = append(t.Rows, TableRow{Label: "rlvr − mle_continued, paired by seed", Steps: math.NaN(), WallS: math.NaN(), Values: d, Paired: true})
		t.PairedSeeds = paired
	}
	return t
}

// summaryColumns are the task's metrics, then, where the results have
// them, the mean reward, each metric on the rows whose pattern is rare in
// training and on the rest (RareBelow), and the task's diagnostics.
func summaryColumns(task string, first *Result) ([]string, []bool) {
	spec, err := tasks.Lookup(task)
	var cols []string
	var higher []bool
	for _, m := range spec.Metrics {
		cols, higher = append(cols, m.Key), append(higher, m.Higher)
	}
	_ = err // an unknown task has no listed metrics; its reward still shows
	extra := []string{"reward"}
	for _, m := range spec.Metrics {
		extra = append(extra, m.Key+rareSuffix, m.Key+commonSuffix)
	}
	for _, c := range append(extra, spec.Diagnostics...) {
		if _, ok := first.Rows[0].Metrics[c]; ok {
			cols, higher = append(cols, c), append(higher, c == "reward" || higherOf(spec, c))
		}
	}
	return cols, higher
}

// higherOf says whether a higher value of a metric's rare or common column
// is better: as for the metric itself.
func higherOf(spec tasks.Spec, col string) bool {
	for _, m := range spec.Metrics {
		if col == m.Key+rareSuffix || col == m.Key+commonSuffix {
			return m.Higher
		}
	}
	return false
}

// pairedDiff is RLVR minus MLE continued per seed and column. All seeds
// evaluate on the same rows (the data seed is fixed), so a per-seed
// difference compares the two methods on equal terms; its mean ± std says
// whether RLVR's lead is larger than the seed-to-seed noise of that lead.
func pairedDiff(rs []*Result, cols []string) (map[string][]float64, int) {
	diffs := map[string][]float64{}
	paired := 0
	for _, r := range rs {
		a, b := r.Row("rlvr"), r.Row("mle_continued")
		if a == nil || b == nil {
			continue
		}
		paired++
		for _, c := range cols {
			va, okA := a.Metrics[c]
			vb, okB := b.Metrics[c]
			if okA && okB {
				diffs[c] = append(diffs[c], va-vb)
			}
		}
	}
	return diffs, paired
}

// Markdown renders the tables as docs/results.md shows them.
func (s Summary) Markdown() string {
	var sb strings.Builder
	for _, t := range s.Tables {
		fmt.Fprintf(&sb, "### %s\n\n", t.Title)
		sb.WriteString("| method | steps | wall s | " + strings.Join(t.Columns, " | ") + " |\n")
		sb.WriteString("|---|---|---|" + strings.Repeat("---|", len(t.Columns)) + "\n")
		for _, row := range t.Rows {
			prefix := fmt.Sprintf("| %s | %.0f | %.0f |", row.Label, row.Steps, row.WallS)
			if row.Paired {
				prefix = "| " + row.Label + " | | |"
			}
			sb.WriteString(prefix + cells(t.Columns, row) + "\n")
			if row.Paired {
				fmt.Fprintf(&sb, "| t of the paired difference (%d seeds) | | | %s |\n", t.PairedSeeds, strings.Join(tStats(t.Columns, row), " | "))
			}
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

// cells ends a table line: per column the mean ± sample std of the row's
// values, "-" where there are none, one value as is; a paired row prints
// the sign of positive means.
func cells(cols []string, row TableRow) string {
	sign := ""
	if row.Paired {
		sign = "+"
	}
	var sb strings.Builder
	for _, c := range cols {
		m, s := row.Cell(c)
		switch len(row.Values[c]) {
		case 0:
			sb.WriteString(" - |")
		case 1:
			fmt.Fprintf(&sb, " %"+sign+".4g |", m)
		default:
			fmt.Fprintf(&sb, " %"+sign+".4g ± %.2g |", m, s)
		}
	}
	return sb.String()
}

// Render shows the tables in a cell: HTML, with each column's better
// direction in its header, and the Markdown as the text fallback.
func (s Summary) Render() display.Output {
	var sb strings.Builder
	for _, t := range s.Tables {
		fmt.Fprintf(&sb, "<h4>%s</h4>\n<table>\n<tr><th>method</th><th>steps</th><th>wall s</th>", html.EscapeString(t.Title))
		for i, c := range t.Columns {
			arrow := "↓"
			if t.Higher[i] {
				arrow = "↑"
			}
			fmt.Fprintf(&sb, "<th>%s %s</th>", html.EscapeString(c), arrow)
		}
		sb.WriteString("</tr>\n")
		for _, row := range t.Rows {
			md := strings.Split(strings.Trim(cells(t.Columns, row), " |"), " | ")
			steps, wall := fmt.Sprintf("%.0f", row.Steps), fmt.Sprintf("%.0f", row.WallS)
			if row.Paired {
				steps, wall = "", ""
			}
			fmt.Fprintf(&sb, "<tr><td>%s</td><td>%s</td><td>%s</td>", html.EscapeString(row.Label), steps, wall)
			for _, c := range md {
				fmt.Fprintf(&sb, "<td>%s</td>", html.EscapeString(c))
			}
			sb.WriteString("</tr>\n")
			if row.Paired {
				fmt.Fprintf(&sb, "<tr><td>t of the paired difference (%d seeds)</td><td></td><td></td>", t.PairedSeeds)
				for _, c := range tStats(t.Columns, row) {
					fmt.Fprintf(&sb, "<td>%s</td>", c)
				}
				sb.WriteString("</tr>\n")
			}
		}
		sb.WriteString("</table>\n")
	}
	return display.Output{Data: map[string]any{display.MIMEHTML: sb.String(), display.MIMEText: s.Markdown()}}
}

// Render shows a result's table in a cell (Markdown, with itself as text).
func (r *Result) Render() display.Output {
	md := r.Markdown()
	return display.Output{Data: map[string]any{display.MIMEMarkdown: md, display.MIMEText: md}}
}

// meanStd returns the mean and the sample (n-1) standard deviation.
func meanStd(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	m := 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	if len(xs) < 2 {
		return m, 0
	}
	s := 0.0
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return m, math.Sqrt(s / float64(len(xs)-1))
}
