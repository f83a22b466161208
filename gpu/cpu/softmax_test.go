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

// TestSoftmaxRowsBitExact: the chunk kernels of the attention's softmax
// and its backward (eight rows' sums in the lanes of a vector) give the Go
// loops' bits over whole buffers, for chunks of every size around 8, with
// and without a packed row's shared positions before the causal ones.
func TestSoftmaxRowsBitExact(t *testing.T) {
	if !fusedSoftmax {
		t.Skip("no AVX2 softmax kernel in this build or on this CPU; the scalar loop is the only path")
	}
	defer func() { fusedSoftmax = true }()
	rng := rand.New(rand.NewPCG(17, 18))
	for _, k := range []int{0, 5, 67} {
		for _, c := range [][2]int{{0, 64}, {64, 128}, {0, 13}, {3, 4}, {8, 17}, {40, 48}, {0, 1}} {
			r0, r1 := c[0], c[1]
			w := k + r1 + 3 // room past the chunk's columns, which the forward zeroes
			scores := make([]float32, r1*w)
			for i := range scores {
				scores[i] = float32(rng.NormFloat64() * 3)
			}
			run := func(kernel bool) (probs, dpre []float32) {
				fusedSoftmax = kernel
				probs = append([]float32(nil), scores...)
				softmaxCausalRows(probs, w, k, r0, r1)
				dpre = make([]float32, len(scores))
				for i := range dpre {
					dpre[i] = float32(math.Sin(float64(i))) // the same d(probabilities) both ways
				}
				softmaxBackwardRows(dpre, probs, w, k, r0, r1)
				return probs, dpre
			}
			pg, dg := run(false)
			pk, dk := run(true)
			for i := range pg {
				if math.Float32bits(pg[i]) != math.Float32bits(pk[i]) {
					t.Fatalf("k=%d rows %d..%d: probability [%d] kernel %g, Go %g", k, r0, r1, i, pk[i], pg[i])
				}
				if math.Float32bits(dg[i]) != math.Float32bits(dk[i]) {
					t.Fatalf("k=%d rows %d..%d: d(score) [%d] kernel %g, Go %g", k, r0, r1, i, dk[i], dg[i])
				}
			}
		}
	}
}
