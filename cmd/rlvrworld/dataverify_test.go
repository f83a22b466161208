package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

// TestDataThenVerify exports each text task's dataset, scores the ground
// truth and broken predictions through `verify`, and checks one result line
// per input line, bad lines included.
func TestDataThenVerify(t *testing.T) {
	for _, task := range []string{"textgame", "web"} {
		var data bytes.Buffer
		if err := writeData(context.Background(), &data, task, envs.Test, 20, 3); err != nil {
			t.Fatalf("%s: data: %v", task, err)
		}
		lines := strings.Split(strings.TrimSpace(data.String()), "\n")
		if len(lines) != 20 {
			t.Fatalf("%s: %d lines, want 20", task, len(lines))
		}
		var in bytes.Buffer
		for i, l := range lines {
			var rec map[string]any
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Fatalf("%s: line %d: %v", task, i, err)
			}
			for _, f := range []string{"id", "task", "split", "prompt", "ground_truth"} {
				if _, ok := rec[f]; !ok {
					t.Fatalf("%s: record lacks %q", task, f)
				}
			}
			switch i % 4 {
			case 0, 1:
				rec["prediction"] = rec["ground_truth"]
			case 2:
				rec["prediction"] = "nonsense"
			case 3:
				rec["prediction"] = 42
			}
			b, _ := json.Marshal(rec)
			in.Write(b)
			in.WriteByte('\n')
		}
		in.WriteString("{not json\n")
		in.WriteString("\n")
		in.WriteString(`{"id":"x","task":"` + task + `"}` + "\n")
		in.WriteString(`["an array"]`) // last line without a newline
		var out bytes.Buffer
		if err := verifyStream(&in, &out, task, ""); err != nil {
			t.Fatalf("%s: verify: %v", task, err)
		}
		res := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(res) != 23 {
			t.Fatalf("%s: %d result lines, want 23:\n%s", task, len(res), out.String())
		}
		for i, l := range res {
			var r struct {
				ID     any                `json:"id"`
				Reward *float64           `json:"reward"`
				Errs   string             `json:"error"`
				M      map[string]float64 `json:"metrics"`
			}
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("%s: result %d not JSON: %v", task, i, err)
			}
			switch {
			case i >= 20:
				if r.Errs == "" {
					t.Errorf("%s: bad line %d gave no error: %s", task, i, l)
				}
			case i%4 == 0 || i%4 == 1:
				if r.Reward == nil || *r.Reward < 0.3 || r.M == nil {
					t.Errorf("%s: ground truth line %d: %s", task, i, l)
				}
			case i%4 == 2:
				if r.Reward == nil || *r.Reward != 0 {
					t.Errorf("%s: nonsense line %d: %s", task, i, l)
				}
			case i%4 == 3:
				if r.Errs == "" || r.ID == nil {
					t.Errorf("%s: numeric prediction line %d: %s", task, i, l)
				}
			}
		}
	}
	if err := writeData(context.Background(), &bytes.Buffer{}, "textgame", "nope", 1, 0); err == nil {
		t.Error("unknown split accepted")
	}
	if err := verifyStream(strings.NewReader(""), &bytes.Buffer{}, "nope", ""); err == nil {
		t.Error("unknown task accepted")
	}
}

// TestVerifyHugeLine: a line over the limit is reported and skipped, and
// the next line is still scored.
func TestVerifyHugeLine(t *testing.T) {
	var data bytes.Buffer
	if err := writeData(context.Background(), &data, "textgame", envs.Val, 1, 1); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	json.Unmarshal(data.Bytes(), &rec)
	rec["prediction"] = rec["ground_truth"]
	good, _ := json.Marshal(rec)
	in := bytes.NewBuffer(nil)
	in.WriteString(`{"id":"big","prediction":"`)
	in.Write(bytes.Repeat([]byte("x"), 16<<20+10)) // over envs.ScoreRecords's 16 MiB line limit
	in.WriteString("\"}\n")
	in.Write(good)
	in.WriteByte('\n')
	var out bytes.Buffer
	if err := verifyStream(in, &out, "textgame", "binary"); err != nil {
		t.Fatal(err)
	}
	res := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(res) != 2 || !strings.Contains(res[0], "longer than") || !strings.Contains(res[1], `"reward":1`) {
		t.Fatalf("results:\n%s", out.String())
	}
}

// A record without an id is an error entry for every task, even when its
// prediction is right: its score could not be joined back to its example.
func TestVerifyMissingIDIsError(t *testing.T) {
	for _, task := range []string{"textgame", "web", "video"} {
		var data bytes.Buffer
		if err := writeData(context.Background(), &data, task, envs.Test, 1, 1); err != nil {
			t.Fatalf("%s: data: %v", task, err)
		}
		var rec map[string]any
		if err := json.Unmarshal(data.Bytes(), &rec); err != nil {
			t.Fatalf("%s: %v", task, err)
		}
		rec["prediction"] = rec["ground_truth"]
		for _, id := range []any{"drop", nil} {
			if id == "drop" {
				delete(rec, "id")
			} else {
				rec["id"] = id
			}
			line, _ := json.Marshal(rec)
			var out bytes.Buffer
			if err := verifyStream(bytes.NewReader(append(line, '\n')), &out, task, ""); err != nil {
				t.Fatalf("%s: verify: %v", task, err)
			}
			if !strings.Contains(out.String(), `"error":`) || !strings.Contains(out.String(), `lacks \"id\"`) {
				t.Errorf("%s: a record with id %v: %s", task, id, out.String())
			}
		}
	}
}
