package claims

import (
	"fmt"
	"math"
	"testing"
)

// TestNotebook05 checks 05-grpo-from-scratch's prose against its saved outputs.
func TestNotebook05(t *testing.T) {
	nb := Load(t, "05-grpo-from-scratch")
	nb.Check(t, []Claim{{
		Prose: "That is why the **dual clip** exists", Cell: "DualClip: dual",
		Chart: "clipped loss per token", Series: []string{"A = +1", "A = -1", "A = -1, dual clip 1.5"},
	}, {
		Prose:  "but **lopsided** further out",
		Cell:   "k3 at x = -3",
		Output: `k3 at x = -3: ` + Num + `, at x = \+3: ` + Num,
		Check:  That("want k3 at +3 several times k3 at -3", func(v []float64) bool { return v[1] >= 4*v[0] }),
	}, {
		Prose:  "At the start it has probability 0.08",
		Cell:   "start pi = ",
		Output: `start pi = \[` + Num + ` ` + Num + ` ` + Num + ` ` + Num + `\]`,
		Check:  That("want pi(2) at the start to round to 0.08", func(v []float64) bool { return math.Abs(v[2]-0.08) <= 0.005 }),
	}, {
		Prose:  "The first two rows agree up to float64 rounding",
		Cell:   "largest difference between the first two",
		Output: `largest difference between the first two: ` + Num,
		Check:  Below(1e-12),
	}, {
		Prose:  "Small groups are cheap per step but waste many of their steps",
		Cell:   "sizes := []int{2, 4, 8, 16}",
		Output: `G =  2: zero groups ` + Num + ` at the start, ` + Num + ` over the run[\s\S]*G = 16: zero groups ` + Num + ` at the start, ` + Num + ` over the run`,
		Check:  That("want G = 2 to meet over 30% zero groups and G = 16 under 10%", func(v []float64) bool { return v[1] >= 0.3 && v[3] <= 0.1 }),
	}, {
		Prose:  "gets the same advantages as one whose rewards differ by a whole point",
		Cell:   "rewards 0, 1, 0, 1",
		Output: `advantages \[` + Num + ` ` + Num + ` ` + Num + ` ` + Num + `\]\s*rewards 0.50, 0.51, 0.50, 0.51 +-> advantages \[` + Num + ` ` + Num + ` ` + Num + ` ` + Num + `\]`,
		Check: func(v []float64) error {
			for i := 0; i < 4; i++ {
				if v[i] != v[i+4] {
					return fmt.Errorf("the two groups' advantages differ")
				}
			}
			return nil
		},
	}})

	t.Run("a zero group's advantages are all 0, and a group's sum to 0", func(t *testing.T) {
		c, err := nb.Code("grpo.Advantages(")
		if err != nil {
			t.Fatal(err)
		}
		a, err := c.Series("rewards and advantages of two groups of 5", "advantage")
		if err != nil || len(a) != 10 {
			t.Fatalf("advantages %v, %v", a, err)
		}
		sum := 0.0
		for i, x := range a {
			if i < 5 {
				sum += x
			} else if x != 0 {
				t.Errorf("the second group's advantage %d is %g, not 0", i-5, x)
			}
		}
		if math.Abs(sum) > 1e-3 {
			t.Errorf("the first group's advantages sum to %g", sum)
		}
	})
	t.Run("Token 3 (reward 0.5) rises first, then loses to token 2", func(t *testing.T) {
		if !nb.Says("Token 3 (reward 0.5) rises first, then loses to token 2") {
			t.Fatal("the prose changed")
		}
		c, err := nb.Code("start pi = ")
		if err != nil {
			t.Fatal(err)
		}
		p3, err3 := c.Series("pi(token) while GRPO trains", "token 3 (reward 0.5)")
		p2, err2 := c.Series("pi(token) while GRPO trains", "token 2 (reward 1)")
		if err3 != nil || err2 != nil {
			t.Fatal(err3, err2)
		}
		peak := 0
		for i := range p3 {
			if p3[i] > p3[peak] {
				peak = i
			}
		}
		last := len(p3) - 1
		if !(p3[peak] > p3[0] && p3[last] < p3[peak] && p2[last] > p3[last]) {
			t.Errorf("pi(3) %.3f at the start, %.3f at its peak (step %d), %.3f at the end; pi(2) %.3f at the end",
				p3[0], p3[peak], peak, p3[last], p2[last])
		}
	})
	t.Run("notebooks 02 and 03: clipped tokens 0.000, KL around 0.01 or below", func(t *testing.T) {
		if !nb.Says("last step is 0.000 in their saved outputs (they print it)") {
			t.Fatal("the prose changed")
		}
		for _, name := range []string{"02-textgame-rlvr", "03-web-rlvr"} {
			c, err := Load(t, name).Code("trainer.Train(")
			if err != nil {
				t.Fatal(err)
			}
			clip, err1 := Numbers(`clipped tokens `+Num, c.Text())
			kl, err2 := Numbers(`KL (?:to the MLE model )?`+Num, c.Text())
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: %v %v", name, err1, err2)
			}
			if clip[0] != 0 || kl[0] > 0.015 {
				t.Errorf("%s: clipped tokens %g, KL %g", name, clip[0], kl[0])
			}
		}
	})
	nb.Ending(t)
}
