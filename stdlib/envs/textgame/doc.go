// Package textgame simulates small household and science text games and
// generates state-prediction datasets (the ByteSized32 analogue).
//
// Nine game types (boil water, wash dishes, light room, grow plant, make tea,
// sort recycling, charge device, fill bath, cool drink) share generic verbs
// (take, put X in Y, open, close, turn on/off, use X on Y, wait, look) and add
// tick rules (heating, filling, growing, draining, cooling), some of them
// stochastic. About half of the generated transitions leave the state
// unchanged, the trap that MLE handles badly.
//
// A prompt is one rules line, the state as compact JSON and the action:
//
//	boil water: a stove that is on heats ... win: water at 100.
//	state: {"objects":[{"uuid":1,"name":"inventory","properties":{},"contains":[3]},...],"score":{"score":0,"gameOver":false,"gameWon":false}}
//	action: turn on stove
//
// and the response is the diff {"modified":[full objects],"removed":[uuids],
// "score":{...}}. Task scores a response with the paper's task-specific
// reward (or the binary one, Options.Reward) after a tolerant parse, and
// Diff turns a response into a display.StateDiff for the notebook viewer.
//
//	task, _ := textgame.New(textgame.Options{})
//	exs, _ := task.Generate(ctx, envs.Train, 1000, 1)
//	score := task.Score(&exs[0], exs[0].Target) // reward 1.3 or 0.3
package textgame
