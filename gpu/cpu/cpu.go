// Package cpu is the default compute backend: OpenBLAS sgemm through cgo for
// matrix products (a pure-Go fallback without cgo) and parallel Go loops for
// everything else. It registers itself as "cpu" with package gpu.
//
// Parallelism: OpenBLAS is pinned to one thread and every operation splits
// its work over GOMAXPROCS goroutines, so one scheduler (Go's) owns the cores.
package cpu

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/x448/float16"

	"github.com/rlvrworld/rlvrworld/gpu"
)

func init() {
	gpu.Register("cpu", func() (gpu.Backend, error) { return New(), nil })
}

// The CPU backend keeps a float16, int8 or mixed (int8 keys, float16 values)
// KV cache when the sampler asks.
var (
	_ gpu.HalfKV  = (*Backend)(nil)
	_ gpu.Int8KV  = (*Backend)(nil)
	_ gpu.MixedKV = (*Backend)(nil)
)

// Backend is the CPU implementation of gpu.Backend. It is safe for
// concurrent use; its scratch space comes from a pool.
type Backend struct {
	workers int
}

// New returns a CPU backend that uses GOMAXPROCS goroutines per operation.
func New() *Backend { return &Backend{workers: max(1, runtime.GOMAXPROCS(0))} }

// Name reports the matrix-product path, "cpu/openblas" or "cpu/purego".
func (be *Backend) Name() string { return "cpu/" + blasName }

// Alloc returns ordinary Go memory.
func (be *Backend) Alloc(n int) []float32 { return make([]float32, n) }

// Sync is a no-op: every CPU operation is complete when it returns.
func (be *Backend) Sync() {}

// parallel runs fn over [0,n) split into at most be.workers contiguous
// ranges; ranges smaller than grain are not split further, because starting
// a goroutine costs about a microsecond.
func (be *Backend) parallel(n, grain int, fn func(lo, hi int)) {
	w := be.workers
	if grain < 1 {
		grain = 1
	}
	if c := n / grain; c < w {
		w = c
	}
	if w <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + w - 1) / w
	for lo := per; lo < n; lo += per {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, min(lo+per, n))
	}
	fn(0, min(per, n))
	wg.Wait()
}

// parallelClaimed runs worker on up to be.workers goroutines; each ranges
// over chunks of [0,n), chunk indices long, that the workers claim from a
// shared counter, so a worker that starts late takes fewer. Which worker
// runs a chunk varies from call to call: only for work whose results do
// not depend on it (not for partial sums that parallel's fixed ranges
// keep in order).
func (be *Backend) parallelClaimed(n, chunk int, worker func(chunks iter.Seq2[int, int])) {
	var claimed atomic.Int64
	chunks := func(yield func(lo, hi int) bool) {
		for {
			lo := int(claimed.Add(int64(chunk))) - chunk
			if lo >= n || !yield(lo, min(lo+chunk, n)) {
				return
			}
		}
	}
	be.parallel(min(be.workers, n), 1, func(_, _ int) { worker(chunks) })
}

// Gemm splits C into row (or column) blocks, one single-threaded sgemm each.
func (be *Backend) Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	work := m * n * max(k, 1)
	const minWork = 1 << 17 // below this the split costs more than it saves
	if be.workers == 1 || work < minWork {
		sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// Split the rows when there are many, the columns otherwise. Every
	// block packs its share of b, so row blocks of a short product (a
	// decoding step's 64 rows) each pack all of it: for (64 x 256) times
	// (256 x 768)^T the column split ran at 76 GFLOP/s against 61 (one
	// call on one core: 60), and no slower up to 512 rows. Either split
	// is deterministic for a given number of workers, but not always the
	// bits of one call: OpenBLAS's SkylakeX kernels compute each element
	// of c alike, its Haswell ones do not (TestGemmSplitMatchesOneCall).
	// Products with a transposed a (weight gradients, training only) keep
	// the split they were tuned with.
	rows := m >= n || m >= 16*be.workers
	if !transA && m < 1024 && n > m {
		rows = false
	}
	if rows {
		be.parallel(m, 8, func(lo, hi int) {
			ao := lo * lda
			if transA {
				ao = lo
			}
			sgemm(transA, transB, hi-lo, n, k, alpha, a[ao:], lda, b, ldb, beta, c[lo*ldc:], ldc)
		})
		return
	}
	be.parallel(n, 8, func(lo, hi int) {
		bo := lo
		if transB {
			bo = lo * ldb
		}
		sgemm(transA, transB, m, hi-lo, k, alpha, a, lda, b[bo:], ldb, beta, c[lo:], ldc)
	})
}

const elemGrain = 1 << 14

// Zero sets x to 0.
func (be *Backend) Zero(x []float32) {
	be.parallel(len(x), 1<<16, func(lo, hi int) { clear(x[lo:hi]) })
}

// Accumulate does dst += src.
func (be *Backend) Accumulate(dst, src []float32) {
	src = src[:len(dst)]
	be.parallel(len(dst), elemGrain, func(lo, hi int) {
		d, s := dst[lo:hi], src[lo:hi]
		if fusedElem && len(d) > 0 {
			addTo8(d, s)
			return
		}
		for i := range d {
			d[i] += s[i]
		}
	})
}

// Add does out = a + b.
func (be *Backend) Add(out, a, b []float32) {
	a, b = a[:len(out)], b[:len(out)]
	be.parallel(len(out), elemGrain, func(lo, hi int) {
		o, x, y := out[lo:hi], a[lo:hi], b[lo:hi]
		if fusedElem && len(o) > 0 {
			add8(o, x, y)
			return
		}
		for i := range o {
			o[i] = x[i] + y[i]
		}
	})
}

