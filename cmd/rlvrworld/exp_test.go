package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
	"github.com/rlvrworld/rlvrworld/stdlib/grpo"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// TestExpSmoke runs the whole experiment pipeline (pretrain, MLE continued,
// GRPO, evaluation, JSON) on the text game at the seconds-long "smoke"
// budget, with no shipped checkpoint, and checks the output's shape; once
// with each KV cache precision of the rollout sampler.
func TestExpSmoke(t *testing.T) {
	for _, kv := range []nn.KVPrecision{nn.KVFloat32, nn.KVFloat16, nn.KVInt8} {
		t.Run(kv.String(), func(t *testing.T) { testExpSmoke(t, kv) })
	}
}

func testExpSmoke(t *testing.T, kv nn.KVPrecision) {
	// --eval-n 6 overrides the smoke budget's 4 evaluation rows.
	res := runExpResult(t, "--task", "textgame", "--budget", "smoke", "--seed", "2", "--kv", kv.String(), "--eval-n", "6",
		"--dynamic-sampling", "2", "--temperature", "1.5")
	if res.Task != "textgame" || res.Budget != "smoke" || res.Seed != 2 || len(res.Rows) != 3 {
		t.Fatalf("result %+v", res)
	}
	if res.GRPO == nil || res.GRPO.KV != kv || res.GRPO.DynamicSampling != 2 || res.GRPO.Temperature != 1.5 {
		t.Fatalf("result's GRPO config %+v, want KV %v, dynamic sampling 2 and temperature 1.5", res.GRPO, kv)
	}
	for i, method := range []string{"mle", "mle_continued", "rlvr"} {
		row := res.Rows[i]
		if row.Method != method {
			t.Errorf("row %d is %q, want %q", i, row.Method, method)
		}
		if row.Metrics["n"] != 6 {
			t.Errorf("%s evaluated %v rows, want --eval-n's 6", method, row.Metrics["n"])
		}
		for _, k := range append(metricKeys["textgame"], diagnosticKeys["textgame"]...) {
			if _, ok := row.Metrics[k]; !ok {
				t.Errorf("%s lacks metric %s: %v", method, k, row.Metrics)
			}
		}
	}
	if res.Rows[1].Steps != res.Rows[2].Steps || res.Rows[2].Steps == 0 {
		t.Errorf("MLE continued has %d steps, RLVR %d", res.Rows[1].Steps, res.Rows[2].Steps)
	}
}

func TestExpBadFlags(t *testing.T) {
	if code := runExp([]string{"--task", "nosuch", "-q"}); code != 1 {
		t.Errorf("unknown task: exit %d", code)
	}
	if code := runExp([]string{"--task", "textgame", "--budget", "huge", "-q"}); code != 1 {
		t.Errorf("unknown budget: exit %d", code)
	}
	if code := runExp([]string{"--task", "textgame", "--eval-split", "train", "-q"}); code != 2 {
		t.Errorf("bad eval split: exit %d", code)
	}
	if code := runExp([]string{"--task", "textgame", "--kv", "bf16", "-q"}); code != 2 {
		t.Errorf("bad --kv: exit %d", code)
	}
	if code := runExp([]string{"--task", "textgame", "--dynamic-sampling", "-1", "-q"}); code != 2 {
		t.Error("a negative --dynamic-sampling was accepted")
	}
	if code := runExp([]string{"--task", "textgame", "--eval-every", "-2", "-q"}); code != 2 {
		t.Error("a negative --eval-every was accepted")
	}
	if code := runExp(nil); code != 2 {
		t.Errorf("no task: exit %d", code)
	}
	for _, bad := range [][]string{{"web-agent", "video-multi"}, {"policy-eval", "web"}} {
		if code := runExp([]string{"--task", bad[0], "--world-model", bad[1], "-q"}); code != 2 {
			t.Errorf("--world-model %s with %s: exit %d", bad[1], bad[0], code)
		}
	}
	for _, bad := range [][]string{{"web", "motion"}, {"video", "binary"}, {"textgame", "motion"}} {
		if code := runExp([]string{"--task", bad[0], "--budget", "smoke", "--reward", bad[1], "-q"}); code != 1 {
			t.Errorf("--reward %s on %s: exit %d", bad[1], bad[0], code)
		}
	}
	if code := runExp([]string{"--task", "video", "--budget", "smoke", "--reward", "motion", "--motion-weight", "-1", "-q"}); code != 1 {
		t.Errorf("negative --motion-weight: exit %d", code)
	}
	if code := runExp([]string{"--task", "video", "--budget", "smoke", "--motion-weight", "0.5", "-q"}); code != 2 {
		t.Errorf("--motion-weight without --reward motion: exit %d, want 2", code)
	}
}

