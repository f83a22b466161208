package claims

import (
	"fmt"
	"math"
	"testing"
)

// near passes when v[i] (percent, to one decimal) is within half a point of
// want[i].
func near(want ...float64) func([]float64) error {
	return func(v []float64) error {
		for i, w := range want {
			if math.Abs(v[i]-w) > 0.5 {
				return fmt.Errorf("number %d is %g, the prose says %g", i+1, v[i], w)
			}
		}
		return nil
	}
}

// savedTable matches the rows of one saved group's table in the side-by-side
// cell: each method's first three metric columns.
func savedTable(group string) string {
	row := func(m string) string {
		return `\| ` + m + ` \| \d+ \| ` + Num + ` \| ` + Num + ` \| ` + Num + ` \|`
	}
	return `\*\*Saved: ` + group + `\*\*[^\n]*\n\n[^\n]*\n[^\n]*\n` + row("mle") + `[^\n]*\n` + row("mle_continued") + `[^\n]*\n` + row("rlvr")
}

// TestNotebook06 checks 06-paper-table's prose against its saved outputs.
func TestNotebook06(t *testing.T) {
	nb := Load(t, "06-paper-table")
	const side = "display.Markdown(table(\"Run in this notebook"
	nb.Check(t, []Claim{{
		Prose:  "F1 about 0.90 against 0.88 for the start model and 0.85 for MLE continued",
		Cell:   side,
		Output: savedTable(`web, budget small \(overlapping splits, untuned control\)`),
		Check: func(v []float64) error { // precision, recall, F1 of mle, mle_continued, rlvr
			return near(88, 85, 90)([]float64{v[2], v[5], v[8]})
		},
	}, {
		Prose:  "reached 9 of 12 goals (8 with the start model, 3 with MLE continued)",
		Cell:   side,
		Output: `\*\*Saved: web-agent, budget small \(overlapping splits, untuned control\)\*\*[^\n]*\n\n[^\n]*\n[^\n]*\n\| mle \| 0 \| ` + Num + `[^\n]*\n\| mle_continued \| \d+ \| ` + Num + `[^\n]*\n\| rlvr \| \d+ \| ` + Num,
		Check:  near(100*8/12.0, 100*3/12.0, 100*9/12.0),
	}, {
		Prose:  "single-step (MSE -23%) and over 3\n  free-running frames (MSE -29%)",
		Cell:   "paperRel :=",
		Output: `\| video-multi, budget small \(overlapping[^|]*\| mse \| [^|]* \| ` + Num + `% \|[\s\S]*?\| video, budget small \(overlapping[^|]*\| mse \| [^|]* \| ` + Num + `% \|`,
		Check: func(v []float64) error { // multi-step, single-step
			if math.Abs(v[1]+23) > 0.6 || math.Abs(v[0]+29) > 0.6 {
				return fmt.Errorf("want about -23%% and -29%%")
			}
			return nil
		},
	}, {
		Prose:  "raised its own reward but not exact-match accuracy",
		Cell:   side,
		Output: savedTable(`textgame, budget small \(overlapping splits, untuned control\)`),
		Check: func(v []float64) error { // unchanged, changed, overall per method
			if v[8] > v[2] {
				return fmt.Errorf("RLVR's overall accuracy rose")
			}
			return nil
		},
	}, {
		Prose:  "the text game's RLVR does not beat it",
		Cell:   "func pairedT(",
		Output: `\*\*textgame\*\* \(acc_overall, (\d+) seeds\): RLVR is \*\*behind\*\* tuned MLE continued`,
		Check:  Within(2, 100),
	}, {
		Prose: "one line per seed", Cell: "tasksSeen",
		Chart: "acc_overall of each seed", Series: []string{"seed 1", "seed 2"},
	}, {
		Prose:  "the paper's MLE -> RLVR on\nits headline metric",
		Cell:   "paperRel :=",
		Output: `\| textgame, budget small \(disjoint splits, tuned control\) \(\d+\) \| acc_overall \| ` + Num + `% \|`,
		Check:  near(92.1),
	}})
	nb.Ending(t)
}
