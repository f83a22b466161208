package main

import (
	"context"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs/robot"
)

func init() {
	registerBench("video", "frame rewards/s on one core, tokenizer encode and training speed", func(args []string) (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		return robot.Bench(ctx)
	})
}
