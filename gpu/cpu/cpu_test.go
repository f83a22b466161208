package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/rlvrworld/rlvrworld/gpu/gputest"
	"github.com/rlvrworld/rlvrworld/internal/hugepage"
)

func TestConformance(t *testing.T) { gputest.Run(t, New()) }

func TestConformanceOneWorker(t *testing.T) {
	be := New()
	be.workers = 1
	gputest.Run(t, be)
}

func TestExpTanh(t *testing.T) {
	for x := float32(-90); x < 89; x += 0.01 {
		got, want := float64(Exp(x)), math.Exp(float64(x))
		if x > 88 {
			continue
		}
		if math.Abs(got-want) > 2e-7*want+2e-38 {
			t.Fatalf("Exp(%g) = %g, want %g", x, got, want)
		}
		if th := float64(Tanh(x / 8)); math.Abs(th-math.Tanh(float64(x/8))) > 6e-7 {
			t.Fatalf("Tanh(%g) = %g, want %g", x/8, th, math.Tanh(float64(x/8)))
		}
	}
}

func TestLog(t *testing.T) {
	for _, x := range []float32{1, 2, 0.5, 1.4142135, 1.4142137, 1e-30, 1e-38, 1e-40, 3e38, 0.999999, 1.000001} {
		if got, want := float64(Log(x)), math.Log(float64(x)); math.Abs(got-want) > 3e-7*math.Max(1, math.Abs(want)) {
			t.Fatalf("Log(%g) = %g, want %g", x, got, want)
		}
	}
	for x := float32(1e-7); x < 1e3; x *= 1.0007 {
		if got, want := float64(Log(x)), math.Log(float64(x)); math.Abs(got-want) > 3e-7*math.Max(1, math.Abs(want)) {
			t.Fatalf("Log(%g) = %g, want %g", x, got, want)
		}
	}
	if !math.IsInf(float64(Log(0)), -1) || !math.IsNaN(float64(Log(-1))) {
		t.Fatal("Log(0) or Log(-1) wrong")
	}
}

// TestGemmSplitMatchesOneCall checks Gemm's split products (column blocks,
// as decoding's short products are split, and row blocks) against one
// unsplit call. The bits are equal on OpenBLAS's SkylakeX kernels (the Xeon
// of 2026-12-02) but not on its Haswell ones (the AMD EPYC of 2026-12-03,
// where a few percent of the elements differ in the last bits, for row
// blocks as well), so the test holds them to float32 rounding of a k-term
// dot product: |split - one| <= 4 k eps sum_p |a_ip b_jp|.
func TestGemmSplitMatchesOneCall(t *testing.T) {
	be := New()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range [][3]int{{64, 768, 256}, {64, 512, 256}, {37, 300, 256}, {2048, 768, 256}} {
		m, n, k := s[0], s[1], s[2]
		a, b := make([]float32, m*k), make([]float32, n*k)
		for i := range a {
			a[i] = float32(rng.NormFloat64())
		}
		for i := range b {
			b[i] = float32(rng.NormFloat64())
		}
		split, one := make([]float32, m*n), make([]float32, m*n)
		be.Gemm(false, true, m, n, k, 1, a, k, b, k, 0, split, n)
		sgemm(false, true, m, n, k, 1, a, k, b, k, 0, one, n)
		const eps = 0x1p-24
		for i := range one {
			if split[i] == one[i] {
				continue // the bound below costs k products; most elements are equal
			}
			r, c := i/n, i%n
			var mag float64
			for p := 0; p < k; p++ {
				mag += math.Abs(float64(a[r*k+p]) * float64(b[c*k+p]))
			}
			if d := math.Abs(float64(split[i] - one[i])); d > 4*float64(k)*eps*mag {
				t.Fatalf("%v: element %d is %g split, %g in one call (bound %g)", s, i, split[i], one[i], 4*float64(k)*eps*mag)
			}
		}
	}
}

// TestKVCacheAllocsOnHugePages checks that the reduced-precision KV cache
// buffers come from hugepage.Make: a buffer spanning huge pages starts on
// a huge page boundary (plain make promises only 8 KiB alignment).
func TestKVCacheAllocsOnHugePages(t *testing.T) {
	be := New()
	i8, f16 := be.AllocInt8(3*hugepage.Size), be.AllocHalf(3*hugepage.Size/2)
	for name, p := range map[string]unsafe.Pointer{"AllocInt8": unsafe.Pointer(&i8[0]), "AllocHalf": unsafe.Pointer(&f16[0])} {
		if uintptr(p)%hugepage.Size != 0 {
			t.Errorf("%s: buffer at %p, not on a huge page boundary", name, p)
		}
	}
	if len(i8) != 3*hugepage.Size || len(f16) != 3*hugepage.Size/2 {
		t.Fatalf("lengths %d and %d", len(i8), len(f16))
	}
}
