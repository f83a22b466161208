//go:build cgo && !purego

package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

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
