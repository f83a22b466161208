package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs/robot"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// downstreamSize is how many episodes the downstream experiments run.
func downstreamSize(budget string) (episodes, maxSteps int) {
	switch budget {
	case "smoke":
		return 2, 3
	case "tiny":
		return 6, 8
	case "small":
		return 12, 10
	default:
		return 60, 12
	}
}

// downstream runs the paper's downstream uses. Each first runs the
// three-row experiment of its task (web or video) to get the MLE, MLE
// continued and RLVR models, then uses each model as the world model:
//   - web-agent: a model-predictive-control agent on the web goals; the
//     metric is the success rate;
//   - policy-eval: graded scripted policies run in the real simulator and in
//     the world model (of the video task, or of video-multi with
//     --world-model); the metric is mean |success_model - success_real|.
func (e *experiment) downstream(ctx context.Context) (*expResult, error) {
	base := map[string]string{"web-agent": "web", "policy-eval": "video"}[e.task]
	if e.task == "policy-eval" && e.worldModel == "video-multi" {
		base = e.worldModel
	}
	baseRes, models, err := e.runModels(ctx, base)
	if err != nil {
		return nil, err
	}
	task, err := lookupTask(base)
	if err != nil {
		return nil, err
	}
	res := &expResult{Task: e.task, Budget: e.budgetName, Seed: e.seed}
	if base == "video-multi" {
		res.WorldModel = base
	}
	for i, method := range []string{"mle", "mle_continued", "rlvr"} {
		m := models[method]
		t0 := time.Now()
		var metrics map[string]float64
		switch e.task {
		case "web-agent":
			metrics, err = e.webAgent(ctx, task.(*web.Task), m)
		default:
			metrics, err = e.policyEval(ctx, task.(*robot.Task), m)
		}
		if err != nil {
			return nil, fmt.Errorf("%s with the %s model: %w", e.task, method, err)
		}
		e.logf("%s %s: %v", e.task, method, metrics)
		res.Rows = append(res.Rows, expRow{Method: method, Steps: baseRes.Rows[i].Steps, WallS: round3(time.Since(t0).Seconds()), Metrics: roundMap(metrics)})
	}
	return res, nil
}

// predictionValue is the MPC agent's score of a candidate: the goal
// progress of the page the predicted diff makes of the current one. A
// predicted no-op loses ties (it wastes a step), and an unusable prediction
// scores below everything.
func predictionValue(b *web.Browser, goal web.Goal, s web.Sections) float64 {
	v := goal.Progress(b, web.ApplySections(b.Lines(), s))
	if s.Empty() {
		v -= 0.05
	}
	return v
}

// webAgent runs the MPC agent on the goals of held-out-seed sites: at each
// step it predicts the next page of every candidate action with the world
// model (greedy, batched), scores each prediction against the goal, and
// acts with the best, avoiding an action it already took on the same page.
func (e *experiment) webAgent(ctx context.Context, task *web.Task, m *nn.Model) (map[string]float64, error) {
	episodes, maxSteps := downstreamSize(e.budgetName)
	tk := task.Tokenizer()
	dec := task.Decoding()
	succ, steps, predFail := 0, 0, 0
	for ep := 0; ep < episodes; ep++ {
		// Sites from seeds far from the data's, one goal per episode in turn.
		site := web.NewSite(int64(900000+ep/4), false)
		b := web.NewBrowser(site)
		goals := web.Goals(b)
		goal := goals[(ep*7)%len(goals)]
		previous := "None"
		tried := map[string]bool{}
		for st := 0; st < maxSteps && !goal.Success(b); st++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			cands := b.Candidates()
			prompts := make([][]int, len(cands))
			for i, c := range cands {
				prompts[i] = task.Prompt(b, goal.Text, previous, c)
			}
			samples, err := m.Sample(ctx, prompts, nn.SampleOptions{MaxNew: dec.MaxTokens, Stop: dec.Stop})
			if err != nil {
				return nil, err
			}
			best, bestV := -1, math.Inf(-1)
			for i, s := range samples {
				if tried[b.URL()+" "+cands[i]] {
					continue
				}
				v := -1.0 // an unparseable prediction is worth less than a no-op
				if text, err := tk.Decode(s.Tokens); err == nil {
					if sec, err := web.ParseSections(text); err == nil {
						v = predictionValue(b, goal, sec)
					} else {
						predFail++
					}
				} else {
					predFail++
				}
				if v > bestV {
					best, bestV = i, v
				}
			}
			if best < 0 {
				break
			}
			tried[b.URL()+" "+cands[best]] = true
			b.Step(cands[best])
			previous = cands[best]
			steps++
		}
		if goal.Success(b) {
			succ++
		}
	}
	return map[string]float64{
		"success_rate":     float64(succ) / float64(episodes),
		"episodes":         float64(episodes),
		"mean_steps":       float64(steps) / float64(episodes),
		"unparsed_predict": float64(predFail),
	}, nil
}

// policyEval runs the graded scripted policies in the real simulator and
// in the world model (sampled with the task's evaluation decoding) from the
// same initial layouts, and compares their success rates.
func (e *experiment) policyEval(ctx context.Context, task *robot.Task, m *nn.Model) (map[string]float64, error) {
	episodes, _ := downstreamSize(e.budgetName)
	maxSteps := 20
	dec := task.Decoding()
	seed := e.seed
	predict := func(prompt []int) []int {
		seed++
		out, err := m.Sample(ctx, [][]int{prompt}, nn.SampleOptions{MaxNew: task.TokensPerFrame(),
			Temperature: float32(dec.EvalTemperature), TopK: dec.EvalTopK, Stop: -1, Seed: seed})
		if err != nil || len(out) == 0 {
			return nil
		}
		return out[0].Tokens
	}
	metrics := map[string]float64{}
	var absErr []float64
	for _, p := range robot.GradedPolicies() {
		real, model := 0, 0
		for ep := 0; ep < episodes; ep++ {
			s := uint64(700000 + ep)
			r, err := robot.RunPolicy(ctx, task, p, s, maxSteps)
			if err != nil {
				return nil, err
			}
			w, err := robot.RunPolicyInModel(ctx, task, p, s, maxSteps, predict)
			if err != nil {
				return nil, err
			}
			if r.Success {
				real++
			}
			if w.Success {
				model++
			}
		}
		sr, sm := float64(real)/float64(episodes), float64(model)/float64(episodes)
		metrics["success_real_"+p.Name()] = sr
		metrics["success_model_"+p.Name()] = sm
		absErr = append(absErr, math.Abs(sm-sr))
	}
	sum := 0.0
	for _, a := range absErr {
		sum += a
	}
	metrics["mean_abs_err"] = sum / float64(len(absErr))
	metrics["episodes_per_policy"] = float64(episodes)
	return metrics, nil
}

// The table columns of the downstream experiments.
func init() {
	metricKeys["web-agent"] = []string{"success_rate", "mean_steps"}
	metricKeys["policy-eval"] = []string{"mean_abs_err"}
}
