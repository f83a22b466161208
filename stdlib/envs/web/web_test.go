package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/tok"
)

var _ envs.Task = (*Task)(nil)
var _ envs.Codec = (*Task)(nil)

func newTask(t testing.TB) *Task {
	task, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// checkTree: ids unique, header ids fixed, every line well formed.
func checkTree(t *testing.T, b *Browser, where string) {
	t.Helper()
	seen := map[int]bool{}
	for i, it := range b.Items() {
		if seen[it.ID] {
			t.Fatalf("%s: id %d twice", where, it.ID)
		}
		seen[it.ID] = true
		if i < 4 && it.ID != i+1 {
			t.Fatalf("%s: header item %d has id %d", where, i, it.ID)
		}
		if l := it.Line(); !strings.HasPrefix(l, fmt.Sprintf("[%d] %s '", it.ID, it.Role)) || strings.Count(l, "'")%2 != 0 {
			t.Fatalf("%s: malformed line %q", where, l)
		}
	}
}

func TestBrowserInvariantsAndDeterminism(t *testing.T) {
	for seed := int64(0); seed < 20; seed++ {
		run := func() []string {
			b := NewBrowser(NewSite(seed, seed%4 == 0))
			r := rand.New(rand.NewPCG(uint64(seed), 1))
			var trace []string
			for step := 0; step < 25; step++ {
				a := Policy(b, r)
				before := b.Tree()
				valid := b.Step(a)
				checkTree(t, b, a)
				if !valid && b.Tree() != before {
					t.Fatalf("invalid action %q changed the page", a)
				}
				trace = append(trace, b.URL()+"\n"+b.Tree())
			}
			return trace
		}
		if x, y := run(), run(); !reflect.DeepEqual(x, y) {
			t.Fatalf("seed %d: two runs differ", seed)
		}
	}
}

func TestNavigationIdsAndGoBack(t *testing.T) {
	b := NewBrowser(NewSite(1, false))
	home := b.Items()
	if !b.Step("click [2]") || b.URL() != "/forum" {
		t.Fatalf("forum link: url %s", b.URL())
	}
	if !b.Step("go_back") || b.URL() != "/" {
		t.Fatalf("go_back: url %s", b.URL())
	}
	again := b.Items()
	for i := 4; i < len(home); i++ {
		if again[i].ID == home[i].ID || again[i].Text != home[i].Text {
			t.Fatalf("revisited page must get new ids: %v vs %v", home[i], again[i])
		}
	}
	if b.Step("go_back") {
		t.Error("go_back with an empty history did something")
	}
	if b.Step("click [999]") || b.Step("type [1] \"x\"") || b.Step("fly away") {
		t.Error("invalid actions reported valid")
	}
}

// find returns the id of the first item whose line contains s.
func find(t *testing.T, b *Browser, s string) int {
	t.Helper()
	for _, it := range b.Items() {
		if strings.Contains(it.Line(), s) {
			return it.ID
		}
	}
	t.Fatalf("no item %q on %s:\n%s", s, b.URL(), b.Tree())
	return 0
}

func TestGoalCheapestToCart(t *testing.T) {
	for seed := int64(0); seed < 10; seed++ {
		b := NewBrowser(NewSite(seed, false))
		var goal Goal
		for _, g := range Goals(b) {
			if strings.HasPrefix(g.Text, "add the cheapest ") {
				goal = g
				break
			}
		}
		if goal.Text == "" {
			t.Fatalf("seed %d: no cheapest goal", seed)
		}
		kind := strings.TrimSuffix(strings.TrimPrefix(goal.Text, "add the cheapest "), " to the cart")
		if goal.Success(b) {
			t.Fatal("goal met before acting")
		}
		// Search the kind, sort by price, open the first result, add it.
		for _, step := range []func() string{
			func() string { return fmt.Sprintf("type [%d] %q", find(t, b, "searchbox"), kind) },
			func() string { return fmt.Sprintf("click [%d]", find(t, b, "button 'Go'")) },
			func() string { return fmt.Sprintf("click [%d]", find(t, b, "Sort by price")) },
		} {
			if a := step(); !b.Step(a) {
				t.Fatalf("seed %d: %s did nothing on\n%s", seed, a, b.Tree())
			}
		}
		first := b.Items()[6] // header 4, heading, sort button, then results
		b.Step(fmt.Sprintf("click [%d]", first.ID))
		b.Step(fmt.Sprintf("click [%d]", find(t, b, "Add to cart")))
		if !goal.Success(b) {
			t.Fatalf("seed %d: %q not met; cart %v", seed, goal.Text, b.Cart)
		}
		if p := goal.Progress(b, b.Lines()); p != 1 {
			t.Fatalf("seed %d: progress %v on the page that shows success", seed, p)
		}
		if cands := b.Candidates(); len(cands) < 3 {
			t.Fatalf("few candidates: %v", cands)
		}
	}
}

func TestGoalsSettingsAndReply(t *testing.T) {
	b := NewBrowser(NewSite(3, false))
	goals := Goals(b)
	byText := map[string]Goal{}
	for _, g := range goals {
		byText[g.Text] = g
	}
	b.Step("click [3]")
	b.Step(fmt.Sprintf("click [%d]", find(t, b, "checkbox 'Email alerts'")))
	if byText["turn off email alerts"].Success(b) {
		t.Error("alerts goal met before saving")
	}
	b.Step(fmt.Sprintf("click [%d]", find(t, b, "button 'Save'")))
	if !byText["turn off email alerts"].Success(b) {
		t.Error("alerts goal not met after saving")
	}
	th := b.Site().Threads[0]
	b.Step("click [2]")
	b.Step(fmt.Sprintf("click [%d]", find(t, b, th.Title)))
	b.Step(fmt.Sprintf("type [%d] \"thanks\"", find(t, b, "textbox 'Reply'")))
	b.Step(fmt.Sprintf("click [%d]", find(t, b, "button 'Post'")))
	if !byText["reply to the thread about "+th.Title].Success(b) {
		t.Errorf("reply goal not met:\n%s", b.Tree())
	}
}

func TestGenerate(t *testing.T) {
	task := newTask(t)
	ctx := context.Background()
	a, err := task.Generate(ctx, envs.Train, 300, 4)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := task.Generate(ctx, envs.Train, 300, 4)
	unchanged, maxP := 0, 0
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Fatalf("example %d differs between runs", i)
		}
		if !a[i].Changed {
			unchanged++
		}
		maxP = max(maxP, len(a[i].Prompt))
		if len(a[i].Target) > task.Decoding().MaxTokens || a[i].Target[len(a[i].Target)-1] != tok.TextStop {
			t.Fatalf("%s: bad target length %d or no stop", a[i].ID, len(a[i].Target))
		}
	}
	if unchanged < 30 || unchanged > 200 {
		t.Errorf("%d of 300 unchanged", unchanged)
	}
	if maxP > 300 {
		t.Errorf("prompt of %d tokens", maxP)
	}
	if v := task.VocabSize(); v > 512 {
		t.Errorf("vocabulary %d > 512", v)
	}
	// Heldout sites sell only reserved colour-kind pairs.
	held, _ := task.Generate(ctx, envs.Heldout, 100, 4)
	for _, ex := range held {
		for _, l := range ex.Payload.(*Transition).Before {
			for ci, c := range colors {
				for ki, k := range kinds {
					if strings.Contains(l, "'"+c+" "+k+" $") && !heldoutCombo(ci, ki) {
						t.Fatalf("heldout shows seen product %q", l)
					}
				}
			}
		}
	}
	for _, ex := range a {
		for _, l := range ex.Payload.(*Transition).Before {
			for ci, c := range colors {
				for ki, k := range kinds {
					if strings.Contains(l, "'"+c+" "+k+" $") && heldoutCombo(ci, ki) {
						t.Fatalf("train shows held-out product %q", l)
					}
				}
			}
		}
	}
}

