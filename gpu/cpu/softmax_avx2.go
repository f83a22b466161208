//go:build cgo && !purego

package cpu

// The exponentials of softmax on 8 lanes with AVX2. The scalar Exp of every
// attention score and every vocabulary entry was 7 to 9% of a GRPO step and
// of a training step by the profile (bench grpo --cpuprofile). As with GELU,
// the C code performs the scalar Go code's float32 operations in the same
// order (separate multiplies and adds, Exp's round-half-away reduction):
// only the exponentials run 8 at a time; the sums stay sequential, element
// by element in index order, as in the Go loops. The results are the Go
// loops' bit for bit (TestSoftmaxKernelsBitExact).

/*
#cgo CFLAGS: -O2
#include <immintrin.h>
#include <string.h>
#include "lanes.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define SM_TARGET __attribute__((target("avx2")))

static int softmax_has_avx2(void) {
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

// exp8x is the package's Exp on 8 lanes, operation for operation.
SM_TARGET
static inline __m256 exp8x(__m256 x) {
	__m256 under = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_LT_OQ);
	x = _mm256_min_ps(x, _mm256_set1_ps(88.0f));
	__m256 t = _mm256_mul_ps(x, _mm256_set1_ps(1.442695040888963f));
	__m256 pos = _mm256_cmp_ps(t, _mm256_setzero_ps(), _CMP_GE_OQ);
	__m256 half = _mm256_blendv_ps(_mm256_set1_ps(-0.5f), _mm256_set1_ps(0.5f), pos);
	__m256i n = _mm256_cvttps_epi32(_mm256_add_ps(t, half));
	__m256 fn = _mm256_cvtepi32_ps(n);
	__m256 r = _mm256_sub_ps(x, _mm256_mul_ps(fn, _mm256_set1_ps(0.693359375f)));
	r = _mm256_sub_ps(r, _mm256_mul_ps(fn, _mm256_set1_ps(-2.12194440e-4f)));
	__m256 p = _mm256_set1_ps(1.9875691500e-4f);
	p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.3981999507e-3f));
	p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(8.3334519073e-3f));
	p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(4.1665795894e-2f));
	p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.6666665459e-1f));
	p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(5.0000001201e-1f));
	__m256 y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(p, r), r), r), _mm256_set1_ps(1.0f));
	__m256i e = _mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23);
	return _mm256_andnot_ps(under, _mm256_mul_ps(y, _mm256_castsi256_ps(e)));
}

// row_max is the largest of z[0..n), n >= 1.
SM_TARGET
static float row_max(const float* z, long n) {
	long i = 0;
	float mx = z[0];
	if (n >= 8) {
		__m256 m = _mm256_loadu_ps(z);
		for (i = 8; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(z + i));
		float l[8];
		_mm256_storeu_ps(l, m);
		for (int k = 0; k < 8; k++) mx = l[k] > mx ? l[k] : mx;
	}
	for (; i < n; i++) mx = z[i] > mx ? z[i] : mx;
	return mx;
}

// load8 reads the n <= 8 values at z, padding with pad.
SM_TARGET
static inline __m256 load8(const float* z, long n, float pad) {
	if (n == 8) return _mm256_loadu_ps(z);
	float l[8];
	for (int k = 0; k < 8; k++) l[k] = k < n ? z[k] : pad;
	return _mm256_loadu_ps(l);
}

// exp_sum sets z[j] = Exp(z[j] - mx) and returns their sum, added in index
// order in float32 (softmaxCausalRow's first loop).
SM_TARGET
static float exp_sum(float* z, long n, float mx) {
	const __m256 vm = _mm256_set1_ps(mx);
	float sum = 0, e[8];
	for (long i = 0; i < n; i += 8) {
		long m = n - i < 8 ? n - i : 8;
		_mm256_storeu_ps(e, exp8x(_mm256_sub_ps(load8(z + i, m, mx), vm)));
		for (long k = 0; k < m; k++) {
			z[i + k] = e[k];
			sum += e[k];
		}
	}
	return sum;
}

// exp_sum_ent is exp_sum that also returns in *zsum the float64 sum of
// e_j * (z_j - mx), both sums in index order (LogSoftmaxForward's loop).
SM_TARGET
static float exp_sum_ent(float* z, long n, float mx, double* zsum) {
	const __m256 vm = _mm256_set1_ps(mx);
	float sum = 0, e[8], w[8];
	double zs = 0;
	for (long i = 0; i < n; i += 8) {
		long m = n - i < 8 ? n - i : 8;
		__m256 d = _mm256_sub_ps(load8(z + i, m, mx), vm);
		__m256 ev = exp8x(d);
		_mm256_storeu_ps(e, ev);
		_mm256_storeu_ps(w, _mm256_mul_ps(ev, d));
		for (long k = 0; k < m; k++) {
			zs += (double)w[k];
			z[i + k] = e[k];
			sum += e[k];
		}
	}
	*zsum = zs;
	return sum;
}

// scale_row does z[j] *= s.
SM_TARGET
static void scale_row(float* z, long n, float s) {
	const __m256 vs = _mm256_set1_ps(s);
	long i = 0;
	for (; i + 8 <= n; i += 8) _mm256_storeu_ps(z + i, _mm256_mul_ps(_mm256_loadu_ps(z + i), vs));
	for (; i < n; i++) z[i] *= s;
}
// exp_only sets z[j] = Exp(z[j] - mx) for j < n: exp_sum without the sum.
SM_TARGET
static void exp_only(float* z, long n, float mx) {
	const __m256 vm = _mm256_set1_ps(mx);
	long i = 0;
	for (; i + 8 <= n; i += 8) _mm256_storeu_ps(z + i, exp8x(_mm256_sub_ps(_mm256_loadu_ps(z + i), vm)));
	if (i < n) {
		float e[8];
		_mm256_storeu_ps(e, exp8x(_mm256_sub_ps(load8(z + i, n - i, mx), vm)));
		for (long k = 0; i + k < n; k++) z[i + k] = e[k];
	}
}

// softmax_rows is softmaxCausalRow for the rows t = r0..r0+8g-1 of a (row
// stride w), g groups of eight, row t over its first k+t+1 entries and
// zero after them up to w: one call for a chunk's groups instead of three
// per row. The eight rows of a group keep their sums in the lanes of one
// vector (lanes.h), each still added in index order.
SM_TARGET
static void softmax_rows(float* a, long w, long k, long r0, long g) {
	for (long t = r0; t < r0 + 8 * g; t += 8) {
		for (int i = 0; i < 8; i++) {
			float* z = a + (t + i) * w;
			long n = k + t + i + 1;
			exp_only(z, n, row_max(z, n));
		}
		long j8 = (k + t + 1) & ~7L;
		__m256 acc = _mm256_setzero_ps(), r[8];
		for (long j = 0; j < j8; j += 8) {
			transpose8(a + t * w + j, w, r);
			for (int q = 0; q < 8; q++) acc = _mm256_add_ps(acc, r[q]);
		}
		float s[8];
		_mm256_storeu_ps(s, acc);
		for (int i = 0; i < 8; i++) {
			float* z = a + (t + i) * w;
			long n = k + t + i + 1;
			float sum = s[i];
			for (long j = j8; j < n; j++) sum += z[j];
			scale_row(z, n, 1 / sum);
			memset(z + n, 0, (w - n) * sizeof(float));
		}
	}
}

// softmax_bwd_update does d[j] = p[j] * (d[j] - dot) for j < n.
SM_TARGET
static void softmax_bwd_update(float* d, const float* p, long n, float dot) {
	const __m256 vd = _mm256_set1_ps(dot);
	long j = 0;
	for (; j + 8 <= n; j += 8)
		_mm256_storeu_ps(d + j, _mm256_mul_ps(_mm256_loadu_ps(p + j), _mm256_sub_ps(_mm256_loadu_ps(d + j), vd)));
	for (; j < n; j++) d[j] = p[j] * (d[j] - dot);
}

// softmax_bwd_rows is softmaxBackwardRows for the rows t = r0..r0+8g-1
// (g groups of eight) of the probabilities a and their gradients da (row
// stride w), over the first n = k+t+1 entries: dot = sum a*da in index
// order and da = a*(da - dot), then da zero from n up to k+rend, rend the
// chunk's end. The eight rows of a group share the lanes of one vector.
SM_TARGET
static void softmax_bwd_rows(float* da, const float* a, long w, long k, long r0, long g, long rend) {
	for (long t = r0; t < r0 + 8 * g; t += 8) {
		long j8 = (k + t + 1) & ~7L;
		__m256 acc = _mm256_setzero_ps(), ra[8], rd[8];
		for (long j = 0; j < j8; j += 8) {
			transpose8(a + t * w + j, w, ra);
			transpose8(da + t * w + j, w, rd);
			for (int q = 0; q < 8; q++) acc = _mm256_add_ps(acc, _mm256_mul_ps(ra[q], rd[q]));
		}
		float s[8];
		_mm256_storeu_ps(s, acc);
		for (int i = 0; i < 8; i++) {
			const float* p = a + (t + i) * w;
			float* d = da + (t + i) * w;
			long n = k + t + i + 1;
			float dot = s[i];
			for (long j = j8; j < n; j++) dot += p[j] * d[j];
			softmax_bwd_update(d, p, n, dot);
			memset(d + n, 0, (k + rend - n) * sizeof(float));
		}
	}
}
*/
import "C"

