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

// BenchmarkDecodeAt64 and BenchmarkDecodeAt512 time a batched decoding step
// at batch 64 near positions 64 and 512 (go test -bench Decode).
// The Half variants keep the cache in float16.
func BenchmarkDecodeAt64(b *testing.B)      { benchDecode(b, 56, KVFloat32) }
func BenchmarkDecodeAt512(b *testing.B)     { benchDecode(b, 504, KVFloat32) }
func BenchmarkDecodeHalfAt64(b *testing.B)  { benchDecode(b, 56, KVFloat16) }
func BenchmarkDecodeHalfAt512(b *testing.B) { benchDecode(b, 504, KVFloat16) }
func BenchmarkDecodeInt8At64(b *testing.B)  { benchDecode(b, 56, KVInt8) }
func BenchmarkDecodeInt8At512(b *testing.B) { benchDecode(b, 504, KVInt8) }

func benchDecode(b *testing.B, promptLen int, kv KVPrecision) {
	cfg := Config{Vocab: 512, MaxSeq: 640, Layers: 4, Dim: 256, Heads: 4, Seed: 1}
	m, _ := New(cfg)
	rng := rand.New(rand.NewPCG(1, 1))
	s := m.newSampler(64, promptLen+8, kv)
	var toks, rows, pos []int32
	var want []int
	for r := 0; r < 64; r++ {
		toks, rows, pos, want = toks[:0], rows[:0], pos[:0], want[:0]
		for j, t := range randPrompt(rng, promptLen, 512) {
			toks, rows, pos = append(toks, int32(t)), append(rows, int32(r)), append(pos, int32(j))
		}
		want = append(want, len(toks)-1)
		s.step(toks, rows, pos, want)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Rewrites the same 8 positions each time: the same work as decoding them.
		for st := 0; st < 8; st++ {
			toks, rows, pos, want = toks[:0], rows[:0], pos[:0], want[:0]
			for r := 0; r < 64; r++ {
				toks, rows, pos, want = append(toks, 1), append(rows, int32(r)), append(pos, int32(promptLen+st)), append(want, r)
			}
			s.step(toks, rows, pos, want)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(8*b.N), "ms/step")
}

// BenchmarkRefForward and BenchmarkRefLogProbs time GRPO's reference
// log-probabilities of a text-game mini-batch (64 rows of 40 tokens on the
// small budget's model) by the training Forward and by the forward-only
// LogProbs (go test -bench Ref -count 5, alternating).
func BenchmarkRefForward(b *testing.B)  { benchRef(b, false) }
func BenchmarkRefLogProbs(b *testing.B) { benchRef(b, true) }

func benchRef(b *testing.B, forwardOnly bool) {
	cfg := Config{Vocab: 448, MaxSeq: 271, Layers: 2, Dim: 128, Heads: 4, Seed: 1}
	m, _ := New(cfg)
	batch := tinyBatch(rand.New(rand.NewPCG(1, 1)), cfg, 64, 40)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if forwardOnly {
			m.LogProbs(batch)
		} else {
			m.Forward(batch)
		}
	}
}
