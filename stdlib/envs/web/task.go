package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/tok"
	"github.com/rlvrworld/rlvrworld/stdlib/verify"
)

// Task is the web page state-prediction task; it implements envs.Task and
// envs.Codec.
type Task struct {
	tok *tok.Text
}

// New returns the task.
func New() (*Task, error) { return &Task{tok: Tokenizer()}, nil }

// Transition is an example's payload: one step of a browsing session.
type Transition struct {
	URL, Objective, Previous, Action string
	// Before and After are the trees before and after the action.
	Before, After []string
	// Prompt and Response are the texts the model reads and must write.
	Prompt, Response string
	// Sections are the true response's lines: New, Deleted, Updated.
	Sections Sections
}

// Sections are the three parts of a page diff.
type Sections struct {
	New, Deleted, Updated []string
}

// Pattern is the transition's pattern (envs.Patterned): the page's URL
// and the action, without the page's items, the objective or the previous
// action.
func (t *Transition) Pattern() string { return t.URL + " " + t.Action }

// Name is "web".
func (t *Task) Name() string { return "web" }

// VocabSize is the tokenizer's vocabulary size.
func (t *Task) VocabSize() int { return t.tok.VocabSize() }

// Tokenizer returns the task's tokenizer.
func (t *Task) Tokenizer() *tok.Text { return t.tok }

// Decoding is greedy for evaluation, ending at the stop token.
func (t *Task) Decoding() envs.Decoding {
	// Responses run to about 80 tokens (20,000 sampled examples); 112 leaves room.
	return envs.Decoding{MaxTokens: 112, Stop: tok.TextStop, EvalTemperature: 0}
}

// DiffItems compares two trees by item id: items only in after are new,
// items only in before are deleted, and items in both whose line changed
// are updated (listed with their new line).
func DiffItems(before, after []Item) Sections {
	var s Sections
	old := make(map[int]string, len(before))
	for _, it := range before {
		old[it.ID] = it.Line()
	}
	now := make(map[int]bool, len(after))
	for _, it := range after {
		now[it.ID] = true
		l, ok := old[it.ID]
		switch {
		case !ok:
			s.New = append(s.New, it.Line())
		case l != it.Line():
			s.Updated = append(s.Updated, it.Line())
		}
	}
	for _, it := range before {
		if !now[it.ID] {
			s.Deleted = append(s.Deleted, it.Line())
		}
	}
	return s
}

