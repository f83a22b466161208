package cpu

import (
	"math/rand/v2"
	"testing"
)

// TestLinearForwardMatchesTwoSteps checks that the fused linear layer gives
// Gemm-then-BiasForward's bits on the model's shapes: training batches
// (row split), decoding steps (column split), an inner dimension past one
// of OpenBLAS's k-blocks, odd sizes and no bias. It also checks the
// once-per-process probe against the same shapes: it must allow the bias
// first exactly when that gives the two steps' bits for every k it
// covers, so that the comparison below tests the fused path where it runs.
func TestLinearForwardMatchesTwoSteps(t *testing.T) {
	t.Logf("bias first: %v (%s)", biasFirstExact(), blasName)
	be := New()
	allExact := true
	rng := rand.New(rand.NewPCG(5, 6))
	fill := func(n int, s float64) []float32 { return randNorm(rng, n, s) }
	for _, s := range [][3]int{{2048, 256, 768}, {2048, 256, 256}, {2048, 256, 1024}, {2048, 1024, 256},
		{64, 256, 768}, {64, 1024, 256}, {5, 256, 1024}, {1, 256, 768}, {37, 256, 33}, {7, 300, 33}, {300, 128, 512}} {
		N, IC, OC := s[0], s[1], s[2]
		x, w, b := fill(N*IC, 1), fill(OC*IC, 0.05), fill(OC, 1)
		for _, bias := range [][]float32{b, nil} {
			want, got := fill(N*OC, 1), fill(N*OC, 1) // stale contents must not leak in
			be.Gemm(false, true, N, OC, IC, 1, x, IC, w, IC, 0, want, OC)
			if bias != nil {
				be.BiasForward(want, bias, N, OC)
			}
			be.LinearForward(got, x, w, bias, N, IC, OC)
			if bias != nil && IC <= biasFirstMaxK {
				// The bias-first product itself, whatever the probe says.
				first := make([]float32, N*OC)
				for i := 0; i < N; i++ {
					copy(first[i*OC:], bias)
				}
				be.Gemm(false, true, N, OC, IC, 1, x, IC, w, IC, 1, first, OC)
				for i := range want {
					if want[i] != first[i] {
						allExact = false
						break
					}
				}
			}
			for i := range want {
				if want[i] != got[i] {
					t.Fatalf("N=%d IC=%d OC=%d bias=%v: element %d is %g, want %g", N, IC, OC, bias != nil, i, got[i], want[i])
				}
			}
		}
	}
	if allExact != biasFirstExact() {
		t.Errorf("the probe says bias first is exact: %v, but on the model's shapes it is: %v", biasFirstExact(), allExact)
	}
}
