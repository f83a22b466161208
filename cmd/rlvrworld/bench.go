package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/rlvrworld/rlvrworld/stdlib/envs/robot"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
)

// benchmark is one `rlvrworld bench NAME`: it returns a JSON-encodable
// report, or an error.
type benchmark struct {
	summary string
	run     func(args []string) (any, error)
}

var benchmarks = map[string]benchmark{}

// registerBench adds a benchmark; called from init functions in bench_*.go.
func registerBench(name, summary string, run func(args []string) (any, error)) {
	if _, dup := benchmarks[name]; dup {
		panic("rlvrworld: benchmark registered twice: " + name)
	}
	benchmarks[name] = benchmark{summary: summary, run: run}
}

func init() {
	register("bench", "print performance figures as JSON", runBench)
	// Benchmarks that live beside what they measure.
	registerBench("verify", "text and frame rewards/s on one core", withTimeout(func(ctx context.Context) (any, error) { return tasks.BenchVerify(ctx) }))
	registerBench("video", "frame rewards/s on one core, tokenizer encode and training speed", withTimeout(func(ctx context.Context) (any, error) { return robot.Bench(ctx) }))
}

// withTimeout runs a flagless benchmark with a 5-minute limit.
func withTimeout(f func(ctx context.Context) (any, error)) func(args []string) (any, error) {
	return func(args []string) (any, error) {
		if len(args) > 0 {
			return nil, fmt.Errorf("no flags, got %v", args)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		return f(ctx)
	}
}

func runBench(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		names := make([]string, 0, len(benchmarks))
		for n := range benchmarks {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintln(os.Stderr, "usage: rlvrworld bench NAME [flags]\n\nbenchmarks:")
		for _, n := range names {
			fmt.Fprintf(os.Stderr, "  %-8s %s\n", n, benchmarks[n].summary)
		}
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	b, ok := benchmarks[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "rlvrworld bench: unknown benchmark %q\n", args[0])
		return 2
	}
	report, err := b.run(args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld bench %s: %v\n", args[0], err)
		return 1
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(report); err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld bench %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