// Scale does x *= s.
func (be *Backend) Scale(x []float32, s float32) {
	be.parallel(len(x), elemGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x[i] *= s
		}
	})
}

// SumSquares returns sum x^2 in float64. The workers' partial sums are
// added in the order of their rows, not of their finishing, so the result
// does not depend on scheduling.
func (be *Backend) SumSquares(x []float32) float64 {
	var mu sync.Mutex
	var parts [][2]float64 // (first index, partial sum)
	be.parallel(len(x), 1<<16, func(lo, hi int) {
		// float32 partial sums over short runs keep the loop fast; float64
		// across runs keeps the total accurate for millions of terms.
		var s float64
		start := lo
		if fusedElem {
			var n int
			s, n = sumSquares8(x[lo:hi]) // whole blocks of eight runs
			lo += n
		}
		for i := lo; i < hi; i += 256 {
			var p float32
			for _, v := range x[i:min(i+256, hi)] {
				p += v * v
			}
			s += float64(p)
		}
		mu.Lock()
		parts = append(parts, [2]float64{float64(start), s})
		mu.Unlock()
	})
	slices.SortFunc(parts, func(a, b [2]float64) int { return cmp.Compare(a[0], b[0]) })
	var total float64
	for _, p := range parts {
		total += p[1]
	}
	return total
}

// EmbedForward: out (B*T,C) = wte[tok] + wpe[t].
func (be *Backend) EmbedForward(out []float32, tokens []int32, wte, wpe []float32, B, T, C int) {
	be.embedForward(out, tokens, nil, wte, wpe, B*T, T, C)
}

// embedForward sets out[i] = wte[tokens[i]] + wpe[p] for the N rows, p =
// pos[i], or i % T when pos is nil (rows of B full sequences).
func (be *Backend) embedForward(out []float32, tokens, pos []int32, wte, wpe []float32, N, T, C int) {
	be.parallel(N, 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			t := rowPos(pos, i, T)
			o := out[i*C : i*C+C]
			w := wte[int(tokens[i])*C : int(tokens[i])*C+C]
			p := wpe[t*C : t*C+C]
			for c := range o {
				o[c] = w[c] + p[c]
			}
		}
	})
}

// EmbedBackward splits over channels, so that two rows with the same token
// never race on the same dwte entry.
func (be *Backend) EmbedBackward(dwte, dwpe, dout []float32, tokens []int32, B, T, C int) {
	be.embedBackward(dwte, dwpe, dout, tokens, nil, B*T, T, C)
}

// embedBackward accumulates dwte[tokens[i]] += dout[i] and dwpe[p] +=
// dout[i] for the N rows, p = pos[i], or i % T when pos is nil (rows of
// B full sequences), split over channels.
func (be *Backend) embedBackward(dwte, dwpe, dout []float32, tokens, pos []int32, N, T, C int) {
	if fusedElem && N > 0 && C > 0 {
		// The kernel indexes without bounds checks: check every row once.
		V, P := len(dwte)/C, len(dwpe)/C
		for i, tok := range tokens[:N] {
			p := rowPos(pos, i, T)
			if tok < 0 || int(tok) >= V || p < 0 || p >= P {
				panic(fmt.Sprintf("cpu: embedding backward row %d: token %d, position %d outside (%d, %d)", i, tok, p, V, P))
			}
		}
		_ = dout[N*C-1]
	}
	be.parallel(C, 16, func(lo, hi int) {
		if fusedElem && N > 0 && hi > lo {
			embedBackward8(dwte, dwpe, dout, tokens, pos, N, T, C, lo, hi)
			return
		}
		for i := 0; i < N; i++ {
			t := rowPos(pos, i, T)
			d := dout[i*C+lo : i*C+hi]
			w := dwte[int(tokens[i])*C+lo : int(tokens[i])*C+hi]
			p := dwpe[t*C+lo : t*C+hi]
			for c, g := range d {
				w[c] += g
				p[c] += g
			}
		}
	})
}

// rowPos is row i's position: pos[i], or i % T without pos.
func rowPos(pos []int32, i, T int) int {
	if pos != nil {
		return int(pos[i])
	}
	return i % T
}

// BiasForward: out (N,OC) += bias.
func (be *Backend) BiasForward(out, bias []float32, N, OC int) {
	be.parallel(N, max(1, elemGrain/max(OC, 1)), func(lo, hi int) {
		if fusedElem && OC > 0 {
			biasRows8(out[lo*OC:hi*OC], bias, OC)
			return
		}
		for i := lo; i < hi; i++ {
			o := out[i*OC : i*OC+OC]
			for j, b := range bias[:OC] {
				o[j] += b
			}
		}
	})
}

// BiasBackward: dbias += column sums of dout, split over columns.
func (be *Backend) BiasBackward(dbias, dout []float32, N, OC int) {
	be.parallel(OC, 32, func(lo, hi int) {
		acc := dbias[lo:hi]
		if fusedElem && N > 0 {
			colSums8(acc, dout[lo:], N, OC)
			return
		}
		for i := 0; i < N; i++ {
			d := dout[i*OC+lo : i*OC+hi]
			for j, g := range d {
				acc[j] += g
			}
		}
	})
}

const lnEps = 1e-5

