// Package tasks is the registry of world-model tasks: each task is one Spec
// value that knows itself, so that the experiment (rlvr/exp), the command
// line (data, verify, exp, the verl export) and notebooks look a task up by
// name instead of switching on its name.
//
// A Spec carries the task's constructor (data generator, tokenizer and
// verifier are the envs.Task it builds), its evaluation metrics in table
// order with their direction, its GRPO defaults and its budgets. Downstream
// tasks (web-agent, policy-eval) carry instead the world-model task they use
// and the function that scores one of its models.
//
// Adding a task is one package that implements envs.Task plus one
// registration line:
//
//	tasks.Register(tasks.Spec{Name: "echo", New: echo.New, Metrics: []tasks.Metric{{Key: "acc", Higher: true}}})
//
// The built-in tasks are registered in builtin.go, one line each; Register
// fills what a Spec leaves out (language GRPO defaults, the standard
// budgets).
package tasks
