package robot_test

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs/robot"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// An expert episode becomes one example per step: the prompt is the tokens
// of the frame before the step and of its action, the target the tokens of
// the frame after it, and the true target scores as a perfect prediction.
func TestEpisodeExamples(t *testing.T) {
	task, err := robot.NewTask(robot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := robot.RunPolicy(context.Background(), task, robot.NewExpert(), 700000, 30)
	if err != nil {
		t.Fatal(err)
	}
	exs, err := task.EpisodeExamples(ep)
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != ep.Steps {
		t.Fatalf("%d examples for %d steps", len(exs), ep.Steps)
	}
	cb, tpf := task.Codebook(), task.TokensPerFrame()
	for i, ex := range exs {
		before, err := cb.Encode(ep.Frames[i], 32, 32)
		if err != nil {
			t.Fatal(err)
		}
		after, err := cb.Encode(ep.Frames[i+1], 32, 32)
		if err != nil {
			t.Fatal(err)
		}
		if len(ex.Prompt) != task.PromptLen() || !slices.Equal(ex.Prompt[:tpf], before) {
			t.Fatalf("step %d: prompt does not start with the frame before the step", i+1)
		}
		act := task.EncodeAction(ep.Actions[i])
		if !slices.Equal(ex.Prompt[tpf:], act) {
			t.Errorf("step %d: prompt's action %v, want %v", i+1, ex.Prompt[tpf:], act)
		}
		if !slices.Equal(ex.Target, after) {
			t.Errorf("step %d: target is not the frame after the step", i+1)
		}
		if s := task.Score(&ex, ex.Target); s.Reward != 0 {
			t.Errorf("step %d: the true tokens score %v, want 0 (a perfect prediction)", i+1, s.Reward)
		}
		if !strings.HasSuffix(ex.ID, "-step-"+strconv.Itoa(i+1)) {
			t.Errorf("id %q does not name step %d", ex.ID, i+1)
		}
	}
	// A three-step task gets a window of three true frames per example.
	multi, err := robot.NewTask(robot.Options{Steps: 3})
	if err != nil {
		t.Fatal(err)
	}
	mexs, err := multi.EpisodeExamples(ep)
	if err != nil {
		t.Fatal(err)
	}
	if len(mexs) != ep.Steps-2 || len(mexs[0].Target) != multi.ResponseLen() {
		t.Errorf("video-multi: %d examples, target %d tokens; want %d and %d", len(mexs), len(mexs[0].Target), ep.Steps-2, multi.ResponseLen())
	}
	// A damaged episode is refused with the reason.
	bad := ep
	bad.Frames = bad.Frames[:len(bad.Frames)-1]
	if _, err := task.EpisodeExamples(bad); err == nil || !strings.Contains(err.Error(), "frames for") {
		t.Errorf("episode missing a frame: err = %v", err)
	}
	bad = ep
	bad.Frames = append([][]uint8{make([]uint8, 5)}, ep.Frames[1:]...)
	if _, err := task.EpisodeExamples(bad); err == nil || !strings.Contains(err.Error(), "frame 0 has 5 bytes") {
		t.Errorf("short frame: err = %v", err)
	}
}

// Compare puts each model's prediction beside the others in one viewer.
func TestCompare(t *testing.T) {
	task, err := robot.NewTask(robot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := robot.RunPolicy(context.Background(), task, robot.NewExpert(), 700001, 5)
	if err != nil {
		t.Fatal(err)
	}
	exs, err := task.EpisodeExamples(ep)
	if err != nil {
		t.Fatal(err)
	}
	ex := &exs[0]
	copyPrev := ex.Prompt[:task.TokensPerFrame()]
	fr, err := task.Compare(ex, []string{"truth as prediction", "copy"}, ex.Target, copyPrev)
	if err != nil {
		t.Fatal(err)
	}
	if fr.Label != "truth as prediction" || len(fr.Others) != 1 || fr.Others[0].Label != "copy" {
		t.Fatalf("labels: %q and %v", fr.Label, fr.Others)
	}
	if fr.Metrics[0]["reward"] != 0 {
		t.Errorf("the true tokens' reward %v, want 0", fr.Metrics[0]["reward"])
	}
	if ex.Changed && !(fr.Others[0].Metrics[0]["reward"] < 0) {
		t.Errorf("copying a frame that changed scores %v, want below 0", fr.Others[0].Metrics[0]["reward"])
	}
	if _, err := task.Compare(ex, []string{"one"}, ex.Target, copyPrev); err == nil {
		t.Error("Compare accepted two responses with one label")
	}
	if _, err := task.Compare(ex, nil); err == nil {
		t.Error("Compare accepted no response")
	}
}

// BenchmarkStepMove times one move of notebook 04's stepping widget with the
// shipped video checkpoint: the episode step as an example, one 64-token
// frame sampled (temperature 1, top-k 16) by each of two models of the
// shipped size, and the three-way viewer rendered. Issue 27 asks for under a
// second per move.
func BenchmarkStepMove(b *testing.B) {
	task, err := robot.NewTask(robot.Options{})
	if err != nil {
		b.Fatal(err)
	}
	m, _, err := nn.Load(filepath.Join("..", "..", "..", "checkpoints", "video.safetensors"))
	if err != nil {
		b.Fatal(err)
	}
	models := []*nn.Model{m, m.Clone()}
	ctx := context.Background()
	ep, err := robot.RunPolicy(ctx, task, robot.NewExpert(), 700000, 30)
	if err != nil {
		b.Fatal(err)
	}
	dec := task.Decoding()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		exs, err := task.EpisodeExamples(ep)
		if err != nil {
			b.Fatal(err)
		}
		ex := &exs[i%len(exs)]
		var resp [][]int
		for k, mm := range models {
			out, err := mm.Sample(ctx, [][]int{ex.Prompt}, nn.SampleOptions{MaxNew: task.TokensPerFrame(),
				Temperature: float32(dec.EvalTemperature), TopK: dec.EvalTopK, Stop: -1, Seed: int64(i*2 + k)})
			if err != nil {
				b.Fatal(err)
			}
			resp = append(resp, out[0].Tokens)
		}
		fr, err := task.Compare(ex, []string{"MLE", "RLVR"}, resp...)
		if err != nil {
			b.Fatal(err)
		}
		fr.Render()
	}
}
