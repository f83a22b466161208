package claims

import "testing"

// TestNotebook01 checks 01-world-models' prose against its saved outputs.
func TestNotebook01(t *testing.T) {
	nb := Load(t, "01-world-models")
	nb.Check(t, []Claim{{
		Prose:  "a changed one up to $1.3$",
		Cell:   "responses := []struct",
		Output: `\| the true diff \|[^\n]*\| ` + Num + ` \| ` + Num + ` \|`,
		Check:  That("want the true diff of the fridge (a change) to score 1.3 by hand and by the verifier", func(v []float64) bool { return v[0] == 1.3 && v[1] == 1.3 }),
	}, {
		Prose:  "a move takes well under a second",
		Cell:   "sortedMS := append",
		Output: `(\d+) moves: median \d+ ms, slowest (\d+) ms`,
		Check:  That("want at least one move, the slowest under 1000 ms", func(v []float64) bool { return v[0] >= 1 && v[1] < 1000 }),
	}})
	nb.Ending(t)
}
