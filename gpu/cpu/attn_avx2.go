//go:build cgo && !purego

package cpu

// The decode-time attention of one query over a row's KV cache, fused in one
// C function with AVX2/FMA intrinsics: the scores, a vectorised softmax and
// the weighted sum of values. Decoding is bound by reading the cache, and
// the two OpenBLAS matrix-vector products plus a scalar softmax in between
// reached about half the machine's read bandwidth: sgemv's kernels are
// tuned for long rows, not for 64-wide keys, and the scalar exp of every
// score cost as much as reading its key. OpenBLAS has no fused attention, so
// this is ours; machines without AVX2/FMA (checked once at start) and
// head sizes that are not a multiple of 8 keep the sgemv path.

/*
#cgo CFLAGS: -O2
#include <immintrin.h>
#include <math.h>

static int attn_has_avx2(void) {
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// exp8 is e^x on 8 lanes for x <= 0 (softmax shifted by its max): the same
// Cody-Waite reduction and degree-6 polynomial as the package's scalar Exp;
// lanes below -87.3 give 0.
__attribute__((target("avx2,fma")))
static inline __m256 exp8(__m256 x) {
	__m256 under = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_LT_OQ);
	x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.0f));
	__m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.442695040888963f)),
		_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	__m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
	r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
	__m256 p = _mm256_set1_ps(1.9875691500e-4f);
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
	__m256 y = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
	__m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
	return _mm256_andnot_ps(under, _mm256_mul_ps(y, _mm256_castsi256_ps(e)));
}

// acc_v adds sum_t w[t] * V[t][0:8*NV] into out, scaled by inv; NV is a
// compile-time constant at each call, so the accumulators stay in registers.
#define ACC_V(NV) do { \
	__m256 o[NV]; \
	for (int i = 0; i < NV; i++) o[i] = _mm256_setzero_ps(); \
	for (int t = 0; t < T; t++) { \
		const float* v = V + (long)t * hs + c0; \
		__m256 p = _mm256_set1_ps(sc[t]); \
		for (int i = 0; i < NV; i++) o[i] = _mm256_fmadd_ps(p, _mm256_loadu_ps(v + 8 * i), o[i]); \
	} \
	for (int i = 0; i < NV; i++) _mm256_storeu_ps(out + c0 + 8 * i, _mm256_mul_ps(o[i], inv)); \
} while (0)

// attn_decode: out[0:hs] = softmax(scale * K q) V for one query q[0:hs]
// over T cached rows of K and V (row stride hs, hs % 8 == 0); sc holds T
// floats of scratch.
__attribute__((target("avx2,fma")))
static void attn_decode(const float* q, const float* K, const float* V, int T, int hs, float scale,
		float* out, float* sc) {
	int nv = hs / 8;
	float mx = -INFINITY;
	for (int t = 0; t < T; t++) {
		const float* k = K + (long)t * hs;
		__m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
		int i = 0;
		for (; i + 1 < nv; i += 2) {
			a = _mm256_fmadd_ps(_mm256_loadu_ps(q + 8 * i), _mm256_loadu_ps(k + 8 * i), a);
			b = _mm256_fmadd_ps(_mm256_loadu_ps(q + 8 * i + 8), _mm256_loadu_ps(k + 8 * i + 8), b);
		}
		if (i < nv) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + 8 * i), _mm256_loadu_ps(k + 8 * i), a);
		a = _mm256_add_ps(a, b);
		__m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
		s = _mm_add_ps(s, _mm_movehl_ps(s, s));
		s = _mm_add_ss(s, _mm_movehdup_ps(s));
		float v = _mm_cvtss_f32(s) * scale;
		sc[t] = v;
		mx = v > mx ? v : mx;
	}
	__m256 vm = _mm256_set1_ps(mx), vs = _mm256_setzero_ps();
	int t = 0;
	for (; t + 8 <= T; t += 8) {
		__m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(sc + t), vm));
		_mm256_storeu_ps(sc + t, e);
		vs = _mm256_add_ps(vs, e);
	}
	float lanes[8], sum = 0;
	if (t < T) {
		for (int j = 0; j < 8; j++) lanes[j] = j < T - t ? sc[t + j] - mx : -INFINITY;
		_mm256_storeu_ps(lanes, exp8(_mm256_loadu_ps(lanes)));
		for (int j = 0; j < T - t; j++) {
			sc[t + j] = lanes[j];
			sum += lanes[j];
		}
	}
	_mm256_storeu_ps(lanes, vs);
	for (int j = 0; j < 8; j++) sum += lanes[j];
	__m256 inv = _mm256_set1_ps(1.0f / sum);
	int c0 = 0;
	for (; c0 + 64 <= hs; c0 += 64) ACC_V(8);
	switch ((hs - c0) / 8) {
	case 7: ACC_V(7); break;
	case 6: ACC_V(6); break;
	case 5: ACC_V(5); break;
	case 4: ACC_V(4); break;
	case 3: ACC_V(3); break;
	case 2: ACC_V(2); break;
	case 1: ACC_V(1); break;
	}
}
*/
import "C"

import "unsafe"

// fusedDecode reports whether attnDecode can run on this machine.
var fusedDecode = C.attn_has_avx2() != 0

// attnDecode computes out[0:hs] = softmax(scale * K q) V for one query over
// the first T rows of k and v (row stride hs), with sc as T floats of
// scratch. It reports false, doing nothing, where the fused kernel does not
// apply (no AVX2/FMA, or hs not a multiple of 8): the caller then uses the
// matrix-vector path.
func attnDecode(q, k, v []float32, T, hs int, scale float32, out, sc []float32) bool {
	if !fusedDecode || hs%8 != 0 || T < 1 {
		return false
	}
	_, _, _, _, _ = q[hs-1], k[T*hs-1], v[T*hs-1], out[hs-1], sc[T-1] // bounds, before C reads them
	C.attn_decode((*C.float)(unsafe.Pointer(&q[0])), (*C.float)(unsafe.Pointer(&k[0])),
		(*C.float)(unsafe.Pointer(&v[0])), C.int(T), C.int(hs), C.float(scale),
		(*C.float)(unsafe.Pointer(&out[0])), (*C.float)(unsafe.Pointer(&sc[0])))
	return true
}
