package tasks

import (
	"context"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/web"
)

// TestBuiltins checks every built-in task: it builds (or names a base that
// does), has metrics and the four budgets, and a world-model task's budgets
// carry its GRPO defaults.
func TestBuiltins(t *testing.T) {
	want := []string{"policy-eval", "textgame", "video", "video-multi", "web", "web-agent"}
	for _, name := range want {
		s, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range []string{"smoke", "tiny", "small", "full"} {
			bud, err := s.Budget(b)
			if err != nil || bud.Name != b || bud.TrainN == 0 || bud.Episodes == 0 {
				t.Errorf("%s budget %s: %+v (%v)", name, b, bud, err)
			}
		}
		if s.IsDownstream() {
			if _, err := Lookup(s.Base); err != nil {
				t.Errorf("%s: base %v", name, err)
			}
			if _, err := New(name); err == nil || !strings.Contains(err.Error(), "downstream") {
				t.Errorf("New(%s) of a downstream task: %v", name, err)
			}
			continue
		}
		task, err := New(name)
		if err != nil || task.Name() != name {
			t.Fatalf("New(%s): %v, %v", name, task, err)
		}
	}
	v, _ := Lookup("video")
	if small, _ := v.Budget("small"); small.GRPO.Loss.DualClip != 3 || small.GRPO.GroupSize != 8 {
		t.Errorf("video small GRPO %+v, want the dual clip and G=8", small.GRPO)
	}
	tg, _ := Lookup("textgame")
	if tiny, _ := tg.Budget("tiny"); tiny.RLChanged != 0.75 || tiny.GRPO.Loss.EntropyCoef != 0.001 {
		t.Errorf("text game tiny %+v", tiny)
	}
	if m := v.Metrics[0]; m.Key != "mse" || m.Higher {
		t.Errorf("video's first metric %+v, want mse, lower is better", m)
	}
}

func TestLookupErrors(t *testing.T) {
	if _, err := Lookup("nosuch"); err == nil || !strings.Contains(err.Error(), "textgame, video") {
		t.Errorf("unknown task: %v", err)
	}
	s, _ := Lookup("web")
	if _, err := s.Budget("huge"); err == nil || !strings.Contains(err.Error(), "full, small, smoke, tiny") {
		t.Errorf("unknown budget: %v", err)
	}
	if _, err := s.RewardTask("motion", 1); err == nil {
		t.Error("web took the motion reward")
	}
	tg, _ := Lookup("textgame")
	if _, err := tg.RewardTask("motion", 1); err == nil {
		t.Error("the text game took the motion reward")
	}
	for _, bad := range []Spec{
		{},
		{Name: "x", Metrics: []Metric{{"a", true}}},
		{Name: "x", New: func() (envs.Task, error) { return web.New() }},
		{Name: "textgame", New: func() (envs.Task, error) { return web.New() }, Metrics: []Metric{{"a", true}}},
	} {
		if err := Register(bad); err == nil {
			t.Errorf("registered %+v", bad)
		}
	}
}

// TestPredictionValue checks the agent's scoring on a real site: the
// true next page of the right action scores above a no-op.
func TestPredictionValue(t *testing.T) {
	b := web.NewBrowser(web.NewSite(5, false))
	var goal web.Goal
	for _, g := range web.Goals(b) {
		if strings.HasPrefix(g.Text, "set the theme") {
			goal = g
		}
	}
	before := b.Items()
	next := web.NewBrowser(web.NewSite(5, false))
	var settings string
	for _, c := range next.Candidates() {
		probe := web.NewBrowser(web.NewSite(5, false))
		probe.Step(c)
		if strings.Contains(strings.Join(probe.Lines(), "\n"), "heading 'Settings'") {
			settings = c
			break
		}
	}
	if settings == "" {
		t.Fatal("no candidate opens the settings page")
	}
	next.Step(settings)
	diff := web.DiffItems(before, next.Items())
	good := predictionValue(b, goal, diff)
	noop := predictionValue(b, goal, web.Sections{})
	if !(good > noop) || good <= 0 {
		t.Errorf("settings page value %v, no-op %v", good, noop)
	}
}

// TestDownstreamCancelled checks that a downstream evaluation stops with
// the context's error.
func TestDownstreamCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	task, _ := web.New()
	if _, err := WebAgent(ctx, task, nil, DownstreamOptions{Episodes: 1, MaxSteps: 1}); err == nil {
		t.Error("a cancelled web agent ran")
	}
}

// TestBenchVerify runs the verifier benchmark: every rate is positive, and
// a cancelled context stops it with its error.
func TestBenchVerify(t *testing.T) {
	rep, err := BenchVerify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.TextgameRewardsPerSec <= 0 || rep.WebRewardsPerSec <= 0 || rep.FrameRewardsPerSec <= 0 || rep.AnchorJSONPerSec <= 0 {
		t.Errorf("report %+v", rep)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := BenchVerify(ctx); err == nil {
		t.Error("a cancelled benchmark ran")
	}
}
