package textgame

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/tok"
	"github.com/rlvrworld/rlvrworld/stdlib/verify"
)

// Options configure the text game task. The zero value is the paper's
// task-specific reward.
type Options struct {
	// Reward is "task" (0.09·item_acc + 0.01·score_acc + 0.2·binary +
	// acc_changed, the default) or "binary" (1 when the whole next state is
	// right).
	Reward string
}

// Task is the text game state-prediction task; it implements envs.Task and
// envs.Codec.
type Task struct {
	opts Options
	tok  *tok.Text
}

// New returns the task, or an error for an unknown reward name.
func New(opts Options) (*Task, error) {
	switch opts.Reward {
	case "":
		opts.Reward = "task"
	case "task", "binary":
	default:
		return nil, fmt.Errorf("textgame: unknown reward %q (want task or binary)", opts.Reward)
	}
	return &Task{opts: opts, tok: Tokenizer()}, nil
}

// Transition is an example's payload: one step of a game.
type Transition struct {
	Game    string
	Variant int
	Action  string
	Before  *State
	After   *State
	// Prompt and Response are the texts the model reads and must write.
	Prompt, Response string

	before, after verify.State
}

// Pattern is the transition's pattern (envs.Patterned): the game, its
// name variant (which fixes the rules text) and the action, without the
// state.
func (t *Transition) Pattern() string { return fmt.Sprintf("%s/%d: %s", t.Game, t.Variant, t.Action) }

// Name is "textgame".
func (t *Task) Name() string { return "textgame" }

// VocabSize is the tokenizer's vocabulary size.
func (t *Task) VocabSize() int { return t.tok.VocabSize() }

// Tokenizer returns the task's tokenizer.
func (t *Task) Tokenizer() *tok.Text { return t.tok }

// Decoding is greedy for evaluation, ending at the stop token.
func (t *Task) Decoding() envs.Decoding {
	// Responses run to about 50 tokens (20,000 sampled examples); 80 leaves room.
	return envs.Decoding{MaxTokens: 80, Stop: tok.TextStop, EvalTemperature: 0}
}

// Generate returns n transitions of a split. About half are unchanged (an
// invalid or idle action while no rule is ticking). Train, val and test use
// every game's seen name variants and are disjoint: a transition belongs to
// the split envs.KeySplit gives its prompt (rules, state and action), and
// draws of other splits are skipped. Heldout uses only the held-out variant
// of each game (combinations of names never seen in training).
func (t *Task) Generate(ctx context.Context, split envs.Split, n int, seed int64) ([]envs.Example, error) {
	return envs.DrawSplit(ctx, "textgame", split, n, seed, 0, func(r *rand.Rand, id func() string) (*envs.Example, error) {
		tr := sampleTransition(r, split == envs.Heldout)
		// The key is the prompt: the game's rules (name variant), the state
		// and the action. Its hash decides the split.
		if !envs.InSplit(split, promptText(t.findRules(tr.Game), tr.Before, tr.Action)) {
			return nil, nil
		}
		return t.example(tr, id(), split)
	})
}

// sampleTransition plays a random game for a few steps with a mixed policy
// and returns one step, changed or unchanged with equal odds.
func sampleTransition(r *rand.Rand, heldout bool) *Transition {
	g := games[r.IntN(len(games))]
	variant := len(g.variants) - 1
	if !heldout {
		variant = r.IntN(len(g.variants) - 1)
	}
	w, _ := NewWorld(g.name, variant, r.Int64())
	warm := r.IntN(10)
	for s := 0; s < warm; s++ {
		a := policy(w, r)
		c := w.clone()
		c.Step(a)
		if c.st.Score.GameOver {
			break // keep the game running: a finished game ignores actions
		}
		w = c
	}
	// Ticking rules make some wanted no-ops change anyway, so ask for fewer
	// changes to land near half unchanged.
	wantChanged := r.Float64() < 0.42
	var action string
	var next *World
	for try := 0; try < 40; try++ {
		action = policy(w, r)
		next = w.clone()
		next.Step(action)
		if !next.st.Equal(w.st) == wantChanged {
			break
		}
	}
	return &Transition{Game: g.name, Variant: variant, Action: action, Before: w.st, After: next.st, Prompt: w.game.rules}
}

