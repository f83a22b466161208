package gputest

import (
	"math"
	"math/rand/v2"
	"testing"
)

// fdCheck compares an analytic gradient with central differences of f.
func fdCheck(t *testing.T, what string, x []float64, f func() float64, grad []float64) {
	t.Helper()
	const h = 1e-6
	for i := range x {
		old := x[i]
		x[i] = old + h
		fp := f()
		x[i] = old - h
		fm := f()
		x[i] = old
		num := (fp - fm) / (2 * h)
		if math.Abs(num-grad[i]) > 1e-6+1e-5*math.Abs(num) {
			t.Fatalf("%s: grad[%d] = %g, finite difference %g", what, i, grad[i], num)
		}
	}
}

func randn(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// The reference backward passes are themselves checked against finite
// differences of the reference forward passes: loss = <dout, f(x)>.
func TestReferenceGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	t.Run("layernorm", func(t *testing.T) {
		N, C := 3, 5
		x, w, b, dout := randn(rng, N*C), randn(rng, C), randn(rng, C), randn(rng, N*C)
		f := func() float64 { o, _, _ := LayerNorm(x, w, b, N, C); return dot(o, dout) }
		dx, dw, db := LayerNormBackward(dout, x, w, N, C)
		fdCheck(t, "dx", x, f, dx)
		fdCheck(t, "dw", w, f, dw)
		fdCheck(t, "db", b, f, db)
	})
	t.Run("gelu", func(t *testing.T) {
		x := randn(rng, 20)
		for i := range x {
			x := []float64{x[i] * 3}
			fdCheck(t, "gelu", x, func() float64 { return Gelu(x[0]) }, []float64{GeluGrad(x[0])})
		}
	})
	t.Run("attention", func(t *testing.T) {
		B, T, C, NH := 2, 4, 6, 2
		qkv, dout := randn(rng, B*T*3*C), randn(rng, B*T*C)
		f := func() float64 { o, _ := Attention(qkv, B, T, C, NH); return dot(o, dout) }
		fdCheck(t, "dqkv", qkv, f, AttentionBackward(dout, qkv, B, T, C, NH))
	})
	t.Run("logsoftmax", func(t *testing.T) {
		N, V := 3, 7
		z, dl, de := randn(rng, N*V), randn(rng, N), randn(rng, N)
		tg := []int32{2, -1, 6}
		f := func() float64 { lp, e, _ := LogSoftmax(z, tg, N, V); return dot(lp, dl) + dot(e, de) }
		fdCheck(t, "dlogits", z, f, LogSoftmaxBackward(z, tg, dl, de, N, V))
	})
}