// Text is the response format: each section's header, then its lines or
// "None".
func (s Sections) Text() string {
	var b strings.Builder
	sec := func(h string, lines []string) {
		b.WriteString(h)
		b.WriteByte('\n')
		if len(lines) == 0 {
			b.WriteString("None\n")
		}
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	sec("New items:", s.New)
	sec("Deleted items:", s.Deleted)
	sec("Updated items:", s.Updated)
	return strings.TrimSuffix(b.String(), "\n")
}

// Empty reports whether no section has a line.
func (s Sections) Empty() bool { return len(s.New)+len(s.Deleted)+len(s.Updated) == 0 }

// maxResponse bounds the text ParseSections reads.
const maxResponse = 1 << 20

// ParseSections parses a response in the sections format. It tolerates
// extra spaces, a missing colon, any letter case in the headers and "None"
// lines; lines before the first header are ignored. A text with no header
// at all is an error.
func ParseSections(text string) (Sections, error) {
	var s Sections
	if len(text) > maxResponse {
		return s, fmt.Errorf("web: response of %d bytes exceeds the %d-byte limit", len(text), maxResponse)
	}
	var cur *[]string
	found := false
	for len(text) > 0 {
		var line string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			line, text = text, ""
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if h := header(line); h != 0 {
			found = true
			switch h {
			case 'n':
				cur = &s.New
			case 'd':
				cur = &s.Deleted
			case 'u':
				cur = &s.Updated
			}
			continue
		}
		if cur == nil || strings.EqualFold(line, "none") {
			continue
		}
		*cur = append(*cur, line)
	}
	if !found {
		return s, errors.New("web: no \"New items:\", \"Deleted items:\" or \"Updated items:\" section")
	}
	return s, nil
}

// header recognises a section header: 'n', 'd', 'u', or 0.
func header(line string) byte {
	l := strings.TrimSuffix(strings.TrimSpace(line), ":")
	if len(l) > 16 {
		return 0
	}
	switch strings.ToLower(strings.TrimSpace(l)) {
	case "new items", "new item":
		return 'n'
	case "deleted items", "deleted item":
		return 'd'
	case "updated items", "updated item":
		return 'u'
	}
	return 0
}

// Match compares predicted sections with the truth: a multiset of exact
// lines per section, summed over the three sections.
func Match(pred, truth Sections) verify.LineMatch {
	var m verify.LineMatch
	m.Add(verify.MatchLines(pred.New, truth.New))
	m.Add(verify.MatchLines(pred.Deleted, truth.Deleted))
	m.Add(verify.MatchLines(pred.Updated, truth.Updated))
	return m
}

// Generate returns n page transitions of a split. Train, val and test are
// disjoint: a transition belongs to the split envs.KeySplit gives its page
// and action (splitKey), and draws of other splits are skipped. Heldout
// sites sell only colour-kind pairs and discuss topics that the other
// splits never show.
func (t *Task) Generate(ctx context.Context, split envs.Split, n int, seed int64) ([]envs.Example, error) {
	return envs.DrawSplit(ctx, "web", split, n, seed, 10, func(r *rand.Rand, id func() string) (*envs.Example, error) {
		tr := sampleTransition(r, split == envs.Heldout)
		if !envs.InSplit(split, splitKey(tr)) {
			return nil, nil
		}
		return t.example(tr, id(), split), nil
	})
}

// splitKey is a transition's canonical key for envs.KeySplit: the page (its
// URL and items) and the action. The objective and the previous action are
// left out, so that the same step on the same page under another goal
// stays in the same split too.
func splitKey(tr *Transition) string {
	return tr.URL + "\n" + strings.Join(tr.Before, "\n") + "\naction: " + tr.Action
}

// sampleTransition browses a random site for a few steps and returns one
// step.
func sampleTransition(r *rand.Rand, heldout bool) *Transition {
	b := NewBrowser(NewSite(r.Int64(), heldout))
	goals := Goals(b)
	goal := goals[r.IntN(len(goals))]
	prev := "None"
	warm := r.IntN(7)
	for s := 0; s < warm; s++ {
		a := Policy(b, r)
		if b.Step(a) {
			prev = a
		}
	}
	a := Policy(b, r)
	before := b.Items()
	url := b.URL()
	b.Step(a)
	after := b.Items()
	tr := &Transition{URL: url, Objective: goal.Text, Previous: prev, Action: a, Sections: DiffItems(before, after)}
	for _, it := range before {
		tr.Before = append(tr.Before, it.Line())
	}
	for _, it := range after {
		tr.After = append(tr.After, it.Line())
	}
	return tr
}

// Policy is the data-collection policy: mostly candidate actions, sometimes
// a click on a random id or typing into something that is not a field (so
// that about a quarter of the steps change nothing).
func Policy(b *Browser, r *rand.Rand) string {
	switch p := r.Float64(); {
	case p < 0.7:
		c := b.Candidates()
		return c[r.IntN(len(c))]
	case p < 0.85:
		return "click [" + strconv.Itoa(1+r.IntN(b.nextID+2)) + "]"
	default:
		it := b.items[r.IntN(len(b.items))]
		return fmt.Sprintf("type [%d] %q", it.ID, replies[r.IntN(len(replies))])
	}
}

func (t *Task) example(tr *Transition, id string, split envs.Split) *envs.Example {
	tr.Prompt = promptText(tr)
	tr.Response = tr.Sections.Text()
	target := append(t.tok.Encode(tr.Response), tok.TextStop)
	return &envs.Example{
		ID: id, Task: "web", Split: split,
		Prompt: t.tok.Encode(tr.Prompt), Target: target,
		Changed: !tr.Sections.Empty(), Payload: tr,
	}
}

func promptText(tr *Transition) string {
	return "url: " + tr.URL + "\nobjective: " + tr.Objective + "\nprevious: " + tr.Previous + "\n" +
		strings.Join(tr.Before, "\n") + "\naction: " + tr.Action
}

// Score decodes a response and scores it with the line F1.
func (t *Task) Score(ex *envs.Example, response []int) envs.Score {
	tr, ok := ex.Payload.(*Transition)
	if !ok || tr == nil {
		return envs.Score{Metrics: zero(), Err: fmt.Sprintf("web: example %s has no web payload", ex.ID)}
	}
	text, err := t.tok.Decode(response)
	if err != nil {
		return envs.Score{Metrics: zero(), Err: err.Error()}
	}
	return ScoreText(tr, text)
}

func zero() map[string]float64 { return map[string]float64{"precision": 0, "recall": 0, "f1": 0} }

// ScoreText scores a response text: the reward is the F1 of exact line
// matches over the three sections (1 when both the truth and the prediction
// list nothing). A response without any section header scores 0 with Err.
func ScoreText(tr *Transition, text string) envs.Score {
	pred, err := ParseSections(text)
	if err != nil {
		return envs.Score{Metrics: zero(), Err: err.Error()}
	}
	m := Match(pred, tr.Sections)
	f1 := m.F1()
	return envs.Score{Reward: f1, Metrics: map[string]float64{"precision": m.Precision(), "recall": m.Recall(), "f1": f1}}
}

// Evaluate reports the mean precision, recall and F1, also split into
// changed and unchanged transitions.
func (t *Task) Evaluate(exs []envs.Example, scores []envs.Score) map[string]float64 {
	out := map[string]float64{}
	var n, nch float64
	var sum, sumCh, sumUn [3]float64
	keys := [3]string{"precision", "recall", "f1"}
	for i := range exs {
		if i >= len(scores) {
			break
		}
		n++
		for k, key := range keys {
			v := scores[i].Metrics[key]
			sum[k] += v
			if exs[i].Changed {
				sumCh[k] += v
			} else {
				sumUn[k] += v
			}
		}
		if exs[i].Changed {
			nch++
		}
	}
	out["n"], out["n_changed"] = n, nch
	for k, key := range keys {
		if n > 0 {
			out[key] = sum[k] / n
		}
		if nch > 0 {
			out[key+"_changed"] = sumCh[k] / nch
		}
		if n-nch > 0 {
			out[key+"_unchanged"] = sumUn[k] / (n - nch)
		}
	}
	return out
}

// Record is the JSONL record of ex.
func (t *Task) Record(ex *envs.Example) (map[string]any, error) {
	tr, ok := ex.Payload.(*Transition)
	if !ok || tr == nil {
		return nil, fmt.Errorf("web: example %s has no web payload", ex.ID)
	}
	return map[string]any{
		"id": ex.ID, "task": "web", "split": string(ex.Split),
		"prompt": tr.Prompt, "ground_truth": tr.Response, "changed": ex.Changed,
		"url": tr.URL, "objective": tr.Objective, "previous": tr.Previous, "action": tr.Action,
		"tree": tr.Before, "next_tree": tr.After,
	}, nil
}

// Example rebuilds an example from its record.
func (t *Task) Example(rec map[string]json.RawMessage) (*envs.Example, error) {
	tr := &Transition{}
	var id, split, gt string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"id", &id}, {"split", &split}, {"ground_truth", &gt}, {"url", &tr.URL}, {"objective", &tr.Objective}, {"previous", &tr.Previous}, {"action", &tr.Action}} {
		raw, ok := rec[f.name]
		if !ok {
			return nil, fmt.Errorf("web: record lacks %q", f.name)
		}
		if err := json.Unmarshal(raw, f.dst); err != nil {
			return nil, fmt.Errorf("web: record field %q: %w", f.name, err)
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"tree", &tr.Before}, {"next_tree", &tr.After}} {
		raw, ok := rec[f.name]
		if !ok {
			return nil, fmt.Errorf("web: record lacks %q", f.name)
		}
		if err := json.Unmarshal(raw, f.dst); err != nil {
			return nil, fmt.Errorf("web: record field %q: %w", f.name, err)
		}
	}
	s, err := ParseSections(gt)
	if err != nil {
		return nil, fmt.Errorf("web: record %s field \"ground_truth\": %w", id, err)
	}
	tr.Sections = s
	return t.example(tr, id, envs.Split(split)), nil
}

// ScorePrediction scores a record's "prediction" (a JSON string).
func (t *Task) ScorePrediction(ex *envs.Example, prediction json.RawMessage) (envs.Score, error) {
	var text string
	if err := json.Unmarshal(prediction, &text); err != nil {
		return envs.Score{}, fmt.Errorf("web: \"prediction\" must be a string: %w", err)
	}
	tr, ok := ex.Payload.(*Transition)
	if !ok || tr == nil {
		return envs.Score{}, fmt.Errorf("web: example %s has no web payload", ex.ID)
	}
	return ScoreText(tr, text), nil
}
