package nn

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkTrainStep is the `bench train` configuration (L=4, C=256, NH=4,
// V=512, T=256, B=8), for profiling: go test -bench TrainStep -cpuprofile.
func BenchmarkTrainStep(b *testing.B) {
	cfg := Config{Vocab: 512, MaxSeq: 256, Layers: 4, Dim: 256, Heads: 4, Seed: 1}
	m, _ := New(cfg)
	rng := rand.New(rand.NewPCG(1, 1))
	batch := tinyBatch(rng, cfg, 8, 256)
	dl := make([]float32, 8*256)
	for i := range dl {
		dl[i] = -1.0 / 2048
	}
	opt := NewAdamW(AdamWConfig{LR: 1e-4})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Forward(batch)
		m.Backward(dl, nil)
		opt.Step(m)
		m.ZeroGrad()
	}
	b.ReportMetric(float64(b.N*2048)/b.Elapsed().Seconds(), "tok/s")
}