// LayerNormForward normalises each row of inp (N,C).
func (be *Backend) LayerNormForward(out, mean, rstd, inp, weight, bias []float32, N, C int) {
	be.parallel(N, 16, func(lo, hi int) {
		if fusedElem && C > 0 && C%8 == 0 {
			// One kernel call for the range's groups of eight rows, whose
			// statistics it takes at once (a row's sums are sequential,
			// so alone they are a chain of dependent additions).
			lo += lnForwardRows8(out[lo*C:hi*C], mean[lo:hi], rstd[lo:hi], inp[lo*C:hi*C], weight, bias, C)
		}
		for i := lo; i < hi; i++ {
			x := inp[i*C : i*C+C]
			var m float32
			for _, v := range x {
				m += v
			}
			m /= float32(C)
			var va float32
			for _, v := range x {
				d := v - m
				va += d * d
			}
			va /= float32(C)
			s := float32(1 / math.Sqrt(float64(va+lnEps)))
			o := out[i*C : i*C+C]
			if fusedElem && C > 0 {
				lnNormRow8(o, x, weight, bias, m, s)
			} else {
				for c, v := range x {
					o[c] = (v-m)*s*weight[c] + bias[c]
				}
			}
			mean[i], rstd[i] = m, s
		}
	})
}

var scratchPool sync.Pool

// scratch returns a zeroed buffer of n float32s from the pool; give it back
// with release. In steady state no allocation happens.
func scratch(n int) *[]float32 {
	if p, ok := scratchPool.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		clear(*p)
		return p
	}
	s := make([]float32, n)
	return &s
}

func release(p *[]float32) { scratchPool.Put(p) }

// LayerNormBackward follows llm.c: each worker keeps its own dweight and
// dbias partial sums, so rows can be split freely; the partial sums are
// added to dweight and dbias in the order of their rows, not of the
// workers' finishing (float32 addition is not associative, and dweight may
// already hold gradients), so the result does not depend on scheduling.
func (be *Backend) LayerNormBackward(dinp, dweight, dbias, dout, inp, weight, mean, rstd []float32, N, C int) {
	type part struct {
		lo int
		ps *[]float32
	}
	var mu sync.Mutex
	var parts []part
	be.parallel(N, 16, func(lo, hi int) {
		ps := scratch(2 * C)
		dw, db := (*ps)[:C], (*ps)[C:]
		first := lo
		if fusedElem && C > 0 && C%8 == 0 {
			lo += lnBackwardRows8(dinp[lo*C:hi*C], dw, db, dout[lo*C:hi*C], inp[lo*C:hi*C], weight, mean[lo:hi], rstd[lo:hi], C)
		}
		for i := lo; i < hi; i++ {
			x := inp[i*C : i*C+C]
			g := dout[i*C : i*C+C]
			m, s := mean[i], rstd[i]
			if fusedElem && C > 0 {
				lnBwdRow8(dinp[i*C:i*C+C], dw, db, g, x, weight, m, s)
				continue
			}
			var dnMean, dnNormMean float32
			for c := range x {
				n := (x[c] - m) * s
				dn := weight[c] * g[c]
				dnMean += dn
				dnNormMean += dn * n
			}
			dnMean /= float32(C)
			dnNormMean /= float32(C)
			di := dinp[i*C : i*C+C]
			for c := range x {
				n := (x[c] - m) * s
				dn := weight[c] * g[c]
				db[c] += g[c]
				dw[c] += n * g[c]
				di[c] += (dn - dnMean - n*dnNormMean) * s
			}
		}
		mu.Lock()
		parts = append(parts, part{first, ps})
		mu.Unlock()
	})
	slices.SortFunc(parts, func(a, b part) int { return a.lo - b.lo })
	for _, p := range parts {
		dw, db := (*p.ps)[:C], (*p.ps)[C:]
		for c := 0; c < C; c++ {
			dweight[c] += dw[c]
			dbias[c] += db[c]
		}
		release(p.ps)
	}
}

const geluS = 0.7978845608028654 // sqrt(2/pi)

// GeluForward is the tanh approximation of GPT-2.
func (be *Backend) GeluForward(out, inp []float32) {
	inp = inp[:len(out)]
	be.parallel(len(out), elemGrain, func(lo, hi int) {
		lo += geluForward8(out[lo:hi], inp[lo:hi]) // the same values, 8 at a time
		for i := lo; i < hi; i++ {
			out[i] = gelu(inp[i])
		}
	})
}

// GeluBackward: dinp += gelu'(inp) * dout.
func (be *Backend) GeluBackward(dinp, inp, dout []float32) {
	inp, dout = inp[:len(dinp)], dout[:len(dinp)]
	be.parallel(len(dinp), elemGrain, func(lo, hi int) {
		lo += geluBackward8(dinp[lo:hi], inp[lo:hi], dout[lo:hi])
		for i := lo; i < hi; i++ {
			dinp[i] += geluGrad(inp[i]) * dout[i]
		}
	})
}

// GeluBackwardInPlace: d = 0 + gelu'(inp) * d, GeluBackward's bits on a
// zeroed dinp (the addition turns a product of -0 into +0, as there).
func (be *Backend) GeluBackwardInPlace(d, inp []float32) {
	inp = inp[:len(d)]
	be.parallel(len(d), elemGrain, func(lo, hi int) {
		lo += geluBackwardInPlace8(d[lo:hi], inp[lo:hi])
		for i := lo; i < hi; i++ {
			d[i] = 0 + geluGrad(inp[i])*d[i]
		}
	})
}

var _ gpu.GeluInPlace = (*Backend)(nil)

// gelu is GELU's tanh approximation of one value, and geluGrad its
// derivative; the vector kernels (geluForward8, geluBackward8) compute the
// same float32 operations in the same order. Tanh is written out, without
// its small-argument shortcut, as the kernels have it.
func gelu(x float32) float32 {
	return 0.5 * x * (1 + geluTanh(x))
}

