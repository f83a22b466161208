package verl_test

import (
	"context"
	"fmt"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
	"github.com/rlvrworld/rlvrworld/stdlib/verl"
)

// Export web transitions in verl's schema and score two answers the way
// the verifier service does for verl's reward calls.
func Example() {
	task, _ := web.New()
	exs, _ := task.Generate(context.Background(), envs.Val, 3, 1)
	rows, _ := verl.Rows(task, exs)
	sc, _ := verl.NewScorer()
	r := rows[0]
	for _, answer := range []string{r.RewardModel.GroundTruth, "I cannot tell."} {
		res, _ := sc.Score(verl.Request{DataSource: r.DataSource, SolutionStr: answer,
			GroundTruth: r.RewardModel.GroundTruth, ExtraInfo: r.ExtraInfo})
		fmt.Printf("score %.1f f1 %.1f parse_error %.0f\n", res["score"], res["f1"], res["parse_error"])
	}
	fmt.Println(r.DataSource, r.Prompt[1].Role, verl.MetricKeys(r.DataSource))
	// Output:
	// score 1.0 f1 1.0 parse_error 0
	// score 0.0 f1 0.0 parse_error 1
	// rlvrworld/web user [score precision recall f1 parse_error]
}
