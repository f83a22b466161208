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
	for _, name := range []string{"video", "video-multi"} {
		registerTask(name, func() (envs.Task, error) { return robot.NewTask(videoOptions(name)) })
	}
	registerBench("video", "frame rewards/s on one core, tokenizer encode and training speed", func(args []string) (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		return robot.Bench(ctx)
	})
}

// videoOptions are the robot task's options behind a task name.
func videoOptions(name string) robot.Options {
	if name == "video-multi" {
		return robot.Options{Steps: 3}
	}
	return robot.Options{Steps: 1}
}
