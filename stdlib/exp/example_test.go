package exp_test

import (
	"context"
	"fmt"
	"os"

	"github.com/rlvrworld/rlvrworld/stdlib/exp"
)

// Run one experiment: here the text game at the seconds-long smoke budget,
// pretraining its own start model (the folder has no checkpoint). A cell
// passes cell.Context() and Progress: exp.Live() to see it move.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "no-checkpoints")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	res, err := exp.Run(context.Background(), exp.Config{Task: "textgame", Budget: "smoke", Seed: 1, Checkpoints: dir, Pretrain: true})
	if err != nil {
		panic(err)
	}
	for _, row := range res.Rows {
		_, ok := row.Metrics["acc_overall"]
		fmt.Println(row.Method, row.Steps, "gradient steps, acc_overall measured:", ok)
	}
	// Output:
	// mle 0 gradient steps, acc_overall measured: true
	// mle_continued 2 gradient steps, acc_overall measured: true
	// rlvr 2 gradient steps, acc_overall measured: true
}

// Summarize results of several seeds into docs/results.md's table: mean ±
// std per method and RLVR minus MLE continued, paired by seed, with its t
// statistic. (exp.Load
// reads result files; a Summary as a cell's last value renders as HTML.)
func ExampleSummarize() {
	var rs []*exp.Result
	for seed, f1 := range map[int64][2]float64{1: {0.50, 0.55}, 2: {0.52, 0.60}} {
		rs = append(rs, &exp.Result{Task: "web", Budget: "small", Seed: seed, Rows: []exp.Row{
			{Method: "mle_continued", Steps: 120, Metrics: map[string]float64{"precision": 0.9, "recall": 0.8, "f1": f1[0]}},
			{Method: "rlvr", Steps: 120, Metrics: map[string]float64{"precision": 0.9, "recall": 0.9, "f1": f1[1]}},
		}})
	}
	if rs[0].Seed > rs[1].Seed {
		rs[0], rs[1] = rs[1], rs[0]
	}
	fmt.Print(exp.Summarize(rs...).Markdown())
	// Output:
	// ### web, budget small, seeds 1, 2 (mean ± std)
	//
	// | method | steps | wall s | precision | recall | f1 |
	// |---|---|---|---|---|---|
	// | mle_continued | 120 | 0 | 0.9 ± 0 | 0.8 ± 0 | 0.51 ± 0.014 |
	// | rlvr | 120 | 0 | 0.9 ± 0 | 0.9 ± 0 | 0.575 ± 0.035 |
	// | rlvr − mle_continued, paired by seed | | | +0 ± 0 | +0.1 ± 0 | +0.065 ± 0.021 |
	// | t of the paired difference (2 seeds) | | | - | - | +4.33 |
}