// policy mixes useful actions (valid ones), waiting and random typing.
func policy(w *World, r *rand.Rand) string {
	acts := w.Actions()
	switch p := r.Float64(); {
	case p < 0.45:
		for try := 0; try < 15; try++ {
			a := acts[r.IntN(len(acts))]
			c := w.clone()
			if c.act(a) {
				return a
			}
		}
		return acts[r.IntN(len(acts))]
	case p < 0.55:
		return "wait"
	default:
		return acts[r.IntN(len(acts))]
	}
}

// example serialises a transition.
func (t *Task) example(tr *Transition, id string, split envs.Split) (*envs.Example, error) {
	tr.Prompt = promptText(t.findRules(tr.Game), tr.Before, tr.Action)
	tr.Response = tr.Before.DiffJSON(tr.After)
	tr.before = tr.Before.verifyState()
	tr.after = tr.After.verifyState()
	target := t.tok.Encode(tr.Response)
	target = append(target, tok.TextStop)
	return &envs.Example{
		ID:      id,
		Task:    "textgame",
		Split:   split,
		Prompt:  t.tok.Encode(tr.Prompt),
		Target:  target,
		Changed: !tr.Before.Equal(tr.After),
		Payload: tr,
	}, nil
}

func (t *Task) findRules(name string) string {
	if g := findGame(name); g != nil {
		return g.rules
	}
	return name
}

func promptText(rules string, s *State, action string) string {
	return rules + "\nstate: " + s.JSON() + "\naction: " + action
}

// Score decodes a response and scores it against the true next state.
func (t *Task) Score(ex *envs.Example, response []int) envs.Score {
	tr, ok := ex.Payload.(*Transition)
	if !ok || tr == nil {
		return envs.Score{Metrics: zeroMetrics(), Err: fmt.Sprintf("textgame: example %s has no text game payload", ex.ID)}
	}
	text, err := t.tok.Decode(response)
	if err != nil {
		return envs.Score{Metrics: zeroMetrics(), Err: err.Error()}
	}
	return t.ScoreText(tr, text)
}

func zeroMetrics() map[string]float64 {
	return map[string]float64{"binary": 0, "item_acc": 0, "score_acc": 0}
}

// ScoreText scores a response text against tr: it parses the diff
// tolerantly, applies it to the state before, and compares the result with
// the true next state object by object and property by property. A response
// that cannot be parsed scores 0 with Err set.
func (t *Task) ScoreText(tr *Transition, text string) envs.Score {
	// Generated and decoded examples carry the canonical states; a
	// transition built by hand gets them computed here, without writing to
	// tr, so that concurrent scoring stays race-free.
	before, after := tr.before, tr.after
	if before == nil || after == nil {
		before, after = tr.Before.verifyState(), tr.After.verifyState()
	}
	pred, score, err := applyDiff(before, tr.Before.Score, text)
	if err != nil {
		return envs.Score{Metrics: zeroMetrics(), Err: err.Error()}
	}
	m := verify.CompareStates(before, after, pred)
	truth := tr.After.Score.fields()
	right := 0
	for i := range truth {
		if score[i] == truth[i] {
			right++
		}
	}
	scoreAcc := float64(right) / 3
	binary := 0.0
	if m.AllRight() && right == 3 {
		binary = 1
	}
	metrics := map[string]float64{"binary": binary, "item_acc": m.ItemAcc(), "score_acc": scoreAcc,
		// What went wrong, 1 or 0 (Evaluate reports their shares).
		"err_name": flag(m.WrongName > 0), "err_props": flag(m.WrongProps > 0),
		"err_contains": flag(m.WrongContains > 0), "err_presence": flag(m.WrongPresence > 0),
		"err_score": flag(right < 3)}
	accChanged, hasChanged := m.ChangedAcc()
	if hasChanged {
		metrics["acc_changed"] = accChanged
	}
	reward := verify.TextGameReward(m.ItemAcc(), scoreAcc, binary, accChanged, hasChanged)
	if t.opts.Reward == "binary" {
		reward = binary
	}
	return envs.Score{Reward: reward, Metrics: metrics}
}

