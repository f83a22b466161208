package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/robot"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/textgame"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
)

// VerifyBench is the JSON report of `rlvrworld bench verify`. Rates are
// medians of 5 runs of about 0.3 s each, with GOMAXPROCS=1 (one core).
type VerifyBench struct {
	TextgameRewardsPerSec float64 `json:"textgame_rewards_per_sec"`
	WebRewardsPerSec      float64 `json:"web_rewards_per_sec"`
	FrameRewardsPerSec    float64 `json:"frame_rewards_per_sec"`
	// AnchorJSONPerSec is encoding/json.Unmarshal of the same textgame
	// responses into an any, measured in the same run: the cost floor of
	// parsing one response with the standard library.
	AnchorJSONPerSec float64 `json:"anchor_json_unmarshal_per_sec"`
	TargetText       float64 `json:"target_text_per_sec"`
	TargetFrame      float64 `json:"target_frame_per_sec"`
	Mix              string  `json:"mix"`
	GOMAXPROCS       int     `json:"gomaxprocs"`
}

// BenchVerify measures the verifiers of the text game, the web pages and
// the video frames: rewards per second on one core (GOMAXPROCS=1 while it
// runs) on a mix of right, slightly wrong and garbage responses, with the
// standard library's JSON parsing of the same text-game responses as the
// same-run anchor.
func BenchVerify(ctx context.Context) (*VerifyBench, error) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	rep := &VerifyBench{TargetText: 10000, TargetFrame: 2000, GOMAXPROCS: 1,
		Mix: "1/3 ground truth, 1/3 truth with 10% of tokens replaced, 1/3 random non-special tokens"}

	tg, err := textgame.New(textgame.Options{})
	if err != nil {
		return nil, err
	}
	wt, err := web.New()
	if err != nil {
		return nil, err
	}
	for _, c := range []struct {
		t   envs.Task
		dst *float64
	}{{tg, &rep.TextgameRewardsPerSec}, {wt, &rep.WebRewardsPerSec}} {
		exs, err := c.t.Generate(ctx, envs.Test, 256, 1)
		if err != nil {
			return nil, fmt.Errorf("generate %s: %w", c.t.Name(), err)
		}
		resps := benchResponses(exs, c.t.VocabSize())
		rate, err := medianRate(ctx, func(i int) {
			k := i % len(exs)
			c.t.Score(&exs[k], resps[k])
		})
		if err != nil {
			return nil, err
		}
		*c.dst = rate
		if c.t == envs.Task(tg) {
			texts := make([][]byte, len(exs))
			for i := range exs {
				texts[i] = []byte(exs[i].Payload.(*textgame.Transition).Response)
			}
			rep.AnchorJSONPerSec, err = medianRate(ctx, func(i int) {
				var v any
				json.Unmarshal(texts[i%len(texts)], &v)
			})
			if err != nil {
				return nil, err
			}
		}
	}
	// The frame verifier is the video engineer's; its own benchmark function
	// scores single-step predictions (half exact, half with a quarter of the
	// tokens replaced) on the calling goroutine.
	var rates []float64
	for r := 0; r < 3; r++ {
		rate, err := robot.BenchFrameRewards(ctx, 2000)
		if err != nil {
			return nil, fmt.Errorf("frame rewards: %w", err)
		}
		rates = append(rates, rate)
	}
	sort.Float64s(rates)
	rep.FrameRewardsPerSec = rates[1]
	return rep, nil
}

// benchResponses makes a mix of right, slightly wrong and garbage responses.
func benchResponses(exs []envs.Example, vocab int) [][]int {
	r := rand.New(rand.NewPCG(7, 7))
	out := make([][]int, len(exs))
	for i := range exs {
		t := append([]int(nil), exs[i].Target...)
		switch i % 3 {
		case 1:
			for j := 0; j < len(t)/10+1; j++ {
				t[r.IntN(len(t))] = 3 + r.IntN(vocab-3)
			}
		case 2:
			// Valid ids, so that the text decodes and reaches the parser.
			for j := range t {
				t[j] = 3 + r.IntN(vocab-3)
			}
		}
		out[i] = t
	}
	return out
}

// medianRate runs f in batches for ~0.3 s, 5 times, and returns the median
// calls per second.
func medianRate(ctx context.Context, f func(i int)) (float64, error) {
	var rates []float64
	for run := 0; run < 5; run++ {
		start := time.Now()
		n := 0
		for time.Since(start) < 300*time.Millisecond {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			for j := 0; j < 256; j++ {
				f(n)
				n++
			}
		}
		rates = append(rates, float64(n)/time.Since(start).Seconds())
	}
	sort.Float64s(rates)
	return rates[len(rates)/2], nil
}
