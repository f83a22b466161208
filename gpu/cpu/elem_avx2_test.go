//go:build cgo && !purego

package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestElementKernelsBitExact runs bias addition and its column sums, the
// residual additions and LayerNorm forward and backward with the AVX2
// kernels and with the scalar Go loops, on widths with and without a tail
// of fewer than 8, and requires equal float32 bits: a training run must not
// depend on which path ran.
func TestElementKernelsBitExact(t *testing.T) {
	if !fusedElem {
		t.Skip("no AVX2 on this CPU; the scalar loops are the only path")
	}
	defer func() { fusedElem = true }()
	rng := rand.New(rand.NewPCG(3, 4))
	randv := func(n int, s float64) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * s)
		}
		return x
	}
	for _, shape := range [][2]int{{37, 128}, {64, 13}, {5, 8}, {300, 384}, {3, 1}} {
		N, C := shape[0], shape[1]
		inp, dout := randv(N*C, 3), randv(N*C, 1)
		w, b := randv(C, 1), randv(C, 0.5)
		// run computes every op on fresh copies with fusedElem = fused.
		run := func(fused bool) [][]float32 {
			fusedElem = fused
			be := New()
			acc := append([]float32(nil), dout...)
			be.Accumulate(acc, inp)
			sum := make([]float32, N*C)
			be.Add(sum, inp, dout)
			bias := append([]float32(nil), inp...)
			be.BiasForward(bias, b, N, C)
			db := append([]float32(nil), b...)
			be.BiasBackward(db, dout, N, C)
			out, mean, rstd := make([]float32, N*C), make([]float32, N), make([]float32, N)
			be.LayerNormForward(out, mean, rstd, inp, w, b, N, C)
			dinp, dw, dbl := append([]float32(nil), dout...), randv(C, 1), randv(C, 1)
			be.LayerNormBackward(dinp, dw, dbl, dout, inp, w, mean, rstd, N, C)
			return [][]float32{acc, sum, bias, db, out, mean, rstd, dinp, dw, dbl}
		}
		rng = rand.New(rand.NewPCG(uint64(N), uint64(C))) // both runs draw the same dw, dbl
		goRes := run(false)
		rng = rand.New(rand.NewPCG(uint64(N), uint64(C)))
		avx := run(true)
		names := []string{"Accumulate", "Add", "BiasForward", "BiasBackward", "LayerNormForward out", "mean", "rstd",
			"LayerNormBackward dinp", "dweight", "dbias"}
		for k := range goRes {
			for i := range goRes[k] {
				if math.Float32bits(goRes[k][i]) != math.Float32bits(avx[k][i]) {
					t.Fatalf("N=%d C=%d %s[%d]: kernel %g, Go %g", N, C, names[k], i, avx[k][i], goRes[k][i])
				}
			}
		}
	}
}
