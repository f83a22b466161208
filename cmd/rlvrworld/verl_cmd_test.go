package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/verl"
)

func TestHasFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		name string
		want bool
	}{
		{[]string{"--serve"}, "serve", true},
		{[]string{"-serve", "--addr", "x"}, "serve", true},
		{[]string{"--task", "web", "--format=jsonl"}, "format", true},
		{[]string{"--task", "web", "--format", "verl"}, "format", true},
		{[]string{"--served"}, "serve", false},
		{[]string{"--", "--serve"}, "serve", false},
		{[]string{"--task", "web"}, "format", false},
		{nil, "serve", false},
	} {
		if got := hasFlag(c.args, c.name); got != c.want {
			t.Errorf("hasFlag(%q, %q) = %v, want %v", c.args, c.name, got, c.want)
		}
	}
}

func TestWriteVerlDataAndRescore(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	pq := filepath.Join(dir, "web.parquet")
	if err := writeVerlData(ctx, "web", envs.Test, 20, 1, "verl", pq); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pq + ".tmp"); !os.IsNotExist(err) {
		t.Fatal("temporary file left behind")
	}
	rows, err := verl.LoadRows(pq)
	if err != nil || len(rows) != 20 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if err := writeVerlData(ctx, "video", envs.Test, 1, 1, "verl", filepath.Join(dir, "v.parquet")); err == nil {
		t.Fatal("video must be refused")
	}
	if err := writeVerlData(ctx, "web", "nope", 1, 1, "verl", filepath.Join(dir, "x.parquet")); err == nil {
		t.Fatal("bad split must be refused")
	}
	gens := filepath.Join(dir, "gens.jsonl")
	var lines []string
	for _, r := range rows {
		b, _ := json.Marshal(map[string]any{"input": "user\n" + r.UserContent() + "\nassistant\n", "output": r.RewardModel.GroundTruth, "score": 1, "step": 3})
		lines = append(lines, string(b))
	}
	os.WriteFile(gens, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	out := filepath.Join(dir, "out.jsonl")
	if err := rescoreGenerations(gens, pq, out); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	got := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(got) != 20 {
		t.Fatalf("%d lines", len(got))
	}
	for i, l := range got {
		var r verl.Rescored
		// A generation is matched to the first row with its prompt: a
		// split may hold the same transition twice, so the row must carry
		// this line's prompt, not necessarily its index.
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Error != "" || r.Row < 0 || r.Row >= int64(len(rows)) ||
			rows[r.Row].UserContent() != rows[i].UserContent() || r.Result["f1"] != 1 {
			t.Fatalf("line %d: %s %v", i, l, err)
		}
	}
	if err := rescoreGenerations(filepath.Join(dir, "missing.jsonl"), pq, out); err == nil {
		t.Fatal("a missing file must be an error")
	}
}

// `verify --serve` follows serve's rule: off loopback only with a token.
func TestVerifyServeNeedsTokenOffLoopback(t *testing.T) {
	t.Setenv("RLVRWORLD_VERIFIER_TOKEN", "")
	done := make(chan int, 1)
	go func() { done <- runVerifyServe([]string{"--serve", "--addr", "0.0.0.0:0"}) }()
	select {
	case code := <-done:
		if code != 2 {
			t.Errorf("exit code %d, want 2", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("verify --serve listened on 0.0.0.0 without a token")
	}
}
