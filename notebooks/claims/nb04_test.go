package claims

import "testing"

// TestNotebook04 checks 04-video-rlvr's prose against its saved outputs.
// Its results (the sampled and greedy comparison, repetition, the
// hallucinated success) are sentences its cells compute; these are the
// sentences written by hand.
func TestNotebook04(t *testing.T) {
	nb := Load(t, "04-video-rlvr")
	nb.Check(t, []Claim{{
		Prose:  "Saved outputs: a full run (64 test transitions, 12 GRPO steps, 6 episodes per policy)",
		Cell:   "quick := os.Getenv",
		Output: `quick mode false: (\d+) test transitions, (\d+) GRPO steps of \d+ prompts x \d+ samples, (\d+) episodes per policy`,
		Check:  That("want a full run of 64, 12 and 6", func(v []float64) bool { return v[0] == 64 && v[1] == 12 && v[2] == 6 }),
	}, {
		Prose:  "Our checkpoint's context (165 tokens) holds one frame",
		Cell:   "model, meta, err := nn.Load",
		Output: `MaxSeq:(\d+)`,
		Check:  Equal(165),
	}, {
		Prose:  "takes well under a second",
		Cell:   "sortedMS := append",
		Output: `(\d+) moves: median \d+ ms, slowest (\d+) ms`,
		Check:  That("want at least one move, the slowest under 1000 ms", func(v []float64) bool { return v[0] >= 1 && v[1] < 1000 }),
	}})
	nb.Ending(t)
}
