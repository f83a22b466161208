//go:build cgo && !purego

package cpu

// Bias addition, its column sums, the residual additions and LayerNorm's
// per-element passes on 8 lanes with AVX2 (Go does not vectorise loops).
// Each element gets the scalar Go loop's float32 operations in the same
// order, and every reduction (LayerNorm's mean, variance and the backward
// row sums) stays sequential in index order as in Go, so the results are
// the Go loops' bit for bit (TestElementKernelsBitExact). LayerNorm's row
// statistics are computed for 8 rows at once, one row per lane, so that
// eight such sequential chains overlap.

/*
#cgo CFLAGS: -O2
#include <immintrin.h>
#include "lanes.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define EL_TARGET __attribute__((target("avx2")))

static int elem_has_avx2(void) {
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

// add_to: d[i] += s[i] for i < n.
EL_TARGET
static void add_to(float* d, const float* s, long n) {
	long i = 0;
	for (; i + 8 <= n; i += 8) _mm256_storeu_ps(d + i, _mm256_add_ps(_mm256_loadu_ps(d + i), _mm256_loadu_ps(s + i)));
	for (; i < n; i++) d[i] += s[i];
}

// add3: o[i] = a[i] + b[i].
EL_TARGET
static void add3(float* o, const float* a, const float* b, long n) {
	long i = 0;
	for (; i + 8 <= n; i += 8) _mm256_storeu_ps(o + i, _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
	for (; i < n; i++) o[i] = a[i] + b[i];
}

// bias_rows: each of the rows of out (stride oc) += bias.
EL_TARGET
static void bias_rows(float* out, const float* bias, long rows, long oc) {
	for (long r = 0; r < rows; r++) add_to(out + r * oc, bias, oc);
}

// col_sums: acc[j] += d[i*stride + j] for i < rows, j < n, row by row.
EL_TARGET
static void col_sums(float* acc, const float* d, long rows, long stride, long n) {
	for (long r = 0; r < rows; r++) add_to(acc, d + r * stride, n);
}

// ln_norm_row is the last loop of one row of LayerNormForward, given the
// row's mean m and rstd s.
EL_TARGET
static void ln_norm_row(float* o, const float* x, const float* w, const float* b, long c, float m, float s) {
	const __m256 vm = _mm256_set1_ps(m), vs = _mm256_set1_ps(s);
	long i = 0;
	for (; i + 8 <= c; i += 8) {
		__m256 v = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), vs), _mm256_loadu_ps(w + i));
		_mm256_storeu_ps(o + i, _mm256_add_ps(v, _mm256_loadu_ps(b + i)));
	}
	for (; i < c; i++) o[i] = (x[i] - m) * s * w[i] + b[i];
}

// ln_stats8 is LayerNormForward's mean and rstd for 8 rows (x, row stride
// c, c a multiple of 8), one row per lane: each lane adds its row's
// elements in index order, as the Go loop does, so the sums are its bits
// while 8 rows' dependency chains run side by side.
EL_TARGET
static void ln_stats8(const float* x, long c, float* mean, float* rstd) {
	__m256 r[8], s = _mm256_setzero_ps(), va = _mm256_setzero_ps();
	for (long j = 0; j < c; j += 8) {
		transpose8(x + j, c, r);
		for (int k = 0; k < 8; k++) s = _mm256_add_ps(s, r[k]);
	}
	const __m256 fc = _mm256_set1_ps((float)c);
	const __m256 m = _mm256_div_ps(s, fc);
	for (long j = 0; j < c; j += 8) {
		transpose8(x + j, c, r);
		for (int k = 0; k < 8; k++) {
			__m256 d = _mm256_sub_ps(r[k], m);
			va = _mm256_add_ps(va, _mm256_mul_ps(d, d));
		}
	}
	va = _mm256_add_ps(_mm256_div_ps(va, fc), _mm256_set1_ps(1e-5f));
	// rstd = float32(1 / sqrt(float64(var + eps))), in double as in Go.
	const __m256d one = _mm256_set1_pd(1.0);
	__m128 lo = _mm256_cvtpd_ps(_mm256_div_pd(one, _mm256_sqrt_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(va)))));
	__m128 hi = _mm256_cvtpd_ps(_mm256_div_pd(one, _mm256_sqrt_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(va, 1)))));
	_mm256_storeu_ps(mean, m);
	_mm256_storeu_ps(rstd, _mm256_set_m128(hi, lo));
}

// adamw: AdamWScaled's loop over the first n8 (a multiple of 8) elements,
// each element's float32 operations in the Go loop's order; the square
// root is float32's, which equals Go's float32(math.Sqrt(float64(x)))
// (a float64 root rounded to float32 is the correctly rounded one).
EL_TARGET
static void adamw(float* p, float* g, float* m, float* v, long n8, float gs, float lr, float b1, float b2,
		float eps, float wd, float ic1, float ic2) {
	const __m256 vgs = _mm256_set1_ps(gs), vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2);
	const __m256 va1 = _mm256_set1_ps(1 - b1), va2 = _mm256_set1_ps(1 - b2), veps = _mm256_set1_ps(eps);
	const __m256 vwd = _mm256_set1_ps(wd), vlr = _mm256_set1_ps(lr), vic1 = _mm256_set1_ps(ic1), vic2 = _mm256_set1_ps(ic2);
	for (long i = 0; i < n8; i += 8) {
		__m256 gi = _mm256_loadu_ps(g + i);
		if (gs != 1) {
			gi = _mm256_mul_ps(gi, vgs);
			_mm256_storeu_ps(g + i, gi);
		}
		__m256 mi = _mm256_add_ps(_mm256_mul_ps(vb1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(va1, gi));
		__m256 vi = _mm256_add_ps(_mm256_mul_ps(vb2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(va2, gi), gi));
		_mm256_storeu_ps(m + i, mi);
		_mm256_storeu_ps(v + i, vi);
		__m256 den = _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(vi, vic2)), veps);
		__m256 pi = _mm256_loadu_ps(p + i);
		__m256 upd = _mm256_add_ps(_mm256_div_ps(_mm256_mul_ps(mi, vic1), den), _mm256_mul_ps(vwd, pi));
		_mm256_storeu_ps(p + i, _mm256_sub_ps(pi, _mm256_mul_ps(vlr, upd)));
	}
}

// sum_squares is SumSquares over one worker's x[0..n) for n a multiple of
// 8*256: float32 sums of squares over runs of 256 in index order, added
// into a double in run order. Eight runs at a time share a vector's lanes
// (lanes.h).
EL_TARGET
static double sum_squares(const float* x, long n) {
	double s = 0;
	for (long i = 0; i + 8 * 256 <= n; i += 8 * 256) {
		__m256 p = _mm256_setzero_ps(), r[8];
		for (long j = 0; j < 256; j += 8) {
			transpose8(x + i + j, 256, r);
			for (int k = 0; k < 8; k++) p = _mm256_add_ps(p, _mm256_mul_ps(r[k], r[k]));
		}
		float l[8];
		_mm256_storeu_ps(l, p);
		for (int k = 0; k < 8; k++) s += (double)l[k];
	}
	return s;
}

// embed_bwd is embedBackward's loop over channels lo..hi-1: row i adds
// dout's row into dwte's row tokens[i] and dwpe's row pos[i] (i % t when
// pos is NULL), rows in order.
EL_TARGET
static void embed_bwd(float* dwte, float* dwpe, const float* dout, const int* tokens, const int* pos, long n,
		long t, long c, long lo, long hi) {
	for (long i = 0; i < n; i++) {
		long p = pos ? pos[i] : i % t;
		const float* d = dout + i * c + lo;
		add_to(dwte + tokens[i] * c + lo, d, hi - lo);
		add_to(dwpe + p * c + lo, d, hi - lo);
	}
}

// ln_bwd_apply is the second loop of one row of LayerNormBackward, given
// the row's mean m, rstd s and its two gradient means.
EL_TARGET
static void ln_bwd_apply(float* di, float* dw, float* db, const float* g, const float* x, const float* w,
		long c, float m, float s, float dnMean, float dnNormMean) {
	const __m256 vm = _mm256_set1_ps(m), vs = _mm256_set1_ps(s);
	const __m256 vdm = _mm256_set1_ps(dnMean), vdnm = _mm256_set1_ps(dnNormMean);
	long i = 0;
	for (; i + 8 <= c; i += 8) {
		__m256 gv = _mm256_loadu_ps(g + i);
		__m256 n = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), vs);
		__m256 dn = _mm256_mul_ps(_mm256_loadu_ps(w + i), gv);
		_mm256_storeu_ps(db + i, _mm256_add_ps(_mm256_loadu_ps(db + i), gv));
		_mm256_storeu_ps(dw + i, _mm256_add_ps(_mm256_loadu_ps(dw + i), _mm256_mul_ps(n, gv)));
		__m256 t = _mm256_sub_ps(_mm256_sub_ps(dn, vdm), _mm256_mul_ps(n, vdnm));
		_mm256_storeu_ps(di + i, _mm256_add_ps(_mm256_loadu_ps(di + i), _mm256_mul_ps(t, vs)));
	}
	for (; i < c; i++) {
		float n = (x[i] - m) * s, dn = w[i] * g[i];
		db[i] += g[i];
		dw[i] += n * g[i];
		di[i] += (dn - dnMean - n * dnNormMean) * s;
	}
}

// ln_bwd_row is one row of LayerNormBackward: dinp += ..., dw += n*g,
// db += g, with the row means in index order as the Go loop has them.
EL_TARGET
static void ln_bwd_row(float* di, float* dw, float* db, const float* g, const float* x, const float* w,
		long c, float m, float s) {
	const __m256 vm = _mm256_set1_ps(m), vs = _mm256_set1_ps(s);
	float dnMean = 0, dnNormMean = 0, a[8], p[8];
	long i = 0;
	for (; i + 8 <= c; i += 8) {
		__m256 n = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), vs);
		__m256 dn = _mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(g + i));
		_mm256_storeu_ps(a, dn);
		_mm256_storeu_ps(p, _mm256_mul_ps(dn, n));
		for (int k = 0; k < 8; k++) {
			dnMean += a[k];
			dnNormMean += p[k];
		}
	}
	for (; i < c; i++) {
		float n = (x[i] - m) * s, dn = w[i] * g[i];
		dnMean += dn;
		dnNormMean += dn * n;
	}
	ln_bwd_apply(di, dw, db, g, x, w, c, m, s, dnMean / (float)c, dnNormMean / (float)c);
}

// ln_fwd_rows is LayerNormForward over groups of 8 rows (rows a multiple
// of 8, c of 8): the statistics of 8 rows at a time (ln_stats8), then each
// row's normalising loop, in one call for a worker's share of the rows.
EL_TARGET
static void ln_fwd_rows(float* out, float* mean, float* rstd, const float* x, const float* w, const float* b,
		long rows, long c) {
	for (long r = 0; r + 8 <= rows; r += 8) {
		ln_stats8(x + r * c, c, mean + r, rstd + r);
		for (long i = r; i < r + 8; i++) ln_norm_row(out + i * c, x + i * c, w, b, c, mean[i], rstd[i]);
	}
}

// ln_bwd_rows is LayerNormBackward's loops over groups of 8 rows (rows a
// multiple of 8, c of 8), with dw and db a worker's partial sums: the two
// gradient means of 8 rows at a time in the lanes of a vector (each in
// index order), then each row's second loop in row order.
EL_TARGET
static void ln_bwd_rows(float* di, float* dw, float* db, const float* g, const float* x, const float* w,
		const float* mean, const float* rstd, long rows, long c) {
	const __m256 fc = _mm256_set1_ps((float)c);
	for (long r = 0; r + 8 <= rows; r += 8) {
		const __m256 vm = _mm256_loadu_ps(mean + r), vs = _mm256_loadu_ps(rstd + r);
		__m256 sdn = _mm256_setzero_ps(), sdnn = _mm256_setzero_ps(), rg[8], rx[8];
		for (long j = 0; j < c; j += 8) {
			transpose8(g + r * c + j, c, rg);
			transpose8(x + r * c + j, c, rx);
			for (int k = 0; k < 8; k++) {
				__m256 n = _mm256_mul_ps(_mm256_sub_ps(rx[k], vm), vs);
				__m256 dn = _mm256_mul_ps(_mm256_set1_ps(w[j + k]), rg[k]);
				sdn = _mm256_add_ps(sdn, dn);
				sdnn = _mm256_add_ps(sdnn, _mm256_mul_ps(dn, n));
			}
		}
		float dm[8], dnm[8];
		_mm256_storeu_ps(dm, _mm256_div_ps(sdn, fc));
		_mm256_storeu_ps(dnm, _mm256_div_ps(sdnn, fc));
		for (long i = 0; i < 8; i++) {
			long o = (r + i) * c;
			ln_bwd_apply(di + o, dw, db, g + o, x + o, w, c, mean[r + i], rstd[r + i], dm[i], dnm[i]);
		}
	}
}
*/
import "C"

