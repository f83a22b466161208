package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/envs/robot"
)

// promptKey is an example's prompt as a comparable string.
func promptKey(ex *envs.Example) string { return fmt.Sprint(ex.Prompt) }

// TestSplitsShareNoPrompt generates the whole sets that exp and data use,
// 16,000 training transitions against 1,000 validation and 1,000 test ones
// (seed 1, exp's data seed), for the text tasks, and checks that no prompt
// of val or test appears in train or in the other held-out split. Held-out
// rows that were also trained on would make the tables measure memory.
func TestSplitsShareNoPrompt(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"textgame", "web"} {
		t.Run(name, func(t *testing.T) {
			task, err := lookupTask(name)
			if err != nil {
				t.Fatal(err)
			}
			sets := map[envs.Split]int{envs.Train: 16000, envs.Val: 1000, envs.Test: 1000}
			seen := map[string]envs.Split{}
			for _, split := range []envs.Split{envs.Train, envs.Val, envs.Test} {
				exs, err := task.Generate(ctx, split, sets[split], 1)
				if err != nil {
					t.Fatal(err)
				}
				if len(exs) != sets[split] {
					t.Fatalf("%s: %d examples, want %d", split, len(exs), sets[split])
				}
				shared := 0
				for i := range exs {
					k := promptKey(&exs[i])
					if s, ok := seen[k]; ok && s != split {
						shared++
						if shared <= 3 {
							t.Errorf("%s %s shares its prompt with %s", split, exs[i].ID, s)
						}
						continue
					}
					seen[k] = split
				}
				if shared > 0 {
					t.Errorf("%s: %d of %d prompts also in an earlier split", split, shared, len(exs))
				}
			}
		})
	}
}

// TestDataCLISplitsDisjoint checks the same on what `rlvrworld data`
// writes for the text tasks: the "prompt" fields of --split test and val
// never occur in --split train, whatever the seeds of the two commands.
func TestDataCLISplitsDisjoint(t *testing.T) {
	ctx := context.Background()
	prompts := func(task string, split envs.Split, n int, seed int64) map[string]bool {
		var buf bytes.Buffer
		if err := writeData(ctx, &buf, task, split, n, seed); err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			var rec struct {
				Prompt string `json:"prompt"`
			}
			if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Prompt == "" {
				t.Fatalf("bad record %q: %v", line, err)
			}
			out[rec.Prompt] = true
		}
		return out
	}
	for _, task := range []string{"textgame", "web"} {
		train := prompts(task, envs.Train, 4000, 2)
		for _, split := range []envs.Split{envs.Val, envs.Test} {
			shared := 0
			for p := range prompts(task, split, 1000, 3) {
				if train[p] {
					shared++
				}
			}
			if shared > 0 {
				t.Errorf("%s: %d prompts of `data --split %s --seed 3` are in `data --split train --seed 2`", task, shared, split)
			}
		}
	}
}

// TestVideoSplitsShareNoEpisode checks the video tasks on the same sets:
// each example is its own episode, and an episode's seed carries its split
// (robot's episodeSeed), so no episode is in two splits. Two different
// episodes can still tokenize to the same prompt (a handful of frames that
// quantize alike): measured 1 of 1,000 val and 2 of 1,000 test prompts for
// "video"; the bound catches a return to shared episodes, which would show
// hundreds.
func TestVideoSplitsShareNoEpisode(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"video", "video-multi"} {
		t.Run(name, func(t *testing.T) {
			task, err := lookupTask(name)
			if err != nil {
				t.Fatal(err)
			}
			episodes := map[uint64]envs.Split{}
			prompts := map[string]envs.Split{}
			for _, split := range []envs.Split{envs.Train, envs.Val, envs.Test} {
				n := 1000
				if split == envs.Train {
					n = 16000
				}
				exs, err := task.Generate(ctx, split, n, 1)
				if err != nil {
					t.Fatal(err)
				}
				sharedPrompts := 0
				for i := range exs {
					es := exs[i].Payload.(*robot.Payload).EpisodeSeed
					if s, ok := episodes[es]; ok && s != split {
						t.Fatalf("%s %s replays episode %d of %s", split, exs[i].ID, es, s)
					}
					episodes[es] = split
					k := promptKey(&exs[i])
					if s, ok := prompts[k]; ok && s != split {
						sharedPrompts++
						continue
					}
					prompts[k] = split
				}
				t.Logf("%s: %d of %d prompts equal an earlier split's (other episodes)", split, sharedPrompts, n)
				if sharedPrompts > 5 {
					t.Errorf("%s: %d of %d prompts also in an earlier split", split, sharedPrompts, n)
				}
			}
		})
	}
}
