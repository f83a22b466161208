package cmp

import (
	std "cmp"
	"math"
	"testing"
)

func TestMatchesStandardLibrary(t *testing.T) {
	vals := []float64{math.NaN(), math.Inf(-1), -1, 0, math.Copysign(0, -1), 2, math.Inf(1)}
	for _, a := range vals {
		for _, b := range vals {
			if Compare(a, b) != std.Compare(a, b) || Less(a, b) != std.Less(a, b) {
				t.Fatalf("%v vs %v: Compare %d/%d Less %v/%v", a, b, Compare(a, b), std.Compare(a, b), Less(a, b), std.Less(a, b))
			}
		}
	}
	if Or(0, 0, 3, 4) != std.Or(0, 0, 3, 4) || Or("", "x") != std.Or("", "x") {
		t.Fatal("Or differs")
	}
}
