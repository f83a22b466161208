package verl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Generation is one line of the validation generations that verl dumps
// (trainer.validation_data_dir=DIR writes DIR/<step>.jsonl): the decoded
// prompt, the model's answer, the reward verl computed, and the reward
// function's extra keys.
type Generation struct {
	// Line is the 1-based line number in the file.
	Line int
	// Input is the prompt as verl decoded it, chat template included.
	Input string
	// Output is the model's answer: what the reward function scored.
	Output string
	// GroundTruth is the "gts" field, which newer verl versions dump; empty
	// otherwise.
	GroundTruth string
	// Score is the reward verl recorded.
	Score float64
	// Step is the training step of the dump.
	Step int64
	// Metrics are the other numeric fields (our metric keys when the
	// rlvrworld reward function scored the run).
	Metrics map[string]float64
}

// maxGenerationLine bounds one line of a generations file.
const maxGenerationLine = 64 << 20

// ReadGenerations parses a generations JSONL stream. A line that is not a
// JSON object with string "input" and "output" gives an error naming the
// line.
func ReadGenerations(r io.Reader) ([]Generation, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxGenerationLine)
	var out []Generation
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		g, err := parseGeneration(b)
		if err != nil {
			return nil, fmt.Errorf("verl: generations line %d: %w", line, err)
		}
		g.Line = line
		out = append(out, g)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("verl: read generations: %w", err)
	}
	return out, nil
}

func parseGeneration(b []byte) (Generation, error) {
	var g Generation
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(b, &rec); err != nil {
		return g, fmt.Errorf("not a JSON object: %w", err)
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"input", &g.Input}, {"output", &g.Output}} {
		raw, ok := rec[f.name]
		if !ok {
			return g, fmt.Errorf("no %q field", f.name)
		}
		if err := json.Unmarshal(raw, f.dst); err != nil {
			return g, fmt.Errorf("field %q is not a string", f.name)
		}
	}
	if raw, ok := rec["gts"]; ok {
		// Our ground truths are strings; another data source's may be
		// anything, kept as its JSON text.
		if json.Unmarshal(raw, &g.GroundTruth) != nil {
			g.GroundTruth = string(raw)
		}
	}
	if raw, ok := rec["score"]; ok {
		if err := json.Unmarshal(raw, &g.Score); err != nil {
			return g, fmt.Errorf("field \"score\" is not a number")
		}
	}
	if raw, ok := rec["step"]; ok {
		json.Unmarshal(raw, &g.Step) // a missing or odd step leaves 0
	}
	for k, raw := range rec {
		switch k {
		case "input", "output", "gts", "score", "step":
			continue
		}
		var v float64
		if json.Unmarshal(raw, &v) == nil {
			if g.Metrics == nil {
				g.Metrics = map[string]float64{}
			}
			g.Metrics[k] = v
		}
	}
	return g, nil
}

// LoadGenerations reads a generations JSONL file.
func LoadGenerations(path string) ([]Generation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("verl: %w", err)
	}
	defer f.Close()
	gens, err := ReadGenerations(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return gens, nil
}

// keyLen is how much of a prompt's first line indexes it.
const keyLen = 48

// Match finds, for each generation, the dataset row whose prompt it was:
// the row whose user message appears in the generation's input starting at
// a line start (chat templates put their markers around the message, on
// their own lines or before a newline). Rows with the same prompt are told
// apart by the dumped ground truth when there is one. It returns one row
// index per generation, -1 where no row matches.
func Match(gens []Generation, rows []Row) []int {
	byKey := make(map[string][]int, len(rows))
	for i := range rows {
		c := rows[i].UserContent()
		if c == "" {
			continue
		}
		k := lineKey(c)
		byKey[k] = append(byKey[k], i)
	}
	out := make([]int, len(gens))
	for gi := range gens {
		out[gi] = matchOne(&gens[gi], rows, byKey)
	}
	return out
}

func matchOne(g *Generation, rows []Row, byKey map[string][]int) int {
	in := g.Input
	best := -1
	for s := 0; s < len(in); {
		for _, ri := range byKey[lineKey(in[s:])] {
			if !strings.HasPrefix(in[s:], rows[ri].UserContent()) {
				continue
			}
			if g.GroundTruth == "" || rows[ri].RewardModel.GroundTruth == g.GroundTruth {
				return ri
			}
			if best < 0 {
				best = ri
			}
		}
		nl := strings.IndexByte(in[s:], '\n')
		if nl < 0 {
			break
		}
		s += nl + 1
	}
	return best
}

// lineKey is the first line of s, cut to keyLen bytes.
func lineKey(s string) string {
	if nl := strings.IndexByte(s, '\n'); nl >= 0 {
		s = s[:nl]
	}
	if len(s) > keyLen {
		s = s[:keyLen]
	}
	return s
}

// Rescored is a generation scored again by our verifier.
type Rescored struct {
	// Line is the generation's line in its file.
	Line int `json:"line"`
	// Step is the generation's training step.
	Step int64 `json:"step"`
	// Row is the matched dataset row's extra_info.index, -1 when none
	// matched.
	Row int64 `json:"row"`
	// DataSource is the matched row's data source.
	DataSource string `json:"data_source,omitempty"`
	// VerlScore is the score verl recorded.
	VerlScore float64 `json:"verl_score"`
	// Result is our score and metrics; nil when the line could not be
	// scored.
	Result Result `json:"result,omitempty"`
	// Error says why a line could not be scored.
	Error string `json:"error,omitempty"`
}

// Rescore scores every generation's output against the dataset row it was
// prompted with (see Match).
func (s *Scorer) Rescore(gens []Generation, rows []Row) []Rescored {
	idx := Match(gens, rows)
	out := make([]Rescored, len(gens))
	for i := range gens {
		g := &gens[i]
		r := Rescored{Line: g.Line, Step: g.Step, Row: -1, VerlScore: g.Score}
		if idx[i] < 0 {
			r.Error = "no dataset row's prompt appears in the input"
			out[i] = r
			continue
		}
		row := &rows[idx[i]]
		r.Row, r.DataSource = row.ExtraInfo.Index, row.DataSource
		res, err := s.Score(Request{DataSource: row.DataSource, SolutionStr: g.Output,
			GroundTruth: row.RewardModel.GroundTruth, ExtraInfo: row.ExtraInfo})
		if err != nil {
			r.Error = err.Error()
		} else {
			r.Result = res
		}
		out[i] = r
	}
	return out
}
