package nn

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLlmcStepMs checks the reading of llm.c train_gpt2's output (llm.c is
// not packaged here, so a script prints its step lines, as train_gpt2.c's
// printf has them): the median of the steps after the first, run in the
// program's directory, and a clear error for output without step lines.
func TestLlmcStepMs(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\n[ -f marker ] || exit 3\necho 'num_parameters: 3356160'\n" +
		"echo 'step 0: train loss 6.3 (took 4000.000000 ms)'\n" +
		"echo 'step 1: train loss 6.1 (took 1900.500000 ms)'\n" +
		"echo 'step 2: train loss 6.0 (took 2100.000000 ms)'\n" +
		"echo 'step 3: train loss 5.9 (took 1950.250000 ms)'\n"
	if err := os.WriteFile(filepath.Join(dir, "train_gpt2"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "marker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ms, err := llmcStepMs(context.Background(), filepath.Join(dir, "train_gpt2"))
	if err != nil {
		t.Fatal(err)
	}
	if ms != 1950.25 {
		t.Errorf("median step %g ms, want 1950.25 (the first step left out)", ms)
	}
	bad := filepath.Join(dir, "other")
	if err := os.WriteFile(bad, []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := llmcStepMs(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "step lines") {
		t.Errorf("output without step lines: err %v", err)
	}
}