func geluGrad(x float32) float32 {
	th := geluTanh(x)
	return 0.5*(1+th) + 0.5*x*(1-th*th)*geluS*(1+3*0.044715*x*x)
}

func geluTanh(x float32) float32 {
	u := geluS * (x + 0.044715*x*x*x)
	u = min(max(u, -tanhClamp), tanhClamp)
	u2 := u * u
	p := ((((((tp6*u2+tp5)*u2+tp4)*u2+tp3)*u2+tp2)*u2+tp1)*u2 + tp0)
	q := (((tq3*u2+tq2)*u2+tq1)*u2 + tq0)
	return u * p / q
}

// Exp is a float32 e^x accurate to a few ulp (Cody-Waite range reduction
// and a degree-6 polynomial), several times faster than math.Exp; softmax
// and GELU spend most of their time here.
func Exp(x float32) float32 {
	if x < -87.3 {
		return 0
	}
	if x > 88.0 {
		x = 88.0
	}
	t := x * 1.442695040888963
	var n int32
	if t >= 0 {
		n = int32(t + 0.5)
	} else {
		n = int32(t - 0.5)
	}
	fn := float32(n)
	r := x - fn*0.693359375 - fn*(-2.12194440e-4)
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	y := p*r*r + r + 1
	return y * math.Float32frombits(uint32(n+127)<<23)
}

// Log is a float32 natural logarithm for x > 0 (Cephes' logf: exponent
// split and a degree-9 polynomial for log(1+f)), within a few ulp of
// math.Log and several times faster; the entropy gradient takes one per
// vocabulary entry and position.
func Log(x float32) float32 {
	if !(x >= 1.17549435e-38) || x > math.MaxFloat32 { // subnormal, zero, negative, NaN, +Inf
		return float32(math.Log(float64(x)))
	}
	bits := math.Float32bits(x)
	e := float32(int32(bits>>23) - 127)
	m := math.Float32frombits(bits&0x7fffff | 0x3f800000) // [1, 2)
	if m > 1.41421356 {
		m *= 0.5
		e++
	}
	f := m - 1 // [sqrt(1/2)-1, sqrt(2)-1)
	z := f * f
	y := float32(7.0376836292e-2)
	y = y*f - 1.1514610310e-1
	y = y*f + 1.1676998740e-1
	y = y*f - 1.2420140846e-1
	y = y*f + 1.4249322787e-1
	y = y*f - 1.6668057665e-1
	y = y*f + 2.0000714765e-1
	y = y*f - 2.4999993993e-1
	y = y*f + 3.3333331174e-1
	y = y * f * z
	y += -2.12194440e-4 * e
	y += -0.5 * z
	return f + y + 0.693359375*e
}

// Tanh is a float32 tanh: a 13/6 rational minimax approximation on the
// clamped range (the form Eigen uses for its fast tanh), a few ulp from
// math.Tanh and about 4x faster than going through Exp. GELU forward and
// backward evaluate it 16 million times per training step.
func Tanh(x float32) float32 {
	x = min(max(x, -tanhClamp), tanhClamp)
	if x > -0.0004 && x < 0.0004 {
		return x
	}
	x2 := x * x
	p := ((((((tp6*x2+tp5)*x2+tp4)*x2+tp3)*x2+tp2)*x2+tp1)*x2 + tp0)
	q := (((tq3*x2+tq2)*x2+tq1)*x2 + tq0)
	return x * p / q
}

// The coefficients of Tanh: tanh(x) ~ x*P(x^2)/Q(x^2) on |x| <= tanhClamp,
// where tanh rounds to +-1 in float32.
const (
	tanhClamp = 7.90531110763549805
	tp0       = 4.89352455891786e-03
	tp1       = 6.37261928875436e-04
	tp2       = 1.48572235717979e-05
	tp3       = 5.12229709037114e-08
	tp4       = -8.60467152213735e-11
	tp5       = 2.00018790482477e-13
	tp6       = -2.76076847742355e-16
	tq0       = 4.89352518554385e-03
	tq1       = 2.26843463243900e-03
	tq2       = 1.18534705686654e-04
	tq3       = 1.19825839466702e-06
)

// attnChunk is the row block of the causal attention: rows [r0,r1) only see
// columns [0,r1), so the products skip most of the masked upper triangle.
const attnChunk = 64

// AttentionForward runs each (batch, head) pair as small matrix products
// straight on the strided q, k, v inside qkv (no permutation copies).
func (be *Backend) AttentionForward(out, att, qkv []float32, B, T, C, NH int) {
	hs := C / NH
	scale := float32(1 / math.Sqrt(float64(hs)))
	C3 := 3 * C
	be.parallel(B*NH, 1, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/NH, bh%NH
			q := qkv[b*T*C3+h*hs:]
			k := qkv[b*T*C3+C+h*hs:]
			v := qkv[b*T*C3+2*C+h*hs:]
			a := att[bh*T*T : (bh+1)*T*T]
			o := out[b*T*C+h*hs:]
			for r0 := 0; r0 < T; r0 += attnChunk {
				r1 := min(r0+attnChunk, T)
				// scores[r0:r1, 0:r1] = scale * q[r0:r1] k[0:r1]^T
				sgemm(false, true, r1-r0, r1, hs, scale, q[r0*C3:], C3, k, C3, 0, a[r0*T:], T)
				softmaxCausalRows(a, T, 0, r0, r1)
				// out[r0:r1] = att[r0:r1, 0:r1] v[0:r1]
				sgemm(false, false, r1-r0, hs, r1, 1, a[r0*T:], T, v, C3, 0, o[r0*C:], C)
			}
		}
	})
}

