package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/exp"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
	"github.com/rlvrworld/rlvrworld/stdlib/train"
)

func init() {
	register("exp", "run MLE-vs-RLVR experiments", runExp)
}

const expUsage = `usage: rlvrworld exp --task TASK [flags]
       rlvrworld exp --summarize RESULT.json...

Runs the paper's experiment (stdlib/exp, rlvr/exp in a notebook): the MLE
start model, MLE continued and RLVR for as many gradient steps, each
evaluated on the test split; web-agent and policy-eval then use the three
models as world models. Table steps are gradient steps (RLVR: GRPO steps ×
mini-batches).

Examples:
  rlvrworld exp --task textgame --budget tiny
  rlvrworld exp --task web --budget small --seeds 1-3 --jobs 2 --out results/web-small-{seed}.json
  rlvrworld exp --summarize docs/results/textgame-small-*.json

Time on a 2-core machine: tiny 10 to 15 s per task from a shipped
checkpoint that fits, 1 to 3 minutes where the start model is pretrained
first (--pretrain, or a checkpoint that does not fit the run's data); small
3 to 5 minutes from a checkpoint, up to tens of minutes when it pretrains
(4,000 MLE steps at most); full about an hour and more. A missing or
corrupt checkpoint is an error unless --pretrain is given.

flags:
`

// expFlags are the command line of `rlvrworld exp`.
type expFlags struct {
	fs                            *flag.FlagSet
	cfg                           exp.Config
	seeds, out, pretrainTo, split string
	mleSchedule                   string
	quiet, summarize              bool
	jobs, dynamic                 int
	rlChanged, motion             float64
}

func newExpFlags() *expFlags {
	f := &expFlags{fs: flag.NewFlagSet("exp", flag.ContinueOnError)}
	fs, c, o := f.fs, &f.cfg, &f.cfg.Override
	fs.Usage = func() { fmt.Fprint(fs.Output(), expUsage); fs.PrintDefaults() }
	fs.StringVar(&c.Task, "task", "", "one of "+strings.Join(tasks.Names(), ", "))
	fs.StringVar(&c.Budget, "budget", "tiny", "smoke, tiny, small or full")
	fs.Int64Var(&c.Seed, "seed", 1, "seed of data order, sampling and the RL run")
	fs.StringVar(&f.seeds, "seeds", "", "several seeds, side by side: 1-5 or 1,3,7 (one result file each, then the summary)")
	fs.IntVar(&f.jobs, "jobs", 1, "with --seeds: how many runs at once")
	fs.StringVar(&f.out, "out", "", "write the JSON result here (with --seeds: {seed} in the name, or -SEED before .json)")
	fs.StringVar(&c.Checkpoints, "checkpoints", "checkpoints", "folder of the shipped MLE checkpoints")
	fs.StringVar(&f.pretrainTo, "pretrain-to", "", "only pretrain the MLE start model and save it here (make checkpoints)")
	fs.BoolVar(&c.Pretrain, "pretrain", false, "pretrain a start model when the shipped checkpoint is missing or corrupt (without it, that is an error)")
	fs.BoolVar(&f.quiet, "q", false, "no per-step progress on stderr")
	fs.StringVar(&c.Reward, "reward", "", "RLVR reward: text game task (default) or binary; video motion (adds the moved-patch accuracy)")
	fs.Float64Var(&f.motion, "motion-weight", exp.DefaultMotionWeight, "weight of the moved-patch accuracy in --reward motion")
	fs.Float64Var(&f.rlChanged, "rl-changed", -1, "share of changed transitions among the RLVR prompts (0: the data's own mix; default: the budget's)")
	fs.Float64Var(&o.LR, "lr", 0, "override the RLVR learning rate")
	fs.IntVar(&o.Group, "group", 0, "override the GRPO group size G")
	fs.IntVar(&o.Prompts, "prompts", 0, "override the GRPO prompts per step")
	fs.IntVar(&o.RLSteps, "rl-steps", 0, "override the number of GRPO steps (MLE continued follows)")
	fs.IntVar(&f.dynamic, "dynamic-sampling", 0, "most extra rollout batches per GRPO step to fill it with groups whose rewards differ (0: off; unset: the budget's)")
	fs.Float64Var(&o.Temperature, "temperature", 0, "override the GRPO rollout temperature (the reference samples at 1)")
	fs.IntVar(&c.EvalEvery, "eval-every", 0, "also evaluate MLE continued and RLVR every this many GRPO steps (the rows' curve)")
	fs.IntVar(&o.EvalN, "eval-n", 0, "override the number of test (or val) rows evaluated (more rows, less noise)")
	fs.IntVar(&o.TrainN, "train-n", 0, "override the number of training transitions (MLE and RLVR data); a checkpoint is used only if it was pretrained on as many")
	fs.IntVar(&o.Pretrain, "pretrain-steps", 0, "override the most MLE steps of a start model that is pretrained (--pretrain-to, or no checkpoint fits)")
	fs.BoolVar(&o.Cosine, "pretrain-cosine", false, "pretraining a start model: decay the MLE LR along a cosine to a tenth, running every step (MLE continued then runs at that LR)")
	fs.BoolVar(&c.EvalGreedy, "eval-greedy", false, "evaluate with greedy decoding whatever the task's settings (video: sampling noise hides repeated frames)")
	fs.StringVar(&f.split, "eval-split", "test", "split the rows are evaluated on: test (the table) or val (choosing settings)")
	fs.StringVar(&c.WorldModel, "world-model", "", "policy-eval: the task whose MLE, MLE continued and RLVR models serve as simulators: video (default) or video-multi")
	fs.TextVar(&o.KV, "kv", nn.KVFloat32, "KV cache of the RLVR rollout sampler: float32, or float16, int8 or k8v16 (int8 keys, float16 values; faster on long sequences; logp_old is then recomputed)")
	fs.StringVar(&f.mleSchedule, "mle-schedule", "", "MLE continued's LR schedule: a constant (1e-3, 3e-4, 1e-4) or a cosine decay FROM:TO (1e-3:1e-4); default the one chosen on val for the task (text game 1e-4, web 3e-4, video and video-multi 1e-4 at small and full), else the start model's LR")
	fs.IntVar(&c.Converge, "mle-converge", 0, "also run \"MLE continued to convergence\" for at most this many steps, early-stopped on the validation metric (the mle_converged row; 0: off)")
	fs.BoolVar(&c.SkipRLVR, "skip-rlvr", false, "run only the MLE rows (choosing MLE continued's schedule on val)")
	fs.BoolVar(&f.summarize, "summarize", false, "print the mean ± std tables of the result files given as arguments")
	return f
}

