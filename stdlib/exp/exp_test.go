package exp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/display"
	"github.com/rlvrworld/rlvrworld/stdlib/exp"
	"github.com/rlvrworld/rlvrworld/stdlib/grpo"
	"github.com/rlvrworld/rlvrworld/stdlib/internal/copytask"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
)

// smoke is a seconds-long run of a task with no shipped checkpoint.
func smoke(t *testing.T, task string) exp.Config {
	return exp.Config{Task: task, Budget: "smoke", Seed: 1, Checkpoints: t.TempDir(), Pretrain: true}
}

// TestFourthTask registers a task the registry did not know, with one
// line, and runs the whole experiment on it: a new task is one package
// (copytask) plus that line.
func TestFourthTask(t *testing.T) {
	if err := tasks.Register(tasks.Spec{Name: "copy", New: copytask.New, Metrics: []tasks.Metric{{Key: "acc", Higher: true}}}); err != nil {
		t.Fatal(err)
	}
	res, err := exp.Run(context.Background(), smoke(t, "copy"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Task != "copy" || len(res.Rows) != 3 {
		t.Fatalf("result %+v", res)
	}
	for i, row := range res.Rows {
		if row.Method != exp.Methods[i] {
			t.Errorf("row %d is %s", i, row.Method)
		}
		if a, ok := row.Metrics["acc"]; !ok || a < 0 || a > 1 {
			t.Errorf("%s: acc %v (present %v)", row.Method, a, ok)
		}
	}
	md := exp.Summarize(res).Markdown()
	if !strings.Contains(md, "| method | steps | wall s | acc | reward |") {
		t.Errorf("summary of the new task lacks its metric column:\n%s", md)
	}
	if err := tasks.Register(tasks.Spec{Name: "copy", New: copytask.New, Metrics: []tasks.Metric{{Key: "acc", Higher: true}}}); err == nil {
		t.Error("a second task named copy was registered")
	}
}

// rowsWithoutWall is a result's rows with the wall times zeroed: what two
// runs of one setting must agree on.
func rowsWithoutWall(r *exp.Result) []exp.Row {
	rows := append([]exp.Row(nil), r.Rows...)
	for i := range rows {
		rows[i].WallS = 0
	}
	return rows
}

// TestRunSeedsSameRows runs two seeds side by side and checks that each
// result equals the run of that seed alone.
func TestRunSeedsSameRows(t *testing.T) {
	cfg := smoke(t, "textgame")
	together, err := exp.RunSeeds(context.Background(), cfg, []int64{1, 2}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, seed := range []int64{1, 2} {
		c := cfg
		c.Seed = seed
		alone, err := exp.Run(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if together[i].Seed != seed || !reflect.DeepEqual(rowsWithoutWall(together[i]), rowsWithoutWall(alone)) {
			t.Errorf("seed %d side by side:\n%+v\nalone:\n%+v", seed, together[i].Rows, alone.Rows)
		}
	}
	if together[0].GRPO.Seed != 1 || together[1].GRPO.Seed != 2 {
		t.Errorf("RL seeds %d and %d, want 1 and 2", together[0].GRPO.Seed, together[1].GRPO.Seed)
	}
}

// TestRunInterrupted cancels a run (a cell's interrupt) and checks that it
// stops promptly with the context's error.
func TestRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := smoke(t, "textgame")
	cfg.Override.RLSteps = 1000
	var cancelled time.Time
	cfg.Progress = func(e exp.Event) {
		// MLE continued runs as many gradient steps as the 1000 GRPO steps.
		if e.Phase == "mle_continued" && e.Step == 5 {
			cancelled = time.Now()
			cancel()
		}
	}
	_, err := exp.Run(ctx, cfg)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	// A smoke MLE step takes milliseconds; a run that went on would take
	// minutes.
	if d := time.Since(cancelled); d > 20*time.Second {
		t.Errorf("stopping took %v after the cancel", d)
	}
}

// sink records what a cell would display.
type sink struct {
	mu      sync.Mutex
	outs    []display.Output
	updates int
}

func (s *sink) Display(out display.Output, id string, update bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outs = append(s.outs, out)
	if update {
		s.updates++
	}
}

func (s *sink) Clear(bool) {}

// TestLiveProgress runs with the cell progress of Live and checks that
// the cell got progress bars and charts updated in place, and a line per
// evaluation.
func TestLiveProgress(t *testing.T) {
	s := &sink{}
	old := display.SetSink(s)
	defer display.SetSink(old)
	cfg := smoke(t, "textgame")
	cfg.Progress = exp.Live()
	if _, err := exp.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var bars, evals int
	for _, o := range s.outs {
		text := fmt.Sprint(o.Data[display.MIMEText])
		if strings.HasPrefix(text, "rlvr, seed 1 ") {
			bars++
		}
		if strings.Contains(text, "eval rlvr") {
			evals++
		}
	}
	if bars == 0 || evals != 1 || s.updates == 0 {
		t.Errorf("%d rlvr progress outputs, %d rlvr evaluation lines, %d updates in place", bars, evals, s.updates)
	}
}

// TestResultJSON checks that a result survives Save and Load unchanged.
func TestResultJSON(t *testing.T) {
	r := &exp.Result{Task: "web", Budget: "tiny", Seed: 3, GRPO: &grpo.Config{GroupSize: 4, KV: nn.KVInt8},
		Rows: []exp.Row{{Method: "mle", Steps: 0, Metrics: map[string]float64{"f1": 0.5}}}}
	p := filepath.Join(t.TempDir(), "r.json")
	if err := r.Save(p); err != nil {
		t.Fatal(err)
	}
	got, err := exp.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got[0], r) {
		t.Errorf("loaded %+v, saved %+v", got[0], r)
	}
	var raw map[string]any
	data, _ := os.ReadFile(p)
	if err := json.Unmarshal(data, &raw); err != nil || raw["task"] != "web" || raw["rows"] == nil {
		t.Errorf("JSON %s (%v)", data, err)
	}
}

func TestSummarizeMeanStd(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	// add writes one result file (named by its seed, unique here).
	add := func(r exp.Result) {
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("seed%d.json", r.Seed))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	for i, f1 := range []float64{0.4, 0.6} {
		add(exp.Result{Task: "web", Budget: "small", Seed: int64(i + 1), Rows: []exp.Row{
			{Method: "mle", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": f1}},
		}})
	}
	// A run evaluated on val forms its own table, never mixed into test's.
	add(exp.Result{Task: "web", Budget: "small", Seed: 3, EvalSplit: "val", Rows: []exp.Row{
		{Method: "mle", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": 0.9}},
	}})
	// Runs with different motion weights are different variants.
	for i, w := range []float64{0.25, 1} {
		add(exp.Result{Task: "web", Budget: "small", Seed: int64(4 + i), Reward: "motion", MotionWeight: w, Rows: []exp.Row{
			{Method: "mle", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": w}},
		}})
	}
	// Rollouts from a float16 KV cache are a variant of their own.
	add(exp.Result{Task: "web", Budget: "small", Seed: 6, GRPO: &grpo.Config{GroupSize: 8, PromptsPerStep: 16, LR: 1e-4, KV: nn.KVFloat16},
		Rows: []exp.Row{{Method: "mle", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": 0.7}}}})
	// Text-game runs with error shares get those columns.
	add(exp.Result{Task: "textgame", Budget: "small", Seed: 7, Rows: []exp.Row{{Method: "mle", Metrics: map[string]float64{
		"acc_overall": 0.6, "acc_changed": 0.3, "acc_unchanged": 0.9, "reward": 0.5,
		"err_name": 0.11, "err_props": 0.2, "err_contains": 0.25, "err_presence": 0, "err_score": 0.1}}}})
	// Rollout temperature, dynamic sampling, data size and RL length each
	// make a setting of its own, never averaged with another.
	for i, v := range []struct {
		temp           float32
		dyn, n, rlStep int
		lr             float64
	}{{1.5, 0, 0, 120, 0}, {1, 4, 0, 120, 0}, {1, 0, 1000, 120, 0}, {1, 0, 0, 960, 0}, {1, 0, 0, 120, 1e-4}} {
		add(exp.Result{Task: "web", Budget: "full", Seed: int64(10 + i), TrainN: v.n, MLEContinuedLR: v.lr,
			GRPO: &grpo.Config{GroupSize: 8, PromptsPerStep: 16, LR: 1e-4, Temperature: v.temp, DynamicSampling: v.dyn},
			Rows: []exp.Row{{Method: "rlvr", Steps: v.rlStep, Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": 0.5}}}})
	}
	// Runs from two different start checkpoints, equal in every flag, are
	// two settings.
	for i, sum := range []string{strings.Repeat("ab", 32), strings.Repeat("cd", 32)} {
		add(exp.Result{Task: "web", Budget: "tiny", Seed: int64(20 + i), StartSHA256: sum,
			Rows: []exp.Row{{Method: "mle", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": 0.5}}}})
	}
	// Two seeds with both methods get a paired row: RLVR minus MLE
	// continued per seed (0.1 and 0.2: mean 0.15, sample std 0.0707).
	for i, v := range [][2]float64{{0.6, 0.5}, {0.8, 0.6}} {
		add(exp.Result{Task: "web", Budget: "small", Seed: int64(30 + i), Reward: "paired",
			Rows: []exp.Row{
				{Method: "mle_continued", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": v[1]}},
				{Method: "rlvr", Metrics: map[string]float64{"precision": 1, "recall": 0.5, "f1": v[0]}},
			}})
	}
	rs, err := exp.Load(paths...)
	if err != nil {
		t.Fatal(err)
	}
	out := exp.Summarize(rs...).Markdown()
	if !strings.Contains(out, "| rlvr − mle_continued, paired by seed | | | +0 ± 0 | -0.5 ± 0 | +0.15 ± 0.071 |") {
		t.Errorf("paired row missing or wrong:\n%s", out)
	}
	if !strings.Contains(out, "| t of the paired difference (2 seeds) | | | - | - | +3.00 |") {
		t.Errorf("t row missing or wrong:\n%s", out)
	}
	if n := strings.Count(out, "paired by seed"); n != 1 {
		t.Errorf("%d paired rows, want 1 (only the setting with two seeds of both methods):\n%s", n, out)
	}
	for _, want := range []string{"tiny, start checkpoint sha256 abababababab, seeds 20 (", "tiny, start checkpoint sha256 cdcdcdcdcdcd, seeds 21 ("} {
		if !strings.Contains(out, want) {
			t.Errorf("start checkpoints not told apart, no %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "LR 0.0001, float16 rollout KV cache, seeds 6 (") {
		t.Errorf("float16 rollouts not told apart:\n%s", out)
	}
	if !strings.Contains(out, "evaluated on val, seeds 3 (") || !strings.Contains(out, "| mle | 0 | 0 | 1 | 1 | 0.9 |") {
		t.Errorf("val table missing:\n%s", out)
	}
	if !strings.Contains(out, "RL reward motion (weight 0.25), seeds 4 (") || !strings.Contains(out, "RL reward motion (weight 1), seeds 5 (") {
		t.Errorf("motion weights not told apart:\n%s", out)
	}
	// mean 0.5, sample std sqrt(0.02) = 0.1414
	if !strings.Contains(out, "| mle | 0 | 0 | 1 ± 0 | 1 ± 0 | 0.5 ± 0.14 |") || !strings.Contains(out, "seeds 1, 2") {
		t.Errorf("summary:\n%s", out)
	}
	if !strings.Contains(out, "| acc_overall | acc_changed | acc_unchanged | reward | err_name | err_props | err_contains | err_presence | err_score |") ||
		!strings.Contains(out, "| mle | 0 | 0 | 0.6 | 0.3 | 0.9 | 0.5 | 0.11 | 0.2 | 0.25 | 0 | 0.1 |") {
		t.Errorf("text-game error columns missing:\n%s", out)
	}
	for _, want := range []string{"LR 0.0001, rollout temperature 1.5, seeds 10 (", "up to 4 extra draws), seeds 11 (",
		"LR 0.0001, 1000 training transitions, seeds 12 (", "| rlvr | 960 | 0 | 1 | 1 | 0.5 |",
		"start model's MLE continued at LR 0.0001, seeds 14 ("} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	bench := filepath.Join(dir, "bench-grpo.json")
	if err := os.WriteFile(bench, []byte(`{"textgame": {"sample_s": 1}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exp.Load(append(paths, bench)...); err == nil || !strings.Contains(err.Error(), "not a result") {
		t.Errorf("a file that is not an exp result: err %v", err)
	}
	if _, err := exp.Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file accepted")
	}
}

// TestSummaryRender checks the cell form of a summary: each column's
// better direction from the registry, the paired row with its t row, and
// the Markdown as the text fallback.
func TestSummaryRender(t *testing.T) {
	var rs []*exp.Result
	for seed, f1 := range []float64{0.5, 0.6} {
		rs = append(rs, &exp.Result{Task: "video", Budget: "tiny", Seed: int64(seed), Rows: []exp.Row{
			{Method: "mle_continued", Metrics: map[string]float64{"mse": 0.2, "f1": f1}},
			{Method: "rlvr", Metrics: map[string]float64{"mse": 0.1 + f1/10}},
		}})
	}
	s := exp.Summarize(rs...)
	out := s.Render()
	h := fmt.Sprint(out.Data[display.MIMEHTML])
	for _, want := range []string{"<th>mse ↓</th>", "<th>psnr ↑</th>", "<td>rlvr − mle_continued, paired by seed</td>", "<td>t of the paired difference (2 seeds)</td>"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q:\n%s", want, h)
		}
	}
	if out.Data[display.MIMEText] != s.Markdown() {
		t.Error("the text fallback is not the Markdown")
	}
}
