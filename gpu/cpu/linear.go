package cpu

import (
	"math/rand/v2"
	"sync"

	"github.com/rlvrworld/rlvrworld/gpu"
)

var _ gpu.Linear = (*Backend)(nil)

// biasFirstMaxK bounds the inner dimension for which LinearForward lets
// the product add to the bias. OpenBLAS adds a product's sum into C once
// per block of k (320 for its Haswell kernels), so up to one block the sum
// meets the bias in a single addition, as it does after a product with
// beta 0; past a block the partial sums would meet the bias one by one.
const biasFirstMaxK = 256

// LinearForward writes the bias into out's rows and has the product add
// to them (beta 1), where that gives Gemm-then-BiasForward's bits: OpenBLAS
// then skips its zeroing pass over out, and no second pass adds the bias
// (both together were about 2% of a training step). Elsewhere it takes the
// two steps.
func (be *Backend) LinearForward(out, inp, w, bias []float32, N, IC, OC int) {
	if bias == nil || IC > biasFirstMaxK || !biasFirstExact() {
		be.Gemm(false, true, N, OC, IC, 1, inp, IC, w, IC, 0, out, OC)
		if bias != nil {
			be.BiasForward(out, bias, N, OC)
		}
		return
	}
	bias = bias[:OC]
	be.parallel(N, max(1, elemGrain/max(OC, 1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			copy(out[i*OC:(i+1)*OC], bias)
		}
	})
	be.Gemm(false, true, N, OC, IC, 1, inp, IC, w, IC, 1, out, OC)
}

// biasFirstExact reports, once per process, whether this machine's matrix
// product adds its sum into C in one step for k = biasFirstMaxK: it
// compares the two ways on a random product. The blocking over k is a
// property of the BLAS build and its CPU kernels, not of the data, so a
// core that blocks k more finely fails the check and keeps the two steps.
var biasFirstExact = sync.OnceValue(func() bool {
	const m, n, k = 64, 96, biasFirstMaxK
	rng := rand.New(rand.NewPCG(11, 12))
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	a, b, bias := fill(m*k), fill(n*k), fill(n)
	two, first := make([]float32, m*n), make([]float32, m*n)
	sgemm(false, true, m, n, k, 1, a, k, b, k, 0, two, n)
	for i := 0; i < m; i++ {
		for j := range bias {
			two[i*n+j] += bias[j]
		}
		copy(first[i*n:], bias)
	}
	sgemm(false, true, m, n, k, 1, a, k, b, k, 1, first, n)
	for i := range two {
		if two[i] != first[i] {
			return false
		}
	}
	return true
})