import "unsafe"

// fusedElem reports whether the kernels below run here.
var fusedElem = C.elem_has_avx2() != 0

func fp(x []float32) *C.float { return (*C.float)(unsafe.Pointer(&x[0])) }

// addTo8 does d[i] += s[i] (len(s) >= len(d) > 0).
func addTo8(d, s []float32) { C.add_to(fp(d), fp(s[:len(d)]), C.long(len(d))) }

// add8 does o[i] = a[i] + b[i] (len(a), len(b) >= len(o) > 0).
func add8(o, a, b []float32) { C.add3(fp(o), fp(a[:len(o)]), fp(b[:len(o)]), C.long(len(o))) }

// biasRows8 adds bias (oc) to each of the len(out)/oc rows of out.
func biasRows8(out, bias []float32, oc int) {
	C.bias_rows(fp(out), fp(bias[:oc]), C.long(len(out)/oc), C.long(oc))
}

// colSums8 does acc[j] += d[i*stride+j] for i < rows, j < len(acc), row
// after row.
func colSums8(acc, d []float32, rows, stride int) {
	_ = d[(rows-1)*stride+len(acc)-1]
	C.col_sums(fp(acc), fp(d), C.long(rows), C.long(stride), C.long(len(acc)))
}

// lnNormRow8 writes o[c] = (x[c]-m)*s*w[c] + b[c].
func lnNormRow8(o, x, w, b []float32, m, s float32) {
	n := len(o)
	C.ln_norm_row(fp(o), fp(x[:n]), fp(w[:n]), fp(b[:n]), C.long(n), C.float(m), C.float(s))
}

