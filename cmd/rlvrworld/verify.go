package main

import (
	"flag"
	"fmt"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
	"io"
	"os"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

func init() {
	register("verify", "score predictions (JSONL in, JSONL out)", runVerify)
}

// verifyUsage heads `verify -h`: the three modes and each task's reward
// range (a perfect text-game answer scores 1.3, which surprises without
// the formula).
const verifyUsage = `usage: rlvrworld verify --task T [--in FILE] [--out FILE] [--reward R]
       rlvrworld verify --serve [--addr A] [--token T] ...   the HTTP verifier for verl (verify --serve -h)
       rlvrworld verify --generations ...                     re-score verl's generation dumps

Each input line is a data record plus "prediction"; each output line is
{"id","reward","metrics"} or {"id","error"}.

Rewards, per task (higher is better):
  textgame     0 to 1.3: 0.09 item accuracy + 0.01 score accuracy + 0.2 all-correct,
               plus the accuracy on the changed properties (0 to 1) when the action
               changed any: a perfect answer scores 1.3 (0.3 when nothing changed).
               --reward binary: 1 for an exact answer, else 0.
  web          0 to 1: F1 of the exact New/Deleted/Updated lines.
  video,       -3 to 0: -(MAE + perceptual distance) of the decoded frames;
  video-multi  0 is a perfect frame.
`

// runVerify is `rlvrworld verify --task T [--in FILE] [--out FILE] [--reward R]`.
func runVerify(args []string) int {
	switch {
	case hasFlag(args, "serve"):
		return runVerifyServe(args) // the HTTP verifier for verl: verify_serve.go
	case hasFlag(args, "generations"):
		return runVerifyGenerations(args) // re-score verl's dumps: verify_serve.go
	}
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	task := fs.String("task", "", "task name: "+strings.Join(tasks.WorldModels(), ", "))
	in := fs.String("in", "", "input JSONL (default stdin)")
	out := fs.String("out", "", "output JSONL (default stdout)")
	reward := fs.String("reward", "", "reward variant where the task has several (textgame: task or binary)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), verifyUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *task == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	r := io.Reader(os.Stdin)
	if *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rlvrworld verify: %v\n", err)
			return 1
		}
		defer f.Close()
		r = f
	}
	w := io.Writer(os.Stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rlvrworld verify: %v\n", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	if err := verifyStream(r, w, *task, *reward); err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld verify: %v\n", err)
		return 1
	}
	return 0
}

// verifyStream scores every line of r with the task named and writes one
// result line per input line to w (envs.ScoreRecords).
func verifyStream(r io.Reader, w io.Writer, taskName, reward string) error {
	t, err := tasks.New(taskName)
	if err != nil {
		return err
	}
	return envs.ScoreRecords(r, w, t, reward)
}
