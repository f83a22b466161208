package main

import (
	"context"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/robot"
)

// The robot video tasks: "video" predicts one frame, "video-multi" three
// frames with the true actions injected between them.
func init() {
	registerTask("video", func() (envs.Task, error) { return robot.NewTask(robot.Options{Steps: 1}) })
	registerTask("video-multi", func() (envs.Task, error) { return robot.NewTask(robot.Options{Steps: 3}) })
	registerBench("video", "frame rewards/s on one core, tokenizer encode and training speed", func(args []string) (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		return robot.Bench(ctx)
	})
}
