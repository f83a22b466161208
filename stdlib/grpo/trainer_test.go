package grpo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// toyTask is a verifiable toy: the prompt is [1, x] with x in [2, vocab),
// and the reward is the share of the respLen response tokens equal to
// y = shift(x), a fixed permutation of x. A random model scores about
// 1/vocab; writing y every time scores 1. (Not y = x: a freshly initialised
// model with tied embeddings tends to copy its input already.)
type toyTask struct {
	vocab, respLen int
	// force, when set, injects token 1 after every generated token, to test
	// that injected tokens are masked out.
	force bool
	// evalTemp is the evaluation temperature (0: greedy).
	evalTemp float64
}

func (t *toyTask) Name() string   { return "toy" }
func (t *toyTask) VocabSize() int { return t.vocab }

func (t *toyTask) Generate(ctx context.Context, split envs.Split, n int, seed int64) ([]envs.Example, error) {
	out := make([]envs.Example, n)
	for i := range out {
		x := 2 + int((seed+int64(i))%int64(t.vocab-2))
		y := 2 + (x-2+3)%(t.vocab-2)
		target := make([]int, t.respLen)
		for j := range target {
			target[j] = y
		}
		out[i] = envs.Example{ID: fmt.Sprint(i), Task: "toy", Split: split, Prompt: []int{1, x}, Target: target, Payload: y}
	}
	return out, ctx.Err()
}

func (t *toyTask) Score(ex *envs.Example, response []int) envs.Score {
	x := ex.Payload.(int)
	hit, gen := 0, 0
	for j, tok := range response {
		if t.force && j%2 == 1 {
			continue // injected
		}
		gen++
		if tok == x {
			hit++
		}
	}
	if gen == 0 {
		return envs.Score{Err: "empty"}
	}
	r := float64(hit) / float64(t.respLen)
	return envs.Score{Reward: r, Metrics: map[string]float64{"acc": r}}
}

func (t *toyTask) Evaluate(exs []envs.Example, scores []envs.Score) map[string]float64 {
	s := 0.0
	for _, sc := range scores {
		s += sc.Reward
	}
	return map[string]float64{"acc": s / float64(len(scores))}
}

func (t *toyTask) Decoding() envs.Decoding {
	d := envs.Decoding{MaxTokens: t.respLen, Stop: -1, EvalTemperature: t.evalTemp}
	if t.force {
		d.MaxTokens = 2 * t.respLen
		d.Force = func(ex *envs.Example, response []int) []int {
			if len(response)%2 == 1 {
				return []int{1}
			}
			return nil
		}
	}
	return d
}

