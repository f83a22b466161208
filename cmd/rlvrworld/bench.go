package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/rlvrworld/rlvrworld/internal/verifyserver"
	"github.com/rlvrworld/rlvrworld/kernel/client"
	"github.com/rlvrworld/rlvrworld/playground"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/robot"
	"github.com/rlvrworld/rlvrworld/stdlib/exp"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
)

// benchmark is one `rlvrworld bench NAME`: it parses its flags, calls the
// package's own bench function and returns its JSON-encodable report. The
// measuring lives beside what is measured; this file only dispatches.
type benchmark struct {
	summary string
	run     func(args []string) (any, error)
}

var benchmarks = map[string]benchmark{
	"verify": {"text and frame rewards/s on one core", flagless(func(ctx context.Context) (any, error) { return tasks.BenchVerify(ctx) })},
	"video":  {"frame rewards/s on one core, tokenizer encode and training speed", flagless(func(ctx context.Context) (any, error) { return robot.Bench(ctx) })},
	"grpo":   {"wall time of one GRPO step per task: sampling, reward, forward/backward", benchGRPO},
	"train":  {"fwd+bwd+AdamW tokens/s of the world model, with the sgemm anchor", benchTrain},
	"sample": {"batched KV-cache decoding: tokens/s and per-token cost by position", benchSample},
	"serve":  {"websocket round trip of 1+1 through the playground, 1 and 20 clients", benchServe},
	"kernel": {"execute_request round trip (1+1, send to iopub idle) of our kernel next to python3-ipykernel", benchKernel},
	"verl":   {"verifier service load test over loopback (requests/s, p99)", benchVerl},
}

func init() {
	register("bench", "print performance figures as JSON", runBench)
}

// flagless runs a benchmark without flags, with a 5-minute limit.
func flagless(f func(ctx context.Context) (any, error)) func(args []string) (any, error) {
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
	if err == nil {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(report)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld bench %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// profiled runs a benchmark with the file a CPU profile goes to (nil when
// path is ""), and closes the file after; a profile cut short by a failed
// close is an error too.
func profiled(path string, bench func(w io.Writer) (any, error)) (any, error) {
	if path == "" {
		return bench(nil)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	out, err := bench(f)
	if cerr := f.Close(); err == nil && cerr != nil {
		return nil, cerr
	}
	return out, err
}

func benchGRPO(args []string) (any, error) {
	fs := flag.NewFlagSet("bench grpo", flag.ContinueOnError)
	names := fs.String("tasks", "textgame,web,video", "comma-separated tasks")
	o := exp.GRPOBenchOptions{KV: nn.KVFloat32}
	fs.IntVar(&o.Steps, "steps", 5, "measured steps per task (each paired with an MLE step)")
	fs.StringVar(&o.Budget, "budget", "small", "budget whose GRPO configuration is timed")
	fs.TextVar(&o.KV, "kv", nn.KVFloat32, "KV cache of the rollout sampler: float32, float16, int8 or k8v16 (int8 keys, float16 values)")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (labelled phase=sample, ref, update, mle: go tool pprof -tags, -tagfocus=phase=sample)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.Tasks = strings.Split(*names, ",")
	return profiled(*prof, func(w io.Writer) (any, error) {
		if w != nil {
			if err := pprof.StartCPUProfile(w); err != nil {
				return nil, err
			}
			defer pprof.StopCPUProfile()
		}
		return exp.BenchGRPO(context.Background(), o)
	})
}

func benchTrain(args []string) (any, error) {
	fs := flag.NewFlagSet("bench train", flag.ContinueOnError)
	var o nn.TrainBenchOptions
	fs.IntVar(&o.Steps, "steps", 10, "timed steps (after 2 warm-up steps)")
	fs.IntVar(&o.B, "B", 8, "batch rows")
	fs.IntVar(&o.T, "T", 256, "sequence length")
	fs.IntVar(&o.L, "L", 4, "layers")
	fs.IntVar(&o.C, "C", 256, "channels")
	fs.IntVar(&o.NH, "NH", 4, "heads")
	fs.IntVar(&o.V, "V", 512, "vocabulary")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the timed steps to this file")
	fs.StringVar(&o.Llmc, "llmc", "", "a built llm.c train_gpt2 set up for this configuration (same B and T): run it after the timed steps and compare with its median step")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return profiled(*prof, func(w io.Writer) (any, error) {
		o.CPUProfile = w
		return nn.BenchTrain(context.Background(), o)
	})
}

func benchSample(args []string) (any, error) {
	fs := flag.NewFlagSet("bench sample", flag.ContinueOnError)
	var o nn.SampleBenchOptions
	fs.IntVar(&o.B, "B", 64, "batch rows")
	fs.IntVar(&o.Runs, "runs", 3, "decoding runs per KV cache precision (the figures are medians over them)")
	kvList := fs.String("kv", "float32,float16,int8,k8v16", "KV cache precisions to measure, comma-separated")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.Runs < 1 || o.B < 1 {
		return nil, fmt.Errorf("bench sample: -runs and -B must be at least 1")
	}
	for _, f := range strings.Split(*kvList, ",") {
		kv, err := nn.ParseKVPrecision(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("bench sample: -kv: %w", err)
		}
		o.KV = append(o.KV, kv)
	}
	return nn.BenchSample(context.Background(), o)
}

func benchServe(args []string) (any, error) {
	fs := flag.NewFlagSet("bench serve", flag.ContinueOnError)
	var o playground.ServeBenchOptions
	fs.IntVar(&o.N, "n", 300, "round trips with one client (and for the anchor)")
	fs.IntVar(&o.Clients, "clients", 20, "concurrent clients for the second figure")
	fs.IntVar(&o.PerClient, "per-client", 30, "round trips per concurrent client")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the 20-client run to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.N < 1 || o.Clients < 1 || o.PerClient < 1 {
		return nil, fmt.Errorf("bench serve: -n, -clients and -per-client must be at least 1")
	}
	return profiled(*prof, func(w io.Writer) (any, error) {
		o.CPUProfile = w
		return playground.BenchServe(context.Background(), o)
	})
}

func benchKernel(args []string) (any, error) {
	fs := flag.NewFlagSet("rlvrworld bench kernel", flag.ContinueOnError)
	var o client.KernelBenchOptions
	fs.IntVar(&o.N, "n", 300, "measured round trips per kernel")
	fs.IntVar(&o.Warmup, "warmup", 30, "unmeasured round trips first")
	fs.StringVar(&o.Python, "python", "/usr/bin/python3", "Python with Debian's ipykernel")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	o.Ours = []string{exe, "kernel", "--connection-file", "{connection_file}"}
	return client.BenchKernels(context.Background(), o)
}

func benchVerl(args []string) (any, error) {
	fs := flag.NewFlagSet("bench verl", flag.ContinueOnError)
	var o verifyserver.BenchOptions
	fs.IntVar(&o.N, "n", 1000, "requests (at most 1000)")
	fs.IntVar(&o.Conc, "c", 16, "client connections")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.N < 1 || o.N > 1000 {
		return nil, fmt.Errorf("-n must be in 1..1000, not %d", o.N)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return verifyserver.RunBench(ctx, o)
}
