package cpu

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/x448/float16"

	"github.com/rlvrworld/rlvrworld/gpu/gputest"
)

// TestAttentionKVDecode decodes whole sequences one token per row and step,
// for head sizes the fused kernel takes (multiples of 8, below, at and
// above 64) and one it leaves to the matrix-vector path, and holds every
// output to float64 full causal attention. At input scale 3 the logits
// spread over tens of units, so float32 rounding of the scores is amplified
// by the softmax and the bound is looser. The float16 cache is held to the
// same bound against attention over keys and values rounded to float16.
func TestAttentionKVDecode(t *testing.T) {
	be := New()
	rng := rand.New(rand.NewSource(7))
	for _, half := range []bool{false, true} {
		for _, c := range []struct{ C, NH, T int }{{128, 2, 40}, {72, 3, 17}, {144, 1, 9}, {8, 1, 33}, {12, 3, 10}} {
			for _, scale := range []float64{1, 3} {
				t.Run(fmt.Sprintf("half%v_hs%d_T%d_x%g", half, c.C/c.NH, c.T, scale), func(t *testing.T) {
					testDecode(t, be, rng, half, c.C, c.NH, c.T, scale)
				})
			}
		}
	}
}

func testDecode(t *testing.T, be *Backend, rng *rand.Rand, half bool, C, NH, T int, scale float64) {
	R := 3
	qkv := make([]float32, R*T*3*C)
	qkv64 := make([]float64, len(qkv))
	for i := range qkv {
		qkv[i] = float32(rng.NormFloat64() * scale)
		qkv64[i] = float64(qkv[i])
		if half && i%(3*C) >= C {
			qkv64[i] = float64(float16.Fromfloat32(qkv[i]).Float32())
		}
	}
	want, _ := gputest.Attention(qkv64, R, T, C, NH)
	kc, vc := make([]float32, R*T*C), make([]float32, R*T*C)
	kh, vh := be.AllocHalf(R*T*C), be.AllocHalf(R*T*C)
	in, out := make([]float32, R*3*C), make([]float32, R*C)
	rows, pos := make([]int32, R), make([]int32, R)
	for p := 0; p < T; p++ {
		for r := 0; r < R; r++ {
			rows[r], pos[r] = int32(r), int32(p)
			copy(in[r*3*C:(r+1)*3*C], qkv[(r*T+p)*3*C:(r*T+p+1)*3*C])
		}
		if half {
			be.AttentionKVHalf(out, in, kh, vh, rows, pos, R, C, NH, T)
		} else {
			be.AttentionKV(out, in, kc, vc, rows, pos, R, C, NH, T)
		}
		for r := 0; r < R; r++ {
			s := r*T + p
			gputest.Close(t, fmt.Sprintf("row %d pos %d", r, p), out[r*C:(r+1)*C], want[s*C:(s+1)*C], 1e-5*scale*scale, 1e-4)
		}
	}
}

// TestAttnDecodeTaken: where the machine has AVX2 and FMA, decoding with a
// head size that is a multiple of 8 goes through the fused kernel.
func TestAttnDecodeTaken(t *testing.T) {
	q, k, v := make([]float32, 64), make([]float32, 3*64), make([]float32, 3*64)
	out, sc := make([]float32, 64), make([]float32, 3)
	if got := attnDecode(q, k, v, 3, 64, 1, out, sc, nil); got != fusedDecode {
		t.Fatalf("attnDecode(hs=64) ran = %v, want %v (fusedDecode)", got, fusedDecode)
	}
	if attnDecode(q[:12], k[:36], v[:36], 3, 12, 1, out, sc, nil) {
		t.Fatal("attnDecode took hs=12, which is not a multiple of 8")
	}
	kh, vh := make([]uint16, 3*64), make([]uint16, 3*64)
	if got := attnDecodeHalf(q, kh, vh, 3, 64, 1, out, sc, nil); got != fusedHalf {
		t.Fatalf("attnDecodeHalf(hs=64) ran = %v, want %v (fusedHalf)", got, fusedHalf)
	}
	k8, ks := make([]int8, 3*64), make([]float32, 3)
	if got := attnDecodeK8V16(q, k8, vh, ks, 3, 64, 1, out, sc, nil); got != fusedHalf {
		t.Fatalf("attnDecodeK8V16(hs=64) ran = %v, want %v (fusedHalf)", got, fusedHalf)
	}
	t.Logf("backend %s, fused decode attention: %v, over float16: %v", New().Name(), fusedDecode, fusedHalf)
}

