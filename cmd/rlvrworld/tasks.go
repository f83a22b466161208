package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

// taskFactories builds each task by name ("textgame", "web", "video"). Each
// task registers itself from its own file (task_*.go).
var taskFactories = map[string]func() (envs.Task, error){}

func registerTask(name string, f func() (envs.Task, error)) {
	if _, dup := taskFactories[name]; dup {
		panic("rlvrworld: task registered twice: " + name)
	}
	taskFactories[name] = f
}

// lookupTask builds the named task, or says which names exist.
func lookupTask(name string) (envs.Task, error) {
	f, ok := taskFactories[name]
	if !ok {
		names := make([]string, 0, len(taskFactories))
		for n := range taskFactories {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("unknown task %q (have %s)", name, strings.Join(names, ", "))
	}
	return f()
}
