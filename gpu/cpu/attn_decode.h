// The fused decode attention, written once for the three cache element types
// and included three times by attn_avx2.go (the C template idiom). Before
// including, define ATTN_NAME (the function), ATTN_T (the cache element:
// float, unsigned short holding float16 bits, or signed char), ATTN_LOAD(p)
// (8 elements at p as a __m256), ATTN_TARGET (the target attribute the loads
// need), ATTN_SCALED (1 when each cached row has a scale, 0 otherwise) and
// ATTN_INT_SCORES (1 for integer scores, int8 keys only). ATTN_T and
// ATTN_LOAD describe the keys; a cache whose values differ (int8 keys with
// float16 values) also defines ATTN_VT and ATTN_VLOAD for the values and
// ATTN_VSCALED (0: the values carry no scale), which default to the keys'.
//
// ATTN_NAME(q, K, V, kscale, vscl, T, hs, scale, out, sc, nk, nkb):
// out[0:hs] = softmax(scale * K q) V for one query q[0:hs] over T cached rows
// of K and V (row stride hs, hs % 8 == 0); sc holds T floats of scratch. With
// ATTN_SCALED, row t of K stands for kscale[t] * K[t] and of V for
// vscl[t] * V[t]; otherwise neither is read. nk (nkb bytes; NULL and 0 for
// none) is the next call's keys, fetched during this call's value pass so
// that memory stays busy while the values are summed from cache.

#ifndef ATTN_VT
#define ATTN_VT ATTN_T
#define ATTN_VLOAD(p) ATTN_LOAD(p)
#define ATTN_VSCALED ATTN_SCALED
#define ATTN_V_DEFAULTED
#endif

// ACC_V adds sum_t w[t] * V[t][c0:c0+8*NV] into out, scaled by inv; NV is a
// compile-time constant at each use, and the loops over it are unrolled, so
// the accumulators stay in registers (left to itself, GCC kept the int8
// instance's in memory, a store-to-load chain that doubled the kernel's time).
#define ACC_V(NV) do { \
	__m256 o[NV]; \
	_Pragma("GCC unroll 8") \
	for (int i = 0; i < NV; i++) o[i] = _mm256_setzero_ps(); \
	for (int t = 0; t < T; t++) { \
		const ATTN_VT* v = V + (long)t * hs + c0; \
		__m256 p = _mm256_set1_ps(sc[t]); \
		for (int u = 0; u < pf; u++) { \
			long l = ((long)t * pf + u) * 64; \
			if (l < nkb) _mm_prefetch(nk + l, _MM_HINT_T0); \
		} \
		_Pragma("GCC unroll 8") \
		for (int i = 0; i < NV; i++) o[i] = _mm256_fmadd_ps(p, ATTN_VLOAD(v + 8 * i), o[i]); \
	} \
	_Pragma("GCC unroll 8") \
	for (int i = 0; i < NV; i++) _mm256_storeu_ps(out + c0 + 8 * i, _mm256_mul_ps(o[i], inv)); \
} while (0)

ATTN_TARGET
static void ATTN_NAME(const float* q, const ATTN_T* K, const ATTN_VT* V, const float* kscale, const float* vscl,
		int T, int hs, float scale, float* out, float* sc, const char* nk, long nkb) {
	int nv = hs / 8;
	float mx = -INFINITY;
	int t = 0;
	// Four keys at a time: four independent dot products keep the FMA
	// units busy, and one pair of horizontal adds reduces all four (one key
	// at a time, the reduction's latency bounded the loop, even on data
	// already in cache).
	__m128 vmx = _mm_set1_ps(-INFINITY), vscale = _mm_set1_ps(scale);
#if ATTN_INT_SCORES
	// Integer scores (gpu.Int8KV allows it): q rounded to 16 bits against a
	// scale of its own, then 16 products per multiply-add (vpmaddwd) with
	// the sign-extended keys, exact in int32 (|sum| <= hs*32767*127 < 2^31
	// for hs <= 512). Half the float path's work per key.
	short q16[512];
	int use_int = hs % 16 == 0 && hs <= 512;
	float qs = 0;
	if (use_int) {
		const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
		__m256 m = _mm256_setzero_ps();
		for (int i = 0; i < hs; i += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(q + i), absmask));
		__m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
		m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
		m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
		qs = _mm_cvtss_f32(m4) / 32767;
		__m256 d = _mm256_set1_ps(qs > 0 ? qs : 1);
		for (int i = 0; i < hs; i += 16) {
			__m256i lo = _mm256_cvtps_epi32(_mm256_div_ps(_mm256_loadu_ps(q + i), d));
			__m256i hi = _mm256_cvtps_epi32(_mm256_div_ps(_mm256_loadu_ps(q + i + 8), d));
			// packs works within 128-bit lanes; the permute restores order.
			_mm256_storeu_si256((__m256i*)(q16 + i), _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xd8));
		}
		vscale = _mm_set1_ps(scale * qs);
	}
	if (use_int) for (; t + 4 <= T; t += 4) {
		const ATTN_T* k0 = K + (long)t * hs;
		__m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
		for (int i = 0; i < hs; i += 16) {
			__m256i qi = _mm256_loadu_si256((const __m256i*)(q16 + i));
#define KEY16(r) _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(k0 + (r) * hs + i)))
			a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(qi, KEY16(0)));
			a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(qi, KEY16(1)));
			a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(qi, KEY16(2)));
			a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(qi, KEY16(3)));
