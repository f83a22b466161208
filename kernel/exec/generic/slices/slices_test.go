package slices

import (
	"math"
	"math/rand"
	std "slices"
	"testing"
)

// The kernel's slices agree with the standard library's on random input,
// NaNs included.
func TestMatchesStandardLibrary(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for trial := 0; trial < 200; trial++ {
		n := r.Intn(40)
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = float64(r.Intn(10))
			if r.Intn(15) == 0 {
				xs[i] = math.NaN()
			}
		}
		a, b := Clone(xs), std.Clone(xs)
		Sort(a)
		std.Sort(b)
		if !equalNaN(a, b) {
			t.Fatalf("Sort(%v) = %v, std %v", xs, a, b)
		}
		if n > 0 {
			if m, s := Max(xs), std.Max(xs); !(m == s || m != m && s != s) {
				t.Fatalf("Max(%v) = %v, std %v", xs, m, s)
			}
			if m, s := Min(xs), std.Min(xs); !(m == s || m != m && s != s) {
				t.Fatalf("Min(%v) = %v, std %v", xs, m, s)
			}
		}
		v := float64(r.Intn(10))
		if i, j := Index(xs, v), std.Index(xs, v); i != j {
			t.Fatalf("Index = %d, std %d", i, j)
		}
		p1, f1 := BinarySearch(b, v)
		p2, f2 := std.BinarySearch(b, v)
		if p1 != p2 || f1 != f2 {
			t.Fatalf("BinarySearch(%v, %v) = %d %v, std %d %v", b, v, p1, f1, p2, f2)
		}
		ints := make([]int, n)
		for i := range ints {
			ints[i] = r.Intn(5)
		}
		c1, c2 := Compact(Clone(ints)), std.Compact(std.Clone(ints))
		if !std.Equal(c1, c2) {
			t.Fatalf("Compact(%v) = %v, std %v", ints, c1, c2)
		}
		type kv struct{ k, v int }
		kvs := make([]kv, n)
		for i := range kvs {
			kvs[i] = kv{r.Intn(4), i}
		}
		s1, s2 := Clone(kvs), std.Clone(kvs)
		SortStableFunc(s1, func(a, b kv) int { return a.k - b.k })
		std.SortStableFunc(s2, func(a, b kv) int { return a.k - b.k })
		if !std.Equal(s1, s2) {
			t.Fatalf("SortStableFunc differs: %v vs %v", s1, s2)
		}
		if IsSorted(ints) != std.IsSorted(ints) {
			t.Fatalf("IsSorted(%v)", ints)
		}
		if n >= 2 {
			i := r.Intn(n)
			j := i + r.Intn(n-i)
			d1, d2 := Delete(Clone(ints), i, j), std.Delete(std.Clone(ints), i, j)
			if !std.Equal(d1, d2) {
				t.Fatalf("Delete(%v, %d, %d) = %v, std %v", ints, i, j, d1, d2)
			}
			in1, in2 := Insert(Clone(ints), i, 7, 8), std.Insert(std.Clone(ints), i, 7, 8)
			if !std.Equal(in1, in2) {
				t.Fatalf("Insert differs: %v vs %v", in1, in2)
			}
		}
	}
}

func equalNaN(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(a[i] != a[i] && b[i] != b[i]) {
			return false
		}
	}
	return true
}

// The iterators yield what the standard library's do, and stop when told.
func TestIteratorsMatchStandardLibrary(t *testing.T) {
	s := []string{"a", "b", "c", "d"}
	type iv struct {
		i int
		v string
	}
	pairs := func(seq func(func(int, string) bool), stopAt int) (out []iv) {
		seq(func(i int, v string) bool { out = append(out, iv{i, v}); return len(out) < stopAt })
		return out
	}
	for _, stop := range []int{2, 10} {
		if got, want := pairs(All(s), stop), pairs(func(y func(int, string) bool) { std.All(s)(y) }, stop); !std.Equal(got, want) {
			t.Errorf("All (stop at %d): %v, want %v", stop, got, want)
		}
		if got, want := pairs(Backward(s), stop), pairs(func(y func(int, string) bool) { std.Backward(s)(y) }, stop); !std.Equal(got, want) {
			t.Errorf("Backward (stop at %d): %v, want %v", stop, got, want)
		}
	}
	if got := Collect(Values(s)); !std.Equal(got, std.Collect(std.Values(s))) {
		t.Errorf("Values: %v", got)
	}
}
