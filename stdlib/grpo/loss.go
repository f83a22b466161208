package grpo

import (
	"fmt"
	"math"
)

// AdvantageEps is added to the group's standard deviation so that a group
// with a tiny spread does not blow its advantages up (the reference value).
const AdvantageEps = 1e-6

// KLClamp bounds the per-token k3 estimate to [-KLClamp, KLClamp], as the
// reference implementation does, so that one token whose probability under
// the policy collapsed cannot dominate the loss.
const KLClamp = 10.0

// Advantages returns the group-normalised advantage of every sample.
// rewards holds consecutive groups of groupSize samples of the same prompt;
// sample i gets (R_i - mean(R)) / (std(R) + 1e-6) with the unbiased
// (n-1) standard deviation of its group. A group whose rewards are all equal
// carries no signal and gets 0 for every sample (the unbiased std is 0 there,
// so the formula gives 0 as well; it is also forced for groupSize 1, where the
// unbiased std is undefined).
func Advantages(rewards []float64, groupSize int) ([]float64, error) {
	if groupSize <= 0 {
		return nil, fmt.Errorf("grpo: group size %d must be positive", groupSize)
	}
	if len(rewards)%groupSize != 0 {
		return nil, fmt.Errorf("grpo: %d rewards do not split into groups of %d", len(rewards), groupSize)
	}
	adv := make([]float64, len(rewards))
	for g := 0; g < len(rewards); g += groupSize {
		grp := rewards[g : g+groupSize]
		allEqual := true
		mean := 0.0
		for _, r := range grp {
			mean += r
			if r != grp[0] {
				allEqual = false
			}
		}
		if allEqual || groupSize < 2 {
			continue // zeros already
		}
		mean /= float64(groupSize)
		ss := 0.0
		for _, r := range grp {
			ss += (r - mean) * (r - mean)
		}
		std := math.Sqrt(ss / float64(groupSize-1))
		for i, r := range grp {
			adv[g+i] = (r - mean) / (std + AdvantageEps)
		}
	}
	return adv, nil
}

// LossConfig holds the coefficients of the GRPO loss.
type LossConfig struct {
	// ClipEps is the PPO ratio clip: the ratio is clipped to
	// [1-ClipEps, 1+ClipEps]. The reference value is 0.2.
	ClipEps float64
	// DualClip, when > 1, bounds the loss of tokens with a negative advantage
	// by -DualClip*A (the video variant uses 3). 0 turns it off.
	DualClip float64
	// KLCoef is beta, the weight of the k3 KL estimate to the reference model
	// (0.001 in the reference).
	KLCoef float64
	// EntropyCoef is c_H: the loss subtracts c_H times the mean entropy
	// (0.001 for language, 0 for video).
	EntropyCoef float64
}

// LossInput is one micro-batch, every slice with one entry per token
// position (B*T, row-major), as nn.Model.Forward returns them.
type LossInput struct {
	// LogP is log pi_theta of the target token, from the forward pass whose
	// gradient is wanted.
	LogP []float32
	// OldLogP is log pi_old, computed by the policy right after the rollout.
	OldLogP []float32
	// RefLogP is the frozen reference model's log-probability; nil skips the
	// KL term.
	RefLogP []float32
	// Entropy is the policy's entropy at each position; nil when the entropy
	// coefficient is 0.
	Entropy []float32
	// Advantage is the sample's advantage repeated over its tokens.
	Advantage []float32
	// Mask is 1 for a generated response token and 0 for prompt, padding and
	// forced (injected) tokens.
	Mask []float32
}

// LossStats are the diagnostics of one micro-batch, as token means over
// the masked tokens.
type LossStats struct {
	// Tokens is the number of masked-in tokens.
	Tokens int
	// Loss is the total loss value.
	Loss float64
	// PolicyLoss is the mean clipped ratio loss.
	PolicyLoss float64
	// KL is the mean k3 estimate (after clamping).
	KL float64
	// Entropy is the mean policy entropy.
	Entropy float64
	// ClipFrac is the share of tokens whose gradient was cut by the ratio
	// clip (either side).
	ClipFrac float64
	// DualClipFrac is the share of tokens bounded by the dual clip.
	DualClipFrac float64
	// RatioMean is the mean probability ratio.
	RatioMean float64
}