// flag is 1 for true and 0 for false.
func flag(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// errorKinds are the per-transition error flags of ScoreText, which
// Evaluate averages.
var errorKinds = []string{"err_name", "err_props", "err_contains", "err_presence", "err_score"}

// applyDiff parses a response diff and applies it to before, returning the
// predicted state and score fields.
func applyDiff(before verify.State, beforeScore Score, text string) (verify.State, [3]string, error) {
	score := beforeScore.fields()
	if len(text) == 0 {
		return nil, score, errors.New("textgame: empty response")
	}
	v, err := verify.ParseLooseJSON(text)
	if err != nil {
		return nil, score, err
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, score, errors.New("textgame: response is not a JSON object")
	}
	pred := make(verify.State, len(before)+2)
	for k, o := range before {
		pred[k] = o
	}
	if raw, ok := top["modified"]; ok && raw != nil {
		list, ok := raw.([]any)
		if !ok {
			return nil, score, errors.New("textgame: \"modified\" is not a list")
		}
		for i, item := range list {
			obj, ok := item.(map[string]any)
			if !ok {
				return nil, score, fmt.Errorf("textgame: modified[%d] is not an object", i)
			}
			id, ok := idText(obj["uuid"])
			if !ok {
				return nil, score, fmt.Errorf("textgame: modified[%d] has no uuid", i)
			}
			o := pred[id] // start from the old object: missing fields keep their values
			if name, ok := obj["name"].(string); ok {
				o.Name = name
			}
			if props, ok := obj["properties"].(map[string]any); ok {
				o.Props = make(map[string]string, len(props))
				for k, pv := range props {
					o.Props[k] = verify.CanonicalValue(pv)
				}
			}
			if cs, ok := obj["contains"].([]any); ok {
				o.Contains = make([]string, 0, len(cs))
				for _, c := range cs {
					if cid, ok := idText(c); ok {
						o.Contains = append(o.Contains, cid)
					}
				}
			}
			pred[id] = o
		}
	}
	if raw, ok := top["removed"]; ok && raw != nil {
		list, ok := raw.([]any)
		if !ok {
			return nil, score, errors.New("textgame: \"removed\" is not a list")
		}
		for _, item := range list {
			if id, ok := idText(item); ok {
				delete(pred, id)
			}
		}
	}
	if sc, ok := top["score"].(map[string]any); ok {
		for i, k := range []string{"score", "gameOver", "gameWon"} {
			if v, ok := sc[k]; ok {
				score[i] = verify.CanonicalValue(v)
			}
		}
	}
	return pred, score, nil
}

// idText returns a uuid as text; numbers and numeric strings both work.
func idText(v any) (string, bool) {
	switch x := v.(type) {
	case float64:
		return verify.CanonicalValue(x), true
	case string:
		if x == "" {
			return "", false
		}
		return x, true
	}
	return "", false
}

// Evaluate reports exact-match accuracy (binary) overall, on changed and on
// unchanged transitions, and the mean reward. For error analysis it also
// reports the share of transitions whose predicted next state has an object
// with a wrong name (err_name), wrong properties (err_props), a wrong
// contains set (err_contains), an object missing or extra (err_presence),
// or a wrong score (err_score); a response that cannot be parsed counts in
// none of them (grpo.Evaluate reports parse_errors).
func (t *Task) Evaluate(exs []envs.Example, scores []envs.Score) map[string]float64 {
	var all, ch, un, nch, nun, reward float64
	errs := make([]float64, len(errorKinds))
	for i := range exs {
		if i >= len(scores) {
			break
		}
		b := scores[i].Metrics["binary"]
		all += b
		reward += scores[i].Reward
		for k, name := range errorKinds {
			errs[k] += scores[i].Metrics[name]
		}
		if exs[i].Changed {
			ch += b
			nch++
		} else {
			un += b
			nun++
		}
	}
	n := float64(len(exs))
	if len(scores) < len(exs) {
		n = float64(len(scores))
	}
	out := map[string]float64{"n": n, "n_changed": nch, "n_unchanged": nun}
	if n > 0 {
		out["acc_overall"] = all / n
		out["reward"] = reward / n
		for k, name := range errorKinds {
			out[name] = errs[k] / n
		}
	}
	if nch > 0 {
		out["acc_changed"] = ch / nch
	}
	if nun > 0 {
		out["acc_unchanged"] = un / nun
	}
	return out
}

// Record is the JSONL record of ex: the prompt and ground truth texts plus
// the game, the action and the state before (to rebuild the example).
func (t *Task) Record(ex *envs.Example) (map[string]any, error) {
	tr, ok := ex.Payload.(*Transition)
	if !ok || tr == nil {
		return nil, fmt.Errorf("textgame: example %s has no text game payload", ex.ID)
	}
	return map[string]any{
		"id": ex.ID, "task": "textgame", "split": string(ex.Split),
		"prompt": tr.Prompt, "ground_truth": tr.Response, "changed": ex.Changed,
		"game": tr.Game, "variant": tr.Variant, "action": tr.Action, "state": tr.Before.JSON(),
	}, nil
}

// Example rebuilds an example from its record.
func (t *Task) Example(rec map[string]json.RawMessage) (*envs.Example, error) {
	var id, split, game, action, state, gt string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"id", &id}, {"split", &split}, {"game", &game}, {"action", &action}, {"state", &state}, {"ground_truth", &gt}} {
		raw, ok := rec[f.name]
		if !ok {
			return nil, fmt.Errorf("textgame: record lacks %q", f.name)
		}
		if err := json.Unmarshal(raw, f.dst); err != nil {
			return nil, fmt.Errorf("textgame: record field %q: %w", f.name, err)
		}
	}
	var variant int
	if raw, ok := rec["variant"]; ok {
		if err := json.Unmarshal(raw, &variant); err != nil {
			return nil, fmt.Errorf("textgame: record field \"variant\": %w", err)
		}
	}
	before, err := ParseState(state)
	if err != nil {
		return nil, fmt.Errorf("textgame: record %s field \"state\": %w", id, err)
	}
	after, err := before.ApplyDiff(gt)
	if err != nil {
		return nil, fmt.Errorf("textgame: record %s field \"ground_truth\": %w", id, err)
	}
	tr := &Transition{Game: game, Variant: variant, Action: action, Before: before, After: after}
	ex, err := t.example(tr, id, envs.Split(split))
	if err != nil {
		return nil, err
	}
	return ex, nil
}

