package exp

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/rlvrworld/rlvrworld/stdlib/grpo"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
)

// Row is one method's line of a result.
type Row struct {
	Method string `json:"method"`
	// Steps are gradient steps (see the package doc).
	Steps   int                `json:"steps"`
	WallS   float64            `json:"wall_s"`
	Metrics map[string]float64 `json:"metrics"`
	// Curve holds the task metrics along the way (Config.EvalEvery), for
	// mle_continued and rlvr; the last point is the row's own.
	Curve []CurvePoint `json:"curve,omitempty"`
}

// CurvePoint is one evaluation during training: after Steps gradient
// steps, the task's metric keys.
type CurvePoint struct {
	Steps   int                `json:"steps"`
	Metrics map[string]float64 `json:"metrics"`
}

// Result is one run: what `rlvrworld exp --out` writes as JSON.
type Result struct {
	Task   string `json:"task"`
	Budget string `json:"budget"`
	Seed   int64  `json:"seed"`
	// Reward names a non-default RL reward (text game "binary", video
	// "motion").
	Reward string `json:"reward,omitempty"`
	// RLChanged is the share of changed transitions among the RL prompts
	// when it was set.
	RLChanged float64 `json:"rl_changed,omitempty"`
	// MotionWeight is the moved-patch weight of the reward "motion".
	MotionWeight float64 `json:"motion_weight,omitempty"`
	// EvalSplit is "val" when the rows were evaluated on the validation
	// split (for choosing settings without touching test).
	EvalSplit string `json:"eval_split,omitempty"`
	// EvalDecoding is "greedy" when Config.EvalGreedy replaced the task's
	// evaluation sampling (a video diagnostic).
	EvalDecoding string `json:"eval_decoding,omitempty"`
	// WorldModel is the task whose models a downstream task ran in, when
	// it was not its default (policy-eval in video-multi).
	WorldModel string `json:"world_model,omitempty"`
	// MLEContinuedLR is MLE continued's learning rate when it was not the
	// budget's constant MLE LR (a start model pretrained with a decaying LR
	// continues at its final LR).
	MLEContinuedLR float64 `json:"mle_continued_lr,omitempty"`
	// MLESchedule is MLE continued's LR schedule when Config.MLESchedule
	// set it ("1e-3" constant, "1e-3:0.0001" a cosine decay; train.Schedule).
	MLESchedule string `json:"mle_schedule,omitempty"`
	// TrainN is the number of training transitions when an override set it.
	TrainN int `json:"train_n,omitempty"`
	// StartSHA256 is the SHA-256 of the checkpoint the run started from
	// (empty when it pretrained its own start model): runs from different
	// checkpoints are different settings, even with equal flags.
	StartSHA256 string `json:"start_sha256,omitempty"`
	// GRPO is the RLVR configuration used.
	GRPO *grpo.Config `json:"grpo,omitempty"`
	Rows []Row        `json:"rows"`
}

// Row returns the result's row of a method, or nil.
func (r *Result) Row(method string) *Row {
	for i := range r.Rows {
		if r.Rows[i].Method == method {
			return &r.Rows[i]
		}
	}
	return nil
}

// Load reads result files written by Save (or `rlvrworld exp --out`).
func Load(paths ...string) ([]*Result, error) {
	out := make([]*Result, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var r Result
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if r.Task == "" || len(r.Rows) == 0 {
			// bench grpo's JSON sits beside the results, for one.
			return nil, fmt.Errorf("%s: not a result of rlvrworld exp (no task or no rows)", p)
		}
		out = append(out, &r)
	}
	return out, nil
}

// Save writes r as indented JSON to path.
func (r *Result) Save(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}

// columns are a task's table columns: its metrics in registry order, or,
// for a task the registry does not know, every metric of the rows, sorted.
func columns(r *Result) []string {
	if s, err := tasks.Lookup(r.Task); err == nil {
		return s.MetricKeys()
	}
	seen := map[string]bool{}
	var keys []string
	for _, row := range r.Rows {
		for k := range row.Metrics {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// Markdown renders a result like the paper's table: one row per method,
// the task's metric columns and the mean reward (the JSON has every
// metric).
func (r *Result) Markdown() string {
	keys := columns(r)
	if _, err := tasks.Lookup(r.Task); err == nil && len(r.Rows) > 0 {
		if _, ok := r.Rows[0].Metrics["reward"]; ok {
			keys = append(keys, "reward")
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "### %s, budget %s, seed %d\n\n", r.Task, r.Budget, r.Seed)
	sb.WriteString("| method | steps | wall s | " + strings.Join(keys, " | ") + " |\n")
	sb.WriteString("|---|---|---|" + strings.Repeat("---|", len(keys)) + "\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&sb, "| %s | %d | %.1f |", row.Method, row.Steps, row.WallS)
		for _, k := range keys {
			if v, ok := row.Metrics[k]; ok {
				fmt.Fprintf(&sb, " %.4g |", v)
			} else {
				sb.WriteString(" - |")
			}
		}
		sb.WriteString("\n")
	}
	return sb.String()
}
