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
// head sizes that are not a multiple of 8 keep the sgemv path. The same
// kernel reads a float16 cache (AttentionKVHalf), widening with F16C as it
// loads, which halves the bytes a decoding step reads, and an int8 cache
// with per-row scales (AttentionKVInt8), which halves them again.

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

#define ATTN_NAME attn_decode
#define ATTN_T float
#define ATTN_LOAD(p) _mm256_loadu_ps(p)
#define ATTN_TARGET __attribute__((target("avx2,fma")))
#define ATTN_SCALED 0
#define ATTN_INT_SCORES 0
#include "attn_decode.h"
#undef ATTN_NAME
#undef ATTN_T
#undef ATTN_LOAD
#undef ATTN_TARGET
#undef ATTN_SCALED
#undef ATTN_INT_SCORES

static int attn_has_f16c(void) {
	__builtin_cpu_init();
	return attn_has_avx2() && __builtin_cpu_supports("f16c");
}

// attn_decode_half reads a float16 cache, widening 8 values per load.
#define ATTN_NAME attn_decode_half
#define ATTN_T unsigned short
#define ATTN_LOAD(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(p)))
#define ATTN_TARGET __attribute__((target("avx2,fma,f16c")))
#define ATTN_SCALED 0
#define ATTN_INT_SCORES 0
#include "attn_decode.h"

// store_half rounds one token's keys or values (NH heads of hs, hs % 8
// == 0) to float16 and writes head h at c + h*stride.
ATTN_TARGET
static void store_half(const float* x, unsigned short* c, int NH, int hs, long stride) {
	for (int h = 0; h < NH; h++) {
		for (int i = 0; i < hs; i += 8) {
			_mm_storeu_si128((__m128i*)(c + h * stride + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + h * hs + i), _MM_FROUND_TO_NEAREST_INT));
		}
	}
}

// widen_half converts n float16 values to float32 (prefill reads).
ATTN_TARGET
static void widen_half(float* dst, const unsigned short* src, long n) {
	long i = 0;
	for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(src + i))));
	for (; i < n; i++) dst[i] = _cvtsh_ss(src[i]);
}
#undef ATTN_NAME
#undef ATTN_T
#undef ATTN_LOAD
#undef ATTN_TARGET
#undef ATTN_SCALED
#undef ATTN_INT_SCORES

// attn_decode_int8 reads an int8 cache with one scale per row. The scores
// are integer dot products with the query rounded to 16 bits (gpu.Int8KV
// allows it); the values are widened 8 per load (sign-extend, then
// convert). The scales multiply the scores and the softmax weights, not
// every element; the next call's keys are fetched during the value pass.
#define ATTN_NAME attn_decode_int8
#define ATTN_T signed char
#define ATTN_LOAD(p) _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)(p))))
#define ATTN_TARGET __attribute__((target("avx2,fma")))
#define ATTN_SCALED 1
#define ATTN_INT_SCORES 1
#include "attn_decode.h"

// quantize_int8 writes n vectors of hs floats (x, row stride xs) as int8
// (q, row stride qs) with one scale each (s, stride ss), by gpu.Int8KV's rule:
// s = max|x|/127 and q = x/s rounded to nearest even (cvtps_epi32 under the
// default rounding mode, after a true division, so the result is the Go
// reference's bit for bit). hs % 8 == 0.
ATTN_TARGET
static void quantize_int8(const float* x, long xs, signed char* q, long qs, float* s, long ss, int n, int hs) {
	const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
	for (int r = 0; r < n; r++, x += xs, q += qs, s += ss) {
		__m256 m = _mm256_setzero_ps();
		for (int i = 0; i < hs; i += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(x + i), absmask));
		__m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
		m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
		m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
		float amax = _mm_cvtss_f32(m4);
		if (amax == 0) {
			*s = 0;
			for (int i = 0; i < hs; i++) q[i] = 0;
			continue;
		}
		float sc = amax / 127;
		*s = sc;
		__m256 d = _mm256_set1_ps(sc);
		for (int i = 0; i < hs; i += 8) {
			__m256i v = _mm256_cvtps_epi32(_mm256_div_ps(_mm256_loadu_ps(x + i), d));
			__m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
			_mm_storel_epi64((__m128i*)(q + i), _mm_packs_epi16(w, w));
		}
	}
}
#undef ATTN_NAME
#undef ATTN_T
#undef ATTN_LOAD
#undef ATTN_TARGET
#undef ATTN_SCALED
#undef ATTN_INT_SCORES

