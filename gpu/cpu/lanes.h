// transpose8, shared by the AVX2 kernels that keep one row per lane: a
// reduction along a row (a LayerNorm mean, a softmax sum, a dot product)
// must add its elements in index order to give the Go loop's bits, so a
// single row is a chain of dependent additions; with 8 rows in the 8
// lanes, one vector addition advances eight chains at once.
//
// transpose8 loads 8 columns from each of 8 rows (x, row stride c) and
// returns column k of them in r[k], lane i holding row i's value.

#ifndef RLVR_LANES_H
#define RLVR_LANES_H

#include <immintrin.h>

__attribute__((target("avx2"), always_inline))
static inline void transpose8(const float* x, long c, __m256 r[8]) {
	__m256 t[8], u[8];
	for (int k = 0; k < 8; k += 2) {
		__m256 a = _mm256_loadu_ps(x + k * c), b = _mm256_loadu_ps(x + (k + 1) * c);
		t[k] = _mm256_unpacklo_ps(a, b);
		t[k + 1] = _mm256_unpackhi_ps(a, b);
	}
	for (int k = 0; k < 8; k += 4) {
		u[k] = _mm256_shuffle_ps(t[k], t[k + 2], 0x44);
		u[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], 0xEE);
		u[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], 0x44);
		u[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], 0xEE);
	}
	for (int k = 0; k < 4; k++) {
		r[k] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x20);
		r[k + 4] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x31);
	}
}

#endif