// Loss computes the GRPO loss of one micro-batch and its gradient with
// respect to LogP and Entropy, ready for nn.Model.Backward:
//
//	ratio = exp(logp - old)
//	l     = max(-A*ratio, -A*clip(ratio, 1-eps, 1+eps));  for A<0 with dual clip c: l = min(l, -c*A)
//	k3    = clamp(exp(ref-logp) - (ref-logp) - 1, -10, 10)
//	loss  = sum_t m_t (l_t + beta*k3_t) / sum_t m_t  -  c_H * sum_t m_t H_t / sum_t m_t
//
// The gradient follows the active branch of each max/min/clamp, exactly as
// automatic differentiation of the reference does: a clipped branch is
// constant in logp and passes no gradient. A micro-batch with no masked-in
// token has loss 0 and zero gradients.
func Loss(cfg LossConfig, in LossInput) (dLogP, dEntropy []float32, st LossStats, err error) {
	n := len(in.LogP)
	if len(in.OldLogP) != n || len(in.Advantage) != n || len(in.Mask) != n {
		return nil, nil, st, fmt.Errorf("grpo: loss inputs of different lengths: logp %d, old %d, adv %d, mask %d",
			n, len(in.OldLogP), len(in.Advantage), len(in.Mask))
	}
	if in.RefLogP != nil && len(in.RefLogP) != n {
		return nil, nil, st, fmt.Errorf("grpo: reference logp has %d entries, want %d", len(in.RefLogP), n)
	}
	if in.Entropy != nil && len(in.Entropy) != n {
		return nil, nil, st, fmt.Errorf("grpo: entropy has %d entries, want %d", len(in.Entropy), n)
	}
	if cfg.ClipEps < 0 || cfg.ClipEps >= 1 {
		return nil, nil, st, fmt.Errorf("grpo: clip eps %g outside [0, 1)", cfg.ClipEps)
	}
	if cfg.DualClip != 0 && cfg.DualClip <= 1 {
		return nil, nil, st, fmt.Errorf("grpo: dual clip %g must be > 1 (or 0 for off)", cfg.DualClip)
	}
	dLogP = make([]float32, n)
	if in.Entropy != nil {
		dEntropy = make([]float32, n)
	}
	count := 0.0
	for _, m := range in.Mask {
		count += float64(m)
	}
	if count == 0 {
		return dLogP, dEntropy, st, nil
	}
	inv := 1 / count
	var sumPol, sumKL, sumEnt, sumClip, sumDual, sumRatio float64
	lo, hi := 1-cfg.ClipEps, 1+cfg.ClipEps
	for t := 0; t < n; t++ {
		m := float64(in.Mask[t])
		if m == 0 {
			continue
		}
		a := float64(in.Advantage[t])
		lp := float64(in.LogP[t])
		ratio := math.Exp(lp - float64(in.OldLogP[t]))
		clipped := math.Min(math.Max(ratio, lo), hi)
		unc := -a * ratio
		clp := -a * clipped
		l := unc
		g := -a * ratio // d(-a*ratio)/dlogp
		if clp > unc {
			// The clipped branch wins: constant in logp, no gradient.
			l, g = clp, 0
			sumClip += m
		}
		if cfg.DualClip > 0 && a < 0 {
			bound := -cfg.DualClip * a
			if bound < l {
				l, g = bound, 0
				sumDual += m
			}
		}
		grad := g
		sumPol += m * l
		sumRatio += m * ratio
		if in.RefLogP != nil {
			d := float64(in.RefLogP[t]) - lp
			ed := math.Exp(d)
			k3 := ed - d - 1
			// d k3 / d logp = -exp(d) + 1, zero where the clamp is active.
			dk := 1 - ed
			if k3 > KLClamp {
				k3, dk = KLClamp, 0
			} else if k3 < -KLClamp {
				k3, dk = -KLClamp, 0
			}
			sumKL += m * k3
			grad += cfg.KLCoef * dk
		}
		dLogP[t] = float32(m * grad * inv)
		if in.Entropy != nil {
			sumEnt += m * float64(in.Entropy[t])
			dEntropy[t] = float32(-cfg.EntropyCoef * m * inv)
		}
	}
	st = LossStats{
		Tokens:       int(count + 0.5),
		PolicyLoss:   sumPol * inv,
		KL:           sumKL * inv,
		Entropy:      sumEnt * inv,
		ClipFrac:     sumClip * inv,
		DualClipFrac: sumDual * inv,
		RatioMean:    sumRatio * inv,
	}
	st.Loss = st.PolicyLoss + cfg.KLCoef*st.KL - cfg.EntropyCoef*st.Entropy
	return dLogP, dEntropy, st, nil
}
