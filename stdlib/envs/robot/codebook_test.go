package robot

import (
	"bytes"
	"context"
	"flag"
	"fmt"
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
	for _, k := range ShippedCodebookSizes {
		start := time.Now()
		cb, st, err := TrainDefaultCodebook(context.Background(), 32, k)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("trained K=%d on %d patches (%d unique) in %v: mse %.5f psnr %.1f dB", k, st.Patches, st.UniquePatches, time.Since(start), st.MSE, st.PSNR)
		file := fmt.Sprintf("codebook_s32_k%d.bin", k)
		if *update {
			var buf bytes.Buffer
			if _, err := cb.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		shipped, err := DefaultCodebook(context.Background(), 32, k)
		if err != nil {
			t.Fatal(err)
		}
		if shipped.K != cb.K || len(shipped.Vectors) != len(cb.Vectors) {
			t.Fatalf("shipped codebook K=%d, trained K=%d", shipped.K, cb.K)
		}
		for i, v := range cb.Vectors {
			if math.Abs(float64(v-shipped.Vectors[i])) > 1.5/255 {
				t.Fatalf("%s value %d: trained %v, shipped %v: regenerate with -update", file, i, v, shipped.Vectors[i])
			}
		}
		// Held-out frames (another seed) reconstruct within the bound.
		frames := CodebookFrames(32, 40, 7)
		mse, psnr, err := shipped.ReconstructionError(frames, 32, 32)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("K=%d held-out reconstruction: mse %.5f psnr %.1f dB", k, mse, psnr)
		if mse > 0.001 {
			t.Errorf("K=%d reconstruction mse %.5f above the 0.001 bound (psnr %.1f dB)", k, mse, psnr)
		}
	}
}