func TestScoreTruthTable(t *testing.T) {
	task := newTask(t)
	exs, _ := task.Generate(context.Background(), envs.Test, 100, 1)
	for i := range exs {
		s := task.Score(&exs[i], exs[i].Target)
		if s.Err != "" || s.Reward != 1 || s.Metrics["precision"] != 1 || s.Metrics["recall"] != 1 {
			t.Fatalf("%s: truth scored %+v", exs[i].ID, s)
		}
		for _, bad := range [][]int{nil, task.tok.Encode("the page changed"), {-1}} {
			if s := task.Score(&exs[i], bad); s.Reward != 0 || s.Err == "" {
				t.Fatalf("%s: garbage scored %+v", exs[i].ID, s)
			}
		}
	}
	tr := &Transition{Sections: Sections{New: []string{"[9] alert 'Saved'"}, Deleted: []string{"[5] text 'a'", "[6] text 'b'"}}}
	s := ScoreText(tr, "New items:\n[9] alert 'Saved'\nDeleted items:\n[5] text 'a'\nUpdated items:\n[7] text 'x'")
	if math.Abs(s.Reward-2.0/3) > 1e-12 || math.Abs(s.Metrics["precision"]-2.0/3) > 1e-12 {
		t.Errorf("partial: %+v", s)
	}
	// A line in the wrong section does not match: only [6] does.
	s = ScoreText(tr, "new items\n[5] text 'a'\nDELETED ITEMS:\n[9] alert 'Saved'\n[6] text 'b'\nUpdated items:\nNone")
	if math.Abs(s.Metrics["precision"]-1.0/3) > 1e-12 || math.Abs(s.Metrics["recall"]-1.0/3) > 1e-12 {
		t.Errorf("wrong sections: %+v", s)
	}
	none := &Transition{}
	if s := ScoreText(none, "New items:\nNone\nDeleted items:\nNone\nUpdated items:\nNone"); s.Reward != 1 {
		t.Errorf("unchanged page predicted unchanged: %+v", s)
	}
	if s := ScoreText(none, "New items:\n[3] text 'x'\nDeleted items:\nNone\nUpdated items:\nNone"); s.Reward != 0 {
		t.Errorf("unchanged page predicted changed: %+v", s)
	}
	m := task.Evaluate(exs[:2], []envs.Score{{Metrics: map[string]float64{"f1": 1, "precision": 1, "recall": 1}}, {Metrics: zero()}})
	if m["f1"] != 0.5 {
		t.Errorf("Evaluate: %v", m)
	}
}