// ScorePrediction scores a record's "prediction" (a JSON string).
func (t *Task) ScorePrediction(ex *envs.Example, prediction json.RawMessage) (envs.Score, error) {
	var text string
	if err := json.Unmarshal(prediction, &text); err != nil {
		return envs.Score{}, fmt.Errorf("textgame: \"prediction\" must be a string: %w", err)
	}
	tr, ok := ex.Payload.(*Transition)
	if !ok || tr == nil {
		return envs.Score{}, fmt.Errorf("textgame: example %s has no text game payload", ex.ID)
	}
	return t.ScoreText(tr, text), nil
}

// ParseState parses a state's JSON as State.JSON writes it (strictly: this
// is our own data, not a model's output).
func ParseState(text string) (*State, error) {
	var raw struct {
		Objects []struct {
			UUID       int                        `json:"uuid"`
			Name       string                     `json:"name"`
			Properties map[string]json.RawMessage `json:"properties"`
			Contains   []int                      `json:"contains"`
		} `json:"objects"`
		Score struct {
			Score    int  `json:"score"`
			GameOver bool `json:"gameOver"`
			GameWon  bool `json:"gameWon"`
		} `json:"score"`
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, fmt.Errorf("parse state: %w", err)
	}
	s := &State{Score: Score{raw.Score.Score, raw.Score.GameOver, raw.Score.GameWon}}
	for _, o := range raw.Objects {
		obj := &Object{UUID: o.UUID, Name: o.Name, Contains: o.Contains}
		keys, err := objectKeyOrder(text, o.UUID, o.Properties)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			v, err := parseValue(o.Properties[k])
			if err != nil {
				return nil, fmt.Errorf("parse state: object %d property %q: %w", o.UUID, k, err)
			}
			obj.Props = append(obj.Props, Prop{k, v})
		}
		if obj.Contains != nil {
			obj.container = true
		}
		s.Objects = append(s.Objects, obj)
	}
	sort.SliceStable(s.Objects, func(i, j int) bool { return s.Objects[i].UUID < s.Objects[j].UUID })
	return s, nil
}

