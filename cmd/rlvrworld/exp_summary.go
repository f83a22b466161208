package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// summarize reads result files of `rlvrworld exp --out` and renders, per
// task and budget, the mean ± sample std over seeds of every method's
// metrics: the table of docs/results.md.
func summarize(paths []string) (string, error) {
	// Runs group by task, budget and RL variant (reward, prompt mix,
	// sampling, length, data size): only seeds of one setting are averaged.
	type key struct {
		task, budget, reward, split, decoding string
		worldModel                            string
		kv                                    string // "" for the default float32 rollout cache
		rlChanged                             float64
		lr, temperature                       float32
		group, prompts, dynamic               int
		trainN, rlSteps                       int // 0: the budget's data; the RLVR row's steps
		// continuedLR tells start models apart: one pretrained with a
		// decaying LR continues at its own final LR.
		continuedLR float64
		schedule    string // MLE continued's --mle-schedule
		// start is the start checkpoint's hash, where the files record it.
		start string
	}
	groups := map[key][]*expResult{}
	var order []key
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		var r expResult
		if err := json.Unmarshal(data, &r); err != nil {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		if r.Task == "" || len(r.Rows) == 0 {
			// bench grpo's JSON sits beside the results, for one.
			return "", fmt.Errorf("%s: not a result of rlvrworld exp (no task or no rows)", p)
		}
		k := key{task: r.Task, budget: r.Budget, reward: r.Reward, rlChanged: r.RLChanged, split: r.EvalSplit, decoding: r.EvalDecoding,
			worldModel: r.WorldModel}
		if r.MotionWeight > 0 {
			k.reward += fmt.Sprintf(" (weight %g)", r.MotionWeight)
		}
		k.trainN, k.continuedLR, k.start, k.schedule = r.TrainN, r.MLEContinuedLR, r.StartSHA256, r.MLESchedule
		if row := r.row("rlvr"); row != nil {
			k.rlSteps = row.Steps
		}
		if r.GRPO != nil {
			k.group, k.prompts, k.lr = r.GRPO.GroupSize, r.GRPO.PromptsPerStep, r.GRPO.LR
			k.temperature, k.dynamic = r.GRPO.Temperature, r.GRPO.DynamicSampling
			if r.GRPO.KV != nn.KVFloat32 {
				k.kv = r.GRPO.KV.String()
			}
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], &r)
	}
	slices.SortFunc(order, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.task, b.task), cmp.Compare(a.budget, b.budget), cmp.Compare(a.split, b.split),
			cmp.Compare(a.decoding, b.decoding), cmp.Compare(a.reward, b.reward), cmp.Compare(a.rlChanged, b.rlChanged),
			cmp.Compare(a.kv, b.kv), cmp.Compare(a.group, b.group), cmp.Compare(a.prompts, b.prompts), cmp.Compare(a.lr, b.lr),
			cmp.Compare(a.trainN, b.trainN), cmp.Compare(a.rlSteps, b.rlSteps), cmp.Compare(a.dynamic, b.dynamic),
			cmp.Compare(a.temperature, b.temperature), cmp.Compare(a.worldModel, b.worldModel), cmp.Compare(a.continuedLR, b.continuedLR),
			cmp.Compare(a.start, b.start), cmp.Compare(a.schedule, b.schedule))
	})
	var sb strings.Builder
	for _, k := range order {
		rs := groups[k]
		seeds := make([]string, len(rs))
		for i, r := range rs {
			seeds[i] = fmt.Sprint(r.Seed)
		}
		cols := append([]string(nil), metricKeys[k.task]...)
		// The mean reward, and where the runs have them the task's error
		// shares (text game, since 2026-12-02), follow the columns.
		for _, c := range append([]string{"reward"}, diagnosticKeys[k.task]...) {
			if _, ok := rs[0].Rows[0].Metrics[c]; ok {
				cols = append(cols, c)
			}
		}
		variant := ""
		if k.split != "" {
			variant += ", evaluated on " + k.split
		}
		if k.decoding != "" {
			variant += ", " + k.decoding + " evaluation"
		}
		if k.worldModel != "" {
			variant += ", world model " + k.worldModel
		}
		if k.reward != "" {
			variant += ", RL reward " + k.reward
		}
		if k.group > 0 {
			variant += fmt.Sprintf(", G=%d, %d prompts/step, LR %g", k.group, k.prompts, k.lr)
		}
		if k.rlChanged > 0 {
			variant += fmt.Sprintf(", RL prompts %.0f%% changed", 100*k.rlChanged)
		}
		if k.kv != "" {
			variant += ", " + k.kv + " rollout KV cache"
		}
		if k.temperature > 0 && k.temperature != 1 {
			variant += fmt.Sprintf(", rollout temperature %g", k.temperature)
		}
		if k.dynamic > 0 {
			variant += fmt.Sprintf(", dynamic sampling (up to %d extra draws)", k.dynamic)
		}
		if k.trainN > 0 {
			variant += fmt.Sprintf(", %d training transitions", k.trainN)
		}
		if k.continuedLR > 0 {
			variant += fmt.Sprintf(", start model's MLE continued at LR %.3g", k.continuedLR)
		}
		if k.schedule != "" {
			variant += ", MLE continued at LR " + k.schedule
		}
		if k.start != "" {
			variant += fmt.Sprintf(", start checkpoint sha256 %.12s", k.start)
		}
		fmt.Fprintf(&sb, "### %s, budget %s%s, seeds %s (mean ± std)\n\n", k.task, k.budget, variant, strings.Join(seeds, ", "))
		sb.WriteString("| method | steps | wall s | " + strings.Join(cols, " | ") + " |\n")
		sb.WriteString("|---|---|---|" + strings.Repeat("---|", len(cols)) + "\n")
		for _, method := range []string{"mle", "mle_continued", "mle_converged", "rlvr"} {
			var steps, wall []float64
			vals := map[string][]float64{}
			for _, r := range rs {
				row := r.row(method)
				if row == nil {
					continue
				}
				steps = append(steps, float64(row.Steps))
				wall = append(wall, row.WallS)
				for _, c := range cols {
					if v, ok := row.Metrics[c]; ok {
						vals[c] = append(vals[c], v)
					}
				}
			}
			if len(steps) == 0 {
				continue
			}
			ms, _ := meanStd(steps)
			mw, _ := meanStd(wall)
			writeCells(&sb, fmt.Sprintf("| %s | %.0f | %.0f |", method, ms, mw), cols, vals, false)
		}
		// All seeds evaluate on the same rows (the data seed is fixed), so a
		// per-seed difference compares the two methods on equal terms; its
		// mean ± std says whether RLVR's lead over MLE continued is larger
		// than the seed-to-seed noise of that lead.
		diffs := map[string][]float64{}
		paired := 0
		for _, r := range rs {
			a, b := r.row("rlvr"), r.row("mle_continued")
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
		if paired >= 2 {
			writeCells(&sb, "| rlvr − mle_continued, paired by seed | | |", cols, diffs, true)
			// t = mean / (std / sqrt(n)), n-1 degrees of freedom.
			tstat := make([]string, len(cols))
			for i, c := range cols {
				tstat[i] = "-" // undefined without spread
				if m, sd := meanStd(diffs[c]); len(diffs[c]) >= 2 && sd > 0 {
					tstat[i] = fmt.Sprintf("%+.2f", m/(sd/math.Sqrt(float64(len(diffs[c])))))
				}
			}
			fmt.Fprintf(&sb, "| t of the paired difference (%d seeds) | | | %s |\n", paired, strings.Join(tstat, " | "))
		}
		sb.WriteString("\n")
	}
	return sb.String(), nil
}

// row returns the result's row of a method, or nil.
func (r *expResult) row(method string) *expRow {
	for i := range r.Rows {
		if r.Rows[i].Method == method {
			return &r.Rows[i]
		}
	}
	return nil
}

// writeCells ends a table line that starts with prefix: per column the
// mean ± sample std of vals, "-" where there are none, one value as is.
// signed also prints the sign of positive means (for differences).
func writeCells(sb *strings.Builder, prefix string, cols []string, vals map[string][]float64, signed bool) {
	sign := ""
	if signed {
		sign = "+"
	}
	sb.WriteString(prefix)
	for _, c := range cols {
		m, s := meanStd(vals[c])
		switch len(vals[c]) {
		case 0:
			sb.WriteString(" - |")
		case 1:
			fmt.Fprintf(sb, " %"+sign+".4g |", m)
		default:
			fmt.Fprintf(sb, " %"+sign+".4g ± %.2g |", m, s)
		}
	}
	sb.WriteString("\n")
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