func tinyModel(t *testing.T, vocab int) *nn.Model {
	t.Helper()
	m, err := nn.New(nn.Config{Vocab: vocab, MaxSeq: 16, Layers: 1, Dim: 32, Heads: 2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestGRPORaisesToyReward is the end-to-end check: from a random tiny
// model, a few seconds of GRPO must lift the verifier's reward well above
// chance.
func TestGRPORaisesToyReward(t *testing.T) {
	for _, kv := range []nn.KVPrecision{nn.KVFloat32, nn.KVFloat16, nn.KVInt8} {
		t.Run(kv.String(), func(t *testing.T) { testGRPORaisesToyReward(t, kv) })
	}
}

func testGRPORaisesToyReward(t *testing.T, kv nn.KVPrecision) {
	task := &toyTask{vocab: 8, respLen: 4}
	ctx := context.Background()
	data, _ := task.Generate(ctx, envs.Train, 60, 1)
	test, _ := task.Generate(ctx, envs.Test, 30, 7)
	pol := tinyModel(t, task.vocab)
	before, err := Evaluate(ctx, pol, task, test, EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := LanguageConfig()
	cfg.GroupSize = 8
	cfg.PromptsPerStep = 8
	cfg.LR = 3e-3
	cfg.KV = kv
	tr, err := NewTrainer(pol, task, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var first, last StepMetrics
	var early, late float64 // mean rollout reward of the first and last 5 steps
	start := time.Now()
	err = tr.Train(ctx, data, 100, func(m StepMetrics) {
		if m.Step == 1 {
			first = m
		}
		if m.Step <= 5 {
			early += m.RewardMean / 5
		}
		if m.Step > 95 {
			late += m.RewardMean / 5
		}
		last = m
	})
	if err != nil {
		t.Fatal(err)
	}
	after, err := Evaluate(ctx, tr.Policy, task, test, EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%.1fs: rollout reward %.3f -> %.3f; greedy acc %.3f -> %.3f; kl %.4f clip %.3f",
		time.Since(start).Seconds(), early, late, before.Metrics["acc"], after.Metrics["acc"], last.KL, last.ClipFrac)
	if late < early+0.15 || after.Metrics["acc"] < 0.7 || after.Metrics["acc"] < before.Metrics["acc"]+0.3 {
		t.Errorf("GRPO did not learn the toy: rollout reward %.3f -> %.3f, greedy acc %.3f -> %.3f",
			early, late, before.Metrics["acc"], after.Metrics["acc"])
	}
	_ = first
	if last.Step != 100 || last.WallSec <= 0 || last.SampleSec <= 0 || last.UpdateSec <= 0 {
		t.Errorf("step metrics incomplete: %+v", last)
	}
}

// TestPackMasksPromptPaddingAndForced checks the loss mask built from
// rollouts: only generated response tokens count.
func TestPackMasksPromptPaddingAndForced(t *testing.T) {
	ex1 := &envs.Example{Prompt: []int{1, 5, 6}}
	ex2 := &envs.Example{Prompt: []int{1, 7}}
	ro := []rollout{
		{ex: ex1, adv: 2, sample: nn.Sample{Tokens: []int{3, 1, 4}, Generated: []bool{true, false, true}}},
		{ex: ex2, adv: -1, sample: nn.Sample{Tokens: []int{2}, Generated: []bool{true}}},
	}
	b, mask, adv, err := pack(ro, 16)
	if err != nil {
		t.Fatal(err)
	}
	// Row 1: seq 1 5 6 3 1 4 -> T = 5; targets 5 6 3 1 4; mask 0 0 1 0 1.
	// Row 2: seq 1 7 2 -> targets 7 2 pad pad pad (no target: -1); mask 0 1 0 0 0.
	if b.B != 2 || b.T != 5 {
		t.Fatalf("batch %dx%d", b.B, b.T)
	}
	wantIn := []int{1, 5, 6, 3, 1, 1, 7, 0, 0, 0}
	wantTg := []int{5, 6, 3, 1, 4, 7, 2, -1, -1, -1}
	wantM := []float32{0, 0, 1, 0, 1, 0, 1, 0, 0, 0}
	wantA := []float32{0, 0, 2, 0, 2, 0, -1, 0, 0, 0}
	for i := range wantIn {
		if b.Inputs[i] != wantIn[i] || b.Targets[i] != wantTg[i] || mask[i] != wantM[i] || adv[i] != wantA[i] {
			t.Fatalf("pos %d: in %d tg %d mask %v adv %v; want %d %d %v %v",
				i, b.Inputs[i], b.Targets[i], mask[i], adv[i], wantIn[i], wantTg[i], wantM[i], wantA[i])
		}
	}
	if b.Shared[0] != 0 || b.Shared[1] != 0 {
		t.Errorf("rows of two prompts share positions: %v", b.Shared)
	}
	if _, _, _, err := pack(ro, 4); err == nil {
		t.Error("over-long sequence accepted")
	}
	// Three rollouts of ex1 and one of ex2: the second and third share the
	// prompt's first two positions with the first (the third position
	// predicts each one's first response token).
	ro = []rollout{ro[0], ro[0], ro[0], ro[1]}
	ro[1].sample.Tokens = []int{2}
	b, _, _, err = pack(ro, 16)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 2, 2, 0}; !slices.Equal(b.Shared, want) {
		t.Errorf("Shared %v, want %v", b.Shared, want)
	}
	m, err := nn.New(nn.Config{Vocab: 8, MaxSeq: 16, Layers: 1, Dim: 8, Heads: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Check(b); err != nil {
		t.Errorf("the packed batch fails Check: %v", err)
	}
}

// TestForcedTokensTrain runs GRPO on a task that injects tokens between
// generated ones: it must run (masks line up with the sampler's Generated
// flags) and still learn.
func TestForcedTokensTrain(t *testing.T) {
	task := &toyTask{vocab: 8, respLen: 3, force: true}
	ctx := context.Background()
	data, _ := task.Generate(ctx, envs.Train, 40, 1)
	cfg := LanguageConfig()
	cfg.GroupSize, cfg.PromptsPerStep, cfg.LR = 8, 8, 3e-3
	tr, err := NewTrainer(tinyModel(t, task.vocab), task, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var first, last StepMetrics
	if err := tr.Train(ctx, data, 30, func(m StepMetrics) {
		if m.Step == 1 {
			first = m
		}
		last = m
	}); err != nil {
		t.Fatal(err)
	}
	if last.RespLen < 5 {
		t.Errorf("responses of %.1f tokens: forced tokens missing", last.RespLen)
	}
	if last.RewardMean < first.RewardMean+0.2 {
		t.Errorf("with forced tokens, reward %.3f -> %.3f", first.RewardMean, last.RewardMean)
	}
}

func TestCancelAndResume(t *testing.T) {
	task := &toyTask{vocab: 8, respLen: 4}
	data, _ := task.Generate(context.Background(), envs.Train, 20, 1)
	cfg := LanguageConfig()
	tr, err := NewTrainer(tinyModel(t, task.vocab), task, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	err = tr.Train(ctx, data, 1000, func(m StepMetrics) {
		steps++
		if steps == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || tr.Step != 2 {
		t.Fatalf("after cancel: err %v, step %d", err, tr.Step)
	}
	path := filepath.Join(t.TempDir(), "grpo.safetensors")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	tr2, err := NewTrainer(tinyModel(t, task.vocab), task, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr2.Resume(path); err != nil {
		t.Fatal(err)
	}
	if tr2.Step != 2 {
		t.Errorf("resumed at step %d, want 2", tr2.Step)
	}
	// The resumed policy must equal the saved one: same greedy outputs and
	// the same log-probabilities on a batch.
	test, _ := task.Generate(context.Background(), envs.Test, 6, 3)
	ro := make([]rollout, len(test))
	for i := range test {
		ro[i] = rollout{ex: &test[i], sample: nn.Sample{Tokens: test[i].Target}}
	}
	b, _, _, _ := pack(ro, 16)
	a, _ := tr.Policy.Forward(b)
	a = append([]float32(nil), a...)
	c, _ := tr2.Policy.Forward(b)
	for i := range a {
		if a[i] != c[i] {
			t.Fatalf("resumed policy differs at %d: %v vs %v", i, a[i], c[i])
		}
	}
	if err := tr2.Train(context.Background(), data, 1, nil); err != nil || tr2.Step != 3 {
		t.Errorf("continue after resume: %v, step %d", err, tr2.Step)
	}
	if err := tr2.Resume(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("resume from a missing file succeeded")
	}
}

func TestEvaluateReportsScoresAndResponses(t *testing.T) {
	task := &toyTask{vocab: 8, respLen: 4}
	test, _ := task.Generate(context.Background(), envs.Test, 10, 3)
	res, err := Evaluate(context.Background(), tinyModel(t, task.vocab), task, test, EvalOptions{BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Scores) != 10 || len(res.Responses) != 10 {
		t.Fatalf("%d scores, %d responses", len(res.Scores), len(res.Responses))
	}
	sum := 0.0
	for i, r := range res.Responses {
		if len(r) != 4 {
			t.Errorf("response %d has %d tokens", i, len(r))
		}
		sum += res.Scores[i].Reward
	}
	if _, ok := res.Metrics["acc"]; !ok || res.Metrics["reward"] != sum/10 {
		t.Errorf("metrics %v (sum %v)", res.Metrics, sum)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Evaluate(ctx, tinyModel(t, task.vocab), task, test, EvalOptions{}); err == nil {
		t.Error("evaluate ignored a cancelled context")
	}
}

// TestEvaluateGreedy: with Greedy, a task that evaluates by sampling is
// decoded by argmax, the same as the model's own greedy sampling.
func TestEvaluateGreedy(t *testing.T) {
	task := &toyTask{vocab: 8, respLen: 4, evalTemp: 1}
	test, _ := task.Generate(context.Background(), envs.Test, 10, 3)
	m := tinyModel(t, task.vocab)
	res, err := Evaluate(context.Background(), m, task, test, EvalOptions{Greedy: true, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	prompts := make([][]int, len(test))
	for i := range test {
		prompts[i] = test[i].Prompt
	}
	want, err := m.Sample(context.Background(), prompts, nn.SampleOptions{MaxNew: 4, Stop: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if fmt.Sprint(res.Responses[i]) != fmt.Sprint(want[i].Tokens) {
			t.Fatalf("example %d: greedy evaluation decoded %v, argmax sampling %v", i, res.Responses[i], want[i].Tokens)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	task := &toyTask{vocab: 8, respLen: 4}
	bad := []func(*Config){
		func(c *Config) { c.GroupSize = 1 },
		func(c *Config) { c.PromptsPerStep = 0 },
		func(c *Config) { c.MiniBatches = 0 },
		func(c *Config) { c.LR = 0 },
		func(c *Config) { c.Temperature = 0 },
		func(c *Config) { c.KV = 9 },
	}
	for i, f := range bad {
		c := LanguageConfig()
		f(&c)
		if _, err := NewTrainer(tinyModel(t, 8), task, c); err == nil {
			t.Errorf("bad config %d accepted", i)
		}
	}
	if _, err := NewTrainer(tinyModel(t, 4), task, LanguageConfig()); err == nil {
		t.Error("model vocabulary smaller than the task's accepted")
	}
}

// TestReducedKVRolloutsRecomputeOldLogP: a reduced cache's log-probabilities
// are not the policy's own, so the trainer recomputes logp_old. With one
// mini-batch the first update then sees a ratio of exactly 1 everywhere, and
// a clip of 0 clips nothing; the float32 cache's reused values differ from
// the recompute by float32 rounding, which the same clip catches, so the
// measure can tell the two apart.
func TestReducedKVRolloutsRecomputeOldLogP(t *testing.T) {
	task := &toyTask{vocab: 8, respLen: 4}
	data, _ := task.Generate(context.Background(), envs.Train, 16, 1)
	clip := map[nn.KVPrecision]float64{}
	for _, kv := range []nn.KVPrecision{nn.KVFloat32, nn.KVFloat16, nn.KVInt8, nn.KVK8V16} {
		cfg := LanguageConfig()
		cfg.GroupSize, cfg.PromptsPerStep, cfg.MiniBatches = 8, 8, 1
		cfg.Loss.ClipEps, cfg.Loss.KLCoef, cfg.Loss.EntropyCoef = 0, 0, 0
		cfg.KV = kv
		pol, err := nn.New(nn.Config{Vocab: 8, MaxSeq: 16, Layers: 1, Dim: 32, Heads: 2, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range pol.Params() { // sharper than the init, so that logp are far from uniform
			for i := range v {
				v[i] *= 8
			}
		}
		tr, err := NewTrainer(pol, task, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Train(context.Background(), data, 1, func(m StepMetrics) { clip[kv] = m.ClipFrac }); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("share of tokens clipped at eps 0: float32 cache (reused) %.3f; recomputed: float16 %.3f, int8 %.3f, k8v16 %.3f",
		clip[nn.KVFloat32], clip[nn.KVFloat16], clip[nn.KVInt8], clip[nn.KVK8V16])
	for _, kv := range []nn.KVPrecision{nn.KVFloat16, nn.KVInt8, nn.KVK8V16} {
		if clip[kv] != 0 {
			t.Errorf("%v rollouts: %.3f of tokens clipped at eps 0, want none (logp_old recomputed by the policy)", kv, clip[kv])
		}
	}
	if clip[nn.KVFloat32] == 0 {
		t.Errorf("float32 rollouts: nothing clipped at eps 0; the reused sampler logp should differ from Forward by rounding")
	}
}

// TestSamplerLogPIsOldLogP checks that the sampler's log-probabilities,
// laid out by samplerLogP, equal the policy's own recomputed
// log-probabilities on every loss position (they replace that forward
// pass), including with injected tokens and rows of different lengths.
func TestSamplerLogPIsOldLogP(t *testing.T) {
	m, err := nn.New(nn.Config{Vocab: 12, MaxSeq: 16, Layers: 2, Dim: 16, Heads: 2, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	exs := []*envs.Example{{Prompt: []int{1, 5, 6}}, {Prompt: []int{1, 7}}, {Prompt: []int{2, 3, 4, 9}}}
	rows := [][]int{exs[0].Prompt, exs[1].Prompt, exs[2].Prompt}
	samples, err := m.Sample(context.Background(), rows, nn.SampleOptions{MaxNew: 6, Temperature: 1, Seed: 3, Stop: 0,
		Force: func(row int, resp []int) []int {
			if row == 1 && len(resp) == 2 {
				return []int{1}
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	ro := make([]rollout, len(samples))
	for i := range ro {
		ro[i] = rollout{ex: exs[i], sample: samples[i], adv: 1}
	}
	b, mask, _, err := pack(ro, 16)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := samplerLogP(ro, b.T)
	if !ok {
		t.Fatal("sampler log-probs not used")
	}
	want, _ := m.Forward(b)
	n := 0
	for i, w := range mask {
		if w == 0 {
			continue
		}
		n++
		if d := got[i] - want[i]; d > 2e-4 || d < -2e-4 {
			t.Errorf("pos %d: sampler logp %g, forward %g", i, got[i], want[i])
		}
	}
	if n == 0 {
		t.Fatal("no loss positions")
	}
	ro[0].sample.LogProbs = nil
	if _, ok := samplerLogP(ro, b.T); ok {
		t.Error("rollout without log-probs accepted")
	}
}

// TestGroupPicker checks dynamic sampling's choice of groups: signal groups
// first across draws, uniform ones only to fill, and the reference's one
// batch as drawn without it.
func TestGroupPicker(t *testing.T) {
	grp := func(id int, adv ...float64) []rollout {
		out := make([]rollout, len(adv))
		for i, a := range adv {
			out[i] = rollout{reward: float64(id), adv: a}
		}
		return out
	}
	cat := func(gs ...[]rollout) []rollout {
		var out []rollout
		for _, g := range gs {
			out = append(out, g...)
		}
		return out
	}
	ids := func(ro []rollout) []int {
		var out []int
		for i := 0; i < len(ro); i += 2 {
			out = append(out, int(ro[i].reward))
		}
		return out
	}
	b1 := cat(grp(1, 0, 0), grp(2, 1, -1), grp(3, 0, 0))
	b2 := cat(grp(4, 0, 0), grp(5, -1, 1), grp(6, 1, -1))

	p := groupPicker{G: 2, want: 3}
	if p.add(b1) {
		t.Fatal("one signal group of 3 wanted reported full")
	}
	if !p.add(b2) {
		t.Fatal("three signal groups of 3 wanted not reported full")
	}
	if got := ids(p.result()); fmt.Sprint(got) != "[2 5 6]" {
		t.Errorf("picked groups %v, want [2 5 6]", got)
	}
	if p.groups != 6 || p.zero != 3 {
		t.Errorf("counted %d groups, %d uniform; want 6 and 3", p.groups, p.zero)
	}

	short := groupPicker{G: 2, want: 3}
	short.add(b1)
	if got := ids(short.result()); fmt.Sprint(got) != "[2 1 3]" {
		t.Errorf("draws ran out: picked %v, want the signal group then uniform ones [2 1 3]", got)
	}

	ref := groupPicker{G: 2, want: 3, keepOrder: true}
	if !ref.add(b1) {
		t.Fatal("without dynamic sampling one batch must do")
	}
	if got := ids(ref.result()); fmt.Sprint(got) != "[1 2 3]" {
		t.Errorf("without dynamic sampling picked %v, want the batch as drawn [1 2 3]", got)
	}
}

// constTask is toyTask whose prompts with an odd x score a constant: their
// groups are uniform and teach nothing.
type constTask struct{ toyTask }

func (c *constTask) Score(ex *envs.Example, response []int) envs.Score {
	if ex.Prompt[1]%2 == 1 {
		return envs.Score{Reward: 0.5}
	}
	return c.toyTask.Score(ex, response)
}

// TestDynamicSamplingDrawsMore runs Train with half the prompts uniform:
// with dynamic sampling a step samples extra batches, and a resumed trainer
// continues the prompt stream where the variable number of draws left it.
func TestDynamicSamplingDrawsMore(t *testing.T) {
	task := &constTask{toyTask{vocab: 8, respLen: 4}}
	data, _ := task.Generate(context.Background(), envs.Train, 24, 1)
	cfg := LanguageConfig()
	cfg.GroupSize, cfg.PromptsPerStep, cfg.DynamicSampling = 4, 4, 3
	tr, err := NewTrainer(tinyModel(t, task.vocab), task, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ms []StepMetrics
	if err := tr.Train(context.Background(), data, 3, func(m StepMetrics) { ms = append(ms, m) }); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		// At least half the groups are uniform, so one batch of 4 can
		// never hold 4 signal groups.
		if m.Draws < 2 || m.Draws > 4 || m.ZeroGroups < 0.5 {
			t.Errorf("step %d: %d draws, zero groups %.2f; want 2 to 4 draws and at least half uniform", m.Step, m.Draws, m.ZeroGroups)
		}
	}
	want := 0
	for _, m := range ms {
		want += m.Draws * cfg.PromptsPerStep
	}
	if tr.drawn != want {
		t.Errorf("trainer drew %d prompts, steps report %d", tr.drawn, want)
	}
	path := filepath.Join(t.TempDir(), "ds.safetensors")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	tr2, _ := NewTrainer(tinyModel(t, task.vocab), task, cfg)
	if err := tr2.Resume(path); err != nil {
		t.Fatal(err)
	}
	if tr2.drawn != want || tr2.Step != 3 {
		t.Errorf("resumed at step %d with %d prompts drawn, want 3 and %d", tr2.Step, tr2.drawn, want)
	}
}

// TestForwardOnlyRefKeepsTraining runs three GRPO steps twice from one
// start model, with the reference log-probabilities from the training
// Forward (the path before nn.Model.LogProbs) and from LogProbs, and
// checks that the trained parameters agree within float32 rounding: the
// math is the same, only the summation order of the reference's products
// differs. The KL coefficient is raised so that the reference matters.
func TestForwardOnlyRefKeepsTraining(t *testing.T) {
	mb, ma := trainBothWays(t, "the two reference paths", func(cfg *Config) { cfg.Loss.KLCoef = 0.5 },
		func(tr *Trainer, before bool) { tr.fullForward = before })
	if ma[2].KL == 0 || math.Abs(ma[2].KL-mb[2].KL) > 1e-4*math.Abs(mb[2].KL)+1e-9 {
		t.Errorf("step 3 KL: %g with LogProbs, %g with Forward", ma[2].KL, mb[2].KL)
	}
}

// trainBothWays runs three GRPO steps on the toy task from the same start,
// once the way before a change (set(tr, true)) and once after, and checks
// that the parameters agree to float32 rounding after moving measurably;
// what names the two ways in messages. It returns each run's step metrics.
func trainBothWays(t *testing.T, what string, config func(*Config), set func(tr *Trainer, before bool)) (before, after []StepMetrics) {
	t.Helper()
	task := &toyTask{vocab: 11, respLen: 5}
	data, _ := task.Generate(context.Background(), envs.Train, 32, 1)
	run := func(b bool) (*nn.Model, []StepMetrics) {
		cfg := LanguageConfig()
		cfg.GroupSize, cfg.PromptsPerStep, cfg.MiniBatches = 4, 4, 2
		config(&cfg)
		tr, err := NewTrainer(tinyModel(t, task.vocab), task, cfg)
		if err != nil {
			t.Fatal(err)
		}
		set(tr, b)
		var ms []StepMetrics
		if err := tr.Train(context.Background(), data, 3, func(m StepMetrics) { ms = append(ms, m) }); err != nil {
			t.Fatal(err)
		}
		return tr.Policy, ms
	}
	pb, mb := run(true)
	pa, ma := run(false)
	start := tinyModel(t, task.vocab).Params()
	moved, worst := 0.0, 0.0
	for name, want := range pb.Params() {
		got := pa.Params()[name]
		for i := range want {
			moved = math.Max(moved, math.Abs(float64(want[i]-start[name][i])))
			worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
		}
	}
	t.Logf("after 3 steps: parameters moved up to %.3g; %s differ by up to %.3g", moved, what, worst)
	if moved < 1e-4 {
		t.Fatalf("training moved the parameters by only %g: nothing to compare", moved)
	}
	if worst > 1e-3*moved {
		t.Errorf("parameters differ by %g after 3 steps (moved %g): more than float32 rounding", worst, moved)
	}
	return mb, ma
}

// TestPackedBatchKeepsTraining runs three GRPO steps on the packed batch
// (the rollouts of one prompt computing its positions once, no padding)
// and on the full padded batch: the parameters agree to float32 rounding.
func TestPackedBatchKeepsTraining(t *testing.T) {
	mb, ma := trainBothWays(t, "full and packed batches", func(*Config) {},
		func(tr *Trainer, before bool) { tr.fullBatch = before })
	for i := range mb {
		if math.Abs(ma[i].Loss-mb[i].Loss) > 1e-5*math.Abs(mb[i].Loss)+1e-7 || math.Abs(ma[i].Entropy-mb[i].Entropy) > 1e-5 {
			t.Errorf("step %d: loss %g entropy %g packed, %g %g full", i+1, ma[i].Loss, ma[i].Entropy, mb[i].Loss, mb[i].Entropy)
		}
	}
}