// attn_decode_k8v16 reads int8 keys with one scale per row (integer scores,
// as attn_decode_int8) and float16 values (widened as attn_decode_half):
// the mixed cache of gpu.MixedKV.
#define ATTN_NAME attn_decode_k8v16
#define ATTN_T signed char
#define ATTN_LOAD(p) _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)(p))))
#define ATTN_VT unsigned short
#define ATTN_VLOAD(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(p)))
#define ATTN_TARGET __attribute__((target("avx2,fma,f16c")))
#define ATTN_SCALED 1
#define ATTN_VSCALED 0
#define ATTN_INT_SCORES 1
#include "attn_decode.h"
#undef ATTN_NAME
#undef ATTN_T
#undef ATTN_LOAD
#undef ATTN_VT
#undef ATTN_VLOAD
#undef ATTN_TARGET
#undef ATTN_SCALED
#undef ATTN_VSCALED
#undef ATTN_INT_SCORES
*/
import "C"

import "unsafe"

// fusedDecode reports whether attnDecode can run on this machine, and
// fusedHalf whether attnDecodeHalf and storeHalf can (F16C as well).
var (
	fusedDecode = C.attn_has_avx2() != 0
	fusedHalf   = C.attn_has_f16c() != 0
)

// attnDecode computes out[0:hs] = softmax(scale * K q) V for one query over
// the first T rows of k and v (row stride hs), with sc as T floats of
// scratch. It reports false, doing nothing, where the fused kernel does not
// apply (no AVX2/FMA, or hs not a multiple of 8): the caller then uses the
// matrix-vector path.
func attnDecode(q, k, v []float32, T, hs int, scale float32, out, sc []float32, next []float32) bool {
	if !fusedDecode || hs%8 != 0 || T < 1 {
		return false
	}
	_, _, _, _, _ = q[hs-1], k[T*hs-1], v[T*hs-1], out[hs-1], sc[T-1] // bounds, before C reads them
	nk, nkb := nextKeys(next)
	C.attn_decode((*C.float)(unsafe.Pointer(&q[0])), (*C.float)(unsafe.Pointer(&k[0])),
		(*C.float)(unsafe.Pointer(&v[0])), nil, nil, C.int(T), C.int(hs), C.float(scale),
		(*C.float)(unsafe.Pointer(&out[0])), (*C.float)(unsafe.Pointer(&sc[0])), nk, nkb)
	return true
}

// nextKeys is the pointer and byte count of the next call's keys, for the
// kernel to fetch during its value pass; nil and 0 for none.
func nextKeys[E any](next []E) (*C.char, C.long) {
	if len(next) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&next[0])), C.long(uintptr(len(next)) * unsafe.Sizeof(next[0]))
}

// attnDecodeHalf is attnDecode over a float16 cache (bit patterns); false
// where the fused kernel does not apply (no F16C, or hs not a multiple of 8).
func attnDecodeHalf(q []float32, k, v []uint16, T, hs int, scale float32, out, sc []float32, next []uint16) bool {
	if !fusedHalf || hs%8 != 0 || T < 1 {
		return false
	}
	_, _, _, _, _ = q[hs-1], k[T*hs-1], v[T*hs-1], out[hs-1], sc[T-1]
	nk, nkb := nextKeys(next)
	C.attn_decode_half((*C.float)(unsafe.Pointer(&q[0])), (*C.ushort)(unsafe.Pointer(&k[0])),
		(*C.ushort)(unsafe.Pointer(&v[0])), nil, nil, C.int(T), C.int(hs), C.float(scale),
		(*C.float)(unsafe.Pointer(&out[0])), (*C.float)(unsafe.Pointer(&sc[0])), nk, nkb)
	return true
}