// config completes the library config from the flags that need a look at
// which were set.
func (f *expFlags) config() (exp.Config, error) {
	c := f.cfg
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if f.split != "test" && f.split != "val" {
		return c, fmt.Errorf("--eval-split %q: want test or val", f.split)
	}
	c.EvalSplit = envs.Split(f.split)
	if c.Task == "" {
		return c, fmt.Errorf("--task is required")
	}
	if set["motion-weight"] {
		if c.Reward != "motion" {
			return c, fmt.Errorf("--motion-weight applies only with --reward motion")
		}
		c.MotionWeight = f.motion
	}
	if f.rlChanged >= 0 {
		c.Override.RLChanged = &f.rlChanged
	}
	if set["dynamic-sampling"] {
		c.Override.Dynamic = &f.dynamic
	}
	if f.mleSchedule != "" {
		s, err := train.ParseSchedule(f.mleSchedule)
		if err != nil {
			return c, fmt.Errorf("--mle-schedule: %w", err)
		}
		c.MLESchedule = &s
	}
	if !f.quiet {
		c.Log = os.Stderr
	}
	err := c.Check() // before c is returned: it records a default world model as ""
	return c, err
}

func runExp(args []string) int {
	f := newExpFlags()
	if code, ok := parseFlags(f.fs, args); !ok {
		return code
	}
	if f.summarize {
		return expSummarize(f.fs.Args())
	}
	cfg, err := f.config()
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld exp: %v\n", err)
		return 2
	}
	seeds := []int64{cfg.Seed}
	if f.seeds != "" {
		seeds, err = exp.ParseSeeds(f.seeds)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld exp: --seeds: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if f.pretrainTo != "" {
		return expExit(exp.PretrainOnly(ctx, cfg, f.pretrainTo))
	}
	results, err := exp.RunSeeds(ctx, cfg, seeds, f.jobs)
	if err != nil {
		return expExit(err)
	}
	for _, res := range results {
		fmt.Print(res.Markdown())
		if f.out != "" {
			if err := res.Save(exp.SeedPath(f.out, res.Seed, len(seeds) > 1)); err != nil {
				return expExit(err)
			}
		}
	}
	if len(results) > 1 {
		fmt.Print("\n" + exp.Summarize(results...).Markdown())
	}
	return 0
}

func expExit(err error) int {
	if err != nil {
		fmt.Fprintf(os.Stderr, "rlvrworld exp: %v\n", err)
		return 1
	}
	return 0
}

func expSummarize(paths []string) int {
	rs, err := exp.Load(paths...)
	if err != nil {
		return expExit(err)
	}
	fmt.Print(exp.Summarize(rs...).Markdown())
	return 0
}
