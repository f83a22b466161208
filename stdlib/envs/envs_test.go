package envs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
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

// DrawSplit keeps what draw keeps, numbers the kept examples in its IDs,
// draws from SplitRand's stream, and fails clearly: an unknown split, a
// negative count, a split too small for n (MaxDraws), a cancelled context.
func TestDrawSplit(t *testing.T) {
	ctx := context.Background()
	var seen []uint64
	exs, err := DrawSplit(ctx, "toy", Val, 3, 7, 5, func(r *rand.Rand, id func() string) (*Example, error) {
		v := r.Uint64()
		seen = append(seen, v)
		if v%2 == 0 {
			return nil, nil
		}
		return &Example{ID: id()}, nil
	})
	if err != nil || len(exs) != 3 {
		t.Fatalf("%d examples, %v", len(exs), err)
	}
	for i, ex := range exs {
		if want := fmt.Sprintf("toy-val-7-%d", i); ex.ID != want {
			t.Errorf("ID %q, want %q", ex.ID, want)
		}
	}
	r, _ := SplitRand(Val, 7, 5)
	for i, v := range seen {
		if w := r.Uint64(); v != w {
			t.Fatalf("draw %d got %d from the stream, want SplitRand's %d", i, v, w)
		}
	}
	never := func(*rand.Rand, func() string) (*Example, error) { return nil, nil }
	if _, err := DrawSplit(ctx, "toy", Test, 2, 1, 0, never); err == nil || !strings.Contains(err.Error(), "toy: only 0 test transitions in 1200 draws") {
		t.Errorf("a split with nothing in it: %v", err)
	}
	if _, err := DrawSplit(ctx, "toy", "dev", 1, 1, 0, never); err == nil || !strings.HasPrefix(err.Error(), "toy: unknown split") {
		t.Errorf("unknown split: %v", err)
	}
	if _, err := DrawSplit(ctx, "toy", Train, -1, 1, 0, never); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("negative n: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := DrawSplit(cancelled, "toy", Train, 1, 1, 0, never); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	boom := errors.New("boom")
	if _, err := DrawSplit(ctx, "toy", Train, 1, 1, 0, func(*rand.Rand, func() string) (*Example, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("draw's error: %v", err)
	}
}
