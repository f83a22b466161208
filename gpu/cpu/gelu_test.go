package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGeluKernelsBitExact: the AVX2 GELU kernels return the scalar Go
// code's float32 bits exactly, on ordinary values and at the edges (zero,
// tiny, the tanh clamp, huge, infinities), so a training run does not
// depend on which path ran.
func TestGeluKernelsBitExact(t *testing.T) {
	if !fusedGelu {
		t.Skip("no AVX2 GELU kernel in this build or on this CPU; the scalar loop is the only path")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	inp := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e-4, -1e-4, 0.5, -0.5, 3, -3, 9.9, -9.9,
		20, -20, 1e6, -1e6, float32(math.Inf(1)), float32(math.Inf(-1))}
	for len(inp) < 1<<16 {
		inp = append(inp, float32(rng.NormFloat64()*float64(1+rng.IntN(4))))
	}
	dout := make([]float32, len(inp))
	for i := range dout {
		dout[i] = float32(rng.NormFloat64())
	}
	out := make([]float32, len(inp))
	if n := geluForward8(out, inp); n != len(inp) {
		t.Fatalf("geluForward8 did %d of %d", n, len(inp))
	}
	dinp := make([]float32, len(inp))
	copy(dinp, dout) // accumulates
	if n := geluBackward8(dinp, inp, dout); n != len(inp) {
		t.Fatalf("geluBackward8 did %d of %d", n, len(inp))
	}
	for i, x := range inp {
		if w := gelu(x); math.Float32bits(out[i]) != math.Float32bits(w) {
			t.Fatalf("gelu(%g): kernel %g, Go %g", x, out[i], w)
		}
		if w := dout[i] + geluGrad(x)*dout[i]; math.Float32bits(dinp[i]) != math.Float32bits(w) {
			t.Fatalf("gelu'(%g)*%g accumulated: kernel %g, Go %g", x, dout[i], dinp[i], w)
		}
	}
}
