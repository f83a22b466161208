package main

import (
	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
)

func init() {
	registerTask("web", func() (envs.Task, error) { return web.New() })
}
