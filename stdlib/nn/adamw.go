package nn

import (
	"fmt"
	"math"

	"github.com/rlvrworld/rlvrworld/gpu"
)

// AdamWConfig configures AdamW. Zero fields take the defaults: Beta1 0.9,
// Beta2 0.95, Eps 1e-8, WeightDecay 0.01, ClipNorm 1.0. A negative
// WeightDecay or ClipNorm turns that feature off.
type AdamWConfig struct {
	LR, Beta1, Beta2, Eps, WeightDecay, ClipNorm float32
}

// AdamW is Adam with decoupled weight decay (applied to weight matrices and
// embeddings, not to biases and norms) and global gradient-norm clipping.
// It keeps the moments of one model; Step on a model of another size is an
// error.
type AdamW struct {
	cfg  AdamWConfig
	m, v []float32
	t    int
}

// NewAdamW returns an optimiser with cfg's zero fields set to defaults.
func NewAdamW(cfg AdamWConfig) *AdamW {
	if cfg.Beta1 == 0 {
		cfg.Beta1 = 0.9
	}
	if cfg.Beta2 == 0 {
		cfg.Beta2 = 0.95
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-8
	}
	if cfg.WeightDecay == 0 {
		cfg.WeightDecay = 0.01
	} else if cfg.WeightDecay < 0 {
		cfg.WeightDecay = 0
	}
	if cfg.ClipNorm == 0 {
		cfg.ClipNorm = 1
	}
	return &AdamW{cfg: cfg}
}

// Config returns the effective configuration (defaults filled in).
func (o *AdamW) Config() AdamWConfig { return o.cfg }

// SetLR changes the learning rate (for schedules).
func (o *AdamW) SetLR(lr float32) { o.cfg.LR = lr }

// Steps is the number of updates taken so far.
func (o *AdamW) Steps() int { return o.t }

// Step clips the accumulated gradients to ClipNorm (scaling them in place),
// updates the parameters, and returns the gradient norm before clipping.
// It does not zero the gradients: the caller calls ZeroGrad. When the norm
// is not finite the update is skipped (the parameters stay unchanged) and
// the norm is returned as is, so a divergent step shows in the metrics
// instead of poisoning the model.
func (o *AdamW) Step(m *Model) (gradNorm float32) {
	if m.gflat == nil {
		return 0 // no Backward yet: nothing to do
	}
	if o.m == nil {
		o.m, o.v = m.be.Alloc(len(m.flat)), m.be.Alloc(len(m.flat))
	}
	if len(o.m) != len(m.flat) {
		panic(fmt.Sprintf("nn: AdamW holds moments for %d parameters, the model has %d", len(o.m), len(m.flat)))
	}
	norm := math.Sqrt(m.be.SumSquares(m.gflat))
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return float32(norm)
	}
	clip := float32(1)
	if o.cfg.ClipNorm > 0 && norm > float64(o.cfg.ClipNorm) {
		clip = float32(float64(o.cfg.ClipNorm) / norm)
	}
	fused, ok := m.be.(gpu.ScaledAdamW)
	if !ok && clip != 1 {
		m.be.Scale(m.gflat, clip)
	}
	o.t++
	off := 0
	for _, s := range paramSpecs(m.cfg) {
		n := size(s.shape)
		wd := float32(0)
		if s.decay {
			wd = o.cfg.WeightDecay
		}
		p, g, mo, v := m.flat[off:off+n], m.gflat[off:off+n], o.m[off:off+n], o.v[off:off+n]
		if ok {
			fused.AdamWScaled(p, g, mo, v, clip, o.cfg.LR, o.cfg.Beta1, o.cfg.Beta2, o.cfg.Eps, wd, o.t)
		} else {
			m.be.AdamW(p, g, mo, v, o.cfg.LR, o.cfg.Beta1, o.cfg.Beta2, o.cfg.Eps, wd, o.t)
		}
		off += n
	}
	m.be.Sync()
	return float32(norm)
}
