package claims

import (
	"fmt"
	"math"
	"testing"
)

// TestNotebook02 checks 02-textgame-rlvr's prose against its saved outputs.
func TestNotebook02(t *testing.T) {
	nb := Load(t, "02-textgame-rlvr")
	nb.Check(t, []Claim{{
		Prose:  "The three costliest tokens carry",
		Cell:   "pick := -1",
		Output: `The three costliest tokens carry \*\*(\d+)%\*\*`,
		Check:  Within(50, 100), // "a small share" of the tokens decides most of the NLL
	}, {
		Prose:  "the two do not",
		Cell:   "func curve(",
		Output: `fell by \*\*(\d+)%\*\* \(` + Num + ` -> ` + Num + `\) while exact match went from ` + Num + ` to ` + Num,
		Check: func(v []float64) error {
			if v[0] < 10 || v[4] > v[3] {
				return fmt.Errorf("want the NLL down by 10%% or more while exact match did not rise")
			}
			return nil
		},
	}, {
		Prose: "(`val_acc_curve`)", Cell: "func curve(",
		Chart: "validation NLL and exact match", Series: []string{"validation NLL per token (nats)", "validation exact match"},
	}, {
		Prose:  "The reward curve above is **noisy**",
		Cell:   "meanStd :=",
		Output: `first \d+ steps [0-9.]+ ± ([0-9.]+), last \d+ steps [0-9.]+ ± ([0-9.]+)`,
		Check:  Within(0.05, 1), // single steps spread by more than 0.05 of reward
	}, {
		Prose:  "the ratio never leaves",
		Cell:   "trainer.Train(",
		Output: `clipped tokens ([0-9.]+)`,
		Check:  Equal(0),
	}, {
		Prose:  "the KL stays small because the policy barely moves",
		Cell:   "trainer.Train(",
		Output: `KL to the MLE model ([0-9.]+)`,
		Check:  Below(0.05),
	}, {
		Prose: "zero groups", Cell: "plot.Line(\"GRPO diagnostics\"",
		Chart: "GRPO diagnostics", Series: []string{"zero groups (share)", "KL x 100", "entropy"},
	}, {
		Prose:  "for **as many optimizer updates as GRPO made**",
		Cell:   "contSteps :=",
		Output: `MLE continued: (\d+) optimizer updates \(GRPO: (\d+) steps x (\d+)\), LR 1e-4`,
		Check: func(v []float64) error {
			if v[0] != v[1]*v[2] {
				return fmt.Errorf("MLE continued's updates differ from GRPO's")
			}
			return nil
		},
	}, {
		Prose: "RLVR has to beat *this* row", Cell: "contEval, err :=",
		Chart: "MLE, MLE continued and RLVR", Series: []string{"MLE", "MLE continued", "RLVR"},
	}, {
		Prose:  "a few dozen steps from this checkpoint move exact",
		Cell:   "var fixed, broken, wrong",
		Output: `fixed by RLVR: (\d+), broken by RLVR: (\d+)`,
		Check: func(v []float64) error {
			if v[0]+v[1] > 10 {
				return fmt.Errorf("more than 10 of 100 transitions changed: not \"little\"")
			}
			return nil
		},
	}, {
		Prose:  "moves held-out exact match by a few transitions at most",
		Cell:   "acc0, acc1 :=",
		Output: `(\d+) test transitions fixed, (\d+) broken`,
		Check: func(v []float64) error {
			if math.Abs(v[0]-v[1]) > 5 {
				return fmt.Errorf("exact match moved by more than 5 transitions")
			}
			return nil
		},
	}, {
		Prose:  "ours get most of them right (the unchanged column above)",
		Cell:   "before, err := grpo.Evaluate",
		Output: `unchanged ([0-9.]+)`,
		Check:  Within(0.5, 1),
	}})
	nb.Ending(t)
}
