package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftmaxKernelsBitExact: the AVX2 softmax (attention rows and the
// output layer's log-softmax) returns the scalar Go loops' float32 bits,
// for every length's tail, scores far enough apart to underflow, zeros of
// both signs and ties, so a training run does not depend on which path ran.
func TestSoftmaxKernelsBitExact(t *testing.T) {
	if !fusedSoftmax {
		t.Skip("no AVX2 softmax kernel in this build or on this CPU; the scalar loop is the only path")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	negZero := float32(math.Copysign(0, -1))
	for n := 1; n <= 600; n += 1 + n/16 {
		for trial := 0; trial < 4; trial++ {
			z := make([]float32, n)
			for i := range z {
				switch trial {
				case 0:
					z[i] = float32(rng.NormFloat64())
				case 1:
					z[i] = float32(rng.NormFloat64() * 40) // many exponentials below -87.3
				case 2:
					z[i] = []float32{0, negZero, 1, -1}[rng.IntN(4)]
				default:
					z[i] = float32(rng.Float64()*200 - 100)
				}
			}
			// Attention rows: a causal row of n scores in a longer buffer.
			a, b := append(append([]float32(nil), z...), 9, 9), append(append([]float32(nil), z...), 9, 9)
			softmaxCausalRow(a, n-1)
			softmaxCausalRowGo(b, n-1)
			for i := range a {
				if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
					t.Fatalf("n=%d trial %d: softmax[%d] kernel %g, Go %g", n, trial, i, a[i], b[i])
				}
			}
			// Log-softmax with the entropy, for a target in the row and none.
			for _, tgt := range []int{rng.IntN(n), -1} {
				a, b := append([]float32(nil), z...), append([]float32(nil), z...)
				la, ea := logSoftmaxRow(a, tgt, true)
				lb, eb := logSoftmaxRow(b, tgt, false)
				if math.Float32bits(la) != math.Float32bits(lb) || math.Float32bits(ea) != math.Float32bits(eb) {
					t.Fatalf("n=%d trial %d target %d: logp %g, entropy %g; Go %g, %g", n, trial, tgt, la, ea, lb, eb)
				}
				for i := range a {
					if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
						t.Fatalf("n=%d trial %d: p[%d] kernel %g, Go %g", n, trial, i, a[i], b[i])
					}
				}
			}
		}
	}
}
