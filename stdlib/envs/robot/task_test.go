package robot

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/verify"
)

func newTask(t testing.TB, opt Options) *Task {
	t.Helper()
	task, err := NewTask(opt)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func gen(t testing.TB, task *Task, split envs.Split, n int, seed int64) []envs.Example {
	t.Helper()
	exs, err := task.Generate(context.Background(), split, n, seed)
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

var _ envs.Task = (*Task)(nil)
var _ envs.Codec = (*Task)(nil)

// TestSimulatorInvariants steps random episodes and checks what must always
// hold: positions on the table and on the grid, a held block in the
// gripper, a closed gripper when holding, frames of the right size.
func TestSimulatorInvariants(t *testing.T) {
	lo, hi := gripperRange()
	for e := 0; e < 200; e++ {
		rng := rand.New(rand.NewPCG(uint64(e), 9))
		s := NewEpisode(rng, 3, e%2 == 0, e%5 == 0)
		for i := 0; i < 40; i++ {
			var a Action
			if i%3 == 0 {
				a = NewExpert().ActState(s)
			} else {
				a = randomAction(rng, 5)
			}
			n := Step(s, a, DefaultPhysics, rng)
			if len(n.Blocks) != len(s.Blocks) || &n.Blocks[0] == &s.Blocks[0] {
				t.Fatal("Step must return a fresh state with the same blocks")
			}
			s = n
			if s.GX < lo || s.GX > hi || s.GY < lo || s.GY > hi || s.GX != snap(s.GX) || s.GY != snap(s.GY) {
				t.Fatalf("episode %d step %d: gripper at %v,%v", e, i, s.GX, s.GY)
			}
			for _, b := range s.Blocks {
				if b.X < BlockSide/2 || b.X > Table-BlockSide/2 || b.Y < BlockSide/2 || b.Y > Table-BlockSide/2 || b.X != snap(b.X) || b.Y != snap(b.Y) {
					t.Fatalf("episode %d step %d: block at %v,%v", e, i, b.X, b.Y)
				}
			}
			if s.Held >= 0 {
				b := s.Blocks[s.Held]
				if !s.Closed || b.X != s.GX || b.Y != s.GY {
					t.Fatalf("episode %d step %d: held block at %v,%v, gripper at %v,%v closed %v", e, i, b.X, b.Y, s.GX, s.GY, s.Closed)
				}
			}
			if s.DrawerOpen < 0 || s.DrawerOpen > 1 {
				t.Fatalf("drawer open %v", s.DrawerOpen)
			}
			if f := Render(s, 32); len(f) != 32*32*3 {
				t.Fatalf("frame has %d bytes", len(f))
			}
		}
	}
	// A no-op (no move, fingers unchanged) changes nothing, whatever the rng.
	rng := rand.New(rand.NewPCG(1, 1))
	s := NewEpisode(rng, 3, true, false)
	n := Step(s, Action{Close: s.Closed}, DefaultPhysics, rng)
	if string(Render(n, 32)) != string(Render(s, 32)) {
		t.Error("a no-op changed the frame")
	}
}

// TestSimulatorMechanics checks grasp, carry, release and push by hand.
func TestSimulatorMechanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sure := Physics{} // no slips
	s := &State{GX: 10, GY: 10, Held: -1, Blocks: []Block{{X: 10, Y: 10, Color: 0}, {X: 20, Y: 10, Color: 1}}, Target: 0, GoalX: 24, GoalY: 24}
	s = Step(s, Action{Close: true}, sure, rng)
	if s.Held != 0 {
		t.Fatalf("closing over a block did not grasp it: held %d", s.Held)
	}
	s = Step(s, Action{DX: 1, DY: 1, Close: true}, sure, rng)
	if s.Blocks[0].X != 14 || s.Blocks[0].Y != 14 {
		t.Fatalf("carried block at %v,%v, want 14,14", s.Blocks[0].X, s.Blocks[0].Y)
	}
	for i := 0; i < 3; i++ {
		s = Step(s, Action{DX: 1, DY: 1, Close: true}, sure, rng)
	}
	if Success(s) {
		t.Fatal("success while the block is still held")
	}
	s = Step(s, Action{}, sure, rng)
	if s.Held != -1 || !Success(s) {
		t.Fatalf("release in the goal: held %d success %v block %+v", s.Held, Success(s), s.Blocks[0])
	}
	// A closed, empty gripper pushes the block it runs into.
	p := &State{GX: 14, GY: 10, Closed: true, Held: -1, Blocks: []Block{{X: 18, Y: 10}}}
	p = Step(p, Action{DX: 0.5, Close: true}, sure, rng)
	if p.GX != 16 || p.Blocks[0].X != 20 || p.Blocks[0].Y != 10 {
		t.Fatalf("push: gripper %v, block %+v", p.GX, p.Blocks[0])
	}
	// Grasps slip with GraspSlip.
	slips := 0
	for i := 0; i < 2000; i++ {
		q := &State{GX: 10, GY: 10, Held: -1, Blocks: []Block{{X: 10, Y: 10}}}
		if Step(q, Action{Close: true}, DefaultPhysics, rng).Held < 0 {
			slips++
		}
	}
	if r := float64(slips) / 2000; math.Abs(r-DefaultPhysics.GraspSlip) > 0.03 {
		t.Errorf("grasp slip rate %.3f, want about %.2f", r, DefaultPhysics.GraspSlip)
	}
}

// TestGenerateDeterministicAndSplits checks determinism under a seed,
// disjoint splits, held-out colours and the share of no-op transitions.
func TestGenerateDeterministicAndSplits(t *testing.T) {
	task := newTask(t, Options{})
	a := gen(t, task, envs.Train, 200, 7)
	b := gen(t, task, envs.Train, 200, 7)
	for i := range a {
		if a[i].ID != b[i].ID || !equalInts(a[i].Prompt, b[i].Prompt) || !equalInts(a[i].Target, b[i].Target) {
			t.Fatalf("example %d differs between two runs with the same seed", i)
		}
	}
	seeds := map[uint64]envs.Split{}
	for _, sp := range []envs.Split{envs.Train, envs.Val, envs.Test, envs.Heldout} {
		exs := gen(t, task, sp, 200, 7)
		unchanged := 0
		for i := range exs {
			p := exs[i].Payload.(*Payload)
			if prev, dup := seeds[p.EpisodeSeed]; dup {
				t.Fatalf("episode seed %d in %s and %s", p.EpisodeSeed, prev, sp)
			}
			seeds[p.EpisodeSeed] = sp
			var cols []int
			for _, bl := range p.States[0].Blocks {
				cols = append(cols, bl.Color)
			}
			if isHeldoutColors(cols) != (sp == envs.Heldout) {
				t.Fatalf("%s example %d has colours %v", sp, i, cols)
			}
			if !exs[i].Changed {
				unchanged++
			}
			if len(exs[i].Prompt) != task.PromptLen() || len(exs[i].Target) != task.ResponseLen() {
				t.Fatalf("lengths %d, %d", len(exs[i].Prompt), len(exs[i].Target))
			}
			for _, v := range exs[i].Prompt {
				if v < 0 || v >= task.VocabSize() {
					t.Fatalf("token %d outside the vocabulary", v)
				}
			}
		}
		// No-ops (35%) plus moves into walls leave the frame unchanged.
		if r := float64(unchanged) / 200; r < 0.28 || r > 0.47 {
			t.Errorf("%s: %.2f of transitions unchanged, want 0.30..0.45", sp, r)
		}
	}
	if c := gen(t, task, envs.Train, 5, 8); equalInts(c[0].Target, a[0].Target) && equalInts(c[1].Target, a[1].Target) {
		t.Error("another seed gave the same examples")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := task.Generate(ctx, envs.Train, 100, 1); err == nil {
		t.Error("Generate ignored a cancelled context")
	}
	if _, err := task.Generate(context.Background(), "nope", 1, 1); err == nil {
		t.Error("Generate accepted an unknown split")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestActionTokens checks the layout of action tokens.
func TestActionTokens(t *testing.T) {
	task := newTask(t, Options{})
	k, b := task.opt.K, task.opt.Bins
	if task.VocabSize() != k+2*b+2 {
		t.Fatalf("vocab %d", task.VocabSize())
	}
	got := task.EncodeAction(Action{DX: -1, DY: 1, Close: true})
	if !equalInts(got, []int{k, k + 2*b - 1, k + 2*b + 1}) {
		t.Fatalf("tokens %v", got)
	}
	a, err := task.DecodeAction(task.EncodeAction(Action{DX: 0.5, DY: -0.5}))
	if err != nil || a != (Action{DX: 0.5, DY: -0.5}) {
		t.Fatalf("round trip %+v %v", a, err)
	}
	for _, bad := range [][]int{{0, 0, 0}, {k, k, k + 2*b}, {k, k + b, k + 2*b + 2}, {k}} {
		if _, err := task.DecodeAction(bad); err == nil {
			t.Errorf("%v accepted as an action", bad)
		}
	}
}

// TestScoreTruthTable: the truth scores the maximum, unusable responses the
// lowest with Err, and partial answers exactly what the metrics say.
func TestScoreTruthTable(t *testing.T) {
	for _, steps := range []int{1, 3} {
		task := newTask(t, Options{Steps: steps})
		exs := gen(t, task, envs.Test, 40, 3)
		for i := range exs {
			ex := &exs[i]
			s := task.Score(ex, ex.Target)
			if s.Err != "" || s.Reward != 0 || s.Metrics["ssim"] != 1 || s.Metrics["mse"] != 0 || s.Metrics["psnr"] != verify.MaxPSNR || s.Metrics["repetition"] != 0 {
				t.Fatalf("steps %d: truth scores %+v", steps, s)
			}
			bad := [][]int{nil, {}, ex.Target[:len(ex.Target)-1], append(append([]int(nil), ex.Target...), 0)}
			oob := append([]int(nil), ex.Target...)
			oob[5] = task.opt.K // an action id where a frame token belongs
			neg := append([]int(nil), ex.Target...)
			neg[len(neg)-1] = -7
			bad = append(bad, oob, neg)
			for j, r := range bad {
				s := task.Score(ex, r)
				if s.Err == "" || s.Reward != LowestReward || s.Metrics["invalid"] != 1 {
					t.Fatalf("steps %d: bad response %d scores %+v", steps, j, s)
				}
			}
		}
		if s := task.Score(&envs.Example{}, exs[0].Target); s.Err == "" || s.Reward != LowestReward {
			t.Fatalf("example without payload scores %+v", s)
		}
		if s := task.Score(nil, exs[0].Target); s.Err == "" {
			t.Fatal("nil example scored without error")
		}
	}
	if LowestReward != -3 {
		t.Fatalf("lowest reward %v, want -3", LowestReward)
	}
}

// TestScorePartial checks exact values: one token swapped changes MAE by
// the codebook vectors' distance over the frame, and copying the last
// context frame is flagged as repetition exactly when the truth changed.
func TestScorePartial(t *testing.T) {
	task := newTask(t, Options{})
	exs := gen(t, task, envs.Test, 60, 4)
	cb := task.Codebook()
	d := cb.Dim()
	reps, changed := 0, 0
	for i := range exs {
		ex := &exs[i]
		p := ex.Payload.(*Payload)
		r := append([]int(nil), ex.Target...)
		pos := i % len(r)
		old := r[pos]
		r[pos] = (old + 1 + i) % cb.K
		var want float64
		for j := 0; j < d; j++ {
			want += math.Abs(float64(cb.Vectors[old*d+j] - cb.Vectors[r[pos]*d+j]))
		}
		want /= float64(p.Size * p.Size * 3)
		s := task.Score(ex, r)
		if math.Abs(s.Metrics["mae"]-want) > 1e-6 || s.Err != "" {
			t.Fatalf("example %d: mae %v, want %v (%+v)", i, s.Metrics["mae"], want, s)
		}
		if math.Abs(s.Reward-(-(s.Metrics["mae"]+1-s.Metrics["ssim"]))) > 1e-12 || s.Reward >= 0 && want > 0 {
			t.Fatalf("example %d: reward %v from %+v", i, s.Reward, s.Metrics)
		}
		last := p.ContextTokens[len(p.ContextTokens)-1]
		cp := task.Score(ex, last)
		tokChanged := !equalInts(last, p.FrameTokens[0])
		if (cp.Metrics["repetition"] == 1) != tokChanged {
			t.Fatalf("example %d: copy repetition %v, truth changed %v", i, cp.Metrics["repetition"], tokChanged)
		}
		if tokChanged {
			changed++
			if cp.Reward >= 0 {
				t.Fatalf("example %d: copying a changed frame scores %v", i, cp.Reward)
			}
		} else if cp.Reward != 0 {
			t.Fatalf("example %d: copying an unchanged frame scores %v", i, cp.Reward)
		}
		if cp.Metrics["repetition"] == 1 {
			reps++
		}
	}
	if changed == 0 || reps != changed {
		t.Fatalf("repetition %d, changed %d", reps, changed)
	}
	// Evaluate averages; a copy of every context frame repeats on every
	// changed example.
	scores := make([]envs.Score, len(exs))
	for i := range exs {
		p := exs[i].Payload.(*Payload)
		scores[i] = task.Score(&exs[i], p.ContextTokens[len(p.ContextTokens)-1])
	}
	ev := task.Evaluate(exs, scores)
	for _, k := range []string{"mse", "psnr", "ssim", "mae", "repetition", "reward", "repetition_changed"} {
		if _, ok := ev[k]; !ok {
			t.Errorf("Evaluate lacks %s: %v", k, ev)
		}
	}
	if ev["repetition"] != float64(reps)/float64(len(exs)) || ev["repetition_changed"] != 1 && changed == countChanged(exs) {
		t.Errorf("evaluate %v with %d repetitions of %d", ev, reps, len(exs))
	}
}

func countChanged(exs []envs.Example) int {
	n := 0
	for i := range exs {
		if exs[i].Changed {
			n++
		}
	}
	return n
}

// TestMultiStepForce checks that Force injects the true action tokens after
// each predicted frame but the last, and that action positions are not
// scored.
func TestMultiStepForce(t *testing.T) {
	task := newTask(t, Options{Steps: 3})
	exs := gen(t, task, envs.Train, 5, 1)
	ex := &exs[0]
	p := ex.Payload.(*Payload)
	dec := task.Decoding()
	if dec.Force == nil || dec.Stop != -1 || dec.MaxTokens != 3*64+2*3 {
		t.Fatalf("decoding %+v", dec)
	}
	// Build a response as the sampler would: generated tokens, then forced.
	var resp []int
	for len(resp) < dec.MaxTokens {
		if f := dec.Force(ex, resp); len(f) > 0 {
			resp = append(resp, f...)
			continue
		}
		resp = append(resp, ex.Target[len(resp)])
	}
	if !equalInts(resp, ex.Target) {
		t.Fatal("forced rollout differs from the target")
	}
	if got := dec.Force(ex, ex.Target[:64]); !equalInts(got, p.ActionTokens[1]) {
		t.Fatalf("after frame 1: %v, want %v", got, p.ActionTokens[1])
	}
	if got := dec.Force(ex, ex.Target[:63]); got != nil {
		t.Fatalf("mid-frame force %v", got)
	}
	if got := dec.Force(ex, ex.Target); got != nil {
		t.Fatalf("after the last frame %v", got)
	}
	r := append([]int(nil), ex.Target...)
	r[64], r[65], r[66] = 0, 1, 2 // garbage in an action slot
	if s := task.Score(ex, r); s.Err != "" || s.Reward != 0 {
		t.Fatalf("action slots were scored: %+v", s)
	}
	if newTask(t, Options{}).Decoding().Force != nil {
		t.Fatal("single-step task forces tokens")
	}
}

// TestCodecRoundTrip writes records as JSON, reads them back and checks
// that the rebuilt examples score predictions the same.
func TestCodecRoundTrip(t *testing.T) {
	for _, opt := range []Options{{}, {Steps: 3, Context: 2}, {RawTruth: true}} {
		task := newTask(t, opt)
		exs := gen(t, task, envs.Val, 10, 2)
		for i := range exs {
			rec, err := task.Record(&exs[i])
			if err != nil {
				t.Fatal(err)
			}
			line, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(line, &raw); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"id", "task", "split", "prompt", "ground_truth", "frame_png"} {
				if _, ok := raw[f]; !ok {
					t.Fatalf("record lacks %s", f)
				}
			}
			back, err := task.Example(raw)
			if err != nil {
				t.Fatal(err)
			}
			if back.ID != exs[i].ID || back.Split != exs[i].Split || back.Changed != exs[i].Changed ||
				!equalInts(back.Prompt, exs[i].Prompt) || !equalInts(back.Target, exs[i].Target) {
				t.Fatalf("example %d changed in the round trip", i)
			}
			pred := append([]int(nil), exs[i].Target...)
			pred[3] = (pred[3] + 5) % task.opt.K
			predJSON, _ := json.Marshal(pred)
			s1 := task.Score(&exs[i], pred)
			s2, err := task.ScorePrediction(back, predJSON)
			if err != nil || math.Abs(s1.Reward-s2.Reward) > 1e-12 {
				t.Fatalf("scores differ after the round trip: %+v vs %+v (%v)", s1, s2, err)
			}
			if opt.RawTruth && s1.Reward == 0 {
				t.Fatal("RawTruth: a wrong prediction scored 0")
			}
		}
		// Bad records name the field.
		for _, bad := range []string{`{}`, `{"prompt": [1], "ground_truth": []}`, `{"prompt": "x", "ground_truth": [1]}`} {
			var raw map[string]json.RawMessage
			json.Unmarshal([]byte(bad), &raw)
			if _, err := task.Example(raw); err == nil {
				t.Errorf("record %s accepted", bad)
			}
		}
	}
}

// TestScorePrediction checks the JSON prediction parser's contract: wrong
// JSON types are errors, unusable numbers the lowest score.
func TestScorePrediction(t *testing.T) {
	task := newTask(t, Options{})
	ex := gen(t, task, envs.Test, 1, 1)[0]
	for _, bad := range []string{`"1 2 3"`, `{"a": 1}`, `null`, `[1, "2"]`, `[[1]]`, `7`} {
		if _, err := task.ScorePrediction(&ex, json.RawMessage(bad)); err == nil {
			t.Errorf("prediction %s: no error", bad)
		}
	}
	for _, low := range []string{`[]`, `[1.5]`, `[1e300]`, `[-1]`} {
		s, err := task.ScorePrediction(&ex, json.RawMessage(low))
		if err != nil || s.Err == "" || s.Reward != LowestReward {
			t.Errorf("prediction %s: %+v %v", low, s, err)
		}
	}
	truth, _ := json.Marshal(ex.Target)
	if s, err := task.ScorePrediction(&ex, truth); err != nil || s.Reward != 0 {
		t.Errorf("truth: %+v %v", s, err)
	}
}

// FuzzScorePrediction feeds arbitrary JSON to the parser and the scorer:
// never a panic, rewards in [LowestReward, 0], and Err exactly when the
// lowest reward comes from an unusable response.
func FuzzScorePrediction(f *testing.F) {
	task := newTask(f, Options{Steps: 2})
	ex := gen(f, task, envs.Test, 1, 1)[0]
	truth, _ := json.Marshal(ex.Target)
	f.Add(truth)
	f.Add([]byte(`[]`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte(`[1.5, -2, 1e400]`))
	f.Add([]byte(`"x"`))
	f.Add([]byte(`{"prediction": [1]}`))
	f.Add([]byte(`[` + string(truth[1:len(truth)-1]) + `,0]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := task.ScorePrediction(&ex, json.RawMessage(data))
		if err != nil {
			return
		}
		if s.Reward < LowestReward || s.Reward > 0 || math.IsNaN(s.Reward) {
			t.Fatalf("reward %v for %q", s.Reward, data)
		}
		if s.Err != "" && s.Reward != LowestReward {
			t.Fatalf("Err %q with reward %v", s.Err, s.Reward)
		}
	})
}

// FuzzScoreTokens scores arbitrary token lists built from bytes.
func FuzzScoreTokens(f *testing.F) {
	task := newTask(f, Options{})
	ex := gen(f, task, envs.Test, 1, 1)[0]
	seed := make([]byte, len(ex.Target))
	for i, v := range ex.Target {
		seed[i] = byte(v)
	}
	f.Add(seed)
	f.Add([]byte{})
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, data []byte) {
		toks := make([]int, len(data))
		for i, b := range data {
			toks[i] = int(b) + int(b&1)*200 - 50
		}
		s := task.Score(&ex, toks)
		if s.Reward < LowestReward || s.Reward > 0 || math.IsNaN(s.Reward) {
			t.Fatalf("reward %v", s.Reward)
		}
		task.Rollout(&ex, toks) // must not panic either
	})
}

// TestRollout checks the viewer value: one predicted and one true frame per
// step, the context, metrics, and the repetition flag of a copied frame.
func TestRollout(t *testing.T) {
	task := newTask(t, Options{Steps: 3})
	exs := gen(t, task, envs.Test, 20, 5)
	for i := range exs {
		ex := &exs[i]
		fr := task.Rollout(ex, ex.Target)
		if len(fr.Predicted) != 3 || len(fr.Truth) != 3 || len(fr.Metrics) != 3 || len(fr.Repeated) != 3 || len(fr.Context) != 1 {
			t.Fatalf("rollout shape %d %d %d %d %d", len(fr.Predicted), len(fr.Truth), len(fr.Metrics), len(fr.Repeated), len(fr.Context))
		}
		for j, m := range fr.Metrics {
			if m["ssim"] != 1 || m["reward"] != 0 || fr.Repeated[j] {
				t.Fatalf("truth rollout step %d: %v repeated %v", j, m, fr.Repeated[j])
			}
		}
		if b := fr.Predicted[0].Bounds(); b.Dx() != 32 || b.Dy() != 32 {
			t.Fatalf("frame bounds %v", b)
		}
		if i == 0 {
			// The display package renders it: viewer JSON plus a PNG fallback.
			out := fr.Render()
			if _, ok := out.Data["image/png"]; !ok || len(out.Data) < 2 {
				t.Fatalf("rendered rollout has MIME types %v", keys(out.Data))
			}
		}
		// Repeat the last context frame three times.
		p := ex.Payload.(*Payload)
		var cp []int
		for j := 0; j < 3; j++ {
			if j > 0 {
				cp = append(cp, p.ActionTokens[j]...)
			}
			cp = append(cp, p.ContextTokens[0]...)
		}
		fr = task.Rollout(ex, cp)
		s := task.Score(ex, cp)
		if fr.Repeated[2] != (s.Metrics["repetition"] == 1) {
			t.Fatalf("viewer and score disagree on repetition: %v vs %v", fr.Repeated, s.Metrics)
		}
		short := task.Rollout(ex, cp[:70])
		if short.Metrics[1]["bad"] != 1 || short.Metrics[0]["bad"] != 0 {
			t.Fatalf("short response: %v", short.Metrics)
		}
	}
	if fr := task.Rollout(&envs.Example{}, nil); len(fr.Predicted) != 0 {
		t.Fatal("rollout of an empty example has frames")
	}
}

// TestScoreConcurrent scores from several goroutines (the GRPO trainer
// does); run with -race.
func TestScoreConcurrent(t *testing.T) {
	task := newTask(t, Options{Steps: 2})
	exs := gen(t, task, envs.Test, 8, 6)
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			for i := range exs {
				if s := task.Score(&exs[i], exs[i].Target); s.Reward != 0 {
					t.Errorf("reward %v", s.Reward)
				}
				task.Decoding().Force(&exs[i], exs[i].Target[:64])
			}
			done <- true
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

// TestDrawerAndLargeFrames checks the drawer's mechanics and a 64x64 task
// with a codebook trained at NewTask.
func TestDrawerAndLargeFrames(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	s := &State{GX: 16, GY: 6, Closed: true, Held: -1, Drawer: true, DrawerOpen: 0, Blocks: []Block{{X: 4, Y: 28}}, GoalX: 24, GoalY: 24}
	_, _, _, hx, hy := drawerGeom(s)
	if math.Abs(s.GX-hx) > 2 || math.Abs(s.GY-hy) > 2 {
		t.Fatalf("gripper %v,%v not at the handle %v,%v", s.GX, s.GY, hx, hy)
	}
	before := Render(s, 32)
	s = Step(s, Action{DY: 0.5, Close: true}, Physics{}, rng)
	if s.DrawerOpen <= 0 || string(Render(s, 32)) == string(before) {
		t.Fatalf("pulling the handle left the drawer at %v", s.DrawerOpen)
	}
	start := time.Now()
	task := newTask(t, Options{Size: 64, K: 64})
	t.Logf("64x64 task with a K=64 codebook built in %v", time.Since(start))
	exs := gen(t, task, envs.Train, 4, 1)
	if task.TokensPerFrame() != 256 || len(exs[0].Target) != 256 {
		t.Fatalf("64x64: %d tokens per frame", task.TokensPerFrame())
	}
	if s := task.Score(&exs[0], exs[0].Target); s.Reward != 0 {
		t.Fatalf("64x64 truth %+v", s)
	}
	if _, err := NewTask(Options{Size: 30}); err == nil {
		t.Fatal("size 30 accepted")
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// FuzzExample: any JSON record rebuilds an example or gives an error, and a
// rebuilt example scores its own ground truth at the maximum.
func FuzzExample(f *testing.F) {
	task := newTask(f, Options{})
	ex := gen(f, task, envs.Test, 1, 1)[0]
	rec, _ := task.Record(&ex)
	line, _ := json.Marshal(rec)
	f.Add(line)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"prompt": [], "ground_truth": []}`))
	f.Add([]byte(`{"prompt": [1,2], "ground_truth": [3], "frames_png": ["xx"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var raw map[string]json.RawMessage
		if json.Unmarshal(data, &raw) != nil {
			return
		}
		back, err := task.Example(raw)
		if err != nil {
			return
		}
		if s := task.Score(back, back.Target); s.Err != "" || s.Reward != 0 {
			t.Fatalf("rebuilt example scores its truth %+v", s)
		}
	})
}

// TestMotionReward: the moved-patch accuracy is 1 for the truth and 0 for a
// copy of the last frame when the truth moved, exact for a half-right
// frame, and with Motion = 0.5 it adds exactly half of itself to the reward
// (one step) while the pixel metrics stay those of the plain reward.
func TestMotionReward(t *testing.T) {
	plain := newTask(t, Options{})
	motion := newTask(t, Options{Motion: 0.5})
	if _, err := NewTask(Options{Motion: -1}); err == nil {
		t.Fatal("a negative motion weight was accepted")
	}
	exs := gen(t, plain, envs.Test, 40, 9)
	moved := 0
	for i := range exs {
		ex := &exs[i]
		p := ex.Payload.(*Payload)
		last := p.ContextTokens[len(p.ContextTokens)-1]
		var pos []int // token positions that moved
		for k, v := range p.FrameTokens[0] {
			if last[k] != v {
				pos = append(pos, k)
			}
		}
		truth, cp := motion.Score(ex, ex.Target), motion.Score(ex, last)
		if len(pos) == 0 {
			if _, ok := truth.Metrics["moved_acc"]; ok || truth.Reward != 0 {
				t.Fatalf("example %d: nothing moved, but truth scores %+v", i, truth)
			}
			continue
		}
		moved++
		if truth.Metrics["moved_acc"] != 1 || truth.Reward != 0.5 {
			t.Fatalf("example %d: truth moved_acc %v reward %v, want 1 and 0.5", i, truth.Metrics["moved_acc"], truth.Reward)
		}
		if cp.Metrics["moved_acc"] != 0 {
			t.Fatalf("example %d: a copy of the last frame gets moved_acc %v", i, cp.Metrics["moved_acc"])
		}
		// Half of the moved positions right, the rest left as before.
		half := append([]int(nil), last...)
		for _, k := range pos[:len(pos)/2] {
			half[k] = p.FrameTokens[0][k]
		}
		want := float64(len(pos)/2) / float64(len(pos))
		hm, hp := motion.Score(ex, half), plain.Score(ex, half)
		if hm.Metrics["moved_acc"] != want || math.Abs(hm.Reward-(hp.Reward+0.5*want)) > 1e-12 || hm.Metrics["mse"] != hp.Metrics["mse"] {
			t.Fatalf("example %d: half-right frame: moved_acc %v (want %v), reward %v against plain %v", i, hm.Metrics["moved_acc"], want, hm.Reward, hp.Reward)
		}
	}
	if moved == 0 {
		t.Fatal("no example moved")
	}
	scores := make([]envs.Score, len(exs))
	for i := range exs {
		scores[i] = motion.Score(&exs[i], exs[i].Target)
	}
	if ev := motion.Evaluate(exs, scores); ev["moved_acc"] != 1 {
		t.Fatalf("Evaluate of the truth: moved_acc %v, want 1", ev["moved_acc"])
	}
}
