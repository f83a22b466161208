package nn

import (
	"context"
	"testing"
)

// TestBenchSample runs BenchSample (bench sample) on a small batch: the paired measure
// must hand the core back and forth to the end (no deadlock), time every
// block, and report consistent figures.
func TestBenchSample(t *testing.T) {
	r, err := BenchSample(context.Background(), SampleBenchOptions{B: 2, Runs: 1, KV: []KVPrecision{KVFloat32, KVInt8}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ByKVCache) != 2 {
		t.Fatalf("%d KV cache entries, want 2", len(r.ByKVCache))
	}
	for _, f := range r.ByKVCache {
		if f.TokensPerSec <= 0 || f.StepMsAt64 <= 0 || f.StepMsAt512 <= 0 || f.Ratio512to64 <= 0 {
			t.Errorf("%s: non-positive figure in %+v", f.KVCache, f)
		}
		if q := f.RatioSpread; q[0] > f.Ratio512to64 || f.Ratio512to64 > q[1] {
			t.Errorf("%s: median ratio %g outside its quartiles %v", f.KVCache, f.Ratio512to64, q)
		}
		if f.KVMBAt512 != 8*f.KVMBAt64 {
			t.Errorf("%s: KV bytes at 512 %g, want 8x those at 64 (%g)", f.KVCache, f.KVMBAt512, f.KVMBAt64)
		}
	}
	if d := r.ByKVCache[0].MaxAbsLogpDiff; d > 1e-3 {
		t.Errorf("float32 cache: sampler logp %g from Forward", d)
	}
	if d := r.ByKVCache[1].MaxAbsLogpDiff; d > 5e-2 {
		t.Errorf("int8 cache: sampler logp %g from Forward", d)
	}
}

func TestPairedStepsTimesEveryBlock(t *testing.T) {
	m, err := New(sampleBenchConfig)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pairedSteps(context.Background(), m, 1, KVFloat32, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := pairBlocks * (pairBlock - 1)
	if len(p.near) != want || len(p.far) != want || len(p.ratios) != pairBlocks {
		t.Fatalf("%d, %d steps and %d ratios; want %d, %d and %d", len(p.near), len(p.far), len(p.ratios), want, want, pairBlocks)
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{4, 1, 3, 2}
	for _, c := range []struct{ q, want float64 }{{0, 1}, {0.25, 1.75}, {0.5, 2.5}, {1, 4}} {
		if got := quantile(xs, c.q); got != c.want {
			t.Errorf("quantile(%v, %g) = %g, want %g", xs, c.q, got, c.want)
		}
	}
}
