package verify

import (
	"math"
	"math/rand/v2"
	"testing"
)

func flatImage(w, h int, v float32) Image {
	p := make([]float32, w*h*3)
	for i := range p {
		p[i] = v
	}
	return Image{W: w, H: h, Pix: p}
}

func noiseImage(w, h int, seed uint64) Image {
	rng := rand.New(rand.NewPCG(seed, 1))
	p := make([]float32, w*h*3)
	for i := range p {
		p[i] = rng.Float32()
	}
	return Image{W: w, H: h, Pix: p}
}

func TestPixelMetricsKnownValues(t *testing.T) {
	a, b := flatImage(32, 32, 0.2), flatImage(32, 32, 0.5)
	mae, _ := MAE(a, b)
	mse, _ := MSE(a, b)
	if math.Abs(mae-0.3) > 1e-6 || math.Abs(mse-0.09) > 1e-6 {
		t.Fatalf("mae %v mse %v, want 0.3 0.09", mae, mse)
	}
	if p := PSNR(0.01); math.Abs(p-20) > 1e-9 {
		t.Fatalf("psnr(0.01) = %v, want 20", p)
	}
	if PSNR(0) != MaxPSNR || PSNR(math.NaN()) != MaxPSNR && !math.IsNaN(PSNR(math.NaN())) {
		t.Fatal("PSNR of a perfect match is not capped")
	}
	// SSIM of two flat images has only the luminance term:
	// (2 mu_a mu_b + C1) / (mu_a^2 + mu_b^2 + C1).
	s, _ := SSIM(a, b)
	want := (2*0.2*0.5 + 1e-4) / (0.04 + 0.25 + 1e-4)
	if math.Abs(s-want) > 1e-5 {
		t.Fatalf("flat ssim %v, want %v", s, want)
	}
	n := noiseImage(32, 32, 1)
	if s, _ := SSIM(n, n); math.Abs(s-1) > 1e-6 {
		t.Fatalf("ssim(x, x) = %v", s)
	}
	// Inverting the noise gives strongly negative structure.
	inv := Image{W: 32, H: 32, Pix: make([]float32, len(n.Pix))}
	for i, v := range n.Pix {
		inv.Pix[i] = 1 - v
	}
	if s, _ := SSIM(n, inv); s > -0.5 || s < -1 {
		t.Fatalf("ssim of an inverted image %v", s)
	}
	// Symmetric, and worse with more noise.
	m := noiseImage(32, 32, 2)
	s1, _ := SSIM(n, m)
	s2, _ := SSIM(m, n)
	if math.Abs(s1-s2) > 1e-6 {
		t.Fatalf("ssim not symmetric: %v %v", s1, s2)
	}
	half := Image{W: 32, H: 32, Pix: make([]float32, len(n.Pix))}
	for i := range n.Pix {
		half.Pix[i] = (n.Pix[i] + m.Pix[i]) / 2
	}
	s3, _ := SSIM(n, half)
	if !(s3 > s1 && s3 < 1) {
		t.Fatalf("ssim to a half-way image %v, to the other %v", s3, s1)
	}
	// Small frames use one global window.
	if s, err := SSIM(flatImage(4, 4, 0.3), flatImage(4, 4, 0.3)); err != nil || math.Abs(s-1) > 1e-9 {
		t.Fatalf("small ssim %v %v", s, err)
	}
}

func TestCompareFrames(t *testing.T) {
	a, b := noiseImage(32, 32, 3), noiseImage(32, 32, 4)
	m, err := CompareFrames(a, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	mae, _ := MAE(a, b)
	mse, _ := MSE(a, b)
	s, _ := SSIM(a, b)
	if math.Abs(m.MAE-mae) > 1e-6 || math.Abs(m.MSE-mse) > 1e-6 || m.SSIM != s || m.Perceptual != 1-s || m.PSNR != PSNR(m.MSE) {
		t.Fatalf("metrics %+v", m)
	}
	if math.Abs(m.Reward()-(-(m.MAE + 1 - s))) > 1e-12 {
		t.Fatal("reward is not -(mae + 1 - ssim)")
	}
	same, _ := CompareFrames(a, a, SSIMDistance{})
	if same.Reward() != 0 || same.PSNR != MaxPSNR {
		t.Fatalf("identical frames %+v", same)
	}
	// A learned metric plugs in through Perceptual.
	custom, _ := CompareFrames(a, b, constPerceptual(0.25))
	if custom.Perceptual != 0.25 || custom.Reward() != -(custom.MAE+0.25) {
		t.Fatalf("custom perceptual %+v", custom)
	}
	if _, err := CompareFrames(a, flatImage(16, 16, 0), nil); err == nil {
		t.Fatal("different sizes compared")
	}
	if _, err := CompareFrames(Image{W: 2, H: 2}, Image{W: 2, H: 2}, nil); err == nil {
		t.Fatal("malformed image compared")
	}
	if WorstFrame.Reward() != -3 {
		t.Fatal("worst frame reward is not -3")
	}
	if _, err := ImageFromRGB(make([]uint8, 5), 2, 2); err == nil {
		t.Fatal("short RGB accepted")
	}
}

type constPerceptual float64

func (c constPerceptual) Name() string                         { return "const" }
func (c constPerceptual) Distance(_, _ Image) (float64, error) { return float64(c), nil }

func TestRepeated(t *testing.T) {
	a, b := []int{1, 2}, []int{1, 3}
	cases := []struct {
		pred, prev, truth, prevTruth []int
		want                         bool
	}{
		{a, a, b, a, true},  // copied while the truth changed
		{a, a, a, a, false}, // copied, truth unchanged: right
		{b, a, b, a, false}, // predicted the change
		{a, b, a, b, false}, // a change predicted, wrong or not
		{nil, nil, a, b, true},
	}
	for i, c := range cases {
		if got := Repeated(c.pred, c.prev, c.truth, c.prevTruth); got != c.want {
			t.Errorf("case %d: %v", i, got)
		}
	}
}

func BenchmarkCompareFrames(b *testing.B) {
	x, y := noiseImage(32, 32, 1), noiseImage(32, 32, 2)
	for i := 0; i < b.N; i++ {
		CompareFrames(x, y, nil)
	}
}
