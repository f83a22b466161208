//go:build cgo && !purego

package cpu

// GELU on 8 lanes with AVX2. The scalar Go loop was 15 to 20% of a training
// step and of a decoding step (a division and two polynomials per element).
// The C code performs the same float32 operations in the same order as the
// Go loop, with separate multiplies and adds (the target has no "fma", so
// the compiler cannot contract them, and Go does not fuse on amd64), and a
// true division: its results are the Go loop's bit for bit, so training runs
// and shipped checkpoints do not change with the machine.

/*
#cgo CFLAGS: -O2
#include <immintrin.h>

// No contraction of a*b+c into an FMA, even where CFLAGS enable "fma"
// globally: the results must stay the Go loop's.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define GELU_TARGET __attribute__((target("avx2")))

static int gelu_has_avx2(void) {
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

// gelu_tanh8 sets *u to the clamped sqrt(2/pi)*(x + 0.044715 x^3) and
// returns tanh(*u) by the package's rational approximation (Tanh).
GELU_TARGET
static inline __m256 gelu_tanh8(__m256 x, const float* c) {
	__m256 x3 = _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.044715f), x), x), x);
	__m256 u = _mm256_mul_ps(_mm256_set1_ps(c[0]), _mm256_add_ps(x, x3));
	u = _mm256_min_ps(_mm256_max_ps(u, _mm256_set1_ps(-c[1])), _mm256_set1_ps(c[1]));
	__m256 u2 = _mm256_mul_ps(u, u);
	__m256 p = _mm256_set1_ps(c[8]);
	for (int i = 7; i >= 2; i--) p = _mm256_add_ps(_mm256_mul_ps(p, u2), _mm256_set1_ps(c[i]));
	__m256 q = _mm256_set1_ps(c[12]);
	for (int i = 11; i >= 9; i--) q = _mm256_add_ps(_mm256_mul_ps(q, u2), _mm256_set1_ps(c[i]));
	return _mm256_div_ps(_mm256_mul_ps(u, p), q);
}

// gelu_fwd: out[i] = 0.5*x*(1 + tanh(u)) for i < n8 (n8 % 8 == 0); c holds
// geluS, the clamp and the coefficients tp0..tp6, tq0..tq3.
GELU_TARGET
static void gelu_fwd(float* out, const float* inp, long n8, const float* c) {
	const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
	for (long i = 0; i < n8; i += 8) {
		__m256 x = _mm256_loadu_ps(inp + i);
		__m256 th = gelu_tanh8(x, c);
		_mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_mul_ps(half, x), _mm256_add_ps(one, th)));
	}
}

// gelu_bwd: dinp[i] += gelu'(x) * dout[i] for i < n8, as GeluBackward;
// with set, dinp[i] = 0 + gelu'(x) * dout[i] without reading dinp, and
// dinp may be dout (each vector is read before it is written).
GELU_TARGET
static void gelu_bwd(float* dinp, const float* inp, const float* dout, long n8, const float* c, int set) {
	const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
	const __m256 s = _mm256_set1_ps(c[0]), k3 = _mm256_set1_ps(c[13]);
	for (long i = 0; i < n8; i += 8) {
		__m256 x = _mm256_loadu_ps(inp + i);
		__m256 th = gelu_tanh8(x, c);
		__m256 a = _mm256_mul_ps(half, _mm256_add_ps(one, th));
		__m256 b = _mm256_mul_ps(_mm256_mul_ps(half, x), _mm256_sub_ps(one, _mm256_mul_ps(th, th)));
		b = _mm256_mul_ps(b, s);
		b = _mm256_mul_ps(b, _mm256_add_ps(one, _mm256_mul_ps(_mm256_mul_ps(k3, x), x)));
		__m256 d = _mm256_add_ps(a, b);
		__m256 acc = set ? _mm256_setzero_ps() : _mm256_loadu_ps(dinp + i);
		_mm256_storeu_ps(dinp + i, _mm256_add_ps(acc, _mm256_mul_ps(d, _mm256_loadu_ps(dout + i))));
	}
}
*/
import "C"

import "unsafe"

// fusedGelu reports whether geluForward8 and geluBackward8 can run here.
var fusedGelu = C.gelu_has_avx2() != 0

// geluConsts are the float32 constants of the Go loops, in the order the C
// code reads them: geluS, the tanh clamp, tp0..tp6, tq0..tq3, 3*0.044715.
var geluConsts = [14]float32{geluS, tanhClamp, tp0, tp1, tp2, tp3, tp4, tp5, tp6, tq0, tq1, tq2, tq3, 3 * 0.044715}

// geluForward8 does the first len(out) &^ 7 elements of GeluForward and
// returns how many it did (0 without AVX2).
func geluForward8(out, inp []float32) int {
	n8 := len(out) &^ 7
	if !fusedGelu || n8 == 0 {
		return 0
	}
	_ = inp[n8-1]
	C.gelu_fwd((*C.float)(unsafe.Pointer(&out[0])), (*C.float)(unsafe.Pointer(&inp[0])), C.long(n8),
		(*C.float)(unsafe.Pointer(&geluConsts[0])))
	return n8
}

// geluBackward8 does the first len(dinp) &^ 7 elements of GeluBackward and
// returns how many it did (0 without AVX2).
func geluBackward8(dinp, inp, dout []float32) int { return geluBwd8(dinp, inp, dout, false) }

// geluBackwardInPlace8 does the first len(d) &^ 7 elements of
// GeluBackwardInPlace and returns how many it did (0 without AVX2).
func geluBackwardInPlace8(d, inp []float32) int { return geluBwd8(d, inp, d, true) }

func geluBwd8(dinp, inp, dout []float32, set bool) int {
	n8 := len(dinp) &^ 7
	if !fusedGelu || n8 == 0 {
		return 0
	}
	_, _ = inp[n8-1], dout[n8-1]
	var s C.int
	if set {
		s = 1
	}
	C.gelu_bwd((*C.float)(unsafe.Pointer(&dinp[0])), (*C.float)(unsafe.Pointer(&inp[0])),
		(*C.float)(unsafe.Pointer(&dout[0])), C.long(n8), (*C.float)(unsafe.Pointer(&geluConsts[0])), s)
	return n8
}
