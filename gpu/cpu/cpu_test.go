package cpu

import (
	"math"
	"testing"

	"github.com/rlvrworld/rlvrworld/gpu/gputest"
)

func TestConformance(t *testing.T) { gputest.Run(t, New()) }

func TestConformanceOneWorker(t *testing.T) {
	be := New()
	be.workers = 1
	gputest.Run(t, be)
}

func TestExpTanh(t *testing.T) {
	for x := float32(-90); x < 89; x += 0.01 {
		got, want := float64(Exp(x)), math.Exp(float64(x))
		if x > 88 {
			continue
		}
		if math.Abs(got-want) > 2e-7*want+2e-38 {
			t.Fatalf("Exp(%g) = %g, want %g", x, got, want)
		}
		if th := float64(Tanh(x / 8)); math.Abs(th-math.Tanh(float64(x/8))) > 6e-7 {
			t.Fatalf("Tanh(%g) = %g, want %g", x/8, th, math.Tanh(float64(x/8)))
		}
	}
}
