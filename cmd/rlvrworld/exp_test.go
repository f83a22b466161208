package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/traefik/yaegi/interp"

	"github.com/rlvrworld/rlvrworld/kernel/exec"
	"github.com/rlvrworld/rlvrworld/stdlib/exp"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/symbols"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
)

// textgameSpec is the text game's registry entry (its metric columns).
var textgameSpec = func() tasks.Spec {
	s, err := tasks.Lookup("textgame")
	if err != nil {
		panic(err)
	}
	return s
}()

// TestExpSmoke runs the whole experiment pipeline (pretrain, MLE continued,
// GRPO, evaluation, JSON) on the text game at the seconds-long "smoke"
// budget, with no shipped checkpoint, and checks the output's shape; once
// with each KV cache precision of the rollout sampler.
func TestExpSmoke(t *testing.T) {
	for _, kv := range []nn.KVPrecision{nn.KVFloat32, nn.KVFloat16, nn.KVInt8, nn.KVK8V16} {
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
		for _, k := range append(textgameSpec.MetricKeys(), textgameSpec.Diagnostics...) {
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
func runExpResult(t *testing.T, args ...string) exp.Result {
	t.Helper()
	out := filepath.Join(t.TempDir(), "r.json")
	if code := runExp(append(args, "-q", "--pretrain", "--checkpoints", t.TempDir(), "--out", out)); code != 0 {
		t.Fatalf("exp %v: exit code %d", args, code)
	}
	return readResult(t, out)
}

// readResult reads the JSON that exp --out wrote.
func readResult(t *testing.T, out string) exp.Result {
	t.Helper()
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res exp.Result
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
		for _, k := range textgameSpec.MetricKeys() {
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

}

// notebookCell is what a notebook cell types to run the experiment: it
// prints the result's JSON between markers for the test to read back.
const notebookCell = `
import (
	"encoding/json"
	"fmt"

	"rlvr/cell"
	"rlvr/exp"
)

res, err := exp.Run(cell.Context(), exp.Config{Task: %q, Budget: "tiny", Seed: 1, Checkpoints: %q,
	Override: exp.Override{Pretrain: 20}, Progress: exp.Live()})
if err != nil {
	panic(err)
}
data, _ := json.Marshal(res)
fmt.Println("RESULT " + string(data))
`

// TestExpSameRowsAsNotebook runs each task at the tiny budget twice (from
// the shipped checkpoint where it fits, else a start model pretrained for
// 20 steps, to keep the test short): with the
// command line, and with exp.Run typed into a notebook cell (the
// kernel's interpreter, with the cell's context and live progress). The
// rows must agree bit for bit: every metric and step count, wall times
// aside.
func TestExpSameRowsAsNotebook(t *testing.T) {
	ckpt, err := filepath.Abs("../../checkpoints")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range []string{"textgame", "web", "video"} {
		t.Run(task, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "cli.json")
			if code := runExp([]string{"--task", task, "--budget", "tiny", "--seed", "1", "--pretrain-steps", "20", "-q", "--checkpoints", ckpt, "--out", out}); code != 0 {
				t.Fatalf("exit code %d", code)
			}
			cli := readResult(t, out)
			var stdout strings.Builder
			e, err := exec.New(exec.Options{Stdout: &stdout, Stderr: &stdout, Symbols: []interp.Exports{symbols.Short()}})
			if err != nil {
				t.Fatal(err)
			}
			if r := e.Execute(context.Background(), fmt.Sprintf(notebookCell, task, ckpt)); r.Err != nil {
				t.Fatalf("cell: %v\n%s", r.Err, stdout.String())
			}
			_, js, ok := strings.Cut(stdout.String(), "RESULT ")
			if !ok {
				t.Fatalf("the cell printed no result:\n%s", stdout.String())
			}
			var cellRes exp.Result
			if err := json.Unmarshal([]byte(strings.TrimSpace(js)), &cellRes); err != nil {
				t.Fatal(err)
			}
			if len(cli.Rows) != 3 || !reflect.DeepEqual(withoutWall(&cli), withoutWall(&cellRes)) {
				t.Errorf("rows differ\nCLI:  %+v\ncell: %+v", cli.Rows, cellRes.Rows)
			}
			cli.Rows, cellRes.Rows = nil, nil
			if !reflect.DeepEqual(cli, cellRes) {
				t.Errorf("headers differ\nCLI:  %+v\ncell: %+v", cli, cellRes)
			}
		})
	}
}

// withoutWall is a result's rows with wall times zeroed.
func withoutWall(r *exp.Result) []exp.Row {
	rows := append([]exp.Row(nil), r.Rows...)
	for i := range rows {
		rows[i].WallS = 0
	}
	return rows
}

// TestExpSeeds runs two seeds side by side from the command line: one
// result file per seed, equal in rows to the single-seed run, and a summary
// over both.
func TestExpSeeds(t *testing.T) {
	dir := t.TempDir()
	pattern := filepath.Join(dir, "tg-{seed}.json")
	args := []string{"--task", "textgame", "--budget", "smoke", "-q", "--pretrain", "--checkpoints", t.TempDir()}
	if code := runExp(append(args, "--seeds", "1-2", "--jobs", "2", "--out", pattern)); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	alone := runExpResult(t, "--task", "textgame", "--budget", "smoke", "--seed", "2")
	two := readResult(t, filepath.Join(dir, "tg-2.json"))
	if !reflect.DeepEqual(withoutWall(&two), withoutWall(&alone)) {
		t.Errorf("seed 2 of --seeds 1-2:\n%+v\nalone:\n%+v", two.Rows, alone.Rows)
	}
	if one := readResult(t, filepath.Join(dir, "tg-1.json")); one.Seed != 1 {
		t.Errorf("tg-1.json has seed %d", one.Seed)
	}
	for _, bad := range []string{"3-1", "x", "1-"} {
		if code := runExp(append(args, "--seeds", bad)); code != 2 {
			t.Errorf("--seeds %s: exit %d, want 2", bad, code)
		}
	}
}

// TestExpSummarizeCommitted summarizes every committed result file and
// checks the tables against those of the files read one by one: each
// committed file still loads, and grouping changes nothing per file.
func TestExpSummarizeCommitted(t *testing.T) {
	paths, err := filepath.Glob("../../docs/results/*.json")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../../docs/results/*/*.json")
	n := 0
	for _, p := range append(paths, more...) {
		if strings.Contains(filepath.Base(p), "bench") {
			continue
		}
		rs, err := exp.Load(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if md := exp.Summarize(rs...).Markdown(); !strings.Contains(md, "| mle |") && !strings.Contains(md, "| rlvr |") {
			t.Errorf("%s: no rows in\n%s", p, md)
		}
		n++
	}
	if n < 20 {
		t.Errorf("only %d committed result files found", n)
	}
}