// softmaxCausalRow turns row t of the scores into probabilities over
// columns 0..t and zeroes the rest. The max is subtracted only for
// numerical stability.
func softmaxCausalRow(row []float32, t int) {
	s := row[:t+1]
	if fusedSoftmax {
		scaleRow8(s, 1/expSum8(s, rowMax8(s)))
		clear(row[t+1:])
		return
	}
	softmaxCausalRowGo(row, t)
}

// softmaxCausalRows is softmaxCausalRow for the rows t = r0..r1-1 of a
// (row stride w), row t over its first k+t+1 entries (k scores before a
// row's own causal ones: a packed row's shared positions).
func softmaxCausalRows(a []float32, w, k, r0, r1 int) {
	if fusedSoftmax {
		r0 = softmaxRows8(a, w, k, r0, r1) // whole groups of eight rows
	}
	for t := r0; t < r1; t++ {
		softmaxCausalRow(a[t*w:t*w+w], k+t)
	}
}

// softmaxBackwardRows turns d(probabilities) in da into d(scores) for the
// rows t = r0..r1-1 (row stride w, row t over its first n = k+t+1
// entries): da = a * (da - sum_j a*da), then zero from n up to k+r1 (the
// chunk's columns). The kernel gives this loop's bits.
func softmaxBackwardRows(da, a []float32, w, k, r0, r1 int) {
	t0 := r0
	if fusedSoftmax {
		t0 = softmaxBackwardRows8(da, a, w, k, r0, r1) // whole groups of eight rows
	}
	for t := t0; t < r1; t++ {
		n := k + t + 1
		ar, dr := a[t*w:t*w+n], da[t*w:t*w+n]
		var dot float32
		for j, p := range ar {
			dot += p * dr[j]
		}
		for j, p := range ar {
			dr[j] = p * (dr[j] - dot)
		}
		clear(da[t*w+n : t*w+k+r1])
	}
}

// softmaxCausalRowGo is softmaxCausalRow in Go: the reference the AVX2
// kernels reproduce bit for bit, and the path without them.
func softmaxCausalRowGo(row []float32, t int) {
	s := row[:t+1]
	mx := s[0]
	for _, v := range s {
		mx = max(mx, v)
	}
	var sum float32
	for j, v := range s {
		e := Exp(v - mx)
		s[j] = e
		sum += e
	}
	inv := 1 / sum
	for j := range s {
		s[j] *= inv
	}
	clear(row[t+1:])
}

// AttentionBackward recomputes nothing: it uses the saved probabilities, and
// one T*T scratch per worker for d(scores).
func (be *Backend) AttentionBackward(dqkv, dout, qkv, att []float32, B, T, C, NH int) {
	hs := C / NH
	scale := float32(1 / math.Sqrt(float64(hs)))
	C3 := 3 * C
	be.parallel(B*NH, 1, func(lo, hi int) {
		ps := scratch(T * T)
		defer release(ps)
		da := *ps
		for bh := lo; bh < hi; bh++ {
			b, h := bh/NH, bh%NH
			base := b*T*C3 + h*hs
			q, k, v := qkv[base:], qkv[base+C:], qkv[base+2*C:]
			dq, dk, dv := dqkv[base:], dqkv[base+C:], dqkv[base+2*C:]
			a := att[bh*T*T : (bh+1)*T*T]
			do := dout[b*T*C+h*hs:]
			for r0 := 0; r0 < T; r0 += attnChunk {
				r1 := min(r0+attnChunk, T)
				// datt[r0:r1, 0:r1] = dout[r0:r1] v[0:r1]^T
				sgemm(false, true, r1-r0, r1, hs, 1, do[r0*C:], C, v, C3, 0, da[r0*T:], T)
				// dv[0:r1] += att[r0:r1, 0:r1]^T dout[r0:r1]
				sgemm(true, false, r1, hs, r1-r0, 1, a[r0*T:], T, do[r0*C:], C, 1, dv, C3)
				// softmax backward: dpre = att * (datt - sum_j att*datt)
				softmaxBackwardRows(da, a, T, 0, r0, r1)
				// dq[r0:r1] += scale * dpre[r0:r1, 0:r1] k[0:r1]
				sgemm(false, false, r1-r0, hs, r1, scale, da[r0*T:], T, k, C3, 1, dq[r0*C3:], C3)
				// dk[0:r1] += scale * dpre[r0:r1, 0:r1]^T q[r0:r1]
				sgemm(true, false, r1, hs, r1-r0, scale, da[r0*T:], T, q[r0*C3:], C3, 1, dk, C3)
			}
		}
	})
}

// AttentionKV: one fused pass (attnDecode), or else one matrix-vector
// product pair, per (token, head) when a row brings a single new token
// (decoding: the cost is reading the cache once),
// and small matrix products per (run, head) when it brings several
// (prefill: the cache rows are reused across the run's queries).
func (be *Backend) AttentionKV(out, qkv, kc, vc []float32, rows, pos []int32, N, C, NH, Tc int) {
	hs := C / NH
	C3 := 3 * C
	be.parallel(N, 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r, t := int(rows[i]), int(pos[i])
			for h := 0; h < NH; h++ {
				off := ((r*NH+h)*Tc + t) * hs
				copy(kc[off:off+hs], qkv[i*C3+C+h*hs:i*C3+C+h*hs+hs])
				copy(vc[off:off+hs], qkv[i*C3+2*C+h*hs:i*C3+2*C+h*hs+hs])
			}
		}
	})
	scale := float32(1 / math.Sqrt(float64(hs)))
	be.attendCached(out, qkv, rows, pos, N, C, NH, Tc, func(q, o, sc []float32, base, n, Tk, next, nextTk int) {
		attendRun(q, o, kc[base:], vc[base:], sc, n, Tk, hs, C, scale, nextRows(kc, next, nextTk*hs))
	})
}

