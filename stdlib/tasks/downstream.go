package tasks

import (
	"context"
	"fmt"
	"math"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/robot"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// policySteps bounds a policy-eval episode (in the simulator and in the
// world model alike).
const policySteps = 20

func errReward(reward, task, have string) error {
	return fmt.Errorf("--reward %q does not apply to %s (it has %s)", reward, task, have)
}

func errBase(task string, base envs.Task) error {
	return fmt.Errorf("%s cannot run in the world model of %s", task, base.Name())
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

// WebAgent runs the MPC agent on the goals of held-out-seed sites: at each
// step it predicts the next page of every candidate action with the world
// model (greedy, batched), scores each prediction against the goal, and
// acts with the best, avoiding an action it already took on the same page.
func WebAgent(ctx context.Context, task *web.Task, m *nn.Model, o DownstreamOptions) (map[string]float64, error) {
	episodes, maxSteps := o.Episodes, o.MaxSteps
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

// PolicyEval runs the graded scripted policies in the real simulator and
// in the world model (sampled with the task's evaluation decoding) from the
// same initial layouts, and compares their success rates.
func PolicyEval(ctx context.Context, task *robot.Task, m *nn.Model, o DownstreamOptions) (map[string]float64, error) {
	episodes, maxSteps := o.Episodes, o.MaxSteps
	dec := task.Decoding()
	seed := o.Seed
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