// attnDecodeInt8 is attnDecode over an int8 cache whose row t stands for
// ks[t]*k[t] and vs[t]*v[t]; false where the fused kernel does not apply
// (no AVX2/FMA, or hs not a multiple of 8).
func attnDecodeInt8(q []float32, k, v []int8, ks, vs []float32, T, hs int, scale float32, out, sc []float32, next []int8) bool {
	if !fusedDecode || hs%8 != 0 || T < 1 {
		return false
	}
	_, _, _, _, _, _, _ = q[hs-1], k[T*hs-1], v[T*hs-1], ks[T-1], vs[T-1], out[hs-1], sc[T-1]
	nk, nkb := nextKeys(next)
	C.attn_decode_int8((*C.float)(unsafe.Pointer(&q[0])), (*C.schar)(unsafe.Pointer(&k[0])),
		(*C.schar)(unsafe.Pointer(&v[0])), (*C.float)(unsafe.Pointer(&ks[0])), (*C.float)(unsafe.Pointer(&vs[0])),
		C.int(T), C.int(hs), C.float(scale), (*C.float)(unsafe.Pointer(&out[0])), (*C.float)(unsafe.Pointer(&sc[0])),
		nk, nkb)
	return true
}

// quantizeInt8s quantizes n vectors of hs floats (x, row stride xs) into q
// (row stride qs) and their scales s (stride ss), by gpu.Int8KV's rule;
// false, doing nothing, where the fused kernel does not apply.
func quantizeInt8s(x []float32, xs int, q []int8, qs int, s []float32, ss, n, hs int) bool {
	if !fusedDecode || hs%8 != 0 || n < 1 {
		return false
	}
	_, _, _ = x[(n-1)*xs+hs-1], q[(n-1)*qs+hs-1], s[(n-1)*ss]
	C.quantize_int8((*C.float)(unsafe.Pointer(&x[0])), C.long(xs), (*C.schar)(unsafe.Pointer(&q[0])), C.long(qs),
		(*C.float)(unsafe.Pointer(&s[0])), C.long(ss), C.int(n), C.int(hs))
	return true
}

// attnDecodeK8V16 is attnDecode over int8 keys whose row t stands for
// ks[t]*k[t] and float16 values (bit patterns); false where the fused
// kernel does not apply (no F16C, or hs not a multiple of 8).
func attnDecodeK8V16(q []float32, k []int8, v []uint16, ks []float32, T, hs int, scale float32, out, sc []float32, next []int8) bool {
	if !fusedHalf || hs%8 != 0 || T < 1 {
		return false
	}
	_, _, _, _, _, _ = q[hs-1], k[T*hs-1], v[T*hs-1], ks[T-1], out[hs-1], sc[T-1]
	nk, nkb := nextKeys(next)
	C.attn_decode_k8v16((*C.float)(unsafe.Pointer(&q[0])), (*C.schar)(unsafe.Pointer(&k[0])),
		(*C.ushort)(unsafe.Pointer(&v[0])), (*C.float)(unsafe.Pointer(&ks[0])), nil,
		C.int(T), C.int(hs), C.float(scale), (*C.float)(unsafe.Pointer(&out[0])), (*C.float)(unsafe.Pointer(&sc[0])),
		nk, nkb)
	return true
}

// storeHalf rounds one token's keys (or values) x, NH heads of hs each, to
// float16 and writes head h at c[h*stride:]; false, doing nothing, where the
// fused kernel does not apply.
func storeHalf(x []float32, c []uint16, NH, hs, stride int) bool {
	if !fusedHalf || hs%8 != 0 || NH < 1 {
		return false
	}
	_, _ = x[NH*hs-1], c[(NH-1)*stride+hs-1]
	C.store_half((*C.float)(unsafe.Pointer(&x[0])), (*C.ushort)(unsafe.Pointer(&c[0])), C.int(NH), C.int(hs), C.long(stride))
	return true
}

// widenHalf converts src (float16 bits) into dst; false, doing nothing,
// without F16C.
func widenHalf(dst []float32, src []uint16) bool {
	if !fusedHalf || len(src) == 0 {
		return fusedHalf
	}
	_ = dst[len(src)-1]
	C.widen_half((*C.float)(unsafe.Pointer(&dst[0])), (*C.ushort)(unsafe.Pointer(&src[0])), C.long(len(src)))
	return true
}
