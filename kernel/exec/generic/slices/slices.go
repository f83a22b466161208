// Package slices is the part of the standard library's slices package that
// cells can use (see the cmp package here for how). Sorting is a heapsort
// (Sort, SortFunc) and a merge sort (SortStableFunc), interpreted: about
// a second for a million elements.
package slices

import "cmp"

// Contains reports whether v is present in s.
func Contains[S ~[]E, E comparable](s S, v E) bool {
	return Index[S, E](s, v) >= 0
}

// ContainsFunc reports whether at least one element e of s satisfies f(e).
func ContainsFunc[S ~[]E, E any](s S, f func(E) bool) bool {
	return IndexFunc[S, E](s, f) >= 0
}

// Index returns the index of the first occurrence of v in s, or -1.
func Index[S ~[]E, E comparable](s S, v E) int {
	for i := range s {
		if v == s[i] {
			return i
		}
	}
	return -1
}

// IndexFunc returns the first index i satisfying f(s[i]), or -1.
func IndexFunc[S ~[]E, E any](s S, f func(E) bool) int {
	for i := range s {
		if f(s[i]) {
			return i
		}
	}
	return -1
}

// Equal reports whether two slices have the same length and elements.
func Equal[S ~[]E, E comparable](s1, s2 S) bool {
	if len(s1) != len(s2) {
		return false
	}
	for i := range s1 {
		if s1[i] != s2[i] {
			return false
		}
	}
	return true
}

// Reverse reverses the elements of s in place.
func Reverse[S ~[]E, E any](s S) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// Clone returns a copy of s (nil for nil).
func Clone[S ~[]E, E any](s S) S {
	if s == nil {
		return nil
	}
	r := make(S, len(s))
	copy(r, s)
	return r
}

// Compact replaces runs of equal elements by one copy.
func Compact[S ~[]E, E comparable](s S) S {
	if len(s) < 2 {
		return s
	}
	k := 1
	for i := 1; i < len(s); i++ {
		if s[i] != s[k-1] {
			s[k] = s[i]
			k++
		}
	}
	var zero E
	for i := k; i < len(s); i++ {
		s[i] = zero
	}
	return s[:k]
}

// Insert inserts vs at index i and returns the result.
func Insert[S ~[]E, E any](s S, i int, vs ...E) S {
	if i < 0 || i > len(s) {
		panic("slices.Insert: index out of range")
	}
	r := make(S, 0, len(s)+len(vs))
	r = append(r, s[:i]...)
	r = append(r, vs...)
	return append(r, s[i:]...)
}

// Delete removes s[i:j] and returns the result; the tail is zeroed.
func Delete[S ~[]E, E any](s S, i, j int) S {
	if i < 0 || j > len(s) || i > j {
		panic("slices.Delete: index out of range")
	}
	n := copy(s[i:], s[j:])
	var zero E
	for k := i + n; k < len(s); k++ {
		s[k] = zero
	}
	return s[:i+n]
}

// Max returns the maximal value in x; it panics if x is empty. A NaN
// makes the result NaN.
func Max[S ~[]E, E cmp.Ordered](x S) E {
	if len(x) < 1 {
		panic("slices.Max: empty list")
	}
	m := x[0]
	for i := 1; i < len(x); i++ {
		if x[i] != x[i] {
			return x[i]
		}
		if x[i] > m {
			m = x[i]
		}
	}
	return m
}

// Min returns the minimal value in x; it panics if x is empty. A NaN
// makes the result NaN.
func Min[S ~[]E, E cmp.Ordered](x S) E {
	if len(x) < 1 {
		panic("slices.Min: empty list")
	}
	m := x[0]
	for i := 1; i < len(x); i++ {
		if x[i] != x[i] {
			return x[i]
		}
		if x[i] < m {
			m = x[i]
		}
	}
	return m
}