// runExpResult runs `rlvrworld exp` quietly with args, with no shipped
// checkpoints, and returns the result it wrote.
func runExpResult(t *testing.T, args ...string) expResult {
	t.Helper()
	out := filepath.Join(t.TempDir(), "r.json")
	if code := runExp(append(args, "-q", "--checkpoints", t.TempDir(), "--out", out)); code != 0 {
		t.Fatalf("exp %v: exit code %d", args, code)
	}
	return readResult(t, out)
}

// readResult reads the JSON that exp --out wrote.
func readResult(t *testing.T, out string) expResult {
	t.Helper()
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res expResult
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// TestExpEvalEvery checks the learning curves of --eval-every: MLE
// continued and RLVR get one point per GRPO step's worth of gradient steps,
// ending with their row's own metrics; the start row gets none.
// TestExpTunedControl runs MLE continued with a decaying schedule and the
// early-stopped "MLE continued to convergence" row, without RLVR (how the
// control's schedule is chosen on val).
func TestExpTunedControl(t *testing.T) {
	res := runExpResult(t, "--task", "textgame", "--budget", "smoke", "--mle-schedule", "1e-3:1e-4", "--mle-converge", "3", "--skip-rlvr", "--eval-split", "val")
	var methods []string
	for _, r := range res.Rows {
		methods = append(methods, r.Method)
	}
	if strings.Join(methods, " ") != "mle mle_continued mle_converged" {
		t.Fatalf("rows %v, want mle, mle_continued, mle_converged", methods)
	}
	if res.MLESchedule != "0.001:0.0001" || res.MLEContinuedLR != 0 {
		t.Errorf("schedule %q, continued LR %g", res.MLESchedule, res.MLEContinuedLR)
	}
	if s := res.Rows[2].Steps; s < 0 || s > 3 {
		t.Errorf("mle_converged kept step %d, want 0 to 3", s)
	}
	for _, bad := range []string{"0", "1e-3:x", "fast"} {
		if code := runExp([]string{"--task", "textgame", "--budget", "smoke", "-q", "--mle-schedule", bad}); code != 2 {
			t.Errorf("--mle-schedule %q: exit %d, want 2", bad, code)
		}
	}
}

func TestExpEvalEvery(t *testing.T) {
	res := runExpResult(t, "--task", "textgame", "--budget", "smoke", "--rl-steps", "2", "--eval-every", "1")
	mb := res.GRPO.MiniBatches
	for _, row := range res.Rows {
		if row.Method == "mle" {
			if row.Curve != nil {
				t.Errorf("the start row has a curve: %v", row.Curve)
			}
			continue
		}
		if len(row.Curve) != 2 || row.Curve[0].Steps != mb || row.Curve[1].Steps != 2*mb {
			t.Fatalf("%s curve %+v, want points at %d and %d steps", row.Method, row.Curve, mb, 2*mb)
		}
		last := row.Curve[1].Metrics
		for _, k := range metricKeys["textgame"] {
			if _, ok := row.Curve[0].Metrics[k]; !ok || last[k] != row.Metrics[k] {
				t.Errorf("%s curve lacks %s or ends at %v, not the row's %v", row.Method, k, last[k], row.Metrics[k])
			}
		}
	}
}

// TestPolicyEvalMultiStepSmoke runs policy evaluation inside the models of
// the multi-step video task at the smoke budget, with no shipped checkpoint,
// and checks that the result says which world model it used.
func TestPolicyEvalMultiStepSmoke(t *testing.T) {
	res := runExpResult(t, "--task", "policy-eval", "--world-model", "video-multi", "--budget", "smoke")
	if res.Task != "policy-eval" || res.WorldModel != "video-multi" || len(res.Rows) != 3 {
		t.Fatalf("result %+v", res)
	}
	for _, row := range res.Rows {
		if e, ok := row.Metrics["mean_abs_err"]; !ok || e < 0 || e > 1 {
			t.Errorf("%s: mean_abs_err %v (present %v)", row.Method, e, ok)
		}
	}
}

// TestPredictionValue checks the agent's scoring on a real site: the
// true next page of the right action scores above a no-op.
func TestPredictionValue(t *testing.T) {
	b := web.NewBrowser(web.NewSite(5, false))
	var goal web.Goal
	for _, g := range web.Goals(b) {
		if strings.HasPrefix(g.Text, "set the theme") {
			goal = g
		}
	}
	before := b.Items()
	next := web.NewBrowser(web.NewSite(5, false))
	var settings string
	for _, c := range next.Candidates() {
		probe := web.NewBrowser(web.NewSite(5, false))
		probe.Step(c)
		if strings.Contains(strings.Join(probe.Lines(), "\n"), "heading 'Settings'") {
			settings = c
			break
		}
	}
	if settings == "" {
		t.Fatal("no candidate opens the settings page")
	}
	next.Step(settings)
	diff := web.DiffItems(before, next.Items())
	good := predictionValue(b, goal, diff)
	noop := predictionValue(b, goal, web.Sections{})
	if !(good > noop) || good <= 0 {
		t.Errorf("settings page value %v, no-op %v", good, noop)
	}
}

func TestSummarizeMeanStd(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	// add writes one result file (named by its seed, unique here).
	add := func(r expResult) {
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("seed%d.json", r.Seed))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	for i, f1 := range []float64{0.4, 0.6} {
		add(expResult{Task: "web", Budget: "small", Seed: int64(i + 1), Rows: []expRow{
			{Method: "mle", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": f1}},
		}})
	}
	// A run evaluated on val forms its own table, never mixed into test's.
	add(expResult{Task: "web", Budget: "small", Seed: 3, EvalSplit: "val", Rows: []expRow{
		{Method: "mle", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": 0.9}},
	}})
	// Runs with different motion weights are different variants.
	for i, w := range []float64{0.25, 1} {
		add(expResult{Task: "web", Budget: "small", Seed: int64(4 + i), Reward: "motion", MotionWeight: w, Rows: []expRow{
			{Method: "mle", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": w}},
		}})
	}
	// Rollouts from a float16 KV cache are a variant of their own.
	add(expResult{Task: "web", Budget: "small", Seed: 6, GRPO: &grpo.Config{GroupSize: 8, PromptsPerStep: 16, LR: 1e-4, KV: nn.KVFloat16},
		Rows: []expRow{{Method: "mle", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": 0.7}}}})
	// Text-game runs with error shares get those columns.
	add(expResult{Task: "textgame", Budget: "small", Seed: 7, Rows: []expRow{{Method: "mle", Metrics: map[string]float64{
		"acc_overall": 0.6, "acc_changed": 0.3, "acc_unchanged": 0.9, "reward": 0.5,
		"err_name": 0.11, "err_props": 0.2, "err_contains": 0.25, "err_presence": 0, "err_score": 0.1}}}})
	// Rollout temperature, dynamic sampling, data size and RL length each
	// make a setting of its own, never averaged with another.
	for i, v := range []struct {
		temp           float32
		dyn, n, rlStep int
		lr             float64
	}{{1.5, 0, 0, 120, 0}, {1, 4, 0, 120, 0}, {1, 0, 1000, 120, 0}, {1, 0, 0, 960, 0}, {1, 0, 0, 120, 1e-4}} {
		add(expResult{Task: "web", Budget: "full", Seed: int64(10 + i), TrainN: v.n, MLEContinuedLR: v.lr,
			GRPO: &grpo.Config{GroupSize: 8, PromptsPerStep: 16, LR: 1e-4, Temperature: v.temp, DynamicSampling: v.dyn},
			Rows: []expRow{{Method: "rlvr", Steps: v.rlStep, Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": 0.5}}}})
	}
	// Runs from two different start checkpoints, equal in every flag, are
	// two settings.
	for i, sum := range []string{strings.Repeat("ab", 32), strings.Repeat("cd", 32)} {
		add(expResult{Task: "web", Budget: "tiny", Seed: int64(20 + i), StartSHA256: sum,
			Rows: []expRow{{Method: "mle", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": 0.5}}}})
	}
	// Two seeds with both methods get a paired row: RLVR minus MLE
	// continued per seed (0.1 and 0.2: mean 0.15, sample std 0.0707).
	for i, v := range [][2]float64{{0.6, 0.5}, {0.8, 0.6}} {
		add(expResult{Task: "web", Budget: "small", Seed: int64(30 + i), Reward: "paired",
			Rows: []expRow{
				{Method: "mle_continued", Metrics: map[string]float64{"precision": 1, "recall": 1, "f1": v[1]}},
				{Method: "rlvr", Metrics: map[string]float64{"precision": 1, "recall": 0.5, "f1": v[0]}},
			}})
	}
	out, err := summarize(paths)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "| rlvr − mle_continued, paired by seed | | | +0 ± 0 | -0.5 ± 0 | +0.15 ± 0.071 |") {
		t.Errorf("paired row missing or wrong:\n%s", out)
	}
	if !strings.Contains(out, "| t of the paired difference (2 seeds) | | | - | - | +3.00 |") {
		t.Errorf("t row missing or wrong:\n%s", out)
	}
	if n := strings.Count(out, "paired by seed"); n != 1 {
		t.Errorf("%d paired rows, want 1 (only the setting with two seeds of both methods):\n%s", n, out)
	}
	for _, want := range []string{"tiny, start checkpoint sha256 abababababab, seeds 20 (", "tiny, start checkpoint sha256 cdcdcdcdcdcd, seeds 21 ("} {
		if !strings.Contains(out, want) {
			t.Errorf("start checkpoints not told apart, no %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "LR 0.0001, float16 rollout KV cache, seeds 6 (") {
		t.Errorf("float16 rollouts not told apart:\n%s", out)
	}
	if !strings.Contains(out, "evaluated on val, seeds 3 (") || !strings.Contains(out, "| mle | 0 | 0 | 1 | 1 | 0.9 |") {
		t.Errorf("val table missing:\n%s", out)
	}
	if !strings.Contains(out, "RL reward motion (weight 0.25), seeds 4 (") || !strings.Contains(out, "RL reward motion (weight 1), seeds 5 (") {
		t.Errorf("motion weights not told apart:\n%s", out)
	}
	// mean 0.5, sample std sqrt(0.02) = 0.1414
	if !strings.Contains(out, "| mle | 0 | 0 | 1 ± 0 | 1 ± 0 | 0.5 ± 0.14 |") || !strings.Contains(out, "seeds 1, 2") {
		t.Errorf("summary:\n%s", out)
	}
	if !strings.Contains(out, "| acc_overall | acc_changed | acc_unchanged | reward | err_name | err_props | err_contains | err_presence | err_score |") ||
		!strings.Contains(out, "| mle | 0 | 0 | 0.6 | 0.3 | 0.9 | 0.5 | 0.11 | 0.2 | 0.25 | 0 | 0.1 |") {
		t.Errorf("text-game error columns missing:\n%s", out)
	}
	for _, want := range []string{"LR 0.0001, rollout temperature 1.5, seeds 10 (", "up to 4 extra draws), seeds 11 (",
		"LR 0.0001, 1000 training transitions, seeds 12 (", "| rlvr | 960 | 0 | 1 | 1 | 0.5 |",
		"start model's MLE continued at LR 0.0001, seeds 14 ("} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	bench := filepath.Join(dir, "bench-grpo.json")
	if err := os.WriteFile(bench, []byte(`{"textgame": {"sample_s": 1}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := summarize(append(paths, bench)); err == nil || !strings.Contains(err.Error(), "not a result") {
		t.Errorf("a file that is not an exp result: err %v", err)
	}
	if _, err := summarize([]string{filepath.Join(dir, "missing.json")}); err == nil {
		t.Error("missing file accepted")
	}
}

// TestPretrainEarlyStopping builds a checkpoint at the smoke budget, whose
// validation loss is measured after every step, and checks that the kept
// step and the curve are recorded in its metadata.
func TestPretrainEarlyStopping(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tg.safetensors")
	if code := runExp([]string{"--task", "textgame", "--budget", "smoke", "-q", "--pretrain-to", path}); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	_, meta, err := nn.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	curve := strings.Fields(meta["val_curve"])
	if len(curve) == 0 || len(curve) > 2 {
		t.Fatalf("val_curve %q: want 1 or 2 evaluations of a 2-step run", meta["val_curve"])
	}
	ran, _ := strconv.Atoi(meta["mle_steps_run"])
	kept, _ := strconv.Atoi(meta["mle_steps"])
	if ran != len(curve) || kept < 1 || kept > ran {
		t.Errorf("mle_steps %q of %q run, curve %v", meta["mle_steps"], meta["mle_steps_run"], curve)
	}
	best, err := strconv.ParseFloat(meta["best_val_loss"], 64)
	if err != nil || !(best > 0) {
		t.Errorf("best_val_loss %q", meta["best_val_loss"])
	}
	if !strings.HasPrefix(curve[kept-1], strconv.Itoa(kept)+":") {
		t.Errorf("kept step %d is not at curve position %d: %v", kept, kept-1, curve)
	}
}

// TestValLoss checks the validation loss on a hand-made example against
// the model's own log-probabilities of the response tokens.
func TestValLoss(t *testing.T) {
	m, err := nn.New(nn.Config{Vocab: 8, MaxSeq: 8, Layers: 1, Dim: 8, Heads: 2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ex := envs.Example{Prompt: []int{1, 2, 3}, Target: []int{4, 5}}
	got, err := valLoss(context.Background(), m, []envs.Example{ex, ex}, 1)
	if err != nil {
		t.Fatal(err)
	}
	logp, _ := m.Forward(&nn.Batch{B: 1, T: 4, Inputs: []int{1, 2, 3, 4}, Targets: []int{2, 3, 4, 5}})
	want := -(float64(logp[2]) + float64(logp[3])) / 2
	if math.Abs(got-want) > 1e-5 {
		t.Errorf("valLoss %v, want %v", got, want)
	}
	if _, err := valLoss(context.Background(), m, []envs.Example{{Prompt: []int{1, 2}}}, 4); err == nil {
		t.Error("no response tokens: want an error")
	}
}

// TestPretrainCosine builds a start model whose LR decays along a cosine
// (--pretrain-cosine): it runs its whole schedule, records the schedule and
// its final LR, and an experiment from it runs MLE continued at that LR.
func TestPretrainCosine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "textgame.safetensors")
	if code := runExp([]string{"--task", "textgame", "--budget", "smoke", "-q", "--pretrain-cosine", "--pretrain-steps", "4", "--pretrain-to", path}); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	_, meta, err := nn.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta["mle_schedule"] != "cosine" || meta["mle_steps_run"] != "4" {
		t.Fatalf("metadata %v: want a cosine schedule run for all 4 steps", meta)
	}
	final, err := strconv.ParseFloat(meta["mle_final_lr"], 64)
	if err != nil || math.Abs(final-1e-4) > 1e-9 {
		t.Fatalf("mle_final_lr %q, want 1e-4 (a tenth of 1e-3)", meta["mle_final_lr"])
	}
	out := filepath.Join(t.TempDir(), "r.json")
	if code := runExp([]string{"--task", "textgame", "--budget", "smoke", "-q", "--checkpoints", dir, "--out", out}); code != 0 {
		t.Fatalf("exp: exit code %d", code)
	}
	if res := readResult(t, out); math.Abs(res.MLEContinuedLR-1e-4) > 1e-9 {
		t.Errorf("mle_continued_lr %v, want the start model's final LR 1e-4", res.MLEContinuedLR)
	}
}

// TestPretrainLR checks the cosine schedule's ends and that it falls.
func TestPretrainLR(t *testing.T) {
	b := budget{Pretrain: 1000, MLELR: 1e-3}
	if lr := b.pretrainLR(1); math.Abs(float64(lr)-1e-3) > 1e-8 {
		t.Errorf("step 1: %g", lr)
	}
	if lr := b.pretrainLR(1000); math.Abs(float64(lr)-1e-4) > 1e-9 {
		t.Errorf("last step: %g", lr)
	}
	for s := 2; s <= 1000; s++ {
		if b.pretrainLR(s) > b.pretrainLR(s-1) {
			t.Fatalf("LR rises at step %d", s)
		}
	}
}

// TestExpTrainN checks --train-n end to end: the start model it pretrains
// records the size, a run with that size loads it and says so in its result,
// and a run with another size does not take it as the start model.
func TestExpTrainN(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "textgame.safetensors")
	// A cosine schedule records its final LR, 1e-4, in the checkpoint: only a
	// run that loads it continues MLE at that LR (mle_continued_lr).
	if code := runExp([]string{"--task", "textgame", "--budget", "smoke", "-q", "--train-n", "12", "--pretrain-cosine", "--pretrain-to", path}); code != 0 {
		t.Fatalf("pretrain: exit code %d", code)
	}
	_, meta, err := nn.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta["train_n"] != "12" {
		t.Fatalf("checkpoint's train_n %q, want 12", meta["train_n"])
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fileSum := fmt.Sprintf("%x", sha256.Sum256(raw))
	for _, n := range []int{12, 13} {
		out := filepath.Join(t.TempDir(), "r.json")
		if code := runExp([]string{"--task", "textgame", "--budget", "smoke", "-q", "--train-n", strconv.Itoa(n), "--checkpoints", dir, "--out", out}); code != 0 {
			t.Fatalf("exp --train-n %d: exit code %d", n, code)
		}
		res := readResult(t, out)
		if res.TrainN != n || len(res.Rows) != 3 {
			t.Errorf("result train_n %d with %d rows, want %d and 3", res.TrainN, len(res.Rows), n)
		}
		if loaded := math.Abs(res.MLEContinuedLR-1e-4) < 1e-9; loaded != (n == 12) {
			t.Errorf("--train-n %d: loaded the 12-transition checkpoint %v (mle_continued_lr %v)", n, loaded, res.MLEContinuedLR)
		}
		// The result names the checkpoint it started from by its hash, and
		// none when it pretrained its own.
		if want := map[bool]string{true: fileSum, false: ""}[n == 12]; res.StartSHA256 != want {
			t.Errorf("--train-n %d: start_sha256 %q, want %q", n, res.StartSHA256, want)
		}
	}
	if code := runExp([]string{"--task", "textgame", "--train-n", "-1", "-q"}); code != 2 {
		t.Error("a negative --train-n was accepted")
	}

	c := nn.Config{Vocab: 50, MaxSeq: 100}
	if why := checkpointMisfit(c, c, meta, 12); why != "" {
		t.Errorf("a checkpoint of 12 transitions does not fit --train-n 12: %s", why)
	}
	if why := checkpointMisfit(c, c, meta, 13); !strings.Contains(why, "train-n") {
		t.Errorf("a checkpoint of 12 transitions fits --train-n 13 (%q)", why)
	}
	if why := checkpointMisfit(c, c, meta, 0); why != "" {
		t.Errorf("without --train-n the shipped checkpoint serves every budget, got %q", why)
	}
	if why := checkpointMisfit(c, nn.Config{Vocab: 50, MaxSeq: 101}, meta, 12); !strings.Contains(why, "does not fit") {
		t.Errorf("a too-short context fits (%q)", why)
	}
	old := map[string]string{"task": "textgame", "train_n": "12"}
	if why := checkpointMisfit(c, c, old, 0); !strings.Contains(why, "overlapping splits") {
		t.Errorf("a text game checkpoint without splits=keyed fits (%q)", why)
	}
}
