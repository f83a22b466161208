package claims

import (
	"fmt"
	"testing"
)

// TestNotebook00 checks 00-tour's prose against its saved outputs.
func TestNotebook00(t *testing.T) {
	nb := Load(t, "00-tour")
	nb.Check(t, []Claim{{
		Prose: "The chart of the paper's numbers above is\nthe paper's, labelled so", Cell: "plot.Bar(\"the paper's text-game accuracy",
		Chart: "the paper's text-game accuracy", Series: []string{"MLE (paper)", "RLVR (paper)"},
	}, {
		Prose:  "The kernel is still there, with every variable the cell defined before it failed",
		Cell:   "len(xs)",
		Output: `^(\d+)`,
		Check:  Equal(2),
	}})
	t.Run("the paper's numbers are METHOD.md's", func(t *testing.T) {
		c, err := nb.Code("plot.Bar(\"the paper's text-game accuracy")
		if err != nil {
			t.Fatal(err)
		}
		// METHOD.md: unchanged / changed / overall, MLE 38.9 / 24.2 / 32.9, RLVR 83.7 / 33.8 / 63.2.
		for name, want := range map[string][]float64{"MLE (paper)": {0.389, 0.242, 0.329}, "RLVR (paper)": {0.837, 0.338, 0.632}} {
			got, err := c.Series("the paper's text-game accuracy", name)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s = %v, want the paper's %v", name, got, want)
			}
		}
	})
	nb.Ending(t)
}
