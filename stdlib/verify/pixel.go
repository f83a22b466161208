package verify

// Pixel metrics for video frames: MAE, MSE, PSNR, SSIM and a perceptual
// distance behind an interface. They compare decoded frames, not tokens,
// because the video reward is defined on pixels: two different tokens can
// be nearly the same picture, which token cross-entropy cannot see.

import (
	"errors"
	"fmt"
	"math"
)

// Image is a frame as floats in [0,1], RGB interleaved, row-major:
// Pix[(y*W+x)*3+c].
type Image struct {
	W, H int
	Pix  []float32
}

// ImageFromRGB converts RGB bytes (w*h*3) into an Image.
func ImageFromRGB(pix []uint8, w, h int) (Image, error) {
	if w <= 0 || h <= 0 || len(pix) != w*h*3 {
		return Image{}, fmt.Errorf("verify: %d bytes is not a %dx%d RGB frame", len(pix), w, h)
	}
	f := make([]float32, len(pix))
	for i, b := range pix {
		f[i] = float32(b) * (1.0 / 255)
	}
	return Image{W: w, H: h, Pix: f}, nil
}

func sameShape(a, b Image) error {
	if a.W <= 0 || a.H <= 0 || len(a.Pix) != a.W*a.H*3 {
		return fmt.Errorf("verify: malformed image %dx%d with %d values", a.W, a.H, len(a.Pix))
	}
	if a.W != b.W || a.H != b.H || len(a.Pix) != len(b.Pix) {
		return fmt.Errorf("verify: image sizes differ: %dx%d vs %dx%d", a.W, a.H, b.W, b.H)
	}
	return nil
}

// MAE is the mean absolute error per value, in [0,1].
func MAE(a, b Image) (float64, error) {
	if err := sameShape(a, b); err != nil {
		return 0, err
	}
	var s float64
	for i, v := range a.Pix {
		s += math.Abs(float64(v) - float64(b.Pix[i]))
	}
	return s / float64(len(a.Pix)), nil
}

// MSE is the mean squared error per value, in [0,1].
func MSE(a, b Image) (float64, error) {
	if err := sameShape(a, b); err != nil {
		return 0, err
	}
	var s float64
	for i, v := range a.Pix {
		e := float64(v) - float64(b.Pix[i])
		s += e * e
	}
	return s / float64(len(a.Pix)), nil
}

// MaxPSNR caps PSNR: identical frames would otherwise give +Inf, which
// neither averages nor encodes as JSON. 50 dB is just above an error of one
// grey level in every value of an 8-bit frame (48.1 dB), the point past
// which frames look identical; a higher cap would let the many exactly
// predicted unchanged frames dominate averages.
const MaxPSNR = 50.0

// PSNR converts an MSE (data range 1) into dB, capped at MaxPSNR.
func PSNR(mse float64) float64 {
	if !(mse > 1e-10) {
		return MaxPSNR
	}
	return math.Min(MaxPSNR, -10*math.Log10(mse))
}

// ssimWindow is a 7-tap Gaussian (sigma 1.5), the window used separably.
// 7 rather than Wang et al.'s 11 because our frames are 32 pixels wide: an
// 11-wide window would leave a 22x22 valid region and weigh the borders
// too little.
var ssimWindow = func() [7]float32 {
	var w [7]float32
	var s float64
	for i := range w {
		x := float64(i - 3)
		g := math.Exp(-x * x / (2 * 1.5 * 1.5))
		w[i] = float32(g)
		s += g
	}
	for i := range w {
		w[i] = float32(float64(w[i]) / s)
	}
	return w
}()

// SSIM is the structural similarity of two frames (data range 1, C1 =
// 0.01^2, C2 = 0.03^2), computed per channel over every position of a 7x7
// Gaussian window that fits inside the frame, then averaged. It is 1 for
// identical frames and lies in [-1, 1]. Frames smaller than the window use
// one window over the whole frame.
func SSIM(a, b Image) (float64, error) {
	if err := sameShape(a, b); err != nil {
		return 0, err
	}
	const c1, c2 = 0.01 * 0.01, 0.03 * 0.03
	W, H := a.W, a.H
	if W < 7 || H < 7 {
		return globalSSIM(a, b, c1, c2), nil
	}
	ow, oh := W-6, H-6
	// Per channel: the five planes (a, b, a^2, b^2, ab), a horizontal pass
	// of each into ow x H, then the vertical pass per output position. The
	// window is symmetric, so taps t and 6-t share one multiply.
	n := W * H
	planes := make([]float32, 5*n)
	h := make([]float32, 5*ow*H)
	g0, g1, g2, g3 := ssimWindow[0], ssimWindow[1], ssimWindow[2], ssimWindow[3]
	var total float64
	for c := 0; c < 3; c++ {
		pa, pb, paa, pbb, pab := planes[0:n], planes[n:2*n], planes[2*n:3*n], planes[3*n:4*n], planes[4*n:5*n]
		for i := 0; i < n; i++ {
			va, vb := a.Pix[3*i+c], b.Pix[3*i+c]
			pa[i], pb[i], paa[i], pbb[i], pab[i] = va, vb, va*va, vb*vb, va*vb
		}
		for k := 0; k < 5; k++ {
			src, dst := planes[k*n:(k+1)*n], h[k*ow*H:(k+1)*ow*H]
			for y := 0; y < H; y++ {
				row := src[y*W : (y+1)*W]
				out := dst[y*ow : (y+1)*ow]
				for x := range out {
					r := row[x : x+7]
					out[x] = g0*(r[0]+r[6]) + g1*(r[1]+r[5]) + g2*(r[2]+r[4]) + g3*r[3]
				}
			}
		}
		ma, mb, aa, bb, ab := h[0:ow*H], h[ow*H:2*ow*H], h[2*ow*H:3*ow*H], h[3*ow*H:4*ow*H], h[4*ow*H:]
		v := func(m []float32, o int) float32 {
			return g0*(m[o]+m[o+6*ow]) + g1*(m[o+ow]+m[o+5*ow]) + g2*(m[o+2*ow]+m[o+4*ow]) + g3*m[o+3*ow]
		}
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				o := y*ow + x
				sa, sb := v(ma, o), v(mb, o)
				saa, sbb, sab := v(aa, o), v(bb, o), v(ab, o)
				va, vb, cov := saa-sa*sa, sbb-sb*sb, sab-sa*sb
				num := (2*sa*sb + c1) * (2*cov + c2)
				den := (sa*sa + sb*sb + c1) * (va + vb + c2)
				total += float64(num / den)
			}
		}
	}
	s := total / float64(3*ow*oh)
	return math.Max(-1, math.Min(1, s)), nil
}

