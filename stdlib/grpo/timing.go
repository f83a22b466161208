package grpo

import "sort"

// Timing summarises the wall time of measured GRPO steps next to an anchor
// timed in the same run (`rlvrworld bench grpo` uses one MLE step on as
// many sequences, timed right after each GRPO step). Times are medians in
// seconds; the ratios are medians of the per-pair ratios, which survive a
// machine that changes speed between pairs.
type Timing struct {
	StepS, SampleS, RewardS, LogProbS, FwdBwdS float64
	// RespLen is the median mean response length.
	RespLen float64
	// AnchorS is the anchor's median.
	AnchorS float64
	// StepOverAnchor, SampleOverAnchor, LogProbOverAnchor and
	// FwdBwdOverAnchor are the paired ratios of the step and its parts.
	StepOverAnchor, SampleOverAnchor, LogProbOverAnchor, FwdBwdOverAnchor float64
}

// Summarize computes the Timing of steps ms, where anchor[i] was timed
// right after ms[i]; it returns the zero Timing when the lengths differ or
// there are no steps.
func Summarize(ms []StepMetrics, anchor []float64) Timing {
	if len(ms) == 0 || len(ms) != len(anchor) {
		return Timing{}
	}
	med := func(f func(i int) float64) float64 {
		xs := make([]float64, len(ms))
		for i := range ms {
			xs[i] = f(i)
		}
		sort.Float64s(xs)
		if n := len(xs); n%2 == 0 {
			return (xs[n/2-1] + xs[n/2]) / 2
		}
		return xs[len(xs)/2]
	}
	fwdBwd := func(i int) float64 { return ms[i].UpdateSec - ms[i].LogProbSec }
	return Timing{
		StepS:             med(func(i int) float64 { return ms[i].WallSec }),
		SampleS:           med(func(i int) float64 { return ms[i].SampleSec }),
		RewardS:           med(func(i int) float64 { return ms[i].RewardSec }),
		LogProbS:          med(func(i int) float64 { return ms[i].LogProbSec }),
		FwdBwdS:           med(fwdBwd),
		RespLen:           med(func(i int) float64 { return ms[i].RespLen }),
		AnchorS:           med(func(i int) float64 { return anchor[i] }),
		StepOverAnchor:    med(func(i int) float64 { return ms[i].WallSec / anchor[i] }),
		SampleOverAnchor:  med(func(i int) float64 { return ms[i].SampleSec / anchor[i] }),
		LogProbOverAnchor: med(func(i int) float64 { return ms[i].LogProbSec / anchor[i] }),
		FwdBwdOverAnchor:  med(func(i int) float64 { return fwdBwd(i) / anchor[i] }),
	}
}
