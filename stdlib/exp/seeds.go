package exp

import (
	"context"
	"fmt"
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