func TestCodecRoundTrip(t *testing.T) {
	task := newTask(t)
	exs, _ := task.Generate(context.Background(), envs.Val, 50, 3)
	for i := range exs {
		rec, err := task.Record(&exs[i])
		if err != nil {
			t.Fatal(err)
		}
		line, _ := json.Marshal(rec)
		var raw map[string]json.RawMessage
		json.Unmarshal(line, &raw)
		ex, err := task.Example(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ex.Prompt, exs[i].Prompt) || !reflect.DeepEqual(ex.Target, exs[i].Target) || ex.Changed != exs[i].Changed {
			t.Fatalf("%s: rebuilt example differs", exs[i].ID)
		}
		if s, err := task.ScorePrediction(ex, raw["ground_truth"]); err != nil || s.Reward != 1 {
			t.Fatalf("%s: %+v %v", ex.ID, s, err)
		}
		d := Diff(ex, ex.Target)
		for _, it := range d.Items {
			if it.Truth != it.Predicted {
				t.Fatalf("%s: diff of the truth shows a wrong item %+v", ex.ID, it)
			}
		}
	}
}

func FuzzParseSections(f *testing.F) {
	f.Add("New items:\n[1] link 'a'\nDeleted items:\nNone\nUpdated items:\nNone")
	f.Add("updated items\n\n\nnone\nNEW ITEMS:")
	f.Add("garbage\n[1]")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseSections(s)
		if err != nil {
			return
		}
		// Re-rendering and re-parsing keeps the lines.
		q, err := ParseSections(p.Text())
		if err != nil || len(q.New) != len(p.New) || len(q.Deleted) != len(p.Deleted) || len(q.Updated) != len(p.Updated) {
			t.Fatalf("re-parse of %q: %+v vs %+v (%v)", s, p, q, err)
		}
		if sc := ScoreText(&Transition{Sections: p}, s); sc.Reward != 1 {
			t.Fatalf("a parsed text against itself scored %v", sc.Reward)
		}
	})
}

// TestAgentHelpers: Progress grows along a scripted path to 1 at success,
// ApplySections of the true diff gives the true next page, and Prompt for
// the browser equals the generated prompt's form.
func TestAgentHelpers(t *testing.T) {
	task := newTask(t)
	b := NewBrowser(NewSite(5, false))
	var goal Goal
	for _, g := range Goals(b) {
		if g.kind == "theme" && g.arg == "dark" {
			goal = g
		}
	}
	last := goal.Progress(b, b.Lines())
	for _, step := range []func() string{
		func() string { return "click [3]" },
		func() string { return fmt.Sprintf("click [%d]", find(t, b, "combobox 'Theme'")) },
		func() string { return fmt.Sprintf("click [%d]", find(t, b, "button 'Save'")) },
	} {
		a := step()
		before := b.Items()
		pred := task.Prompt(b, goal.Text, "None", a)
		if len(pred) == 0 {
			t.Fatal("empty prompt")
		}
		b.Step(a)
		next := ApplySections(linesOf(before), DiffItems(before, b.Items()))
		if !reflect.DeepEqual(sortedCopy(next), sortedCopy(b.Lines())) {
			t.Fatalf("ApplySections of the true diff:\n%v\nwant\n%v", next, b.Lines())
		}
		p := goal.Progress(b, next)
		if p <= last {
			t.Fatalf("progress did not grow after %s: %v -> %v", a, last, p)
		}
		last = p
	}
	if last != 1 || !goal.Success(b) {
		t.Fatalf("theme goal: progress %v, success %v", last, goal.Success(b))
	}
}

func linesOf(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Line()
	}
	return out
}

func sortedCopy(xs []string) []string {
	out := append([]string(nil), xs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// TestStepByHand: Task.Step leaves the browser as it was and returns the
// transition it would make, which the verifier scores as right.
func TestStepByHand(t *testing.T) {
	task, err := New()
	if err != nil {
		t.Fatal(err)
	}
	b := NewBrowser(NewSite(5, false))
	acts := b.Candidates()
	before := b.Tree()
	ex, next := task.Step(b, "look around", "None", acts[0], "hand-1")
	if b.Tree() != before {
		t.Fatal("Step changed the browser it was given")
	}
	tr := ex.Payload.(*Transition)
	if strings.Join(tr.After, "\n") != strings.Join(next.Lines(), "\n") || tr.Action != acts[0] {
		t.Fatalf("transition %+v does not match the browser after the step", tr)
	}
	if s := task.Score(ex, ex.Target); s.Reward != 1 {
		t.Fatalf("the true response scores %+v", s)
	}
}
