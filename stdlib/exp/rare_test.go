package exp

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/textgame"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
)

// trainTest returns 2,000 training and 200 test transitions of a task
// (data seed 1).
func trainTest(t *testing.T, task envs.Task) (train, test []envs.Example) {
	t.Helper()
	train, err := task.Generate(context.Background(), envs.Train, 2000, 1)
	if err != nil {
		t.Fatal(err)
	}
	if test, err = task.Generate(context.Background(), envs.Test, 200, 1); err != nil {
		t.Fatal(err)
	}
	return train, test
}

// TestRareMetrics splits real text-game test rows on how often training
// shows their pattern (game, name variant, action) and checks the split
// against a count made here from the transitions' own fields: scores that
// are right exactly on the rare rows give acc_overall_rare 1 and
// acc_overall_common 0.
func TestRareMetrics(t *testing.T) {
	task, err := textgame.New(textgame.Options{})
	if err != nil {
		t.Fatal(err)
	}
	train, test := trainTest(t, task)
	key := func(ex *envs.Example) string {
		tr := ex.Payload.(*textgame.Transition)
		return fmt.Sprint(tr.Game, "|", tr.Variant, "|", tr.Action)
	}
	byHand := map[string]int{}
	for i := range train {
		byHand[key(&train[i])]++
	}
	counts := patternCounts(train)
	if len(counts) != len(byHand) {
		t.Fatalf("%d patterns, %d (game, variant, action) triples", len(counts), len(byHand))
	}
	scores := make([]envs.Score, len(test))
	wantRare := 0
	for i := range test {
		right := 0.0
		if byHand[key(&test[i])] < RareBelow {
			right, wantRare = 1, wantRare+1
		}
		scores[i] = envs.Score{Reward: right, Metrics: map[string]float64{"binary": right}}
	}
	if wantRare == 0 || wantRare == len(test) {
		t.Fatalf("%d of %d rows rare: the test needs both kinds", wantRare, len(test))
	}
	ms := map[string]float64{}
	rareMetrics(ms, task, []string{"acc_overall", "acc_changed"}, counts, test, scores)
	if ms[nRareKey] != float64(wantRare) || ms["acc_overall_rare"] != 1 || ms["acc_overall_common"] != 0 {
		t.Errorf("n_rare %v (want %d), acc_overall_rare %v (want 1), acc_overall_common %v (want 0)",
			ms[nRareKey], wantRare, ms["acc_overall_rare"], ms["acc_overall_common"])
	}
	if _, ok := ms["acc_changed_rare"]; !ok {
		t.Errorf("no acc_changed_rare in %v", ms)
	}
	if n := rareRows(counts, test); n != wantRare {
		t.Errorf("rareRows %d, want %d", n, wantRare)
	}

	// Rows without a pattern (or no counts) add nothing.
	none := map[string]float64{}
	rareMetrics(none, task, []string{"acc_overall"}, nil, test, scores)
	bare := []envs.Example{{Payload: 3}}
	rareMetrics(none, task, []string{"acc_overall"}, counts, bare, scores[:1])
	if len(none) != 0 || patternCounts(bare) != nil {
		t.Errorf("rows without a pattern gave %v", none)
	}
}

// TestPatternsLeaveOutTheState checks what a pattern is for both tasks: it
// names the action and not the state, so transitions from different
// states share one, and a keyed split (which keeps every test transition
// out of training) still leaves test patterns that training has seen.
func TestPatternsLeaveOutTheState(t *testing.T) {
	tg, err := textgame.New(textgame.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wt, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range []envs.Task{tg, wt} {
		train, test := trainTest(t, task)
		counts := patternCounts(train)
		if counts == nil || len(counts) > len(train)/2 {
			t.Errorf("%s: %d patterns in %d transitions: the state is not left out", task.Name(), len(counts), len(train))
		}
		seen := 0
		for i := range test {
			p := test[i].Payload.(envs.Patterned).Pattern()
			if strings.Contains(p, "state:") || strings.Contains(p, "objective") {
				t.Fatalf("%s: pattern %q holds more than the action's context", task.Name(), p)
			}
			if counts[p] > 0 {
				seen++
			}
		}
		if seen == 0 || seen == len(test) {
			t.Errorf("%s: %d of %d test patterns seen in training", task.Name(), seen, len(test))
		}
	}
}

// TestSummaryRareColumns checks that the rare and common columns follow
// the reward, with their metric's direction, and enter the paired row.
func TestSummaryRareColumns(t *testing.T) {
	var rs []*Result
	for i, d := range []float64{0.1, 0.3} {
		rs = append(rs, &Result{Task: "textgame", Budget: "small", Seed: int64(i + 1), Rows: []Row{
			{Method: "mle_continued", Metrics: map[string]float64{"acc_overall": 0.5, "reward": 0.4, "acc_overall_rare": 0.2, "acc_overall_common": 0.7}},
			{Method: "rlvr", Metrics: map[string]float64{"acc_overall": 0.5, "reward": 0.4, "acc_overall_rare": 0.2 + d, "acc_overall_common": 0.7}},
		}})
	}
	tab := Summarize(rs...).Tables[0]
	if got := strings.Join(tab.Columns, ","); got != "acc_overall,acc_changed,acc_unchanged,reward,acc_overall_rare,acc_overall_common" {
		t.Fatalf("columns %s", got)
	}
	if !tab.Higher[4] || !tab.Higher[5] {
		t.Errorf("rare and common accuracy not marked higher-is-better: %v", tab.Higher)
	}
	paired := tab.Rows[len(tab.Rows)-1]
	if m, sd := paired.Cell("acc_overall_rare"); !paired.Paired || math.Abs(m-0.2) > 1e-12 || math.Abs(sd-math.Sqrt(0.02)) > 1e-12 {
		t.Errorf("paired rare difference %v ± %v, want 0.2 ± 0.141", m, sd)
	}
}
