package robot_test

import (
	"context"
	"fmt"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/robot"
)

// A world model reads Prompt and must write Target; Score compares the
// decoded frames. Copying the last context frame is the tempting answer.
func Example() {
	task, err := robot.NewTask(robot.Options{}) // single step, 32x32, K=256
	if err != nil {
		panic(err)
	}
	exs, err := task.Generate(context.Background(), envs.Test, 20, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println("vocab", task.VocabSize(), "prompt", len(exs[0].Prompt), "response", len(exs[0].Target))
	for i := range exs {
		if !exs[i].Changed {
			continue
		}
		truth := task.Score(&exs[i], exs[i].Target)
		cp := task.Score(&exs[i], exs[i].Prompt[:task.TokensPerFrame()])
		fmt.Printf("truth reward %.0f, ssim %.0f\n", truth.Reward, truth.Metrics["ssim"])
		fmt.Printf("copy repeats: %v, scores lower: %v\n", cp.Metrics["repetition"] == 1, cp.Reward < truth.Reward)
		break
	}
	bad := task.Score(&exs[0], []int{1, 2, 3})
	fmt.Println("garbage:", bad.Reward, bad.Err)
	// Output:
	// vocab 268 prompt 67 response 64
	// truth reward 0, ssim 1
	// copy repeats: true, scores lower: true
	// garbage: -3 response has 3 tokens, want 64
}

// The policy-evaluation loop: the same policy in the simulator and in a
// world model (here a "model" that never changes the frame).
func ExampleRunPolicyInModel() {
	task, _ := robot.NewTask(robot.Options{})
	ctx := context.Background()
	real, _ := robot.RunPolicy(ctx, task, robot.NewExpert(), 42, 40)
	frozen := func(prompt []int) []int { return prompt[:task.TokensPerFrame()] }
	model, _ := robot.RunPolicyInModel(ctx, task, robot.NewExpert(), 42, 40, frozen)
	fmt.Println("real success:", real.Success, "in a frozen model:", model.Success)
	// Output:
	// real success: true in a frozen model: false
}