#undef KEY16
		}
		__m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
		__m128i s4i = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
		__m128 s4 = _mm_mul_ps(_mm_mul_ps(_mm_cvtepi32_ps(s4i), vscale), _mm_loadu_ps(kscale + t));
		_mm_storeu_ps(sc + t, s4);
		vmx = _mm_max_ps(vmx, s4);
		const char* vp = (const char*)(V + (long)t * hs);
		for (long l = 0; l < 4 * hs * (long)sizeof(ATTN_VT); l += 64) _mm_prefetch(vp + l, _MM_HINT_T0);
	}
	if (use_int) for (; t < T; t++) { // the last T % 4 keys, the same way
		const ATTN_T* k = K + (long)t * hs;
		int dot = 0;
		for (int i = 0; i < hs; i++) dot += q16[i] * k[i];
		float v = (float)dot * (scale * qs) * kscale[t];
		sc[t] = v;
		vmx = _mm_max_ss(vmx, _mm_set_ss(v));
	}
#endif
	for (; t + 4 <= T; t += 4) {
		const ATTN_T* k0 = K + (long)t * hs;
		__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
		for (int i = 0; i < nv; i++) {
			__m256 qi = _mm256_loadu_ps(q + 8 * i);
			a0 = _mm256_fmadd_ps(qi, ATTN_LOAD(k0 + 8 * i), a0);
			a1 = _mm256_fmadd_ps(qi, ATTN_LOAD(k0 + hs + 8 * i), a1);
			a2 = _mm256_fmadd_ps(qi, ATTN_LOAD(k0 + 2 * hs + 8 * i), a2);
			a3 = _mm256_fmadd_ps(qi, ATTN_LOAD(k0 + 3 * hs + 8 * i), a3);
		}
		// hadd(hadd(a0, a1), hadd(a2, a3)) holds each key's low-half sum
		// in the low 128 bits and its high-half sum in the high 128 bits.
		__m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
		__m128 s4 = _mm_mul_ps(_mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)), vscale);
#if ATTN_SCALED
		s4 = _mm_mul_ps(s4, _mm_loadu_ps(kscale + t));
#endif
		_mm_storeu_ps(sc + t, s4);
		vmx = _mm_max_ps(vmx, s4);
		// Fetch these keys' values now, so that the second pass finds them
		// in cache: two streams in flight per core instead of one.
		const char* vp = (const char*)(V + (long)t * hs);
		for (long l = 0; l < 4 * hs * (long)sizeof(ATTN_VT); l += 64) _mm_prefetch(vp + l, _MM_HINT_T0);
	}
	vmx = _mm_max_ps(vmx, _mm_movehl_ps(vmx, vmx));
	vmx = _mm_max_ss(vmx, _mm_movehdup_ps(vmx));
	mx = _mm_cvtss_f32(vmx);
	for (; t < T; t++) {
		const ATTN_T* k = K + (long)t * hs;
		__m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
		int i = 0;
		for (; i + 1 < nv; i += 2) {
			a = _mm256_fmadd_ps(_mm256_loadu_ps(q + 8 * i), ATTN_LOAD(k + 8 * i), a);
			b = _mm256_fmadd_ps(_mm256_loadu_ps(q + 8 * i + 8), ATTN_LOAD(k + 8 * i + 8), b);
		}
		if (i < nv) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + 8 * i), ATTN_LOAD(k + 8 * i), a);
		a = _mm256_add_ps(a, b);
		__m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
		s = _mm_add_ps(s, _mm_movehl_ps(s, s));
		s = _mm_add_ss(s, _mm_movehdup_ps(s));
		float v = _mm_cvtss_f32(s) * scale;
#if ATTN_SCALED
		v *= kscale[t];
#endif
		sc[t] = v;
		mx = v > mx ? v : mx;
	}
	__m256 vm = _mm256_set1_ps(mx), vs = _mm256_setzero_ps();
	t = 0;
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
#if ATTN_VSCALED
	// The values' scales go into the weights, after the normaliser.
	t = 0;
	for (; t + 8 <= T; t += 8) _mm256_storeu_ps(sc + t, _mm256_mul_ps(_mm256_loadu_ps(sc + t), _mm256_loadu_ps(vscl + t)));
	for (; t < T; t++) sc[t] *= vscl[t];
#endif
	int pf = nkb > 0 ? (int)((nkb / 64 + T - 1) / T) : 0; // lines of nk per value row
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

#undef ACC_V
#ifdef ATTN_V_DEFAULTED
#undef ATTN_VT
#undef ATTN_VLOAD
#undef ATTN_VSCALED
#undef ATTN_V_DEFAULTED
#endif
