package envs

import (
	"fmt"
	"testing"
)

// TestKeySplit checks that a key's split depends on the key alone and that
// the shares come out near 80/10/10.
func TestKeySplit(t *testing.T) {
	count := map[Split]int{}
	const n = 20000
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("state %d action %d", i%997, i)
		s := KeySplit(k)
		if KeySplit(k) != s {
			t.Fatalf("key %q changed split", k)
		}
		count[s]++
		for _, sp := range []Split{Train, Val, Test} {
			if InSplit(sp, k) != (sp == s) {
				t.Fatalf("InSplit(%s, %q) disagrees with KeySplit %s", sp, k, s)
			}
		}
		if !InSplit(Heldout, k) {
			t.Fatalf("Heldout refused %q", k)
		}
	}
	for s, want := range map[Split]float64{Train: 0.8, Val: 0.1, Test: 0.1} {
		if got := float64(count[s]) / n; got < want-0.015 || got > want+0.015 {
			t.Errorf("%s share %.3f, want %.2f", s, got, want)
		}
	}
}
