package tok

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// patchFrames draws w x h frames of random axis-aligned rectangles in a few
// colours over a flat background: structured like the robot frames, with
// more distinct patches than a small codebook holds.
func patchFrames(n, w, h int, seed uint64) [][]uint8 {
	rng := rand.New(rand.NewPCG(seed, 1))
	cols := [][3]uint8{{200, 190, 170}, {220, 50, 50}, {50, 170, 70}, {50, 90, 220}, {40, 40, 40}}
	frames := make([][]uint8, n)
	for f := range frames {
		pix := make([]uint8, w*h*3)
		for i := 0; i < w*h; i++ {
			copy(pix[i*3:], cols[0][:])
		}
		for r := 0; r < 3; r++ {
			x0, y0 := rng.IntN(w-4), rng.IntN(h-4)
			x1, y1 := x0+2+rng.IntN(6), y0+2+rng.IntN(6)
			c := cols[1+rng.IntN(len(cols)-1)]
			for y := y0; y < y1 && y < h; y++ {
				for x := x0; x < x1 && x < w; x++ {
					copy(pix[(y*w+x)*3:], c[:])
				}
			}
		}
		frames[f] = pix
	}
	return frames
}

func TestCodebookRoundTrip(t *testing.T) {
	ctx := context.Background()
	train := patchFrames(200, 32, 32, 1)
	cb, st, err := TrainCodebook(ctx, train, 32, 32, CodebookOptions{K: 64, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d patches, %d unique, %d iters, mse %.5f, psnr %.1f", st.Patches, st.UniquePatches, st.Iters, st.MSE, st.PSNR)
	if st.Patches != 200*64 || st.Iters != 12 || cb.K != 64 || cb.Dim() != 48 {
		t.Fatalf("stats %+v, K %d", st, cb.K)
	}
	// The error bound: held-out frames of the same kind reconstruct within
	// 0.01 MSE (20 dB), and the background patch exactly.
	test := patchFrames(50, 32, 32, 2)
	mse, psnr, err := cb.ReconstructionError(test, 32, 32)
	if err != nil {
		t.Fatal(err)
	}
	if mse > 0.01 || psnr < 20 {
		t.Errorf("held-out mse %.5f psnr %.1f, want <= 0.01", mse, psnr)
	}
	// Encode then Decode agrees with ReconstructionError.
	var sum float64
	for _, f := range test {
		tk, err := cb.Encode(f, 32, 32)
		if err != nil {
			t.Fatal(err)
		}
		if len(tk) != cb.TokensPerFrame(32, 32) {
			t.Fatalf("%d tokens", len(tk))
		}
		dec, err := cb.DecodeFloat(tk, 32, 32, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range f {
			e := float64(v)/255 - float64(dec[i])
			sum += e * e
		}
	}
	if got := sum / float64(len(test)*32*32*3); math.Abs(got-mse) > 1e-6 {
		t.Errorf("decode mse %v, ReconstructionError %v", got, mse)
	}
	// A frame made of codebook vectors encodes to exactly those tokens.
	want := make([]int, 64)
	for i := range want {
		want[i] = (i * 7) % cb.K
	}
	pix, err := cb.Decode(want, 32, 32)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := cb.Encode(pix, 32, 32)
	for i := range want {
		a, b := cb.Vectors[want[i]*48:(want[i]+1)*48], cb.Vectors[got[i]*48:(got[i]+1)*48]
		if patchSqDist(a, b) > 1e-4 {
			t.Fatalf("patch %d: token %d came back as %d", i, want[i], got[i])
		}
	}
}

func TestCodebookDeterministic(t *testing.T) {
	frames := patchFrames(60, 16, 16, 4)
	var files [][]byte
	for _, workers := range []int{1, 2, 3} {
		cb, _, err := TrainCodebook(context.Background(), frames, 16, 16, CodebookOptions{K: 32, Seed: 9, Workers: workers, Iters: 5})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		cb.WriteTo(&buf)
		files = append(files, buf.Bytes())
	}
	if !bytes.Equal(files[0], files[1]) || !bytes.Equal(files[0], files[2]) {
		t.Fatal("the codebook depends on the number of workers")
	}
	// Fewer distinct patches than K: every patch is exact.
	flat := [][]uint8{make([]uint8, 8*8*3)}
	cb, st, err := TrainCodebook(context.Background(), flat, 8, 8, CodebookOptions{K: 16})
	if err != nil || st.UniquePatches != 1 || st.MSE != 0 || cb.K != 16 {
		t.Fatalf("flat: %+v %v", st, err)
	}
}

func TestCodebookSaveLoad(t *testing.T) {
	cb, _, err := TrainCodebook(context.Background(), patchFrames(20, 16, 16, 5), 16, 16, CodebookOptions{K: 8, Iters: 2})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cb.bin")
	if err := cb.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadCodebook(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.K != cb.K || back.Patch != cb.Patch {
		t.Fatalf("loaded K=%d patch=%d", back.K, back.Patch)
	}
	for i, v := range cb.Vectors {
		if math.Abs(float64(v-back.Vectors[i])) > 0.5/255+1e-6 {
			t.Fatalf("value %d: %v came back as %v", i, v, back.Vectors[i])
		}
	}
	var buf bytes.Buffer
	cb.WriteTo(&buf)
	data := buf.Bytes()
	for _, bad := range [][]byte{nil, []byte("RLVRPCB1"), data[:len(data)-1], append([]byte("XXXXXXXX"), data[8:]...)} {
		if _, err := ReadCodebook(bad); err == nil {
			t.Errorf("bad file of %d bytes accepted", len(bad))
		}
	}
	if _, err := LoadCodebook(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing file loaded")
	}
}

func TestCodebookBadInput(t *testing.T) {
	cb, _, _ := TrainCodebook(context.Background(), patchFrames(5, 16, 16, 6), 16, 16, CodebookOptions{K: 4, Iters: 1})
	if _, err := cb.Encode(make([]uint8, 10), 16, 16); err == nil {
		t.Error("short frame encoded")
	}
	if _, err := cb.Encode(make([]uint8, 15*15*3), 15, 15); err == nil {
		t.Error("frame not a multiple of the patch encoded")
	}
	if _, err := cb.Decode([]int{0, 1, 2}, 16, 16); err == nil {
		t.Error("too few tokens decoded")
	}
	if _, err := cb.Decode(make([]int, 15), 16, 16); err == nil {
		t.Error("15 tokens decoded as 16")
	}
	bad := make([]int, 16)
	bad[3] = 4
	if _, err := cb.Decode(bad, 16, 16); err == nil {
		t.Error("token K decoded")
	}
	bad[3] = -1
	if _, err := cb.Decode(bad, 16, 16); err == nil {
		t.Error("token -1 decoded")
	}
	if _, _, err := TrainCodebook(context.Background(), nil, 16, 16, CodebookOptions{}); err == nil {
		t.Error("trained on no frames")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := TrainCodebook(ctx, patchFrames(50, 32, 32, 1), 32, 32, CodebookOptions{K: 64}); err == nil {
		t.Error("training ignored a cancelled context")
	}
	if _, err := NewCodebook(4, []float32{2}); err == nil {
		t.Error("NewCodebook accepted a bad vector")
	}
	var zero Codebook
	if _, err := zero.Encode(make([]uint8, 16*16*3), 16, 16); err == nil {
		t.Error("zero codebook encoded")
	}
}

// TestTrainStatsMatchReconstruction: the training stats, computed on
// distinct patches, equal the error over all frames.
func TestTrainStatsMatchReconstruction(t *testing.T) {
	frames := patchFrames(40, 32, 32, 8)
	cb, st, err := TrainCodebook(context.Background(), frames, 32, 32, CodebookOptions{K: 16, Iters: 4})
	if err != nil {
		t.Fatal(err)
	}
	mse, _, _ := cb.ReconstructionError(frames, 32, 32)
	if math.Abs(mse-st.MSE) > 1e-6 {
		t.Fatalf("stats mse %v, reconstruction %v", st.MSE, mse)
	}
}

// FuzzReadCodebook: any bytes give a codebook or an error, never a panic,
// and a codebook that loads encodes and decodes a frame.
func FuzzReadCodebook(f *testing.F) {
	cb, _, _ := TrainCodebook(context.Background(), patchFrames(4, 8, 8, 1), 8, 8, CodebookOptions{K: 4, Patch: 2, Iters: 1})
	var buf bytes.Buffer
	cb.WriteTo(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte("RLVRPCB1"))
	f.Add([]byte("RLVRPCB1\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadCodebook(data)
		if err != nil {
			return
		}
		w := c.Patch * 2
		pix := make([]uint8, w*w*3)
		toks, err := c.Encode(pix, w, w)
		if err != nil {
			t.Fatalf("loaded codebook cannot encode: %v", err)
		}
		if _, err := c.Decode(toks, w, w); err != nil {
			t.Fatalf("loaded codebook cannot decode its tokens: %v", err)
		}
	})
}
