package train

import (
	"context"
	"errors"
	"math"
	"testing"
)

func TestSchedule(t *testing.T) {
	for _, text := range []string{"0.001", "0.0003", "0.0001", "0.001:0.0001"} {
		s, err := ParseSchedule(text)
		if err != nil {
			t.Fatal(err)
		}
		if s.String() != text {
			t.Errorf("%q round-trips to %q", text, s.String())
		}
	}
	for _, bad := range []string{"", "x", "-1e-3", "0", "1e-3:", "1e-3:0", "inf"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", bad)
		}
	}
	d, _ := ParseSchedule("1e-3:1e-4")
	if got := d.At(1, 100); math.Abs(float64(got-1e-3)) > 1e-9 {
		t.Errorf("decay starts at %g, want 1e-3", got)
	}
	if got := d.At(100, 100); math.Abs(float64(got-1e-4)) > 1e-9 {
		t.Errorf("decay ends at %g, want 1e-4", got)
	}
	if mid := d.At(50, 100); !(mid < 1e-3 && mid > 1e-4) {
		t.Errorf("decay midpoint %g outside (1e-4, 1e-3)", mid)
	}
	c, _ := ParseSchedule("3e-4")
	if c.At(1, 10) != c.At(10, 10) {
		t.Error("a constant schedule changed")
	}
	if g := ControlGrid(); len(g) != 4 || g[3].End != 1e-4 {
		t.Errorf("control grid %v", g)
	}
}

// TestConverge runs the early stopping on a scripted metric: it must keep
// the best step, stop after patience evaluations without a new best, and
// respect max.
func TestConverge(t *testing.T) {
	ctx := context.Background()
	// Metric by step: rises to step 30, then falls.
	metric := func(s int) float64 { return -math.Abs(float64(s - 30)) }
	run := func(max, patience int) (Converged, int, int) {
		pos, kept := 0, -1
		c, err := Converge(ctx, 10, max, patience,
			func(_ context.Context, n int) error { pos += n; return nil },
			func(context.Context) (float64, error) { return metric(pos), nil },
			func() { kept = pos })
		if err != nil {
			t.Fatal(err)
		}
		return c, pos, kept
	}
	c, ran, kept := run(1000, 2)
	if c.Best != 30 || kept != 30 || ran != 50 || c.Ran != 50 || len(c.Curve) != 6 {
		t.Errorf("best %d kept %d ran %d (%d) curve %v; want best 30, kept 30, ran 50", c.Best, kept, ran, c.Ran, c.Curve)
	}
	c, ran, _ = run(25, 2)
	if ran != 25 || c.Best != 25 {
		t.Errorf("max 25: ran %d best %d", ran, c.Best)
	}
	// A metric that only falls keeps the start.
	pos := 0
	c, _ = Converge(ctx, 5, 100, 1, func(_ context.Context, n int) error { pos += n; return nil },
		func(context.Context) (float64, error) { return -float64(pos), nil }, func() {})
	if c.Best != 0 || c.Ran != 5 {
		t.Errorf("falling metric: best %d ran %d, want 0 and 5", c.Best, c.Ran)
	}
	boom := errors.New("boom")
	if _, err := Converge(ctx, 5, 100, 1, func(context.Context, int) error { return boom },
		func(context.Context) (float64, error) { return 0, nil }, func() {}); !errors.Is(err, boom) {
		t.Errorf("step error lost: %v", err)
	}
	if _, err := Converge(ctx, 0, 100, 1, nil, nil, nil); err == nil {
		t.Error("every 0 accepted")
	}
}
