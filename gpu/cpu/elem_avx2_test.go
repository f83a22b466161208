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
	randv := func(n int, s float64) []float32 { return randNorm(rng, n, s) }
	for _, shape := range [][2]int{{37, 128}, {64, 13}, {5, 8}, {300, 384}, {3, 1}, {2048, 256}} {
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

// TestAdamWKernelBitExact checks the AVX2 AdamW pass against the Go loop,
// and AdamWScaled against Scale followed by AdamW, bit for bit: with and
// without clipping and weight decay, early and later steps, and lengths
// that leave a tail for the scalar loop.
func TestAdamWKernelBitExact(t *testing.T) {
	if !fusedElem {
		t.Skip("no AVX2 on this CPU; the scalar loop is the only path")
	}
	defer func() { fusedElem = true }()
	rng := rand.New(rand.NewPCG(9, 10))
	randv := func(n int, s float64, abs bool) []float32 {
		x := randNorm(rng, n, s)
		for i := range x {
			if abs { // v must stay positive
				x[i] = float32(math.Abs(float64(x[i])))
			}
		}
		return x
	}
	for _, n := range []int{1, 7, 1000, 1 << 16} {
		for _, c := range []struct {
			scale, wd float32
			t         int
		}{{1, 0, 1}, {1, 0.01, 9}, {0.37, 0.01, 1}, {0.37, 0, 40}} {
			p0, g0, m0, v0 := randv(n, 0.1, false), randv(n, 0.01, false), randv(n, 0.001, false), randv(n, 1e-5, true)
			// run takes one optimiser step on copies, fused or by Scale then AdamW.
			run := func(kernel, oneCall bool) [][]float32 {
				fusedElem = kernel
				p, g := append([]float32(nil), p0...), append([]float32(nil), g0...)
				m, v := append([]float32(nil), m0...), append([]float32(nil), v0...)
				be := New()
				if oneCall {
					be.AdamWScaled(p, g, m, v, c.scale, 3e-4, 0.9, 0.95, 1e-8, c.wd, c.t)
				} else {
					be.Scale(g, c.scale)
					be.AdamW(p, g, m, v, 3e-4, 0.9, 0.95, 1e-8, c.wd, c.t)
				}
				return [][]float32{p, g, m, v}
			}
			want := run(false, false)
			for _, got := range [][][]float32{run(true, true), run(true, false), run(false, true)} {
				for k, name := range []string{"params", "grads", "m", "v"} {
					for i := range want[k] {
						if math.Float32bits(want[k][i]) != math.Float32bits(got[k][i]) {
							t.Fatalf("n=%d %+v %s[%d]: %g, Go two steps %g", n, c, name, i, got[k][i], want[k][i])
						}
					}
				}
			}
		}
	}
}

// TestSumSquaresAndEmbedBackwardBitExact: the AVX2 sum of squares (eight
// runs of 256 in the lanes of a vector) and the embedding backward give the
// Go loops' bits, for lengths around the runs' and the workers' edges, and
// for tokens and positions that repeat.
func TestSumSquaresAndEmbedBackwardBitExact(t *testing.T) {
	if !fusedElem {
		t.Skip("no AVX2 on this CPU; the scalar loops are the only path")
	}
	defer func() { fusedElem = true }()
	rng := rand.New(rand.NewPCG(21, 22))
	be := New()
	for _, n := range []int{1, 255, 256, 2047, 2048, 2049, 100_003, 1<<20 + 13} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 1e-2)
		}
		fusedElem = false
		want := be.SumSquares(x)
		fusedElem = true
		if got := be.SumSquares(x); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("SumSquares n=%d: kernel %v, Go %v", n, got, want)
		}
	}
	const V, P, C, B, T = 11, 9, 40, 3, 7
	tokens, pos := make([]int32, B*T), make([]int32, B*T)
	for i := range tokens {
		tokens[i], pos[i] = int32(rng.IntN(V)), int32(rng.IntN(P))
	}
	dout := make([]float32, B*T*C)
	for i := range dout {
		dout[i] = float32(rng.NormFloat64())
	}
	run := func(kernel, at bool) ([]float32, []float32) {
		fusedElem = kernel
		dwte, dwpe := make([]float32, V*C), make([]float32, P*C)
		for i := range dwte {
			dwte[i] = float32(i) * 0.01
		}
		if at {
			be.EmbedBackwardAt(dwte, dwpe, dout, tokens, pos, B*T, C)
		} else {
			be.EmbedBackward(dwte, dwpe, dout, tokens, B, T, C)
		}
		return dwte, dwpe
	}
	for _, at := range []bool{false, true} {
		gw, gp := run(false, at)
		kw, kp := run(true, at)
		for i := range gw {
			if math.Float32bits(gw[i]) != math.Float32bits(kw[i]) {
				t.Fatalf("at=%v dwte[%d]: kernel %g, Go %g", at, i, kw[i], gw[i])
			}
		}
		for i := range gp {
			if math.Float32bits(gp[i]) != math.Float32bits(kp[i]) {
				t.Fatalf("at=%v dwpe[%d]: kernel %g, Go %g", at, i, kp[i], gp[i])
			}
		}
	}
}
