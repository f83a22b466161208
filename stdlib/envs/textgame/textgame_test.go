package textgame

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/tok"
)

var _ envs.Task = (*Task)(nil)
var _ envs.Codec = (*Task)(nil)

func newTask(t testing.TB) *Task {
	task, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func TestGamesAndVocabulary(t *testing.T) {
	if n := len(Games()); n < 8 {
		t.Errorf("%d game types, want >= 8", n)
	}
	if v := newTask(t).VocabSize(); v > 512 {
		t.Errorf("vocabulary %d > 512", v)
	}
	if _, err := New(Options{Reward: "nope"}); err == nil {
		t.Error("unknown reward accepted")
	}
}

// checkInvariants: uuids unique and increasing, contains refers to existing
// objects, every object in at most one container, no object contains itself.
func checkInvariants(t *testing.T, s *State, where string) {
	t.Helper()
	parent := map[int]int{}
	for i, o := range s.Objects {
		if i > 0 && o.UUID <= s.Objects[i-1].UUID {
			t.Fatalf("%s: uuids not increasing at %d", where, o.UUID)
		}
		for _, c := range o.Contains {
			if s.Object(c) == nil {
				t.Fatalf("%s: %s contains missing uuid %d", where, o.Name, c)
			}
			if c == o.UUID {
				t.Fatalf("%s: %s contains itself", where, o.Name)
			}
			if p, dup := parent[c]; dup {
				t.Fatalf("%s: uuid %d is in both %d and %d", where, c, p, o.UUID)
			}
			parent[c] = o.UUID
		}
	}
	if s.Score.GameWon && !s.Score.GameOver {
		t.Fatalf("%s: won but not over", where)
	}
}

func TestSimulatorInvariantsAndDeterminism(t *testing.T) {
	for _, g := range Games() {
		for v := 0; v < 4; v++ {
			run := func() []string {
				w, err := NewWorld(g, v, int64(v)*31+7)
				if err != nil {
					t.Fatal(err)
				}
				var trace []string
				for step := 0; step < 30; step++ {
					acts := w.Actions()
					a := acts[(step*7919+v)%len(acts)]
					if step%3 == 0 {
						a = "wait"
					}
					w.Step(a)
					checkInvariants(t, w.st, g+" after "+a)
					trace = append(trace, w.st.JSON())
				}
				return trace
			}
			if a, b := run(), run(); !reflect.DeepEqual(a, b) {
				t.Fatalf("%s variant %d: two runs differ", g, v)
			}
		}
	}
	if _, err := NewWorld("no such game", 0, 1); err == nil {
		t.Error("unknown game accepted")
	}
}

func TestRulesTick(t *testing.T) {
	// A pot of water on a burning stove heats by 20 or 30 per tick to 100.
	w, _ := NewWorld("boil water", 0, 3)
	stove, pot, water := w.st.Objects[1], w.st.Objects[2], w.st.Named("water")
	w.moveTo(pot, stove)
	stove.Set("isOn", Bool(true))
	last := intProp(water, "temp")
	for i := 0; i < 4 && !w.st.Score.GameOver; i++ {
		w.Step("wait")
		d := intProp(water, "temp") - last
		if d != 20 && d != 30 && intProp(water, "temp") != 100 {
			t.Fatalf("heating step %d: temp went %d -> %d", i, last, intProp(water, "temp"))
		}
		last = intProp(water, "temp")
	}
	if !w.st.Score.GameWon {
		t.Errorf("water at %d after heating: game not won", last)
	}
	// A tub without its plug drains.
	w, _ = NewWorld("fill bath", 0, 5)
	tub, plug := w.st.Objects[1], w.st.Objects[2]
	w.moveTo(plug, w.inv())
	tub.Set("water", Int(3))
	w.Step("wait")
	if got := intProp(tub, "water"); got != 2 {
		t.Errorf("draining: water %d, want 2", got)
	}
}

func TestGenerateDeterministicAndBalanced(t *testing.T) {
	task := newTask(t)
	ctx := context.Background()
	a, err := task.Generate(ctx, envs.Train, 400, 5)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := task.Generate(ctx, envs.Train, 400, 5)
	changed, maxP, maxT := 0, 0, 0
	for i := range a {
		if !reflect.DeepEqual(a[i].Prompt, b[i].Prompt) || !reflect.DeepEqual(a[i].Target, b[i].Target) {
			t.Fatalf("example %d differs between two runs", i)
		}
		if a[i].Target[len(a[i].Target)-1] != tok.TextStop {
			t.Fatalf("example %d target does not end with the stop token", i)
		}
		if a[i].Changed {
			changed++
		}
		maxP = max(maxP, len(a[i].Prompt))
		maxT = max(maxT, len(a[i].Target))
		tr := a[i].Payload.(*Transition)
		checkInvariants(t, tr.After, a[i].ID)
	}
	if frac := float64(changed) / float64(len(a)); frac < 0.35 || frac > 0.65 {
		t.Errorf("changed fraction %.2f, want about half", frac)
	}
	if maxP > 200 || maxT > task.Decoding().MaxTokens {
		t.Errorf("sequences too long: prompt %d, target %d", maxP, maxT)
	}
	// Train and val share no prompt, whatever their seeds: each prompt's
	// hash decides its split. Heldout uses only held-out variants.
	val, _ := task.Generate(ctx, envs.Val, 400, 5)
	inTrain := map[string]bool{}
	for i := range a {
		inTrain[fmt.Sprint(a[i].Prompt)] = true
		if s := envs.KeySplit(a[i].Payload.(*Transition).Prompt); s != envs.Train {
			t.Fatalf("train example %s has a %s key", a[i].ID, s)
		}
	}
	for i := range val {
		if inTrain[fmt.Sprint(val[i].Prompt)] {
			t.Errorf("val example %s has a training prompt", val[i].ID)
		}
	}
	held, _ := task.Generate(ctx, envs.Heldout, 200, 5)
	for _, ex := range held {
		tr := ex.Payload.(*Transition)
		if tr.Variant != len(findGame(tr.Game).variants)-1 {
			t.Fatalf("heldout example %s uses seen variant %d", ex.ID, tr.Variant)
		}
	}
	for _, ex := range a {
		tr := ex.Payload.(*Transition)
		if tr.Variant == len(findGame(tr.Game).variants)-1 {
			t.Fatalf("train example %s uses the held-out variant", ex.ID)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := task.Generate(cctx, envs.Train, 10, 1); err == nil {
		t.Error("Generate ignored a cancelled context")
	}
	if _, err := task.Generate(ctx, "bogus", 1, 1); err == nil {
		t.Error("unknown split accepted")
	}
}

func TestScoreTruthGarbageEmpty(t *testing.T) {
	task := newTask(t)
	exs, _ := task.Generate(context.Background(), envs.Test, 200, 9)
	for i := range exs {
		ex := &exs[i]
		s := task.Score(ex, ex.Target)
		want := 0.3
		if _, ok := s.Metrics["acc_changed"]; ok {
			want = 1.3
		}
		if s.Err != "" || math.Abs(s.Reward-want) > 1e-9 || s.Metrics["binary"] != 1 {
			t.Fatalf("%s: truth scored %+v, want reward %v", ex.ID, s, want)
		}
		for _, bad := range [][]int{nil, {tok.TextStop}, task.tok.Encode("the pot is hot"), {-1, 99999}} {
			s := task.Score(ex, bad)
			if s.Reward != 0 || s.Err == "" {
				t.Fatalf("%s: garbage %v scored %+v, want 0 with an error", ex.ID, bad, s)
			}
		}
	}
	bin, _ := New(Options{Reward: "binary"})
	if s := bin.Score(&exs[0], exs[0].Target); s.Reward != 1 {
		t.Errorf("binary reward of the truth: %v", s.Reward)
	}
}

// handTransition: the stove is turned on; nothing else changes.
func handTransition(t testing.TB) *Transition {
	before, err := ParseState(`{"objects":[{"uuid":1,"name":"inventory","properties":{},"contains":[3]},` +
		`{"uuid":2,"name":"stove","properties":{"isOn":false},"contains":[]},` +
		`{"uuid":3,"name":"pot","properties":{},"contains":[4]},` +
		`{"uuid":4,"name":"water","properties":{"temp":20},"contains":[]}],"score":{"score":0,"gameOver":false,"gameWon":false}}`)
	if err != nil {
		t.Fatal(err)
	}
	after, err := before.ApplyDiff(`{"modified":[{"uuid":2,"name":"stove","properties":{"isOn":true},"contains":[]}],"removed":[],"score":{"score":1,"gameOver":false,"gameWon":false}}`)
	if err != nil {
		t.Fatal(err)
	}
	return &Transition{Game: "boil water", Action: "turn on stove", Before: before, After: after}
}

func TestScorePartialExactValues(t *testing.T) {
	task := newTask(t)
	tr := handTransition(t)
	sc := `"score":{"score":1,"gameOver":false,"gameWon":false}`
	stoveOn := `{"uuid":2,"name":"stove","properties":{"isOn":true},"contains":[]}`
	cases := []struct {
		name, resp                 string
		reward, item, score, accCh float64
		errs                       string // the err_* flags set
	}{
		{"truth", `{"modified":[` + stoveOn + `],"removed":[],` + sc + `}`, 1.3, 1, 1, 1, ""},
		{"slips", `{'modified': [{'uuid': 2, 'name': 'stove', 'properties': {'isOn': True,}, 'contains': [],},], 'removed': [], 'score': {'score': 1, 'gameOver': False, 'gameWon': False}}`, 1.3, 1, 1, 1, ""},
		{"nothing changed", `{"modified":[],"removed":[],` + sc + `}`, 0.09*0.75 + 0.01, 0.75, 1, 0, "err_props"},
		{"wrong score", `{"modified":[` + stoveOn + `],"removed":[],"score":{"score":0,"gameOver":false,"gameWon":false}}`, 0.09 + 0.01*2.0/3 + 1, 1, 2.0 / 3, 1, "err_score"},
		{"extra object", `{"modified":[` + stoveOn + `,{"uuid":9,"name":"ghost","properties":{},"contains":[]}],"removed":[],` + sc + `}`, 0.09*0.8 + 0.01 + 1, 0.8, 1, 1, "err_presence"},
		{"removed water", `{"modified":[` + stoveOn + `],"removed":[4],` + sc + `}`, 0.09*0.75 + 0.01 + 1, 0.75, 1, 1, "err_presence"},
		{"miscopied name", `{"modified":[{"uuid":2,"name":"oven","properties":{"isOn":true},"contains":[]}],"removed":[],` + sc + `}`, 0.09*0.75 + 0.01 + 1, 0.75, 1, 1, "err_name"},
		{"pot emptied", `{"modified":[` + stoveOn + `,{"uuid":3,"name":"pot","properties":{},"contains":[]}],"removed":[],` + sc + `}`, 0.09*0.75 + 0.01 + 1, 0.75, 1, 1, "err_contains"},
	}
	for _, c := range cases {
		s := task.ScoreText(tr, c.resp)
		if s.Err != "" {
			t.Errorf("%s: error %s", c.name, s.Err)
			continue
		}
		if math.Abs(s.Reward-c.reward) > 1e-9 || math.Abs(s.Metrics["item_acc"]-c.item) > 1e-9 ||
			math.Abs(s.Metrics["score_acc"]-c.score) > 1e-9 || math.Abs(s.Metrics["acc_changed"]-c.accCh) > 1e-9 {
			t.Errorf("%s: got %+v, want reward %v item %v score %v acc_changed %v", c.name, s, c.reward, c.item, c.score, c.accCh)
		}
		for _, k := range errorKinds {
			if want := flag(k == c.errs); s.Metrics[k] != want {
				t.Errorf("%s: %s = %v, want %v", c.name, k, s.Metrics[k], want)
			}
		}
	}
	// A property that really changed counts once: predicting the pot into
	// the stove (a second, wrong change) leaves acc_changed at 1.
	s := task.ScoreText(tr, `{"modified":[`+stoveOn+`,{"uuid":3,"name":"pot","properties":{},"contains":[]}],"removed":[],`+sc+`}`)
	if s.Metrics["acc_changed"] != 1 || s.Metrics["binary"] != 0 {
		t.Errorf("wrong unchanged object: %+v", s)
	}
}

func TestEvaluate(t *testing.T) {
	task := newTask(t)
	exs := []envs.Example{{Changed: true}, {Changed: true}, {Changed: false}, {Changed: false}}
	scores := []envs.Score{{Metrics: map[string]float64{"binary": 1}}, {Metrics: map[string]float64{"binary": 0, "err_name": 1, "err_score": 1}},
		{Metrics: map[string]float64{"binary": 1}}, {Metrics: map[string]float64{"binary": 1}}}
	m := task.Evaluate(exs, scores)
	if m["acc_overall"] != 0.75 || m["acc_changed"] != 0.5 || m["acc_unchanged"] != 1 {
		t.Errorf("Evaluate: %v", m)
	}
	if m["err_name"] != 0.25 || m["err_score"] != 0.25 || m["err_props"] != 0 {
		t.Errorf("Evaluate error shares: %v", m)
	}
}

func TestCodecRoundTrip(t *testing.T) {
	task := newTask(t)
	exs, _ := task.Generate(context.Background(), envs.Train, 100, 2)
	for i := range exs {
		rec, err := task.Record(&exs[i])
		if err != nil {
			t.Fatal(err)
		}
		line, _ := json.Marshal(rec)
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(line, &raw); err != nil {
			t.Fatal(err)
		}
		ex, err := task.Example(raw)
		if err != nil {
			t.Fatalf("%s: %v", exs[i].ID, err)
		}
		if !reflect.DeepEqual(ex.Prompt, exs[i].Prompt) || !reflect.DeepEqual(ex.Target, exs[i].Target) || ex.Changed != exs[i].Changed {
			t.Fatalf("%s: rebuilt example differs", exs[i].ID)
		}
		s, err := task.ScorePrediction(ex, raw["ground_truth"])
		if err != nil || s.Metrics["binary"] != 1 {
			t.Fatalf("%s: ground truth as prediction: %+v %v", exs[i].ID, s, err)
		}
		if _, err := task.ScorePrediction(ex, json.RawMessage(`[1,2]`)); err == nil {
			t.Fatal("a non-string prediction must be an error")
		}
	}
	if _, err := task.Example(map[string]json.RawMessage{"id": json.RawMessage(`"x"`)}); err == nil || !strings.Contains(err.Error(), "lacks") {
		t.Errorf("incomplete record: %v", err)
	}
}

func TestDiffForViewer(t *testing.T) {
	task := newTask(t)
	tr := handTransition(t)
	ex, _ := task.example(tr, "hand", envs.Test)
	d := Diff(ex, task.tok.Encode(`{"modified":[],"removed":[],"score":{"score":0,"gameOver":false,"gameWon":false}}`))
	if len(d.Items) != 5 {
		t.Fatalf("want 4 objects and the score, got %d items", len(d.Items))
	}
	if d.Items[1].Truth == d.Items[1].Predicted || !strings.Contains(d.Items[1].Truth, "isOn: true") {
		t.Errorf("stove item: %+v", d.Items[1])
	}
	if bad := Diff(ex, []int{-5}); !strings.Contains(bad.Title, "out of range") {
		t.Errorf("undecodable response title: %q", bad.Title)
	}
	if out := tr.After.Render(); out.Data["text/html"] == nil {
		t.Error("Render has no HTML")
	}
}

func FuzzScoreText(f *testing.F) {
	f.Add(`{"modified":[{"uuid":2,"name":"stove","properties":{"isOn":true},"contains":[]}],"removed":[],"score":{"score":1}}`)
	f.Add(`{'modified':[{'uuid':'2','contains':[null, 3.5, "x"]}],'removed':[[]],}`)
	f.Add(`{"modified":{},"removed":"x","score":7}`)
	f.Add(`[1,2,3]`)
	f.Add(`{"modified":[{"properties":{"a":{"b":[1]}}}]}`)
	task, _ := New(Options{})
	tr := handTransition(f)
	f.Fuzz(func(t *testing.T, s string) {
		sc := task.ScoreText(tr, s)
		if sc.Reward < 0 || sc.Reward > 1.3+1e-9 || math.IsNaN(sc.Reward) {
			t.Fatalf("reward %v out of [0,1.3] for %q", sc.Reward, s)
		}
		if sc.Err != "" && sc.Reward != 0 {
			t.Fatalf("parse failure with reward %v", sc.Reward)
		}
	})
}

// FuzzParseState covers the strict parsers that Codec.Example runs on
// records from outside (the "state" and "ground_truth" fields).
func FuzzParseState(f *testing.F) {
	f.Add(`{"objects":[{"uuid":1,"name":"inventory","properties":{"a":1,"b":"x","c":true},"contains":[2]}],"score":{"score":0}}`,
		`{"modified":[{"uuid":2,"name":"x","properties":{},"contains":[]}],"removed":[1],"score":{"score":1,"gameOver":true,"gameWon":true}}`)
	f.Add(`{"objects":[{"uuid":1,"properties":{"a":1.5}}]}`, `{"modified":[7]}`)
	f.Add(`{"objects":null}`, `{"removed":[1,1,1]}`)
	f.Fuzz(func(t *testing.T, state, diff string) {
		s, err := ParseState(state)
		if err != nil {
			return
		}
		_ = s.JSON()
		if next, err := s.ApplyDiff(diff); err == nil {
			_ = s.DiffJSON(next)
			_ = next.Text()
		}
	})
}

// TestStepByHand: Task.Step leaves the world as it was and returns the
// transition the world would make, which the verifier scores as right.
func TestStepByHand(t *testing.T) {
	task, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWorld(Games()[0], 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	acts := w.ValidActions()
	if len(acts) == 0 || len(acts) > len(w.Actions()) {
		t.Fatalf("valid actions %v of %v", acts, w.Actions())
	}
	before := w.State().JSON()
	ex, next, err := task.Step(w, acts[0], "hand-1")
	if err != nil {
		t.Fatal(err)
	}
	if w.State().JSON() != before {
		t.Fatal("Step changed the world it was given")
	}
	tr := ex.Payload.(*Transition)
	if tr.After.JSON() != next.State().JSON() || tr.Action != acts[0] {
		t.Fatalf("transition %+v does not match the world after the step", tr)
	}
	if s := task.Score(ex, ex.Target); s.Metrics["binary"] != 1 {
		t.Fatalf("the true response scores %+v", s)
	}
}