import "unsafe"

// fusedSoftmax reports whether the kernels below run here.
var fusedSoftmax = C.softmax_has_avx2() != 0

// rowMax8 is the largest of z (len >= 1). Only the sign of a zero maximum
// can differ from Go's max, which changes no softmax result.
func rowMax8(z []float32) float32 {
	return float32(C.row_max((*C.float)(unsafe.Pointer(&z[0])), C.long(len(z))))
}

// expSum8 is the first loop of softmaxCausalRow: z[j] = Exp(z[j]-mx), and
// their float32 sum in index order.
func expSum8(z []float32, mx float32) float32 {
	return float32(C.exp_sum((*C.float)(unsafe.Pointer(&z[0])), C.long(len(z)), C.float(mx)))
}

// expSumEnt8 is expSum8 that also returns the float64 sum of
// Exp(z[j]-mx)*(z[j]-mx), LogSoftmaxForward's entropy term.
func expSumEnt8(z []float32, mx float32) (float32, float64) {
	var zs C.double
	s := C.exp_sum_ent((*C.float)(unsafe.Pointer(&z[0])), C.long(len(z)), C.float(mx), &zs)
	return float32(s), float64(zs)
}

// scaleRow8 does z[j] *= s.
func scaleRow8(z []float32, s float32) {
	C.scale_row((*C.float)(unsafe.Pointer(&z[0])), C.long(len(z)), C.float(s))
}

// softmaxRows8 is softmaxCausalRows over the rows r0.. in whole groups of
// eight up to r1, in one kernel call; it returns the first row it left.
func softmaxRows8(a []float32, w, k, r0, r1 int) int {
	g := (r1 - r0) / 8
	if g == 0 {
		return r0
	}
	_ = a[(r0+8*g-1)*w+w-1]
	C.softmax_rows((*C.float)(unsafe.Pointer(&a[0])), C.long(w), C.long(k), C.long(r0), C.long(g))
	return r0 + 8*g
}

// softmaxBackwardRows8 is softmaxBackwardRows over the rows r0.. in whole
// groups of eight up to r1 (the chunk's end), in one kernel call; it
// returns the first row it left.
func softmaxBackwardRows8(da, a []float32, w, k, r0, r1 int) int {
	g := (r1 - r0) / 8
	if g == 0 {
		return r0
	}
	last := (r0+8*g-1)*w + k + r1 - 1
	_, _ = da[last], a[last]
	C.softmax_bwd_rows((*C.float)(unsafe.Pointer(&da[0])), (*C.float)(unsafe.Pointer(&a[0])),
		C.long(w), C.long(k), C.long(r0), C.long(g), C.long(r1))
	return r0 + 8*g
}