// AllocHalf returns ordinary Go memory.
func (be *Backend) AllocHalf(n int) []uint16 { return make([]uint16, n) }

// AttentionKVHalf is AttentionKV over a float16 cache. Decoding steps read
// the cache through the fused kernel, which widens as it loads; prefill
// runs (and machines without F16C) widen the run's cache rows into float32
// scratch first and take AttentionKV's path.
func (be *Backend) AttentionKVHalf(out, qkv []float32, kc, vc []uint16, rows, pos []int32, N, C, NH, Tc int) {
	hs := C / NH
	C3 := 3 * C
	be.parallel(N, 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			off := (int(rows[i])*NH*Tc + int(pos[i])) * hs
			putHalf(qkv[i*C3+C:i*C3+2*C], kc[off:], NH, hs, Tc*hs)
			putHalf(qkv[i*C3+2*C:i*C3+3*C], vc[off:], NH, hs, Tc*hs)
		}
	})
	scale := float32(1 / math.Sqrt(float64(hs)))
	be.attendCached(out, qkv, rows, pos, N, C, NH, Tc, func(q, o, sc []float32, base, n, Tk, next, nextTk int) {
		if n == 1 && attnDecodeHalf(q, kc[base:], vc[base:], Tk, hs, scale, o, sc, nextRows(kc, next, nextTk*hs)) {
			return
		}
		attendWidened(q, o, sc, n, Tk, hs, C, scale, func(K, V []float32) {
			widenHalfInto(K, kc[base:base+Tk*hs])
			widenHalfInto(V, vc[base:base+Tk*hs])
		})
	})
}

// putHalf rounds one token's keys (or values) x, NH heads of hs, to float16
// and writes head h at c[h*stride:], with F16C where the machine has it.
func putHalf(x []float32, c []uint16, NH, hs, stride int) {
	if storeHalf(x, c, NH, hs, stride) {
		return
	}
	for h := 0; h < NH; h++ {
		for j := 0; j < hs; j++ {
			c[h*stride+j] = float16.Fromfloat32(x[h*hs+j]).Bits()
		}
	}
}

// widenHalfInto converts src (float16 bits) into dst, with F16C where the
// machine has it.
func widenHalfInto(dst []float32, src []uint16) {
	if !widenHalf(dst, src) {
		for j, b := range src {
			dst[j] = float16.Frombits(b).Float32()
		}
	}
}

// AllocInt8 returns ordinary Go memory.
func (be *Backend) AllocInt8(n int) []int8 { return make([]int8, n) }

// AttentionKVInt8 is AttentionKV over an int8 cache with a scale per cached
// row. The new keys and values are quantized in Go (a few thousand values a
// step, next to the millions the attention reads); decoding steps read the
// cache through the fused kernel, and prefill runs (and machines without
// AVX2) dequantize the run's rows into float32 scratch first.
func (be *Backend) AttentionKVInt8(out, qkv []float32, kc, vc []int8, ks, vs []float32, rows, pos []int32, N, C, NH, Tc int) {
	hs := C / NH
	C3 := 3 * C
	be.parallel(N, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row0 := int(rows[i])*NH*Tc + int(pos[i]) // head 0; head h is h*Tc rows on
			putInt8(qkv[i*C3+C:i*C3+2*C], kc, ks, row0, NH, hs, Tc)
			putInt8(qkv[i*C3+2*C:i*C3+3*C], vc, vs, row0, NH, hs, Tc)
		}
	})
	scale := float32(1 / math.Sqrt(float64(hs)))
	be.attendCached(out, qkv, rows, pos, N, C, NH, Tc, func(q, o, sc []float32, base, n, Tk, next, nextTk int) {
		sb := base / hs
		if n == 1 && attnDecodeInt8(q, kc[base:], vc[base:], ks[sb:], vs[sb:], Tk, hs, scale, o, sc, nextRows(kc, next, nextTk*hs)) {
			return
		}
		attendWidened(q, o, sc, n, Tk, hs, C, scale, func(K, V []float32) {
			for t := 0; t < Tk; t++ {
				sk, sv := ks[sb+t], vs[sb+t]
				for j := t * hs; j < (t+1)*hs; j++ {
					K[j] = float32(kc[base+j]) * sk
					V[j] = float32(vc[base+j]) * sv
				}
			}
		})
	})
}

// putInt8 quantizes one token's keys (or values) x, NH heads of hs, by
// gpu.Int8KV's rule into cache row row0 + h*Tc of q (rows of hs) and s (one
// scale per row), with the fused quantizer where the machine has AVX2.
func putInt8(x []float32, q []int8, s []float32, row0, NH, hs, Tc int) {
	if quantizeInt8s(x, hs, q[row0*hs:], Tc*hs, s[row0:], Tc, NH, hs) {
		return
	}
	for h := 0; h < NH; h++ {
		row := row0 + h*Tc
		s[row] = quantizeInt8(q[row*hs:row*hs+hs], x[h*hs:h*hs+hs])
	}
}

