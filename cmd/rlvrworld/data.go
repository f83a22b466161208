package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

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
	task := fs.String("task", "", "task name: textgame, web, video or video-multi")
	split := fs.String("split", "train", "split: train, val, test or heldout")
	n := fs.Int("n", 100, "number of examples")
	seed := fs.Int64("seed", 0, "random seed")
	out := fs.String("out", "", "output file (default stdout)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: rlvrworld data --task {textgame|web|video|video-multi} --split {train|val|test|heldout} --n N [--seed S] [--out FILE]")
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

// writeData generates n examples of a task's split and writes one JSON
// record per line through the task's Codec.
func writeData(ctx context.Context, w io.Writer, taskName string, split envs.Split, n int, seed int64) error {
	switch split {
	case envs.Train, envs.Val, envs.Test, envs.Heldout:
	default:
		return fmt.Errorf("unknown split %q (want train, val, test or heldout)", split)
	}
	if n < 0 {
		return fmt.Errorf("--n must be >= 0, not %d", n)
	}
	t, err := lookupTask(taskName)
	if err != nil {
		return err
	}
	codec, ok := t.(envs.Codec)
	if !ok {
		return fmt.Errorf("task %q has no JSONL codec", taskName)
	}
	exs, err := t.Generate(ctx, split, n, seed)
	if err != nil {
		return fmt.Errorf("generate %s/%s: %w", taskName, split, err)
	}
	bw := bufio.NewWriter(w)
	for i := range exs {
		rec, err := codec.Record(&exs[i])
		if err != nil {
			return fmt.Errorf("record %s: %w", exs[i].ID, err)
		}
		line, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("encode %s: %w", exs[i].ID, err)
		}
		bw.Write(line)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
