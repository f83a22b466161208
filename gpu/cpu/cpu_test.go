package cpu

import (
	"iter"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/rlvrworld/rlvrworld/gpu/gputest"
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

// TestParallelClaimedCoversOnce: the chunks the workers claim cover [0,n)
// exactly once, in ranges of the chunk size (the last may be shorter),
// however many workers there are.
func TestParallelClaimedCoversOnce(t *testing.T) {
	for _, workers := range []int{1, 2, 5} {
		be := &Backend{workers: workers}
		for _, n := range []int{0, 1, 7, 100} {
			for _, chunk := range []int{1, 3, 16} {
				seen := make([]int32, n)
				var mu sync.Mutex
				be.parallelClaimed(n, chunk, func(chunks iter.Seq2[int, int]) {
					for lo, hi := range chunks {
						if hi-lo != min(chunk, n-lo) {
							t.Errorf("workers %d n %d chunk %d: range [%d,%d)", workers, n, chunk, lo, hi)
						}
						mu.Lock()
						for i := lo; i < hi; i++ {
							seen[i]++
						}
						mu.Unlock()
					}
				})
				for i, c := range seen {
					if c != 1 {
						t.Fatalf("workers %d n %d chunk %d: index %d run %d times", workers, n, chunk, i, c)
					}
				}
			}
		}
	}
}

// randNorm is n normal float32 values of standard deviation s from rng,
// the tests' usual random inputs.
func randNorm(rng *rand.Rand, n int, s float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * s)
	}
	return x
}