// AttentionKVMixed is AttentionKV over int8 keys (as AttentionKVInt8 keeps
// them) and float16 values (as AttentionKVHalf keeps them). Decoding steps
// read the cache through the fused kernel; prefill runs (and machines
// without F16C) widen the run's rows into float32 scratch first.
func (be *Backend) AttentionKVMixed(out, qkv []float32, kc []int8, vc []uint16, ks []float32, rows, pos []int32, N, C, NH, Tc int) {
	hs := C / NH
	C3 := 3 * C
	be.parallel(N, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row0 := int(rows[i])*NH*Tc + int(pos[i])
			putInt8(qkv[i*C3+C:i*C3+2*C], kc, ks, row0, NH, hs, Tc)
			putHalf(qkv[i*C3+2*C:i*C3+3*C], vc[row0*hs:], NH, hs, Tc*hs)
		}
	})
	scale := float32(1 / math.Sqrt(float64(hs)))
	be.attendCached(out, qkv, rows, pos, N, C, NH, Tc, func(q, o, sc []float32, base, n, Tk, next, nextTk int) {
		sb := base / hs
		if n == 1 && attnDecodeK8V16(q, kc[base:], vc[base:], ks[sb:], Tk, hs, scale, o, sc, nextRows(kc, next, nextTk*hs)) {
			return
		}
		attendWidened(q, o, sc, n, Tk, hs, C, scale, func(K, V []float32) {
			for t := 0; t < Tk; t++ {
				sk := ks[sb+t]
				for j := t * hs; j < (t+1)*hs; j++ {
					K[j] = float32(kc[base+j]) * sk
				}
			}
			widenHalfInto(V, vc[base:base+Tk*hs])
		})
	})
}

// quantizeInt8 writes x into q as gpu.Int8KV specifies (s = max|x|/127,
// q = x/s rounded to nearest even, in float32) and returns s; 0 and all
// zeros for an all-zero x. The fused quantizer (quantizeInt8s) gives the
// same bits.
func quantizeInt8(q []int8, x []float32) float32 {
	var amax float32
	for _, v := range x {
		amax = max(amax, float32(math.Abs(float64(v))))
	}
	if amax == 0 {
		clear(q[:len(x)])
		return 0
	}
	s := amax / 127
	for j, v := range x {
		q[j] = int8(math.RoundToEven(float64(v / s)))
	}
	return s
}

// attendCached splits the N new tokens into runs (consecutive tokens of one
// row at consecutive positions) and calls attend for every (run, head) in
// parallel with the run's first query q, its output o, n*Tk floats of
// scratch sc, the offset base of the row's head in the cache, the run's
// length n and Tk, the number of cached positions its last token sees;
// next and nextTk are the same worker's next call's base and Tk (next -1
// for none), for kernels that fetch its keys ahead.
//
// The workers claim chunks of (run, head) pairs (parallelClaimed) instead
// of taking fixed halves: decoding's calls are short, and a worker that
// starts late (about 0.1 ms per call on the 2-core VM of issue 29, waking
// an idle thread) no longer leaves the other idle at the end. A chunk is
// an eighth of a worker's share; a next call is known for all but the
// last pair of each chunk.
func (be *Backend) attendCached(out, qkv []float32, rows, pos []int32, N, C, NH, Tc int,
	attend func(q, o, sc []float32, base, n, Tk, next, nextTk int)) {
	hs := C / NH
	type run struct{ lo, hi int }
	var runs []run
	for i := 0; i < N; i++ {
		if i > 0 && rows[i] == rows[i-1] && pos[i] == pos[i-1]+1 {
			runs[len(runs)-1].hi = i + 1
			continue
		}
		runs = append(runs, run{i, i + 1})
	}
	total := len(runs) * NH
	be.parallelClaimed(total, max(1, total/(be.workers*8)), func(chunks iter.Seq2[int, int]) {
		var ps *[]float32
		for lo, hi := range chunks {
			for j := lo; j < hi; j++ {
				rn, h := runs[j/NH], j%NH
				n, r := rn.hi-rn.lo, int(rows[rn.lo])
				Tk := int(pos[rn.lo]) + n
				if ps == nil || len(*ps) < n*Tk {
					if ps != nil {
						release(ps)
					}
					ps = scratch(n * Tk)
				}
				next, nextTk := -1, 0
				if j+1 < hi {
					rn1, h1 := runs[(j+1)/NH], (j+1)%NH
					next, nextTk = (int(rows[rn1.lo])*NH+h1)*Tc*hs, int(pos[rn1.lo])+rn1.hi-rn1.lo
				}
				attend(qkv[rn.lo*3*C+h*hs:], out[rn.lo*C+h*hs:], (*ps)[:n*Tk], (r*NH+h)*Tc*hs, n, Tk, next, nextTk)
			}
		}
		if ps != nil {
			release(ps)
		}
	})
}

// nextRows is the n cache elements at next (nil where next is -1: none),
// the keys that the fused kernels fetch ahead for the following call.
func nextRows[E any](c []E, next, n int) []E {
	if next < 0 {
		return nil
	}
	return c[next : next+n]
}

// attendWidened is attendRun over a reduced-precision cache: widen writes
// the run's Tk cached rows of keys and values, as float32, into scratch K
// and V (Tk*hs each) first.
func attendWidened(q, o, sc []float32, n, Tk, hs, C int, scale float32, widen func(K, V []float32)) {
	w := scratch(2 * Tk * hs)
	K, V := (*w)[:Tk*hs], (*w)[Tk*hs:2*Tk*hs]
	widen(K, V)
	attendRun(q, o, K, V, sc, n, Tk, hs, C, scale, nil)
	release(w)
}

