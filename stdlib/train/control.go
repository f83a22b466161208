package train

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Schedule is the LR schedule of continued training: constant at LR, or,
// with End > 0, decaying along a cosine from LR to End over the run's steps.
// Its text form is "1e-3" (constant) or "1e-3:1e-4" (decay), as flags and
// result files write it.
type Schedule struct {
	LR, End float32
}

// ParseSchedule reads a schedule's text form.
func ParseSchedule(text string) (Schedule, error) {
	parse := func(s string) (float32, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 32)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("train: schedule %q: %q is not a positive learning rate", text, s)
		}
		return float32(v), nil
	}
	from, to, decay := strings.Cut(text, ":")
	lr, err := parse(from)
	if err != nil {
		return Schedule{}, err
	}
	s := Schedule{LR: lr}
	if decay {
		if s.End, err = parse(to); err != nil {
			return Schedule{}, err
		}
	}
	return s, nil
}

// String is the schedule's text form.
func (s Schedule) String() string {
	f := func(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) }
	if s.End > 0 {
		return f(s.LR) + ":" + f(s.End)
	}
	return f(s.LR)
}

// At is the LR of optimizer step (1-based) of a run of steps steps.
func (s Schedule) At(step, steps int) float32 {
	if s.End <= 0 || steps <= 1 {
		return s.LR
	}
	p := math.Min(float64(step-1)/float64(steps-1), 1)
	return s.End + (s.LR-s.End)*float32(0.5*(1+math.Cos(math.Pi*p)))
}

// ControlGrid is the grid from which the MLE-continued control's schedule
// is chosen on validation data: the start model's constant 1e-3, two lower
// constants and a decay to 1e-4. Choosing it with the same rule as RLVR's
// settings (best validation metric) keeps the comparison fair.
func ControlGrid() []Schedule {
	return []Schedule{{LR: 1e-3}, {LR: 3e-4}, {LR: 1e-4}, {LR: 1e-3, End: 1e-4}}
}

// Converged is what Converge found.
type Converged struct {
	// Best is the step of the best evaluation, Metric its value; Ran is
	// how many steps ran.
	Best, Ran int
	Metric    float64
	// Curve holds every evaluation as (step, metric).
	Curve [][2]float64
}

// Converge runs training to convergence by early stopping on a validation
// metric where higher is better (an accuracy or F1, not a loss): it calls
// step for every steps at a time, up to max steps, then eval; keep is
// called after each new best so the caller can snapshot the model; it stops
// after patience evaluations without a new best. The step-0 evaluation
// counts, so a model that only gets worse keeps its start.
func Converge(ctx context.Context, every, max, patience int,
	step func(ctx context.Context, n int) error,
	eval func(ctx context.Context) (float64, error),
	keep func()) (Converged, error) {
	if every <= 0 || max < 0 || patience <= 0 {
		return Converged{}, fmt.Errorf("train: converge every %d, max %d, patience %d: want every and patience > 0", every, max, patience)
	}
	var c Converged
	bad := 0 // evaluations since the best
	observe := func() error {
		v, err := eval(ctx)
		if err != nil {
			return err
		}
		c.Curve = append(c.Curve, [2]float64{float64(c.Ran), v})
		if len(c.Curve) == 1 || v > c.Metric {
			c.Best, c.Metric, bad = c.Ran, v, 0
			keep()
		} else {
			bad++
		}
		return nil
	}
	if err := observe(); err != nil {
		return c, err
	}
	for c.Ran < max && bad < patience {
		n := min(every, max-c.Ran)
		if err := step(ctx, n); err != nil {
			return c, err
		}
		c.Ran += n
		if err := observe(); err != nil {
			return c, err
		}
	}
	return c, nil
}
