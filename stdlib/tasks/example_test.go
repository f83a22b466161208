package tasks_test

import (
	"fmt"

	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
)

// A task is looked up by name; its value says which metrics it reports and
// which way is better, and how large each budget is.
func ExampleLookup() {
	spec, err := tasks.Lookup("video")
	if err != nil {
		panic(err)
	}
	for _, m := range spec.Metrics {
		fmt.Printf("%s higher-is-better=%v\n", m.Key, m.Higher)
	}
	tiny, _ := spec.Budget("tiny")
	fmt.Println("tiny:", tiny.TrainN, "train,", tiny.RLSteps, "GRPO steps, G =", tiny.GRPO.GroupSize)
	// Output:
	// mse higher-is-better=false
	// psnr higher-is-better=true
	// ssim higher-is-better=true
	// mae higher-is-better=false
	// repetition higher-is-better=false
	// tiny: 512 train, 5 GRPO steps, G = 4
}