// sumSquares8 is SumSquares's loop over the first len(x) &^ 2047 values
// of one worker's share (eight runs of 256 at a time); it returns their
// sum and how many values it took.
func sumSquares8(x []float32) (float64, int) {
	n := len(x) &^ (8*256 - 1)
	if n == 0 {
		return 0, 0
	}
	return float64(C.sum_squares(fp(x), C.long(n))), n
}

// embedBackward8 is embedBackward's loop over channels lo..hi-1; the
// caller has checked every token and position.
func embedBackward8(dwte, dwpe, dout []float32, tokens, pos []int32, n, t, c, lo, hi int) {
	var pp *C.int
	if pos != nil {
		pp = (*C.int)(unsafe.Pointer(&pos[0]))
	}
	C.embed_bwd(fp(dwte), fp(dwpe), fp(dout), (*C.int)(unsafe.Pointer(&tokens[0])), pp, C.long(n), C.long(t),
		C.long(c), C.long(lo), C.long(hi))
}

// lnForwardRows8 is LayerNormForward's loop over the first rows &^ 7
// rows of inp (rows of c values, c a multiple of 8), in one kernel call;
// it returns how many rows it did.
func lnForwardRows8(out, mean, rstd, inp, w, b []float32, c int) int {
	rows := (len(inp) / c) &^ 7
	if rows == 0 {
		return 0
	}
	_, _, _, _, _ = out[rows*c-1], mean[rows-1], rstd[rows-1], w[c-1], b[c-1]
	C.ln_fwd_rows(fp(out), fp(mean), fp(rstd), fp(inp), fp(w), fp(b), C.long(rows), C.long(c))
	return rows
}

