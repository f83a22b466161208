package robot

import (
	"bytes"
	"context"
	"flag"
	"math"
	"os"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "retrain and rewrite the shipped codebook")

// TestShippedCodebook checks that training reproduces the shipped codebook
// (within one grey level per value, allowing for float summation order on
// other platforms) and that it reconstructs frames well.
func TestShippedCodebook(t *testing.T) {
	start := time.Now()
	cb, st, err := TrainDefaultCodebook(context.Background(), 32, 256)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained K=256 on %d patches (%d unique) in %v: mse %.5f psnr %.1f dB", st.Patches, st.UniquePatches, time.Since(start), st.MSE, st.PSNR)
	if *update {
		var buf bytes.Buffer
		if _, err := cb.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("codebook_s32_k256.bin", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	shipped, err := DefaultCodebook(context.Background(), 32, 256)
	if err != nil {
		t.Fatal(err)
	}
	if shipped.K != cb.K || len(shipped.Vectors) != len(cb.Vectors) {
		t.Fatalf("shipped codebook K=%d, trained K=%d", shipped.K, cb.K)
	}
	for i, v := range cb.Vectors {
		if math.Abs(float64(v-shipped.Vectors[i])) > 1.5/255 {
			t.Fatalf("value %d: trained %v, shipped %v: regenerate with -update", i, v, shipped.Vectors[i])
		}
	}
	// Held-out frames (another seed) reconstruct within the bound.
	frames := CodebookFrames(32, 40, 7)
	mse, psnr, err := shipped.ReconstructionError(frames, 32, 32)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("held-out reconstruction: mse %.5f psnr %.1f dB", mse, psnr)
	if mse > 0.004 {
		t.Errorf("reconstruction mse %.5f above the 0.004 bound (psnr %.1f dB)", mse, psnr)
	}
}
