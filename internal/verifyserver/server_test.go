package verifyserver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/textgame"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
	"github.com/rlvrworld/rlvrworld/stdlib/verl"
)

func rows(t *testing.T) []verl.Row {
	t.Helper()
	tg, _ := textgame.New(textgame.Options{})
	wb, _ := web.New()
	var out []verl.Row
	for _, task := range []envs.Task{tg, wb} {
		exs, err := task.Generate(context.Background(), envs.Val, 10, 2)
		if err != nil {
			t.Fatal(err)
		}
		r, err := verl.Rows(task, exs)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r...)
	}
	return out
}

func newServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	sc, err := verl.NewScorer()
	if err != nil {
		t.Fatal(err)
	}
	s := New(sc, opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

func postJSON(t *testing.T, url, token string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("status %d: body is not JSON: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

func reqBody(r verl.Row, answer string) []byte {
	b, _ := json.Marshal(verl.Request{DataSource: r.DataSource, SolutionStr: answer, GroundTruth: r.RewardModel.GroundTruth, ExtraInfo: r.ExtraInfo})
	return b
}

func TestScoreEndpoint(t *testing.T) {
	_, ts := newServer(t, Options{})
	for _, r := range rows(t) {
		code, res := postJSON(t, ts.URL+"/v1/score", "", reqBody(r, r.RewardModel.GroundTruth))
		if code != 200 || len(res) != len(verl.MetricKeys(r.DataSource)) || res["parse_error"] != 0.0 {
			t.Fatalf("truth: %d %v", code, res)
		}
		if r.DataSource == verl.SourceWeb && res["score"] != 1.0 {
			t.Fatalf("web truth: %v", res)
		}
		code, res = postJSON(t, ts.URL+"/v1/score", "", reqBody(r, "```json\n{"))
		if code != 200 || res["score"] != 0.0 || res["parse_error"] != 1.0 {
			t.Fatalf("garbage must score 0 without an error: %d %v", code, res)
		}
	}
	resp, err := http.Get(ts.URL + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestMalformedRequests(t *testing.T) {
	_, ts := newServer(t, Options{Token: "tok", MaxBody: 1 << 16, MaxBatch: 3})
	r := rows(t)[0]
	if code, _ := postJSON(t, ts.URL+"/v1/score", "", reqBody(r, "x")); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := postJSON(t, ts.URL+"/v1/score", "other", reqBody(r, "x")); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", code)
	}
	for name, c := range map[string]struct {
		path string
		body string
		code int
	}{
		"not JSON":       {"/v1/score", "{", 400},
		"array":          {"/v1/score", "[]", 400},
		"missing fields": {"/v1/score", `{"data_source":"rlvrworld/web"}`, 400},
		"wrong type":     {"/v1/score", `{"data_source":"rlvrworld/web","solution_str":1,"ground_truth":"","extra_info":{}}`, 400},
		"unknown source": {"/v1/score", `{"data_source":"gsm8k","solution_str":"","ground_truth":"","extra_info":{}}`, 400},
		"bad payload":    {"/v1/score", `{"data_source":"rlvrworld/web","solution_str":"","ground_truth":"","extra_info":{"payload":"{}"}}`, 422},
		"too large":      {"/v1/score", `{"solution_str":"` + strings.Repeat("a", 1<<16) + `"}`, 413},
		"batch no items": {"/v1/score/batch", `{}`, 400},
		"batch too big":  {"/v1/score/batch", `{"items":[{},{},{},{}]}`, 413},
	} {
		code, res := postJSON(t, ts.URL+c.path, "tok", []byte(c.body))
		if code != c.code || res["error"] == "" || res["error"] == nil {
			t.Errorf("%s: %d %v, want %d with a message", name, code, res, c.code)
		}
	}
	resp, _ := http.Get(ts.URL + "/v1/score")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /v1/score: %d", resp.StatusCode)
	}
}

func TestBatchEndpoint(t *testing.T) {
	_, ts := newServer(t, Options{})
	rs := rows(t)
	var items []json.RawMessage
	for i, r := range rs {
		ans := r.RewardModel.GroundTruth
		if i%2 == 1 {
			ans = "nonsense"
		}
		items = append(items, reqBody(r, ans))
	}
	items = append(items, json.RawMessage(`{"data_source":"rlvrworld/web","solution_str":"x","ground_truth":"x"}`))
	body, _ := json.Marshal(map[string]any{"items": items})
	code, res := postJSON(t, ts.URL+"/v1/score/batch", "", body)
	if code != 200 {
		t.Fatalf("batch: %d %v", code, res)
	}
	results := res["results"].([]any)
	if len(results) != len(rs)+1 {
		t.Fatalf("%d results", len(results))
	}
	for i, x := range results[:len(rs)] {
		m := x.(map[string]any)
		if m["error"] != nil || (i%2 == 1) != (m["parse_error"] == 1.0) {
			t.Fatalf("item %d: %v", i, m)
		}
	}
	last := results[len(rs)].(map[string]any)
	if last["error"] == nil || last["score"] != 0.0 || last["f1"] != 0.0 {
		t.Fatalf("bad item must carry an error and the zero keys: %v", last)
	}
}

// TestTimeout holds the only scoring slot, so a request waits past its
// time limit and gets a 503.
func TestTimeout(t *testing.T) {
	s, ts := newServer(t, Options{Concurrency: 1, Timeout: 200 * time.Millisecond})
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	r := rows(t)[0]
	t0 := time.Now()
	code, res := postJSON(t, ts.URL+"/v1/score", "", reqBody(r, r.RewardModel.GroundTruth))
	if code != http.StatusServiceUnavailable || res["error"] == nil {
		t.Fatalf("%d %v", code, res)
	}
	if el := time.Since(t0); el > 2*time.Second {
		t.Fatalf("timeout took %s", el)
	}
}

// TestConcurrentClients scores from many clients at once (run with -race).
func TestConcurrentClients(t *testing.T) {
	_, ts := newServer(t, Options{})
	rs := rows(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				r := rs[(c*7+i)%len(rs)]
				resp, err := http.Post(ts.URL+"/v1/score", "application/json", bytes.NewReader(reqBody(r, r.RewardModel.GroundTruth)))
				if err != nil {
					mu.Lock()
					bad = append(bad, err.Error())
					mu.Unlock()
					return
				}
				var res map[string]float64
				json.NewDecoder(resp.Body).Decode(&res)
				resp.Body.Close()
				if resp.StatusCode != 200 || res["parse_error"] != 0 {
					mu.Lock()
					bad = append(bad, resp.Status)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(bad) > 0 {
		t.Fatal(bad)
	}
}

func TestLoadTestAndListen(t *testing.T) {
	sc, _ := verl.NewScorer()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- ListenAndServe(ctx, "127.0.0.1:0", New(sc, Options{}), func(a string) { addrc <- a }) }()
	addr := <-addrc
	rs := rows(t)
	var bodies [][]byte
	for _, r := range rs {
		bodies = append(bodies, reqBody(r, r.RewardModel.GroundTruth))
	}
	bodies = append(bodies, []byte("{"))
	rep, err := LoadTest(ctx, "http://"+addr+"/v1/score", bodies, 4)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != len(bodies) || rep.Errors != 1 || rep.RequestsPerS <= 0 || rep.P99Millis < rep.P50Millis {
		t.Fatalf("%+v", rep)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + addr + "/health"); err == nil {
		t.Fatal("server still answers after cancel")
	}
}

// BenchmarkScoreHTTP is one truth answer per request over loopback HTTP.
func BenchmarkScoreHTTP(b *testing.B) {
	sc, _ := verl.NewScorer()
	ts := httptest.NewServer(New(sc, Options{}))
	defer ts.Close()
	tg, _ := textgame.New(textgame.Options{})
	exs, _ := tg.Generate(context.Background(), envs.Val, 50, 2)
	rs, _ := verl.Rows(tg, exs)
	var bodies [][]byte
	for _, r := range rs {
		bodies = append(bodies, reqBody(r, r.RewardModel.GroundTruth))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += len(bodies) {
		LoadTest(context.Background(), ts.URL+"/v1/score", bodies, 8)
	}
}