// objectKeyOrder recovers the properties' order (Go maps lose it) by
// decoding the object again as a token stream.
func objectKeyOrder(text string, uuid int, props map[string]json.RawMessage) ([]string, error) {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	// Order by first position of `"key":` after the object's uuid; keys are
	// unique within an object, and names cannot contain `":`.
	start := strings.Index(text, `{"uuid":`+strconv.Itoa(uuid)+`,`)
	if start < 0 {
		sort.Strings(keys)
		return keys, nil
	}
	pos := func(k string) int {
		p := strings.Index(text[start:], `"`+k+`":`)
		if p < 0 {
			return 1 << 30
		}
		return p
	}
	sort.SliceStable(keys, func(i, j int) bool { return pos(keys[i]) < pos(keys[j]) })
	return keys, nil
}

func parseValue(raw json.RawMessage) (Value, error) {
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		return Value{}, err
	}
	switch v := x.(type) {
	case bool:
		return Bool(v), nil
	case float64:
		if v != float64(int(v)) {
			return Value{}, fmt.Errorf("non-integer number %v", v)
		}
		return Int(int(v)), nil
	case string:
		return Str(v), nil
	}
	return Value{}, fmt.Errorf("unsupported value %s", string(raw))
}

// ApplyDiff returns the state that a diff in the response format (strict
// JSON, as DiffJSON writes it) makes of s.
func (s *State) ApplyDiff(diff string) (*State, error) {
	var raw struct {
		Modified []json.RawMessage `json:"modified"`
		Removed  []int             `json:"removed"`
		Score    *struct {
			Score    int  `json:"score"`
			GameOver bool `json:"gameOver"`
			GameWon  bool `json:"gameWon"`
		} `json:"score"`
	}
	if err := json.Unmarshal([]byte(diff), &raw); err != nil {
		return nil, fmt.Errorf("parse diff: %w", err)
	}
	next := s.Clone()
	for _, m := range raw.Modified {
		one, err := ParseState(`{"objects":[` + string(m) + `]}`)
		if err != nil || len(one.Objects) != 1 {
			return nil, fmt.Errorf("parse diff: bad modified object %s", string(m))
		}
		o := one.Objects[0]
		if old := next.Object(o.UUID); old != nil {
			*old = *o
		} else {
			next.Objects = append(next.Objects, o)
		}
	}
	for _, id := range raw.Removed {
		out := next.Objects[:0]
		for _, o := range next.Objects {
			if o.UUID != id {
				out = append(out, o)
			}
		}
		next.Objects = out
	}
	if raw.Score != nil {
		next.Score = Score{raw.Score.Score, raw.Score.GameOver, raw.Score.GameWon}
	}
	sort.SliceStable(next.Objects, func(i, j int) bool { return next.Objects[i].UUID < next.Objects[j].UUID })
	return next, nil
}

// WithReward returns a copy of the task scoring with the named reward
// ("task" or "binary").
func (t *Task) WithReward(name string) (envs.Task, error) {
	return New(Options{Reward: name})
}
