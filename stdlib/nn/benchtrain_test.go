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

// TestBenchTrainSmall runs BenchTrain on a small model: the figures agree
// with each other, the loss of random tokens is near ln(V), and without
// Llmc the llm.c figure says it comes from another run.
func TestBenchTrainSmall(t *testing.T) {
	r, err := BenchTrain(context.Background(), TrainBenchOptions{Steps: 3, B: 2, T: 32, L: 1, C: 32, NH: 2, V: 64})
	if err != nil {
		t.Fatal(err)
	}
	if r.Steps != 3 || r.Batch != 2 || r.Config.Vocab != 64 || r.Params <= 0 {
		t.Errorf("report does not describe the run: %+v", r)
	}
	if !(r.StepMsMin <= r.StepMsMedian && r.StepMsMedian <= r.StepMsMax) || r.TokensPerSec <= 0 {
		t.Errorf("step times min %g, median %g, max %g, %g tokens/s", r.StepMsMin, r.StepMsMedian, r.StepMsMax, r.TokensPerSec)
	}
	if r.Sgemm1024 <= 0 || r.MFU <= 0 || r.MFUPaired <= 0 {
		t.Errorf("anchors: sgemm %g GFLOP/s, MFU %g, paired %g", r.Sgemm1024, r.MFU, r.MFUPaired)
	}
	if r.FinalLoss < 3 || r.FinalLoss > 6 { // ln 64 = 4.16
		t.Errorf("final loss %g on random tokens, want near ln(64) = 4.16", r.FinalLoss)
	}
	if r.LlmcSameRun || !strings.Contains(r.LlmcSource, "another run") {
		t.Errorf("llm.c figure without Llmc: same run %v, source %q", r.LlmcSameRun, r.LlmcSource)
	}
}
