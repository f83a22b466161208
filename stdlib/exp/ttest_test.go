package exp

import (
	"math"
	"testing"
)

func TestPairedTTest(t *testing.T) {
	for _, tc := range []struct {
		ds          []float64
		t, crit     float64 // t from Python's statistics module
		significant bool
	}{
		{[]float64{1, 2, 3}, 2 / (1 / math.Sqrt(3)), 4.303, false}, // t 3.46, 2 df
		{[]float64{1, 1.1, 0.9, 1, 1.05}, 30.45, 2.776, true},
		{[]float64{-0.03, -0.02, -0.04, -0.03, -0.035}, -9.347, 2.776, true},
		{[]float64{0.1, 0.1}, math.NaN(), 12.706, false}, // no spread
		{[]float64{0.5}, math.NaN(), math.NaN(), false},  // one seed
	} {
		p := PairedTTest(tc.ds)
		if p.N != len(tc.ds) || p.Significant != tc.significant || !near(p.Crit, tc.crit) || !near(p.T, tc.t) {
			t.Errorf("%v: %+v, want t %.3g crit %g significant %v", tc.ds, p, tc.t, tc.crit, tc.significant)
		}
	}
	if p := PairedTTest(make([]float64, 40)); p.Crit != 1.96 {
		t.Errorf("40 seeds: critical value %g, want the normal's 1.96", p.Crit)
	}
}

// near compares to 3 significant digits, NaN equal to NaN.
func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 5e-3*math.Max(1, math.Abs(b))
}
