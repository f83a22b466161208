package robot

import (
	"context"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/rlvrworld/rlvrworld/stdlib/tok"
)

// The shipped codebooks are TrainDefaultCodebook(ctx, 32, K) for K 256 (the
// default) and 512, trained once and embedded so that building the task
// costs no training. Regenerate them with
//
//	go test ./stdlib/envs/robot -run TestShippedCodebook -update
//
// (the test without -update checks that training still reproduces them).
var (
	//go:embed codebook_s32_k256.bin
	shipped256 []byte
	//go:embed codebook_s32_k512.bin
	shipped512 []byte

	shippedMu sync.Mutex
	shipped   = map[int]*tok.Codebook{}
)

// ShippedCodebookSizes are the K with a shipped codebook at 32x32.
var ShippedCodebookSizes = []int{256, 512}

// CodebookSeed seeds the default codebook's training.
const CodebookSeed = 20261122

// CodebookFrames renders n episodes' worth of frames for training a
// codebook: layouts from the train distribution, half with the drawer, each
// run for 16 steps of a mix of expert and random actions.
func CodebookFrames(size, n int, seed uint64) [][]uint8 {
	var frames [][]uint8
	ex := NewExpert()
	for e := 0; e < n; e++ {
		rng := rand.New(rand.NewPCG(seed, uint64(e)))
		s := NewEpisode(rng, 3, e%2 == 1, false)
		frames = append(frames, Render(s, size))
		for i := 0; i < 16; i++ {
			a := ex.ActState(s)
			if rng.IntN(2) == 0 {
				a = randomAction(rng, 5)
			}
			s = Step(s, a, DefaultPhysics, rng)
			frames = append(frames, Render(s, size))
		}
	}
	return frames
}

// TrainDefaultCodebook trains the task's codebook for a frame size and K:
// k-means over the 4x4 patches of CodebookFrames(size, 300, CodebookSeed).
func TrainDefaultCodebook(ctx context.Context, size, k int) (*tok.Codebook, tok.CodebookStats, error) {
	if err := validateSize(size, 4); err != nil {
		return nil, tok.CodebookStats{}, err
	}
	frames := CodebookFrames(size, 300, CodebookSeed)
	cb, st, err := tok.TrainCodebook(ctx, frames, size, size, tok.CodebookOptions{K: k, Patch: 4, Iters: 12, Seed: CodebookSeed})
	if err != nil {
		return nil, st, fmt.Errorf("robot: train codebook: %w", err)
	}
	return cb, st, nil
}

// DefaultCodebook returns the shipped codebook for size 32 and K 256 or
// 512, and trains one otherwise (well under a second at 32x32).
func DefaultCodebook(ctx context.Context, size, k int) (*tok.Codebook, error) {
	var data []byte
	if size == 32 {
		data = map[int][]byte{256: shipped256, 512: shipped512}[k]
	}
	if data == nil {
		cb, _, err := TrainDefaultCodebook(ctx, size, k)
		return cb, err
	}
	shippedMu.Lock()
	defer shippedMu.Unlock()
	if cb := shipped[k]; cb != nil {
		return cb, nil
	}
	cb, err := tok.ReadCodebook(data)
	if err != nil {
		return nil, fmt.Errorf("robot: shipped codebook K=%d: %w", k, err)
	}
	shipped[k] = cb
	return cb, nil
}
