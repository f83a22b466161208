package robot

import (
	"context"
	"testing"
)

// TestReplayReproducesEpisode checks that replaying an episode's actions in
// the simulator from the same seed reproduces its frames and outcome.
func TestReplayReproducesEpisode(t *testing.T) {
	task, err := NewTask(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	orig, err := RunPolicy(ctx, task, NewExpert(), 700001, 30)
	if err != nil {
		t.Fatal(err)
	}
	again, err := RunPolicy(ctx, task, NewReplay(orig.Actions), 700001, len(orig.Actions))
	if err != nil {
		t.Fatal(err)
	}
	if again.Success != orig.Success || again.Steps != orig.Steps || len(again.Frames) != len(orig.Frames) {
		t.Fatalf("replay: success %v steps %d, original: success %v steps %d", again.Success, again.Steps, orig.Success, orig.Steps)
	}
	for i := range orig.Frames {
		if string(again.Frames[i]) != string(orig.Frames[i]) {
			t.Fatalf("frame %d differs", i)
		}
	}
}
