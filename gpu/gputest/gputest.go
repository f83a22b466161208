package gputest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/x448/float16"

	"github.com/rlvrworld/rlvrworld/gpu"
)

// Run checks every operation of be against the float64 reference on small
// random inputs, including odd sizes that do not divide any block size.
func Run(t *testing.T, be gpu.Backend) {
	rng := rand.New(rand.NewPCG(1, 2))
	t.Run("Gemm", func(t *testing.T) { testGemm(t, be, rng) })
	t.Run("Elementwise", func(t *testing.T) { testElementwise(t, be, rng) })
	t.Run("Embed", func(t *testing.T) { testEmbed(t, be, rng) })
	t.Run("Bias", func(t *testing.T) { testBias(t, be, rng) })
	t.Run("LayerNorm", func(t *testing.T) { testLayerNorm(t, be, rng) })
	t.Run("Gelu", func(t *testing.T) { testGelu(t, be, rng) })
	t.Run("Attention", func(t *testing.T) { testAttention(t, be, rng) })
	t.Run("AttentionKV", func(t *testing.T) { testAttentionKV(t, be, rng, kvFloat32) })
	if _, ok := be.(gpu.HalfKV); ok {
		t.Run("AttentionKVHalf", func(t *testing.T) { testAttentionKV(t, be, rng, kvHalf) })
	}
	if _, ok := be.(gpu.Int8KV); ok {
		t.Run("AttentionKVInt8", func(t *testing.T) { testAttentionKV(t, be, rng, kvInt8) })
	}
	if _, ok := be.(gpu.MixedKV); ok {
		t.Run("AttentionKVMixed", func(t *testing.T) { testAttentionKV(t, be, rng, kvMixed) })
	}
	t.Run("LogSoftmax", func(t *testing.T) { testLogSoftmax(t, be, rng) })
	t.Run("AdamW", func(t *testing.T) { testAdamW(t, be, rng) })
}

func randBuf(be gpu.Backend, rng *rand.Rand, n int, scale float64) ([]float32, []float64) {
	f := be.Alloc(n)
	d := make([]float64, n)
	for i := range f {
		f[i] = float32(rng.NormFloat64() * scale)
		d[i] = float64(f[i])
	}
	return f, d
}

// Close reports the first element where got and want differ by more than
// atol + rtol*|want|.
func Close(t testing.TB, what string, got []float32, want []float64, atol, rtol float64) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i, w := range want {
		g := float64(got[i])
		if math.IsNaN(g) || math.Abs(g-w) > atol+rtol*math.Abs(w) {
			t.Fatalf("%s[%d] = %g, want %g", what, i, g, w)
		}
	}
}

func testGemm(t *testing.T, be gpu.Backend, rng *rand.Rand) {
	for _, s := range [][3]int{{1, 1, 1}, {3, 5, 7}, {17, 33, 9}, {70, 130, 65}, {256, 96, 64}, {5, 200, 300}, {4, 4, 0}} {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			for _, beta := range []float64{0, 1, 0.5} {
				// Padded leading dimensions, as attention uses on qkv.
				ra, ca := m, k
				if tr[0] {
					ra, ca = k, m
				}
				rb, cb := k, n
				if tr[1] {
					rb, cb = n, k
				}
				lda, ldb, ldc := ca+3, cb+1, n+2
				a, a64 := randBuf(be, rng, max(ra*lda, 1), 1)
				b, b64 := randBuf(be, rng, max(rb*ldb, 1), 1)
				c, c64 := randBuf(be, rng, m*ldc, 1)
				Gemm(tr[0], tr[1], m, n, k, 0.7, a64, lda, b64, ldb, beta, c64, ldc)
				be.Gemm(tr[0], tr[1], m, n, k, 0.7, a, lda, b, ldb, float32(beta), c, ldc)
				be.Sync()
				Close(t, fmt.Sprintf("gemm %v %v beta=%v", s, tr, beta), c, c64, 1e-4*float64(k+1), 1e-4)
			}
		}
	}
}

