package main

import (
	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/textgame"
)

func init() {
	registerTask("textgame", func() (envs.Task, error) { return textgame.New(textgame.Options{}) })
}
