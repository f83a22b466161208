package verl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/textgame"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
)

// testRows generates n rows of each text task.
func testRows(t testing.TB, n int) []Row {
	t.Helper()
	tg, _ := textgame.New(textgame.Options{})
	wb, _ := web.New()
	var rows []Row
	for _, task := range []envs.Task{tg, wb} {
		exs, err := task.Generate(context.Background(), envs.Test, n, 7)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Rows(task, exs)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r...)
	}
	return rows
}

func TestRowsSchemaValues(t *testing.T) {
	rows := testRows(t, 5)
	for i, r := range rows {
		if r.DataSource != SourceTextgame && r.DataSource != SourceWeb {
			t.Fatalf("row %d: data_source %q", i, r.DataSource)
		}
		if len(r.Prompt) != 2 || r.Prompt[0].Role != "system" || r.Prompt[1].Role != "user" || r.UserContent() == "" {
			t.Fatalf("row %d: prompt %+v", i, r.Prompt)
		}
		if r.RewardModel.Style != "rule" || r.RewardModel.GroundTruth == "" || r.Ability != Ability {
			t.Fatalf("row %d: %+v", i, r)
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(r.ExtraInfo.Payload), &p); err != nil {
			t.Fatalf("row %d: payload: %v", i, err)
		}
		if _, ok := p["prompt"]; ok {
			t.Fatalf("row %d: payload repeats the prompt", i)
		}
		if r.ExtraInfo.Index != int64(i%5) || r.ExtraInfo.Split != "test" {
			t.Fatalf("row %d: extra_info %+v", i, r.ExtraInfo)
		}
	}
	if _, err := DataSource("video"); err == nil || !strings.Contains(err.Error(), "GPU") {
		t.Fatalf("video must be refused with the reason, got %v", err)
	}
}

func TestParquetAndJSONLRoundTrip(t *testing.T) {
	rows := testRows(t, 20)
	var buf bytes.Buffer
	if err := WriteParquet(&buf, rows); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("PAR1")) {
		t.Fatal("not a parquet file")
	}
	back, err := ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, rows) {
		t.Fatalf("parquet round trip differs: %d vs %d rows", len(back), len(rows))
	}
	buf.Reset()
	if err := WriteJSONL(&buf, rows); err != nil {
		t.Fatal(err)
	}
	back, err = ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, rows) {
		t.Fatal("JSONL round trip differs")
	}
	if _, err := ReadParquet(bytes.NewReader([]byte("PAR1 not really")), 15); err == nil {
		t.Fatal("garbage parquet must fail")
	}
	if _, err := ReadJSONL(strings.NewReader("{\"data_source\":\"x\"}\n{bad\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad JSONL line must be named, got %v", err)
	}
}

func TestScorerTruthGarbageAndKeys(t *testing.T) {
	sc, err := NewScorer()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range testRows(t, 30) {
		req := Request{DataSource: r.DataSource, SolutionStr: r.RewardModel.GroundTruth, GroundTruth: r.RewardModel.GroundTruth, ExtraInfo: r.ExtraInfo}
		res, err := sc.Score(req)
		if err != nil {
			t.Fatal(err)
		}
		keys := MetricKeys(r.DataSource)
		if len(res) != len(keys) {
			t.Fatalf("keys %v, want %v", res, keys)
		}
		switch r.DataSource {
		case SourceTextgame:
			// Task-specific reward: 0.3 for a perfect answer plus 1 when
			// something changed.
			want := 0.3 + res["changed"]
			if res["binary"] != 1 || res["score"] != want || res["parse_error"] != 0 {
				t.Fatalf("textgame truth: %v", res)
			}
		case SourceWeb:
			if res["f1"] != 1 || res["score"] != 1 {
				t.Fatalf("web truth: %v", res)
			}
		}
		req.SolutionStr = "I think nothing happens."
		res, err = sc.Score(req)
		if err != nil {
			t.Fatal(err)
		}
		if res["score"] != 0 || res["parse_error"] != 1 || len(res) != len(keys) {
			t.Fatalf("garbage: %v", res)
		}
	}
}

