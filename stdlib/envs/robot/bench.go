package robot

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/verify"
)

// BenchFrameRewards measures frame rewards per second on one goroutine (one
// core): Score of single-step responses, half of them the truth and half
// with a quarter of their tokens changed, over n scores. The target
// is 2,000/s.
func BenchFrameRewards(ctx context.Context, n int) (float64, error) {
	if n <= 0 {
		return 0, errors.New("robot: bench needs n > 0")
	}
	t, err := NewTask(Options{Steps: 1})
	if err != nil {
		return 0, err
	}
	exs, err := t.Generate(ctx, envs.Test, 64, 1)
	if err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	resps := make([][]int, len(exs))
	for i := range exs {
		r := append([]int(nil), exs[i].Target...)
		if i%2 == 1 {
			for j := 0; j < len(r)/4; j++ {
				r[rng.IntN(len(r))] = rng.IntN(t.opt.K)
			}
		}
		resps[i] = r
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		if i%256 == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		k := i % len(exs)
		if s := t.Score(&exs[k], resps[k]); s.Err != "" {
			return 0, errors.New("robot: bench: " + s.Err)
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// BenchReport is what `rlvrworld bench video` prints.
type BenchReport struct {
	// FrameRewardsPerSec is single-step Score calls per second on one core
	// (target 2000).
	FrameRewardsPerSec float64 `json:"frame_rewards_per_sec"`
	// AnchorMAEPerSec is the same goroutine's rate for a plain MAE of two
	// 32x32 float frames, measured in the same run: the machine's state
	// (these shared machines vary) shows in it, so compare ratios.
	AnchorMAEPerSec float64 `json:"anchor_mae_per_sec"`
	// EncodeFramesPerSec is tokenizer encodes of 32x32 frames per second.
	EncodeFramesPerSec float64 `json:"encode_frames_per_sec"`
	// GenerateExamplesPerSec is single-step examples generated per second.
	GenerateExamplesPerSec float64 `json:"generate_examples_per_sec"`
	// CodebookTrainSeconds is the time to train the K=256 codebook (2
	// workers) and its reconstruction PSNR on the training frames.
	CodebookTrainSeconds float64 `json:"codebook_train_seconds"`
	CodebookPSNR         float64 `json:"codebook_psnr_db"`
}

// Bench measures the video task's hot paths.
func Bench(ctx context.Context) (BenchReport, error) {
	var r BenchReport
	var err error
	if r.FrameRewardsPerSec, err = BenchFrameRewards(ctx, 20000); err != nil {
		return r, err
	}
	a, _ := verify.ImageFromRGB(Render(NewEpisode(rand.New(rand.NewPCG(1, 1)), 3, false, false), 32), 32, 32)
	b, _ := verify.ImageFromRGB(Render(NewEpisode(rand.New(rand.NewPCG(2, 1)), 3, false, false), 32), 32, 32)
	start := time.Now()
	const anchorN = 100000
	var sink float64
	for i := 0; i < anchorN; i++ {
		m, _ := verify.MAE(a, b)
		sink += m
	}
	r.AnchorMAEPerSec = anchorN / time.Since(start).Seconds()
	_ = sink
	t, err := NewTask(Options{})
	if err != nil {
		return r, err
	}
	frames := CodebookFrames(32, 20, 3)
	start = time.Now()
	for _, f := range frames {
		if _, err := t.cb.Encode(f, 32, 32); err != nil {
			return r, err
		}
	}
	r.EncodeFramesPerSec = float64(len(frames)) / time.Since(start).Seconds()
	start = time.Now()
	if _, err := t.Generate(ctx, envs.Train, 500, 9); err != nil {
		return r, err
	}
	r.GenerateExamplesPerSec = 500 / time.Since(start).Seconds()
	start = time.Now()
	_, st, err := TrainDefaultCodebook(ctx, 32, 256)
	if err != nil {
		return r, err
	}
	r.CodebookTrainSeconds = time.Since(start).Seconds()
	r.CodebookPSNR = st.PSNR
	return r, nil
}