// TestAttnDecodeUnderflow: scores 100 apart leave one key with all the
// weight; the others' exp underflows to exactly 0, in the vector lanes and
// in the tail past the last multiple of 8.
func TestAttnDecodeUnderflow(t *testing.T) {
	const T, hs = 11, 16
	q, k, v := make([]float32, hs), make([]float32, T*hs), make([]float32, T*hs)
	q[0] = 1
	for i := 0; i < T; i++ {
		k[i*hs] = float32(-100 * i)
		for j := 0; j < hs; j++ {
			v[i*hs+j] = float32(i*hs + j)
		}
	}
	if !fusedDecode {
		t.Skip("this build or CPU has no fused decode kernel (purego, or no AVX2/FMA)")
	}
	for _, best := range []int{0, 9} { // in the vector part, in the tail
		k[best*hs] = 500
		out, sc := make([]float32, hs), make([]float32, T)
		if !attnDecode(q, k, v, T, hs, 1, out, sc, nil) {
			t.Fatal("attnDecode declined hs=16")
		}
		for j := 0; j < hs; j++ {
			if out[j] != v[best*hs+j] {
				t.Fatalf("best key %d: out[%d] = %g, want %g", best, j, out[j], v[best*hs+j])
			}
		}
		k[best*hs] = float32(-100 * best)
	}
}

// TestHalfConversions holds the F16C conversions to x448/float16's IEEE
// ones: widening every one of the 65,536 bit patterns, and rounding floats
// around every interesting range (ties to even, subnormals, overflow to
// infinity) as the cache writes do.
func TestHalfConversions(t *testing.T) {
	if !fusedHalf {
		t.Skip("no F16C kernels in this build or on this CPU; the portable path is x448/float16 itself")
	}
	src := make([]uint16, 1<<16)
	for i := range src {
		src[i] = uint16(i)
	}
	dst := make([]float32, len(src))
	if !widenHalf(dst, src) {
		t.Fatal("widenHalf declined")
	}
	for i, u := range src {
		want := float16.Frombits(u).Float32()
		if math.Float32bits(dst[i]) != math.Float32bits(want) && !(want != want && dst[i] != dst[i]) {
			t.Fatalf("widen %#04x = %g, want %g", u, dst[i], want)
		}
	}
	rng := rand.New(rand.NewSource(3))
	const hs, NH = 16, 2
	k, v := make([]float32, NH*hs), make([]float32, NH*hs)
	kc, vc := make([]uint16, NH*hs), make([]uint16, NH*hs)
	for trial := 0; trial < 2000; trial++ {
		for i := range k {
			e := rng.Intn(40) - 28 // 2^-28 .. 2^11: subnormal halves up to the overflow range
			k[i] = float32(rng.NormFloat64()) * float32(math.Ldexp(1, e))
			v[i] = float32(float16.Frombits(uint16(rng.Intn(1<<15))).Float32()) * (1 + 1.0/2048) // ties
		}
		k[0], k[1] = 65520, -1e9 // rounds to infinity
		if !storeHalf(k, kc, NH, hs, hs) || !storeHalf(v, vc, NH, hs, hs) {
			t.Fatal("storeHalf declined")
		}
		for i := range k {
			if w := float16.Fromfloat32(k[i]).Bits(); kc[i] != w {
				t.Fatalf("round %g = %#04x, want %#04x", k[i], kc[i], w)
			}
			if w := float16.Fromfloat32(v[i]).Bits(); vc[i] != w {
				t.Fatalf("round %g = %#04x, want %#04x", v[i], vc[i], w)
			}
		}
	}
}