// lnBackwardRows8 is LayerNormBackward's loops over the first rows &^ 7
// rows of g (rows of c values, c a multiple of 8), accumulating into dw
// and db, in one kernel call; it returns how many rows it did.
func lnBackwardRows8(di, dw, db, g, x, w, mean, rstd []float32, c int) int {
	rows := (len(g) / c) &^ 7
	if rows == 0 {
		return 0
	}
	_, _, _, _, _, _ = di[rows*c-1], x[rows*c-1], mean[rows-1], rstd[rows-1], dw[c-1], db[c-1]
	_ = w[c-1]
	C.ln_bwd_rows(fp(di), fp(dw), fp(db), fp(g), fp(x), fp(w), fp(mean), fp(rstd), C.long(rows), C.long(c))
	return rows
}

// adamW8 runs AdamWScaled's loop over the first len(p) &^ 7 elements and
// returns how many it did.
func adamW8(p, g, m, v []float32, gs, lr, b1, b2, eps, wd, ic1, ic2 float32) int {
	n8 := len(p) &^ 7
	if n8 == 0 {
		return 0
	}
	_, _, _ = g[n8-1], m[n8-1], v[n8-1]
	C.adamw(fp(p), fp(g), fp(m), fp(v), C.long(n8), C.float(gs), C.float(lr), C.float(b1), C.float(b2),
		C.float(eps), C.float(wd), C.float(ic1), C.float(ic2))
	return n8
}

// lnBwdRow8 is one row of LayerNormBackward's loops.
func lnBwdRow8(di, dw, db, g, x, w []float32, m, s float32) {
	n := len(di)
	C.ln_bwd_row(fp(di), fp(dw[:n]), fp(db[:n]), fp(g[:n]), fp(x[:n]), fp(w[:n]), C.long(n), C.float(m), C.float(s))
}
