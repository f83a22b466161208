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

// TestGeluBackwardInPlaceMatchesZeroed: the in-place GELU backward gives
// GeluBackward's bits into a zeroed buffer, signed zeros included (a
// gradient of -1 at x = -20 makes a product of -0, and 0 + -0 is +0), on a
// length that leaves a tail for the scalar loop.
func TestGeluBackwardInPlaceMatchesZeroed(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	n := 1<<14 + 5
	inp, d := make([]float32, n), make([]float32, n)
	for i := range inp {
		inp[i], d[i] = float32(rng.NormFloat64()*3), float32(rng.NormFloat64())
	}
	inp[0], d[0] = -20, -1
	inp[n-1], d[n-1] = -20, -1
	be := New()
	want := make([]float32, n)
	be.GeluBackward(want, inp, d)
	be.GeluBackwardInPlace(d, inp)
	for i := range want {
		if math.Float32bits(d[i]) != math.Float32bits(want[i]) {
			t.Fatalf("element %d (x=%g): in place %g (bits %x), into zeros %g (bits %x)", i, inp[i], d[i],
				math.Float32bits(d[i]), want[i], math.Float32bits(want[i]))
		}
	}
	if math.Signbit(float64(d[0])) || math.Signbit(float64(d[n-1])) {
		t.Fatalf("gelu'(-20) * -1 should be +0 as into zeros, got %g and %g", d[0], d[n-1])
	}
}
