package exp

import (
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/nn"
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
