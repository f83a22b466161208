package claims

import (
	"math"
	"testing"
)

// TestNotebook03 checks 03-web-rlvr's prose against its saved outputs.
func TestNotebook03(t *testing.T) {
	nb := Load(t, "03-web-rlvr")
	f1Row := `\| f1 \| ` + Num + ` \| ` + Num + ` \| ` + Num + ` \|`
	nb.Check(t, []Claim{{
		Prose: "RLVR has to beat this row", Cell: "contEval, err :=",
		Chart: "MLE, MLE continued and RLVR", Series: []string{"MLE", "MLE continued", "RLVR"},
	}, {
		Prose:  "a short run moves F1\nlittle",
		Cell:   "contEval, err :=",
		Output: f1Row,
		Check:  That("want RLVR to move F1 by 0.05 at most", func(v []float64) bool { return math.Abs(v[2]-v[0]) <= 0.05 }),
	}, {
		Prose:  "in this run further than RLVR did",
		Cell:   "contEval, err :=",
		Output: f1Row, // MLE (start), MLE continued, RLVR
		Check:  That("want MLE continued to gain more F1 than RLVR", func(v []float64) bool { return v[1]-v[0] > v[2]-v[0] }),
	}, {
		Prose:  "our rates move in steps of 1/12",
		Cell:   "func runAgent(",
		Output: `MPC agent success over (\d+) episodes`,
		Check:  Equal(12),
	}})
	nb.Ending(t)
}
