package exp

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// RunSeeds runs cfg once per seed (cfg.Seed is ignored), at most jobs at a
// time (jobs <= 0: one), and returns the results in the order of seeds.
// Each run is the run Run would make alone, so the rows equal separate runs;
// with a Log, each line starts with its seed. On the first error the other
// runs are cancelled and that error returned.
func RunSeeds(ctx context.Context, cfg Config, seeds []int64, jobs int) ([]*Result, error) {
	if jobs <= 0 {
		jobs = 1
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	out := make([]*Result, len(seeds))
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	logMu := &sync.Mutex{}
	for i, seed := range seeds {
		wg.Add(1)
		go func(i int, seed int64) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			c := cfg
			c.Seed = seed
			r := &runner{cfg: c, logMu: logMu}
			if len(seeds) > 1 {
				r.prefix = fmt.Sprintf("seed %d: ", seed)
			}
			res, err := r.run(ctx)
			if err != nil {
				cancel(fmt.Errorf("seed %d: %w", seed, err))
				return
			}
			out[i] = res
		}(i, seed)
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseSeeds reads a list of seeds as `rlvrworld exp --seeds` takes it:
// "1-5" or "1,3,7" (ranges and single seeds, comma-separated).
func ParseSeeds(s string) ([]int64, error) {
	var out []int64
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a seed", part)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseInt(strings.TrimSpace(hi), 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("%q is not a range of seeds (want 1-5)", part)
			}
		}
		if b-a >= 1000 {
			return nil, fmt.Errorf("%q: more than 1000 seeds", part)
		}
		for x := a; x <= b; x++ {
			out = append(out, x)
		}
	}
	return out, nil
}

// SeedPath is a seed's result file as `rlvrworld exp --out` names it:
// {seed} in out replaced, or, for several seeds, -SEED before the extension.
func SeedPath(out string, seed int64, several bool) string {
	s := strconv.FormatInt(seed, 10)
	if strings.Contains(out, "{seed}") {
		return strings.ReplaceAll(out, "{seed}", s)
	}
	if !several {
		return out
	}
	ext := filepath.Ext(out)
	return strings.TrimSuffix(out, ext) + "-" + s + ext
}