// IsSorted reports whether x is sorted in ascending order.
func IsSorted[S ~[]E, E cmp.Ordered](x S) bool {
	for i := len(x) - 1; i > 0; i-- {
		if cmp.Less[E](x[i], x[i-1]) {
			return false
		}
	}
	return true
}

// BinarySearch searches for target in the sorted slice x and returns the
// position where it is or would be, and whether it is there.
func BinarySearch[S ~[]E, E cmp.Ordered](x S, target E) (int, bool) {
	lo, hi := 0, len(x)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if cmp.Less[E](x[h], target) {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo, lo < len(x) && (x[lo] == target || (x[lo] != x[lo] && target != target))
}

// Sort sorts x in ascending order (NaNs first).
func Sort[S ~[]E, E cmp.Ordered](x S) {
	SortFunc[S, E](x, func(a, b E) int { return cmp.Compare[E](a, b) })
}

// SortFunc sorts x in ascending order as determined by c (a heapsort, not
// stable).
func SortFunc[S ~[]E, E any](x S, c func(a, b E) int) {
	n := len(x)
	for i := n/2 - 1; i >= 0; i-- {
		siftDown[S, E](x, c, i, n)
	}
	for end := n - 1; end > 0; end-- {
		x[0], x[end] = x[end], x[0]
		siftDown[S, E](x, c, 0, end)
	}
}

func siftDown[S ~[]E, E any](x S, c func(a, b E) int, root, n int) {
	for {
		child := 2*root + 1
		if child >= n {
			return
		}
		if child+1 < n && c(x[child], x[child+1]) < 0 {
			child++
		}
		if c(x[root], x[child]) >= 0 {
			return
		}
		x[root], x[child] = x[child], x[root]
		root = child
	}
}

// SortStableFunc sorts x as determined by c, keeping equal elements in
// their original order (a merge sort).
func SortStableFunc[S ~[]E, E any](x S, c func(a, b E) int) {
	buf := make(S, len(x))
	for width := 1; width < len(x); width *= 2 {
		for lo := 0; lo < len(x); lo += 2 * width {
			mid, hi := lo+width, lo+2*width
			if mid > len(x) {
				mid = len(x)
			}
			if hi > len(x) {
				hi = len(x)
			}
			i, j, k := lo, mid, lo
			for i < mid && j < hi {
				if c(x[j], x[i]) < 0 {
					buf[k] = x[j]
					j++
				} else {
					buf[k] = x[i]
					i++
				}
				k++
			}
			k += copy(buf[k:], x[i:mid])
			copy(buf[k:], x[j:hi])
		}
		copy(x, buf)
	}
}

// Collect collects the values of seq into a new slice.
func Collect[E any](seq func(yield func(E) bool)) []E {
	var r []E
	seq(func(v E) bool {
		r = append(r, v)
		return true
	})
	return r
}

// Sorted collects the values of seq into a new slice and sorts it.
func Sorted[E cmp.Ordered](seq func(yield func(E) bool)) []E {
	r := Collect[E](seq)
	Sort[[]E, E](r)
	return r
}

// All returns an iterator over the index-value pairs of s, in order.
func All[S ~[]E, E any](s S) func(yield func(int, E) bool) {
	return func(yield func(int, E) bool) {
		for i, v := range s {
			if !yield(i, v) {
				return
			}
		}
	}
}

// Values returns an iterator over the elements of s, in order.
func Values[S ~[]E, E any](s S) func(yield func(E) bool) {
	return func(yield func(E) bool) {
		for _, v := range s {
			if !yield(v) {
				return
			}
		}
	}
}

// Backward returns an iterator over the index-value pairs of s, from the
// last element to the first.
func Backward[S ~[]E, E any](s S) func(yield func(int, E) bool) {
	return func(yield func(int, E) bool) {
		for i := len(s) - 1; i >= 0; i-- {
			if !yield(i, s[i]) {
				return
			}
		}
	}
}
