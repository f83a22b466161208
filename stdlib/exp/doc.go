// Package exp is the paper's experiment as a library: for one task and
// budget it builds (or loads) the MLE start model, runs MLE continued for as
// many gradient steps as RLVR takes, runs RLVR (GRPO on the task's
// verifiable reward), evaluates the three models on the test split, and,
// for a downstream task (web-agent, policy-eval), uses each of the three as
// a world model.
//
// `rlvrworld exp` is flag parsing plus one call of Run, so a notebook cell
// that calls Run with the same Config gets the CLI's rows exactly (every
// metric and step count; wall times aside):
//
//	res, err := exp.Run(cell.Context(), exp.Config{Task: "textgame", Budget: "tiny", Seed: 1,
//		Checkpoints: "../checkpoints", Progress: exp.Live()})
//
// RunSeeds runs several seeds side by side; Summarize turns result files
// into the tables of docs/results.md (mean ± std over seeds and the RLVR −
// MLE continued difference paired by seed), as Markdown and as a value that
// renders in a cell.
//
// Steps. A row's "steps" are gradient (optimizer) steps: RLVR runs RLSteps
// GRPO steps of GRPO.MiniBatches gradient steps each, and MLE continued
// runs as many gradient steps.
package exp
