package exp

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/envs"
	"github.com/rlvrworld/rlvrworld/stdlib/nn"
	"github.com/rlvrworld/rlvrworld/stdlib/tasks"
	"github.com/rlvrworld/rlvrworld/stdlib/train"
)

// TestShippedCheckpoints ties each shipped start model to its data: the
// validation loss its metadata records (best_val_loss, measured by
// make checkpoints on val_n validation transitions of data seed 1) must
// match a fresh evaluation on today's validation split. A checkpoint that
// exp would refuse (a text task's, trained on the old overlapping splits)
// is instead checked to be refused, so that no table starts from a model
// that saw its test rows.
func TestShippedCheckpoints(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"textgame", "web", "video", "video-multi"} {
		t.Run(name, func(t *testing.T) {
			path := CheckpointPath("../../checkpoints", name)
			m, meta, sum, err := readCheckpoint(path)
			if err != nil {
				t.Fatal(err)
			}
			// Every shipped file carries its checksum: a user's first run
			// should not warn that our own weights cannot be verified.
			if info, err := nn.Inspect(path); err != nil || info.Checksum == "" {
				t.Errorf("%s has no nn.sha256 checksum (%v): rlvrworld checkpoint seal adds one", path, err)
			}
			if meta["task"] != name {
				t.Fatalf("%s records task %q", path, meta["task"])
			}
			if why := checkpointMisfit(m.Config(), m.Config(), meta, 0); why != "" {
				if meta["splits"] == splitScheme {
					t.Fatalf("%s is refused: %s", path, why)
				}
				t.Logf("%s (sha256 %.12s) is refused as a start model: %s", path, sum, why)
				return
			}
			task, err := tasks.New(name)
			if err != nil {
				t.Fatal(err)
			}
			valN, err := strconv.Atoi(meta["val_n"])
			if err != nil || valN <= 0 {
				t.Fatalf("%s: val_n %q", path, meta["val_n"])
			}
			want, err := strconv.ParseFloat(meta["best_val_loss"], 64)
			if err != nil {
				t.Fatalf("%s: best_val_loss %q", path, meta["best_val_loss"])
			}
			val, err := task.Generate(ctx, envs.Val, valN, 1)
			if err != nil {
				t.Fatal(err)
			}
			batch, _ := strconv.Atoi(meta["mle_batch"])
			got, err := train.Loss(ctx, m, sequences(val), max(batch, 1))
			if err != nil {
				t.Fatal(err)
			}
			// The metadata rounds to 4 decimals, and the thread count
			// changes the last bits of a sum.
			if math.Abs(got-want) > 5e-4 {
				t.Errorf("%s: fresh validation loss %.4f on %d val transitions, recorded %.4f", path, got, valN, want)
			}
		})
	}
}