// attendRun is causal attention for a run of n queries (row stride 3C in q,
// C in o) whose last one sees the Tk cached keys K and values V (row
// stride hs), with scores scaled by scale; sc is n*Tk floats of scratch.
// next (nil for none) is the following call's keys, which the fused decode
// kernel fetches during its value pass.
func attendRun(q, o, K, V, sc []float32, n, Tk, hs, C int, scale float32, next []float32) {
	if n == 1 {
		if attnDecode(q, K, V, Tk, hs, scale, o, sc, next) {
			return
		}
		sgemv(false, Tk, hs, scale, K, hs, q, 0, sc)
		softmaxCausalRow(sc, Tk-1)
		sgemv(true, Tk, hs, 1, V, hs, sc, 0, o)
		return
	}
	p0 := Tk - n
	sgemm(false, true, n, Tk, hs, scale, q, 3*C, K, hs, 0, sc, Tk)
	for i := 0; i < n; i++ {
		softmaxCausalRow(sc[i*Tk:(i+1)*Tk], p0+i)
	}
	sgemm(false, false, n, hs, Tk, 1, sc, Tk, V, hs, 0, o, C)
}

// LogSoftmaxForward: probabilities in place, log p(target) and entropy.
func (be *Backend) LogSoftmaxForward(logp, entropy, probs []float32, targets []int32, N, V int) {
	be.parallel(N, 4, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			logp[i], entropy[i] = logSoftmaxRow(probs[i*V:i*V+V], int(targets[i]), fusedSoftmax)
		}
	})
}

// logSoftmaxRow turns the logits z into probabilities in place and returns
// log p(tgt) (0 for tgt < 0) and the entropy; fused picks the AVX2
// kernels, which give the Go loops' bits.
func logSoftmaxRow(z []float32, tgt int, fused bool) (logp, entropy float32) {
	tz := float32(0)
	if tgt >= 0 {
		tz = z[tgt]
	}
	var mx, sum float32
	var zsum float64 // sum_j e_j * z_j, for the entropy
	if fused {
		mx = rowMax8(z)
		sum, zsum = expSumEnt8(z, mx)
	} else {
		mx = z[0]
		for _, v := range z {
			mx = max(mx, v)
		}
		for j, v := range z {
			e := Exp(v - mx)
			zsum += float64(e * (v - mx))
			z[j] = e
			sum += e
		}
	}
	lse := float32(math.Log(float64(sum)))
	inv := 1 / sum
	if fused {
		scaleRow8(z, inv)
	} else {
		for j := range z {
			z[j] *= inv
		}
	}
	// H = -sum p (z - mx - lse) = lse - sum p (z - mx)
	entropy = lse - float32(zsum)*inv
	if tgt >= 0 {
		logp = tz - mx - lse
	}
	return logp, entropy
}

// LogSoftmaxBackward: d logp_t / dz_j = [j==t] - p_j and
// d H / dz_j = -p_j (log p_j + H).
func (be *Backend) LogSoftmaxBackward(probs, dlogp, dentropy, entropy []float32, targets []int32, N, V int) {
	be.parallel(N, 4, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			p := probs[i*V : i*V+V]
			var gl float32
			tgt := int(targets[i])
			if tgt >= 0 && dlogp != nil {
				gl = dlogp[i]
			}
			var ge float32
			if dentropy != nil {
				ge = dentropy[i]
			}
			if ge == 0 {
				for j, pj := range p {
					p[j] = -gl * pj
				}
			} else {
				H := entropy[i]
				for j, pj := range p {
					g := -gl * pj
					if pj > 0 {
						g -= ge * pj * (Log(pj) + H)
					}
					p[j] = g
				}
			}
			if tgt >= 0 {
				p[tgt] += gl
			}
		}
	})
}

// AdamW is one fused pass over params, grads and both moments.
func (be *Backend) AdamW(params, grads, m, v []float32, lr, beta1, beta2, eps, wd float32, t int) {
	be.AdamWScaled(params, grads, m, v, 1, lr, beta1, beta2, eps, wd, t)
}

// AdamWScaled is Scale(grads, gradScale) and AdamW in one pass (a scale of
// 1 leaves grads untouched). The AVX2 kernel computes each element's
// float32 operations in the Go loop's order (TestAdamWKernelBitExact).
func (be *Backend) AdamWScaled(params, grads, m, v []float32, gradScale, lr, beta1, beta2, eps, wd float32, t int) {
	ic1 := float32(1 / (1 - math.Pow(float64(beta1), float64(t))))
	ic2 := float32(1 / (1 - math.Pow(float64(beta2), float64(t))))
	be.parallel(len(params), elemGrain, func(lo, hi int) {
		p := params[lo:hi]
		g, m, v := grads[lo:hi][:len(p)], m[lo:hi][:len(p)], v[lo:hi][:len(p)]
		i := 0
		if fusedElem {
			i = adamW8(p, g, m, v, gradScale, lr, beta1, beta2, eps, wd, ic1, ic2)
		}
		for ; i < len(p); i++ {
			gi := g[i]
			if gradScale != 1 {
				gi *= gradScale
				g[i] = gi
			}
			mi := beta1*m[i] + (1-beta1)*gi
			vi := beta2*v[i] + (1-beta2)*gi*gi
			m[i], v[i] = mi, vi
			den := float32(math.Sqrt(float64(vi*ic2))) + eps
			p[i] -= lr * (mi*ic1/den + wd*p[i])
		}
	})
}

var _ gpu.ScaledAdamW = (*Backend)(nil)

var _ gpu.Backend = (*Backend)(nil)