func globalSSIM(a, b Image, c1, c2 float64) float64 {
	var total float64
	n := float64(a.W * a.H)
	for c := 0; c < 3; c++ {
		var sa, sb, saa, sbb, sab float64
		for i := c; i < len(a.Pix); i += 3 {
			va, vb := float64(a.Pix[i]), float64(b.Pix[i])
			sa += va
			sb += vb
			saa += va * va
			sbb += vb * vb
			sab += va * vb
		}
		sa, sb = sa/n, sb/n
		va, vb, cov := saa/n-sa*sa, sbb/n-sb*sb, sab/n-sa*sb
		total += (2*sa*sb + c1) * (2*cov + c2) / ((sa*sa + sb*sb + c1) * (va + vb + c2))
	}
	return math.Max(-1, math.Min(1, total/3))
}

// Perceptual is a perceptual distance between a predicted and a true frame:
// 0 for identical frames, larger when they look more different. The paper
// uses LPIPS, whose pretrained network cannot be downloaded here; SSIMDistance
// stands in for it, and a learned metric can implement this interface.
type Perceptual interface {
	// Name names the metric in reports ("1-ssim", "lpips").
	Name() string
	// Distance compares two frames of the same size.
	Distance(pred, truth Image) (float64, error)
}

// SSIMDistance is 1 - SSIM, in [0, 2]: the stand-in for LPIPS.
type SSIMDistance struct{}

// Name implements Perceptual.
func (SSIMDistance) Name() string { return "1-ssim" }

// Distance implements Perceptual.
func (SSIMDistance) Distance(pred, truth Image) (float64, error) {
	s, err := SSIM(pred, truth)
	return 1 - s, err
}

// FrameMetrics are the pixel metrics of one predicted frame.
type FrameMetrics struct {
	MAE, MSE, PSNR, SSIM float64
	// Perceptual is the perceptual distance (1 - SSIM by default).
	Perceptual float64
}

// Map returns the metrics under their report names: mae, mse, psnr, ssim
// and perceptual.
func (m FrameMetrics) Map() map[string]float64 {
	return map[string]float64{"mae": m.MAE, "mse": m.MSE, "psnr": m.PSNR, "ssim": m.SSIM, "perceptual": m.Perceptual}
}

// Reward is the video reward of one frame, -(MAE + perceptual distance),
// as in RLVR-World (-(MAE + LPIPS)).
func (m FrameMetrics) Reward() float64 { return -(m.MAE + m.Perceptual) }

// WorstFrame are the metrics of a frame that could not be decoded: every
// metric at its worst bound, so that it scores below any real frame.
var WorstFrame = FrameMetrics{MAE: 1, MSE: 1, PSNR: 0, SSIM: -1, Perceptual: 2}

// CompareFrames computes the pixel metrics of pred against truth. A nil
// perceptual metric means SSIMDistance (then SSIM is computed once).
func CompareFrames(pred, truth Image, perceptual Perceptual) (FrameMetrics, error) {
	if err := sameShape(pred, truth); err != nil {
		return WorstFrame, err
	}
	var m FrameMetrics
	var sa, ss float64
	for i, v := range pred.Pix {
		e := float64(v) - float64(truth.Pix[i])
		if e < 0 {
			sa -= e
		} else {
			sa += e
		}
		ss += e * e
	}
	n := float64(len(pred.Pix))
	m.MAE, m.MSE = sa/n, ss/n
	m.PSNR = PSNR(m.MSE)
	var err error
	if m.SSIM, err = SSIM(pred, truth); err != nil {
		return WorstFrame, err
	}
	switch perceptual.(type) {
	case nil, SSIMDistance, *SSIMDistance:
		m.Perceptual = 1 - m.SSIM
	default:
		if m.Perceptual, err = perceptual.Distance(pred, truth); err != nil {
			return WorstFrame, fmt.Errorf("verify: %s: %w", perceptual.Name(), err)
		}
		if math.IsNaN(m.Perceptual) {
			return WorstFrame, errors.New("verify: " + perceptual.Name() + " returned NaN")
		}
	}
	return m, nil
}