func testElementwise(t *testing.T, be gpu.Backend, rng *rand.Rand) {
	n := 100003
	a, a64 := randBuf(be, rng, n, 1)
	b, b64 := randBuf(be, rng, n, 1)
	out := be.Alloc(n)
	be.Add(out, a, b)
	be.Sync()
	want := make([]float64, n)
	var ss float64
	for i := range want {
		want[i] = a64[i] + b64[i]
		ss += a64[i] * a64[i]
	}
	Close(t, "add", out, want, 1e-6, 1e-6)
	be.Accumulate(out, a)
	be.Sync()
	for i := range want {
		want[i] += a64[i]
	}
	Close(t, "accumulate", out, want, 1e-6, 1e-6)
	be.Scale(out, 0.5)
	be.Sync()
	for i := range want {
		want[i] *= 0.5
	}
	Close(t, "scale", out, want, 1e-6, 1e-6)
	if got := be.SumSquares(a); math.Abs(got-ss) > 1e-5*ss {
		t.Fatalf("sumsquares = %g, want %g", got, ss)
	}
	be.Zero(out)
	be.Sync()
	Close(t, "zero", out, make([]float64, n), 0, 0)
}

func testEmbed(t *testing.T, be gpu.Backend, rng *rand.Rand) {
	B, T, C, V := 3, 5, 24, 7
	wte, wte64 := randBuf(be, rng, V*C, 1)
	wpe, wpe64 := randBuf(be, rng, 9*C, 1)
	tok := make([]int32, B*T)
	for i := range tok {
		tok[i] = int32(rng.IntN(3)) // repeats on purpose: the backward must not race
	}
	out := be.Alloc(B * T * C)
	be.EmbedForward(out, tok, wte, wpe, B, T, C)
	dout, dout64 := randBuf(be, rng, B*T*C, 1)
	dwte, dwpe := be.Alloc(V*C), be.Alloc(9*C)
	be.EmbedBackward(dwte, dwpe, dout, tok, B, T, C)
	be.Sync()
	want := make([]float64, B*T*C)
	dwte64, dwpe64 := make([]float64, V*C), make([]float64, 9*C)
	for i := 0; i < B*T; i++ {
		for c := 0; c < C; c++ {
			want[i*C+c] = wte64[int(tok[i])*C+c] + wpe64[(i%T)*C+c]
			dwte64[int(tok[i])*C+c] += dout64[i*C+c]
			dwpe64[(i%T)*C+c] += dout64[i*C+c]
		}
	}
	Close(t, "embed", out, want, 1e-6, 1e-6)
	Close(t, "dwte", dwte, dwte64, 1e-5, 1e-5)
	Close(t, "dwpe", dwpe, dwpe64, 1e-5, 1e-5)
}

func testBias(t *testing.T, be gpu.Backend, rng *rand.Rand) {
	N, OC := 37, 300
	out, out64 := randBuf(be, rng, N*OC, 1)
	bias, bias64 := randBuf(be, rng, OC, 1)
	be.BiasForward(out, bias, N, OC)
	db := be.Alloc(OC)
	be.BiasBackward(db, out, N, OC)
	be.Sync()
	db64 := make([]float64, OC)
	for i := 0; i < N; i++ {
		for j := 0; j < OC; j++ {
			out64[i*OC+j] += bias64[j]
			db64[j] += out64[i*OC+j]
		}
	}
	Close(t, "bias", out, out64, 1e-6, 1e-6)
	Close(t, "dbias", db, db64, 1e-4, 1e-5)
}

func testLayerNorm(t *testing.T, be gpu.Backend, rng *rand.Rand) {
	N, C := 41, 96
	inp, inp64 := randBuf(be, rng, N*C, 2)
	w, w64 := randBuf(be, rng, C, 1)
	b, b64 := randBuf(be, rng, C, 1)
	out, mean, rstd := be.Alloc(N*C), be.Alloc(N), be.Alloc(N)
	be.LayerNormForward(out, mean, rstd, inp, w, b, N, C)
	dout, dout64 := randBuf(be, rng, N*C, 1)
	dinp, dw, db := be.Alloc(N*C), be.Alloc(C), be.Alloc(C)
	be.LayerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd, N, C)
	be.Sync()
	o64, m64, r64 := LayerNorm(inp64, w64, b64, N, C)
	Close(t, "layernorm", out, o64, 1e-4, 1e-4)
	Close(t, "mean", mean, m64, 1e-5, 1e-5)
	Close(t, "rstd", rstd, r64, 1e-5, 1e-4)
	di64, dw64, db64 := LayerNormBackward(dout64, inp64, w64, N, C)
	Close(t, "dinp", dinp, di64, 1e-4, 1e-3)
	Close(t, "dweight", dw, dw64, 1e-4, 1e-4)
	Close(t, "dbias", db, db64, 1e-4, 1e-4)
}

