package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
)

// TestExpSmoke runs the whole experiment pipeline (pretrain, MLE continued,
// GRPO, evaluation, JSON) on the text game at the seconds-long "smoke"
// budget, with no shipped checkpoint, and checks the output's shape.
func TestExpSmoke(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	code := runExp([]string{"--task", "textgame", "--budget", "smoke", "--seed", "2", "-q",
		"--checkpoints", t.TempDir(), "--out", out})
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res expResult
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if res.Task != "textgame" || res.Budget != "smoke" || res.Seed != 2 || len(res.Rows) != 3 {
		t.Fatalf("result %+v", res)
	}
	for i, method := range []string{"mle", "mle_continued", "rlvr"} {
		row := res.Rows[i]
		if row.Method != method {
			t.Errorf("row %d is %q, want %q", i, row.Method, method)
		}
		for _, k := range metricKeys["textgame"] {
			if _, ok := row.Metrics[k]; !ok {
				t.Errorf("%s lacks metric %s: %v", method, k, row.Metrics)
			}
		}
	}
	if res.Rows[1].Steps != res.Rows[2].Steps || res.Rows[2].Steps == 0 {
		t.Errorf("MLE continued has %d steps, RLVR %d", res.Rows[1].Steps, res.Rows[2].Steps)
	}
}

func TestExpBadFlags(t *testing.T) {
	if code := runExp([]string{"--task", "nosuch", "-q"}); code != 1 {
		t.Errorf("unknown task: exit %d", code)
	}
	if code := runExp([]string{"--task", "textgame", "--budget", "huge", "-q"}); code != 1 {
		t.Errorf("unknown budget: exit %d", code)
	}
	if code := runExp(nil); code != 2 {
		t.Errorf("no task: exit %d", code)
	}
}

// TestPredictionValue checks the agent's scoring on a real site: the
// true next page of the right action scores above a no-op.
func TestPredictionValue(t *testing.T) {
	b := web.NewBrowser(web.NewSite(5, false))
	var goal web.Goal
	for _, g := range web.Goals(b) {
		if strings.HasPrefix(g.Text, "set the theme") {
			goal = g
		}
	}
	before := b.Items()
	next := web.NewBrowser(web.NewSite(5, false))
	var settings string
	for _, c := range next.Candidates() {
		probe := web.NewBrowser(web.NewSite(5, false))
		probe.Step(c)
		if strings.Contains(strings.Join(probe.Lines(), "\n"), "heading 'Settings'") {
			settings = c
			break
		}
	}
	if settings == "" {
		t.Fatal("no candidate opens the settings page")
	}
	next.Step(settings)
	diff := web.DiffItems(before, next.Items())
	good := predictionValue(b, goal, diff)
	noop := predictionValue(b, goal, web.Sections{})
	if !(good > noop) || good <= 0 {
		t.Errorf("settings page value %v, no-op %v", good, noop)
	}
}

func TestSummarizeMeanStd(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, f1 := range []float64{0.4, 0.6} {
		r := expResult{Task: "web", Budget: "small", Seed: int64(i + 1), Rows: []expRow{
			{Method: "mle", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": f1}},
		}}
		data, _ := json.Marshal(r)
		p := filepath.Join(dir, "r"+string(rune('a'+i))+".json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, err := summarize(paths)
	if err != nil {
		t.Fatal(err)
	}
	// mean 0.5, sample std sqrt(0.02) = 0.1414
	if !strings.Contains(out, "| mle | 0 | 0 | 1 ± 0 | 1 ± 0 | 0.5 ± 0.14 |") || !strings.Contains(out, "seeds 1, 2") {
		t.Errorf("summary:\n%s", out)
	}
	if _, err := summarize([]string{filepath.Join(dir, "missing.json")}); err == nil {
		t.Error("missing file accepted")
	}
}
