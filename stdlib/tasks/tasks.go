package tasks

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/grpo"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// Metric is one evaluation metric of a task: its key in the metric maps and
// whether a higher value is better.
type Metric struct {
	Key    string
	Higher bool
}

// Spec is one task. New builds the task (a world-model task); a downstream
// task has Base and Downstream instead.
type Spec struct {
	// Name is the short name the command line and notebooks use.
	Name string
	// Summary says what the task is, in a line.
	Summary string
	// New builds the task: its data generator, tokenizer and verifier.
	New func() (envs.Task, error)
	// Reward, when set, builds the task with a non-default RL reward
	// (rlvrworld exp --reward); weight is --motion-weight where the reward
	// has one. Evaluation metrics do not depend on it.
	Reward func(reward string, weight float64) (envs.Task, error)
	// Rewards names the rewards Reward accepts, for error messages.
	Rewards []string
	// Metrics are the table's columns, in order, with their direction.
	Metrics []Metric
	// Diagnostics are further columns shown where result files have them
	// (what kind of mistake the wrong predictions made).
	Diagnostics []string
	// GRPO is the task's RLVR configuration before a budget scales it.
	GRPO grpo.Config
	// Budgets are the task's experiment sizes by name (smoke, tiny, small,
	// full). Register fills StandardBudgets(GRPO) when it is nil.
	Budgets map[string]Budget
	// Base, for a downstream task, is the world-model task whose three
	// models (MLE, MLE continued, RLVR) it uses; Bases lists the other
	// world-model tasks it accepts (policy-eval: video-multi).
	Base  string
	Bases []string
	// Downstream scores one world model of the Base task (a downstream
	// task only).
	Downstream func(ctx context.Context, base envs.Task, m *nn.Model, o DownstreamOptions) (map[string]float64, error)
}

// DownstreamOptions size one downstream evaluation.
type DownstreamOptions struct {
	// Episodes is the number of episodes (per policy for policy-eval);
	// MaxSteps bounds an episode.
	Episodes, MaxSteps int
	// Seed varies the world model's sampling.
	Seed int64
}

// MetricKeys returns the keys of s.Metrics in table order.
func (s Spec) MetricKeys() []string {
	keys := make([]string, len(s.Metrics))
	for i, m := range s.Metrics {
		keys[i] = m.Key
	}
	return keys
}

// Budget returns the task's budget of that name, or says which exist.
func (s Spec) Budget(name string) (Budget, error) {
	b, ok := s.Budgets[name]
	if !ok {
		return b, fmt.Errorf("unknown budget %q (have %s)", name, strings.Join(budgetNames(s.Budgets), ", "))
	}
	return b, nil
}

// RewardTask builds the task with the RL reward named (see Spec.Reward).
func (s Spec) RewardTask(reward string, weight float64) (envs.Task, error) {
	if s.Reward == nil {
		return nil, fmt.Errorf("--reward %q does not apply to %s (it has only its own reward)", reward, s.Name)
	}
	return s.Reward(reward, weight)
}

// IsDownstream reports whether s uses another task's world models.
func (s Spec) IsDownstream() bool { return s.Downstream != nil }

// registry holds the registered tasks by name. It is the package's one
// piece of global state: the point of a registry.
var registry = struct {
	sync.RWMutex
	specs map[string]Spec
}{specs: map[string]Spec{}}

// Register adds a task. It fills the defaults a Spec leaves out: the
// language GRPO configuration when GRPO is zero, and StandardBudgets when
// Budgets is nil. A second task of the same name is an error.
func Register(s Spec) error {
	if s.Name == "" {
		return errors.New("tasks: a task needs a name")
	}
	if (s.New == nil) == (s.Downstream == nil) {
		return fmt.Errorf("tasks: %s needs exactly one of New (a world-model task) and Downstream", s.Name)
	}
	if s.Downstream != nil && s.Base == "" {
		return fmt.Errorf("tasks: downstream task %s needs a Base task", s.Name)
	}
	if len(s.Metrics) == 0 {
		return fmt.Errorf("tasks: %s needs at least one metric", s.Name)
	}
	if s.GRPO.GroupSize == 0 {
		s.GRPO = grpo.LanguageConfig()
	}
	if s.Budgets == nil {
		s.Budgets = StandardBudgets(s.GRPO)
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.specs[s.Name]; dup {
		return fmt.Errorf("tasks: %s is registered twice", s.Name)
	}
	registry.specs[s.Name] = s
	return nil
}

// Lookup returns the task of that name, or an error that lists the names.
func Lookup(name string) (Spec, error) {
	registry.RLock()
	s, ok := registry.specs[name]
	registry.RUnlock()
	if !ok {
		return s, fmt.Errorf("unknown task %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return s, nil
}

// New builds the world-model task of that name.
func New(name string) (envs.Task, error) {
	s, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if s.New == nil {
		return nil, fmt.Errorf("%s is a downstream task (of %s), not a world-model task", name, s.Base)
	}
	return s.New()
}

// Names lists the registered tasks, sorted.
func Names() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.specs))
	for n := range registry.specs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// WorldModels lists the registered world-model tasks (those with data),
// sorted.
func WorldModels() []string {
	var out []string
	for _, n := range Names() {
		if s, _ := Lookup(n); s.New != nil {
			out = append(out, n)
		}
	}
	return out
}
