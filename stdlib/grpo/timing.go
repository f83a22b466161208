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
	// StepCPUS and AnchorCPUS are the medians of the process CPU time
	// (every thread, user and system) of a step and of its anchor, and
	// StepOverAnchorCPU the median of their per-pair ratios; zero unless
	// AddCPU was called. On a machine shared with other jobs the wall time
	// also counts the time a thread waited for a core, so a step and its
	// anchor a few seconds apart can be slowed by different amounts; CPU
	// time leaves the waiting out (contention for caches and memory still
	// raises it), so the CPU ratio shows how much of a wall ratio's swing
	// was load.
	StepCPUS, AnchorCPUS, StepOverAnchorCPU float64
}

// AddCPU fills in the CPU-time figures from step[i] and anchor[i], the
// process CPU seconds of the steps Summarize was given and of their
// anchors; it leaves them zero when the lengths differ or are zero.
func (t *Timing) AddCPU(step, anchor []float64) {
	if len(step) == 0 || len(step) != len(anchor) {
		return
	}
	ratio := make([]float64, len(step))
	for i := range step {
		ratio[i] = step[i] / anchor[i]
	}
	t.StepCPUS, t.AnchorCPUS, t.StepOverAnchorCPU = median(step), median(anchor), median(ratio)
}

// median is the median of xs (the mean of the middle two for an even
// count); xs is not modified.
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
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
		return median(xs)
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