func testGelu(t *testing.T, be gpu.Backend, rng *rand.Rand) {
	n := 50001
	inp, inp64 := randBuf(be, rng, n, 3)
	inp[0], inp64[0] = 0, 0
	inp[1], inp64[1] = 20, 20
	inp[2], inp64[2] = -20, -20
	out := be.Alloc(n)
	be.GeluForward(out, inp)
	dout, dout64 := randBuf(be, rng, n, 1)
	dinp, dinp64 := randBuf(be, rng, n, 1)
	be.GeluBackward(dinp, inp, dout)
	be.Sync()
	want := make([]float64, n)
	for i, x := range inp64 {
		want[i] = Gelu(x)
		dinp64[i] += GeluGrad(x) * dout64[i]
	}
	Close(t, "gelu", out, want, 1e-6, 1e-5)
	Close(t, "dgelu", dinp, dinp64, 1e-5, 1e-4)
}

func testAttention(t *testing.T, be gpu.Backend, rng *rand.Rand) {
	for _, s := range [][4]int{{1, 1, 8, 2}, {2, 7, 12, 3}, {2, 70, 16, 2}, {1, 130, 32, 4}} {
		B, T, C, NH := s[0], s[1], s[2], s[3]
		qkv, qkv64 := randBuf(be, rng, B*T*3*C, 1)
		out, att := be.Alloc(B*T*C), be.Alloc(B*NH*T*T)
		be.AttentionForward(out, att, qkv, B, T, C, NH)
		dout, dout64 := randBuf(be, rng, B*T*C, 1)
		dqkv, dqkv64 := randBuf(be, rng, B*T*3*C, 1) // accumulates onto existing values
		be.AttentionBackward(dqkv, dout, qkv, att, B, T, C, NH)
		be.Sync()
		o64, a64 := Attention(qkv64, B, T, C, NH)
		Close(t, fmt.Sprint("attention out ", s), out, o64, 1e-5, 1e-4)
		Close(t, fmt.Sprint("attention att ", s), att, a64, 1e-6, 1e-4)
		d64 := AttentionBackward(dout64, qkv64, B, T, C, NH)
		for i := range d64 {
			d64[i] += dqkv64[i]
		}
		Close(t, fmt.Sprint("attention dqkv ", s), dqkv, d64, 1e-4, 1e-3)
	}
}

func testLogSoftmax(t *testing.T, be gpu.Backend, rng *rand.Rand) {
	N, V := 23, 301
	logits, logits64 := randBuf(be, rng, N*V, 3)
	logits[5*V+3], logits64[5*V+3] = 80, 80 // a peaked row
	tg := make([]int32, N)
	for i := range tg {
		tg[i] = int32(rng.IntN(V))
	}
	tg[4] = -1
	tg[5] = 3
	logp, ent := be.Alloc(N), be.Alloc(N)
	be.LogSoftmaxForward(logp, ent, logits, tg, N, V)
	be.Sync()
	lp64, e64, p64 := LogSoftmax(logits64, tg, N, V)
	Close(t, "logp", logp, lp64, 1e-5, 1e-5)
	Close(t, "entropy", ent, e64, 1e-5, 1e-4)
	Close(t, "probs", logits, p64, 1e-7, 1e-4)
	probs := append([]float32(nil), logits...)
	dl, dl64 := randBuf(be, rng, N, 1)
	de, de64 := randBuf(be, rng, N, 1)
	for _, withEnt := range []bool{false, true} {
		g := be.Alloc(N * V)
		copy(g, probs)
		var d, d64 = []float32(nil), []float64(nil)
		if withEnt {
			d, d64 = de, de64
		}
		be.LogSoftmaxBackward(g, dl, d, ent, tg, N, V)
		be.Sync()
		want := LogSoftmaxBackward(logits64, tg, dl64, d64, N, V)
		Close(t, fmt.Sprint("dlogits entropy=", withEnt), g, want, 1e-5, 1e-3)
	}
}

func testAdamW(t *testing.T, be gpu.Backend, rng *rand.Rand) {
	n := 40000
	p, p64 := randBuf(be, rng, n, 1)
	m, v := be.Alloc(n), be.Alloc(n)
	m64, v64 := make([]float64, n), make([]float64, n)
	for step := 1; step <= 3; step++ {
		g, g64 := randBuf(be, rng, n, 1)
		be.AdamW(p, g, m, v, 1e-2, 0.9, 0.95, 1e-8, 0.01, step)
		AdamW(p64, g64, m64, v64, 1e-2, 0.9, 0.95, 1e-8, 0.01, step)
	}
	be.Sync()
	Close(t, "adamw params", p, p64, 1e-5, 1e-4)
}

// kvCache is the element type of the KV cache under test.
type kvCache int

