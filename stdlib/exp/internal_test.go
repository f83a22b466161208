package exp

import (
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
	"github.com/rlvrworld/rlvrworld/stdlib/train"
)

// TestCheckpointMisfit checks when a checkpoint may start a run: a
// context and vocabulary that fit, and, with a set training size, the same
// size as its own.
func TestCheckpointMisfit(t *testing.T) {
	meta := map[string]string{"train_n": "12", "splits": splitScheme}
	c := nn.Config{Vocab: 50, MaxSeq: 100}
	if why := checkpointMisfit(c, c, meta, 12); why != "" {
		t.Errorf("a checkpoint of 12 transitions does not fit --train-n 12: %s", why)
	}
	if why := checkpointMisfit(c, c, meta, 13); !strings.Contains(why, "train-n") {
		t.Errorf("a checkpoint of 12 transitions fits --train-n 13 (%q)", why)
	}
	if why := checkpointMisfit(c, c, meta, 0); why != "" {
		t.Errorf("without --train-n the shipped checkpoint serves every budget, got %q", why)
	}
	if why := checkpointMisfit(c, nn.Config{Vocab: 50, MaxSeq: 101}, meta, 12); !strings.Contains(why, "does not fit") {
		t.Errorf("a too-short context fits (%q)", why)
	}
	old := map[string]string{"task": "textgame", "train_n": "12"}
	if why := checkpointMisfit(c, c, old, 0); !strings.Contains(why, "overlapping splits") {
		t.Errorf("a text game checkpoint without splits=keyed fits (%q)", why)
	}
}

// TestControlSchedule checks which schedule MLE continued runs at: the
// flag's, else the one the task chose on val at the small budget (text game
// 1e-4, web 3e-4, video and video-multi 1e-4), else, for a start model that continues at its own
// final LR (a cosine pretraining) or at a budget without a choice, none.
func TestControlSchedule(t *testing.T) {
	for _, c := range []struct {
		task, budget string
		want         string
	}{{"textgame", "small", "0.0001"}, {"textgame", "full", "0.0001"}, {"web", "small", "0.0003"}, {"textgame", "tiny", ""}, {"video", "small", "0.0001"}, {"video-multi", "small", "0.0001"}, {"video", "tiny", ""}} {
		spec, err := tasks.Lookup(c.task)
		if err != nil {
			t.Fatal(err)
		}
		b, err := spec.Budget(c.budget)
		if err != nil {
			t.Fatal(err)
		}
		a := &arm{b: b}
		r := newRunner(Config{})
		got := ""
		if s := r.controlSchedule(a, startPoint{ContinueLR: b.MLELR}); s != nil {
			got = s.String()
		}
		if got != c.want {
			t.Errorf("%s %s: default schedule %q, want %q", c.task, c.budget, got, c.want)
		}
		if s := r.controlSchedule(a, startPoint{ContinueLR: b.MLELR / 10}); s != nil {
			t.Errorf("%s %s: a cosine start model gets schedule %v, want its own LR", c.task, c.budget, s)
		}
		flag := &train.Schedule{LR: 1e-3, End: 1e-4}
		r = newRunner(Config{MLESchedule: flag})
		if s := r.controlSchedule(a, startPoint{ContinueLR: b.MLELR}); s != flag {
			t.Errorf("%s %s: --mle-schedule ignored (got %v)", c.task, c.budget, s)
		}
	}
}
