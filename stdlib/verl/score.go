package verl

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/textgame"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
)

// metricKeys are the keys of every result per data source, "score" first.
// They are fixed because verl takes the key set of its reward_extra_info
// from the first sample of a batch: a key that only some samples carry
// breaks its bookkeeping. integrations/verl/rlvrworld_reward.py holds the
// same table for the results it makes up when the service is unreachable.
var metricKeys = map[string][]string{
	// acc_changed is 0 on unchanged transitions; "changed" (0 or 1) tells
	// them apart, so the mean over changed rows can still be taken.
	SourceTextgame: {"score", "binary", "item_acc", "score_acc", "acc_changed", "changed", "parse_error"},
	SourceWeb:      {"score", "precision", "recall", "f1", "parse_error"},
}

// MetricKeys returns the result keys of a data source ("score" first), or
// nil for an unknown one.
func MetricKeys(dataSource string) []string {
	k := metricKeys[dataSource]
	if k == nil {
		return nil
	}
	return append([]string(nil), k...)
}

// DataSources lists the data sources a Scorer knows, sorted.
func DataSources() []string {
	out := make([]string, 0, len(metricKeys))
	for k := range metricKeys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Request is one reward call, as verl makes it: the data source, the
// model's answer, the row's ground truth and its extra_info.
type Request struct {
	DataSource  string    `json:"data_source"`
	SolutionStr string    `json:"solution_str"`
	GroundTruth string    `json:"ground_truth"`
	ExtraInfo   ExtraInfo `json:"extra_info"`
}

// Result is the score and the fixed metric keys of a request's data
// source, all floats.
type Result map[string]float64

// Scorer scores verl reward calls with the tasks' own codecs
// (envs.Codec.ScorePrediction with the answer as a JSON string), so a verl
// run, `rlvrworld verify` and a notebook agree on every reward. It is safe
// for concurrent use.
type Scorer struct {
	tasks map[string]envs.Task

	mu    sync.Mutex
	cache map[string]*envs.Example // rebuilt examples by request key
}

// cacheSize bounds the example cache. verl samples G answers per prompt, so
// the same payload arrives G times in a row; a few thousand entries cover a
// rollout batch, and the cache is simply emptied when full.
const cacheSize = 8192

// NewScorer returns a scorer for the text game (task-specific reward) and
// the web task.
func NewScorer() (*Scorer, error) {
	tg, err := textgame.New(textgame.Options{})
	if err != nil {
		return nil, err
	}
	wb, err := web.New()
	if err != nil {
		return nil, err
	}
	return &Scorer{
		tasks: map[string]envs.Task{SourceTextgame: tg, SourceWeb: wb},
		cache: make(map[string]*envs.Example),
	}, nil
}

// Task returns the task behind a data source, or nil.
func (s *Scorer) Task(dataSource string) envs.Task { return s.tasks[dataSource] }

// Example rebuilds the example of a request (its ground truth and
// payload) through the task's codec. It is what the scorer compares an
// answer with; notebooks use it to draw diffs of loaded generations.
func (s *Scorer) Example(dataSource, groundTruth string, info ExtraInfo) (*envs.Example, error) {
	t := s.tasks[dataSource]
	if t == nil {
		return nil, fmt.Errorf("verl: unknown data_source %q (want %s or %s)", dataSource, SourceTextgame, SourceWeb)
	}
	key := dataSource + "\x00" + groundTruth + "\x00" + info.Payload
	s.mu.Lock()
	ex := s.cache[key]
	s.mu.Unlock()
	if ex != nil {
		return ex, nil
	}
	if info.Payload == "" {
		return nil, errors.New("verl: extra_info.payload is empty (export the data with `rlvrworld data --format verl`)")
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal([]byte(info.Payload), &rec); err != nil {
		return nil, fmt.Errorf("verl: extra_info.payload is not a JSON object: %w", err)
	}
	gt, _ := json.Marshal(groundTruth)
	rec["ground_truth"] = gt
	ex, err := t.(envs.Codec).Example(rec)
	if err != nil {
		return nil, fmt.Errorf("verl: rebuild example: %w", err)
	}
	s.mu.Lock()
	if len(s.cache) >= cacheSize {
		clear(s.cache)
	}
	s.cache[key] = ex
	s.mu.Unlock()
	return ex, nil
}

// Score scores one request. A malformed request (unknown data source, bad
// payload) is an error; an answer that cannot be parsed is not: it scores
// 0 with parse_error 1. The result always has exactly MetricKeys of the
// data source.
func (s *Scorer) Score(req Request) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("verl: verifier panic: %v", p)
		}
	}()
	ex, err := s.Example(req.DataSource, req.GroundTruth, req.ExtraInfo)
	if err != nil {
		return nil, err
	}
	answer, _ := json.Marshal(req.SolutionStr)
	sc, err := s.tasks[req.DataSource].(envs.Codec).ScorePrediction(ex, answer)
	if err != nil {
		return nil, fmt.Errorf("verl: score: %w", err)
	}
	return resultOf(req.DataSource, ex, sc), nil
}

// resultOf maps a task score onto the fixed keys.
func resultOf(source string, ex *envs.Example, sc envs.Score) Result {
	res := ZeroResult(source)
	res["score"] = finite(sc.Reward)
	for k := range res {
		if v, ok := sc.Metrics[k]; ok {
			res[k] = finite(v)
		}
	}
	if _, ok := res["changed"]; ok && ex.Changed {
		res["changed"] = 1
	}
	if sc.Err != "" {
		res["parse_error"] = 1
	}
	return res
}

// ZeroResult returns the data source's keys, all 0: the result of an
// answer that cannot be scored.
func ZeroResult(dataSource string) Result {
	res := make(Result, len(metricKeys[dataSource]))
	for _, k := range metricKeys[dataSource] {
		res[k] = 0
	}
	return res
}

func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