const (
	kvFloat32 kvCache = iota
	kvHalf            // gpu.HalfKV
	kvInt8            // gpu.Int8KV
	kvMixed           // gpu.MixedKV: int8 keys, float16 values
)

// int8Keys reports whether the cache keeps its keys as int8 (Int8KV's rule).
func (k kvCache) int8Keys() bool { return k == kvInt8 || k == kvMixed }

// testAttentionKV feeds sequences into a KV cache in two phases (a prefill
// of several tokens per row, then single tokens with rows interleaved) and
// expects the outputs of full causal attention at the same positions. For
// a float16 or int8 cache, the reference attends over keys and values
// rounded or quantized first, by the rule the interface states, so the
// bound stays float32's: the op must be exact over its cache, not merely
// near float32. The int8 cache's contents are checked against the rule too.
// Head size 16 takes a fused decode kernel where there is one; 4 does not;
// 24 takes it with scores in floating point (an int8 key's integer scores
// need a multiple of 16).
func testAttentionKV(t *testing.T, be gpu.Backend, rng *rand.Rand, kind kvCache) {
	for _, s := range [][2]int{{12, 3}, {32, 2}, {48, 2}} {
		C, NH := s[0], s[1]
		t.Run(fmt.Sprintf("hs%d", C/NH), func(t *testing.T) { testAttentionKVShape(t, be, rng, kind, C, NH) })
	}
}

// QuantizeInt8 is gpu.Int8KV's rule: x ≈ q*s with s = max|x|/127 and q =
// x/s rounded to nearest even, in float32; s = 0 for an all-zero x.
func QuantizeInt8(x []float32) (q []int8, s float32) {
	q = make([]int8, len(x))
	for _, v := range x {
		s = max(s, float32(math.Abs(float64(v))))
	}
	if s == 0 {
		return q, 0
	}
	s /= 127
	for j, v := range x {
		q[j] = int8(math.RoundToEven(float64(v / s)))
	}
	return q, s
}

// int8QueryBound is how far gpu.Int8KV's permitted rounding of a query
// (to 16-bit integers against max|q|/32767, half a step at most) can move
// the output of row r's token at position p, over the dequantized keys and
// values in qkv64 ((R,T,3C) rows): each score moves by at most
// delta = scale * step/2 * sum|k|, each softmax weight by a factor within
// e^(+-2 delta), so each output by at most (e^(2 delta) - 1) max|v|.
func int8QueryBound(qkv64 []float64, r, p, T, C, NH int) float64 {
	hs := C / NH
	scale := 1 / math.Sqrt(float64(hs))
	worst := 0.0
	for h := 0; h < NH; h++ {
		qmax := 0.0
		for _, x := range qkv64[(r*T+p)*3*C+h*hs:][:hs] {
			qmax = max(qmax, math.Abs(x))
		}
		half := 0.5 * qmax / 32767 * (1 + 1e-6) // the division's own rounding
		delta, vmax := 0.0, 0.0
		for t := 0; t <= p; t++ {
			ksum := 0.0
			for _, x := range qkv64[(r*T+t)*3*C+C+h*hs:][:hs] {
				ksum += math.Abs(x)
			}
			delta = max(delta, scale*half*ksum)
			for _, x := range qkv64[(r*T+t)*3*C+2*C+h*hs:][:hs] {
				vmax = max(vmax, math.Abs(x))
			}
		}
		worst = max(worst, (math.Exp(2*delta)-1)*vmax)
	}
	return worst
}

