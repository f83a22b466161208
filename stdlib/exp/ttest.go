package exp

import "math"

// PairedT is a two-sided paired t test, at 5%, of per-seed differences
// (RLVR minus MLE continued, say) against 0: the verdict docs/results.md
// and notebook 06 give.
type PairedT struct {
	// N is the number of differences; Mean their mean.
	N    int
	Mean float64
	// T is Mean / (sample std / sqrt(N)), with N-1 degrees of freedom; NaN
	// with fewer than two differences or none of spread.
	T float64
	// Crit is the two-sided 5% critical value of Student's t for N-1
	// degrees of freedom (1.96 beyond 30); Significant says |T| > Crit.
	Crit        float64
	Significant bool
}

// tCrit5 is the two-sided 5% critical value of Student's t for 1 to 30
// degrees of freedom.
var tCrit5 = []float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// PairedTTest tests the differences ds (one per seed) against 0.
func PairedTTest(ds []float64) PairedT {
	p := PairedT{N: len(ds), T: math.NaN(), Crit: math.NaN()}
	if p.N == 0 {
		p.Mean = math.NaN()
		return p
	}
	var sd float64
	p.Mean, sd = meanStd(ds)
	if p.N < 2 {
		return p
	}
	p.Crit = 1.96
	if p.N-1 <= len(tCrit5) {
		p.Crit = tCrit5[p.N-2]
	}
	if sd > 0 {
		p.T = p.Mean / (sd / math.Sqrt(float64(p.N)))
		p.Significant = math.Abs(p.T) > p.Crit
	}
	return p
}
