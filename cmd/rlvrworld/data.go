package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
)

func init() {
	register("data", "export a task's dataset as JSONL", runData)
}

// runData is `rlvrworld data --task T --split S --n N [--seed S] [--out F]`.
func runData(args []string) int {
	if hasFlag(args, "format") {
		return runDataVerl(args) // verl's schema: verify_serve.go
	}
	fs := flag.NewFlagSet("data", flag.ContinueOnError)
	task := fs.String("task", "", "task name: "+strings.Join(tasks.WorldModels(), ", "))
	split := fs.String("split", "train", "split: train, val, test or heldout")
	n := fs.Int("n", 100, "number of examples")
	seed := fs.Int64("seed", 0, "random seed")
	out := fs.String("out", "", "output file (default stdout)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: rlvrworld data --task {%s} --split {train|val|test|heldout} --n N [--seed S] [--out FILE]\n", strings.Join(tasks.WorldModels(), "|"))
		fmt.Fprintln(fs.Output(), "\nThe splits are disjoint by construction: each transition's key (text game: rules, state and action;\n"+
			"web: page and action) is hashed into train (80%), val (10%) or test (10%), and draws of other splits are\n"+
			"skipped, so a prompt has one split whatever the seed or count. Video episodes are split by seed; heldout\n"+
			"draws combinations never seen in the others.")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *task == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	w := io.Writer(os.Stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rlvrworld data: %v\n", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	if err := writeData(ctx, w, *task, envs.Split(*split), *n, *seed); err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld data: %v\n", err)
		return 1
	}
	return 0
}

// writeData writes n examples of a task's split as JSONL records
// (envs.WriteRecords).
func writeData(ctx context.Context, w io.Writer, taskName string, split envs.Split, n int, seed int64) error {
	if err := split.Check(); err != nil {
		return err
	}
	t, err := tasks.New(taskName)
	if err != nil {
		return err
	}
	return envs.WriteRecords(ctx, w, t, split, n, seed)
}