func TestScorerMalformed(t *testing.T) {
	sc, _ := NewScorer()
	r := testRows(t, 1)[0]
	for name, req := range map[string]Request{
		"unknown source": {DataSource: "gsm8k", GroundTruth: "x", ExtraInfo: r.ExtraInfo},
		"no payload":     {DataSource: r.DataSource, GroundTruth: r.RewardModel.GroundTruth},
		"bad payload":    {DataSource: r.DataSource, GroundTruth: r.RewardModel.GroundTruth, ExtraInfo: ExtraInfo{Payload: "[1,2"}},
		"payload fields": {DataSource: r.DataSource, GroundTruth: r.RewardModel.GroundTruth, ExtraInfo: ExtraInfo{Payload: `{"id":"a"}`}},
		"bad truth":      {DataSource: r.DataSource, GroundTruth: "{nope", ExtraInfo: r.ExtraInfo},
	} {
		if _, err := sc.Score(req); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

// TestScorerConcurrent scores the same cached examples from many
// goroutines (run with -race).
func TestScorerConcurrent(t *testing.T) {
	sc, _ := NewScorer()
	rows := testRows(t, 8)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				r := rows[(g+i)%len(rows)]
				res, err := sc.Score(Request{DataSource: r.DataSource, SolutionStr: r.RewardModel.GroundTruth, GroundTruth: r.RewardModel.GroundTruth, ExtraInfo: r.ExtraInfo})
				if err != nil || res["parse_error"] != 0 {
					errs <- fmt.Errorf("%v %v", res, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// chatInput renders a row as verl's decoded input looks with a Qwen-style
// chat template.
func chatInput(r Row) string {
	var b strings.Builder
	for _, m := range r.Prompt {
		b.WriteString("<|im_start|>" + m.Role + "\n" + m.Content + "<|im_end|>\n")
	}
	return b.String() + "<|im_start|>assistant\n"
}

func TestGenerationsMatchAndRescore(t *testing.T) {
	rows := testRows(t, 10)
	var buf bytes.Buffer
	for i, r := range rows {
		out := r.RewardModel.GroundTruth
		if i%2 == 1 {
			out = "garbage"
		}
		line := map[string]any{"input": chatInput(r), "output": out, "score": 0.5, "step": 40, "f1": 0.25}
		if i%3 == 0 {
			line["gts"] = r.RewardModel.GroundTruth
			line["input"] = "system\n" + r.Prompt[0].Content + "\nuser\n" + r.UserContent() + "\nassistant\n" // skip_special_tokens form
		}
		b, _ := json.Marshal(line)
		buf.Write(append(b, '\n'))
	}
	buf.WriteString(`{"input":"user\nwhat is 2+2?\nassistant\n","output":"4","score":1}` + "\n")
	gens, err := ReadGenerations(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(gens) != len(rows)+1 || gens[0].Step != 40 || gens[0].Metrics["f1"] != 0.25 || gens[0].Score != 0.5 || gens[0].GroundTruth == "" {
		t.Fatalf("parsed %+v", gens[0])
	}
	idx := Match(gens, rows)
	for i := range rows {
		if idx[i] != i {
			t.Fatalf("generation %d matched row %d", i, idx[i])
		}
	}
	if idx[len(rows)] != -1 {
		t.Fatal("a foreign prompt must not match")
	}
	sc, _ := NewScorer()
	res := sc.Rescore(gens, rows)
	for i := range rows {
		if res[i].Error != "" || res[i].Row != rows[i].ExtraInfo.Index {
			t.Fatalf("rescore %d: %+v", i, res[i])
		}
		want := 1.0
		if i%2 == 1 {
			want = 0
		}
		if res[i].Result["parse_error"] != 1-want {
			t.Fatalf("rescore %d: %+v", i, res[i])
		}
	}
	if res[len(rows)].Error == "" {
		t.Fatal("unmatched line must carry an error")
	}
}

func TestReadGenerationsErrors(t *testing.T) {
	for _, in := range []string{"{bad", `{"output":"x"}`, `{"input":1,"output":"x"}`, `{"input":"a","output":"b","score":"high"}`} {
		if _, err := ReadGenerations(strings.NewReader("\n" + in + "\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%s: want a line-2 error, got %v", in, err)
		}
	}
}

func FuzzReadGenerations(f *testing.F) {
	f.Add(`{"input":"user\nx","output":"y","score":1,"step":2,"gts":"z","acc":1}`)
	f.Add(`{"input":"","output":"","gts":{"a":1}}`)
	f.Add("{bad")
	f.Fuzz(func(t *testing.T, s string) {
		gens, err := ReadGenerations(strings.NewReader(s))
		if err == nil {
			Match(gens, nil)
		}
	})
}

// FuzzScore sends arbitrary answers and payloads: the scorer may refuse a
// payload but must never panic or return keys other than the fixed ones.
func FuzzScore(f *testing.F) {
	rows := testRows(f, 2)
	for _, r := range rows {
		f.Add(r.DataSource, r.RewardModel.GroundTruth, r.RewardModel.GroundTruth, r.ExtraInfo.Payload)
		f.Add(r.DataSource, `{"modified":[{"uuid":"x"}],"removed":[1e309]}`, r.RewardModel.GroundTruth, r.ExtraInfo.Payload)
	}
	sc, _ := NewScorer()
	f.Fuzz(func(t *testing.T, source, answer, truth, payload string) {
		res, err := sc.Score(Request{DataSource: source, SolutionStr: answer, GroundTruth: truth, ExtraInfo: ExtraInfo{Payload: payload}})
		if err != nil {
			return
		}
		if len(res) != len(MetricKeys(source)) {
			t.Fatalf("keys %v", res)
		}
	})
}

func TestDiffAndSummarize(t *testing.T) {
	sc, _ := NewScorer()
	rows := testRows(t, 4)
	for i := range rows {
		d, err := sc.Diff(&rows[i], rows[i].RewardModel.GroundTruth, "truth")
		if err != nil || len(d.Items) == 0 {
			t.Fatalf("row %d: %v %+v", i, err, d)
		}
		for _, it := range d.Items {
			if it.Truth != it.Predicted {
				t.Fatalf("row %d: the truth must be drawn as predicted right: %+v", i, it)
			}
		}
		d, err = sc.Diff(&rows[i], "garbage", "bad")
		if err != nil || !strings.Contains(d.Title, "bad") {
			t.Fatalf("row %d: %v %q", i, err, d.Title)
		}
	}
	if _, err := sc.Diff(&Row{DataSource: "x"}, "", ""); err == nil {
		t.Fatal("unknown data source must fail")
	}
	res := []Rescored{
		{DataSource: SourceWeb, VerlScore: 1, Result: Result{"score": 1, "f1": 1}},
		{DataSource: SourceWeb, VerlScore: 0, Result: Result{"score": 0, "f1": 0.5}},
		{DataSource: SourceTextgame, VerlScore: 0.3, Result: Result{"score": 0.3}},
		{DataSource: SourceWeb, Error: "no row"},
	}
	sum := Summarize(res)
	if len(sum) != 2 || sum[1].DataSource != SourceWeb || sum[1].N != 2 || sum[1].Mean["f1"] != 0.75 || sum[1].VerlScore != 0.5 || sum[0].Mean["score"] != 0.3 {
		t.Fatalf("%+v", sum)
	}
}