func testAttentionKVShape(t *testing.T, be gpu.Backend, rng *rand.Rand, kind kvCache, C, NH int) {
	R, T, Tc := 3, 9, 11
	hs := C / NH
	qkv, qkv64 := randBuf(be, rng, R*T*3*C, 1)
	if kind.int8Keys() {
		// One all-zero key, the case without a scale.
		clear(qkv[4*3*C+C : 4*3*C+C+hs])
		for j := 4*3*C + C; j < 4*3*C+C+hs; j++ {
			qkv64[j] = 0
		}
	}
	for tok := 0; tok < R*T; tok++ {
		for part := 1; part <= 2; part++ { // keys and values, not queries
			for h := 0; h < NH; h++ {
				o := tok*3*C + part*C + h*hs
				switch {
				case kind == kvHalf || kind == kvMixed && part == 2:
					for j := o; j < o+hs; j++ {
						qkv64[j] = float64(float16.Fromfloat32(qkv[j]).Float32())
					}
				case kind.int8Keys():
					q, s := QuantizeInt8(qkv[o : o+hs])
					for j := range q {
						qkv64[o+j] = float64(float32(q[j]) * s)
					}
				}
			}
		}
	}
	want, _ := Attention(qkv64, R, T, C, NH)
	kc, vc := be.Alloc(R*Tc*C), be.Alloc(R*Tc*C)
	var kh, vh []uint16
	var k8, v8 []int8
	var ks, vs []float32
	switch kind {
	case kvHalf:
		kh, vh = be.(gpu.HalfKV).AllocHalf(R*Tc*C), be.(gpu.HalfKV).AllocHalf(R*Tc*C)
	case kvInt8:
		k8, v8 = be.(gpu.Int8KV).AllocInt8(R*Tc*C), be.(gpu.Int8KV).AllocInt8(R*Tc*C)
		ks, vs = be.Alloc(R*NH*Tc), be.Alloc(R*NH*Tc)
	case kvMixed:
		k8, vh = be.(gpu.MixedKV).AllocInt8(R*Tc*C), be.(gpu.MixedKV).AllocHalf(R*Tc*C)
		ks = be.Alloc(R * NH * Tc)
	}
	pre := []int{5, 1, 7} // prompt lengths per row
	var rows, pos []int32
	var src []int // index of each fed token in (R,T)
	for r := 0; r < R; r++ {
		for i := 0; i < pre[r]; i++ {
			rows, pos, src = append(rows, int32(r)), append(pos, int32(i)), append(src, r*T+i)
		}
	}
	feed := func() {
		N := len(rows)
		in, out := be.Alloc(N*3*C), be.Alloc(N*C)
		for i, s := range src {
			copy(in[i*3*C:(i+1)*3*C], qkv[s*3*C:(s+1)*3*C])
		}
		switch kind {
		case kvHalf:
			be.(gpu.HalfKV).AttentionKVHalf(out, in, kh, vh, rows, pos, N, C, NH, Tc)
		case kvInt8:
			be.(gpu.Int8KV).AttentionKVInt8(out, in, k8, v8, ks, vs, rows, pos, N, C, NH, Tc)
		case kvMixed:
			be.(gpu.MixedKV).AttentionKVMixed(out, in, k8, vh, ks, rows, pos, N, C, NH, Tc)
		default:
			be.AttentionKV(out, in, kc, vc, rows, pos, N, C, NH, Tc)
		}
		be.Sync()
		for i, s := range src {
			atol := 1e-5
			if kind.int8Keys() {
				atol += int8QueryBound(qkv64, int(rows[i]), int(pos[i]), T, C, NH)
			}
			Close(t, fmt.Sprintf("attentionKV row %d pos %d", rows[i], pos[i]), out[i*C:(i+1)*C], want[s*C:(s+1)*C], atol, 1e-4)
			for h := 0; kind.int8Keys() && h < NH; h++ {
				row := (int(rows[i])*NH+h)*Tc + int(pos[i])
				checkInt8(t, "key", k8[row*hs:(row+1)*hs], ks[row], qkv[s*3*C+C+h*hs:][:hs])
				if kind == kvInt8 {
					checkInt8(t, "value", v8[row*hs:(row+1)*hs], vs[row], qkv[s*3*C+2*C+h*hs:][:hs])
					continue
				}
				for j, x := range qkv[s*3*C+2*C+h*hs:][:hs] { // the mixed cache's float16 values
					if got, w := vh[row*hs+j], float16.Fromfloat32(x).Bits(); got != w {
						t.Fatalf("value row %d [%d]: float16 bits %#04x, want %#04x (%g rounded)", row, j, got, w, x)
					}
				}
			}
		}
		rows, pos, src = rows[:0], pos[:0], src[:0]
	}
	feed()
	for step := 0; ; step++ {
		for r := R - 1; r >= 0; r-- { // reverse row order: rows need not be sorted
			if p := pre[r] + step; p < T {
				rows, pos, src = append(rows, int32(r)), append(pos, int32(p)), append(src, r*T+p)
			}
		}
		if len(rows) == 0 {
			break
		}
		feed()
	}
}

// checkInt8 compares one cached int8 vector and its scale with the rule.
func checkInt8(t *testing.T, what string, got []int8, gotScale float32, x []float32) {
	t.Helper()
	want, s := QuantizeInt8(x)
	if gotScale != s {
		t.Fatalf("int8 %s scale %g, want %g", what, gotScale, s)
	}
	for j := range want {
		if got[j] != want[j] {
			t.Fatalf("int8 %s[%d] = %d, want %d (x = %g, scale %g)", what, j, got[j], want[j], x[j], s)
		}
	}
}
