package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
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

// TestWebPromptMatchesTask holds the agent's prompt builder to the web
// task's own prompts.
func TestWebPromptMatchesTask(t *testing.T) {
	task, err := lookupTask("web")
	if err != nil {
		t.Fatal(err)
	}
	exs, err := task.Generate(context.Background(), envs.Train, 20, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range exs {
		tr := ex.Payload.(*web.Transition)
		if got := webPrompt(tr.URL, tr.Objective, tr.Previous, tr.Before, tr.Action); got != tr.Prompt {
			t.Fatalf("prompt differs:\n%q\nwant\n%q", got, tr.Prompt)
		}
	}
}

func TestPredictionValue(t *testing.T) {
	w := goalWords("add the white shirt to the cart")
	if !w["white"] || !w["shirt"] || !w["cart"] || w["the"] || w["add"] {
		t.Fatalf("goal words %v", w)
	}
	if v := predictionValue(web.Sections{}, w); v != -1 {
		t.Errorf("no-op value %v", v)
	}
	v := predictionValue(web.Sections{New: []string{"[12] link 'white shirt $38'"}, Updated: []string{"[4] link 'Cart (1)'"}}, w)
	if v != 3 {
		t.Errorf("value %v, want 3", v)
	}
}
