package claims

import (
	"encoding/json"
	"strings"
	"testing"
)

// fake builds a notebook of one Markdown cell and one code cell that
// printed out and drew a chart with the given series.
func fake(md, out string, series ...string) *Notebook {
	var s []map[string]string
	for _, n := range series {
		s = append(s, map[string]string{"name": n})
	}
	opt, _ := json.Marshal(map[string]any{"title": map[string]any{"text": "reward"}, "legend": map[string]any{"show": len(series) > 1}, "series": s})
	text, _ := json.Marshal(out)
	return &Notebook{Name: "fake", Cells: []Cell{
		{Kind: "markdown", Source: md},
		{Kind: "code", Source: "trainer.Train(ctx)", Executed: true, Outputs: []Output{
			{Type: "stream", Data: map[string]json.RawMessage{"text/plain": text}},
			{Type: "display_data", Data: map[string]json.RawMessage{"application/vnd.rlvrworld.echarts+json": opt}},
		}},
	}}
}

// TestClaimCatchesContradiction checks that a claim fails when the output
// under it says otherwise, when the prose is gone, and when a chart lacks a
// series, and passes when all agree.
func TestClaimCatchesContradiction(t *testing.T) {
	claim := Claim{Prose: "the ratio never leaves", Cell: "trainer.Train(", Output: `clipped tokens ` + Num, Check: Equal(0),
		Chart: "reward", Series: []string{"MLE", "RLVR"}}
	for _, c := range []struct {
		name string
		nb   *Notebook
		want string // "" for no error
	}{
		{"agrees", fake("so the ratio never leaves [0.8, 1.2]", "clipped tokens 0.000", "MLE", "RLVR"), ""},
		{"contradicted", fake("so the ratio never leaves [0.8, 1.2]", "clipped tokens 0.120", "MLE", "RLVR"), "want 0"},
		{"prose gone", fake("the ratio stays near 1", "clipped tokens 0.000", "MLE", "RLVR"), "no longer says"},
		{"no output", fake("so the ratio never leaves", "nothing printed", "MLE", "RLVR"), "no match"},
		{"series missing", fake("so the ratio never leaves", "clipped tokens 0", "MLE", "MLE continued"), `no series "RLVR"`},
		{"no legend", fake("so the ratio never leaves", "clipped tokens 0", "RLVR"), "shows no legend"},
	} {
		err := c.nb.check(claim)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	v, err := Numbers(`from `+Num+` to `+Num+` \((\d+)%\)`, "accuracy from 0.710 to -1.5 (81%).")
	if err != nil || len(v) != 3 || v[0] != 0.71 || v[1] != -1.5 || v[2] != 81 {
		t.Errorf("Numbers = %v, %v", v, err)
	}
	if _, err := Numbers(`(\w+)`, "abc"); err == nil {
		t.Error("a non-number group gave no error")
	}
}

func TestThat(t *testing.T) {
	check := That("want the first below the second", func(v []float64) bool { return v[0] < v[1] })
	if err := check([]float64{1, 2}); err != nil {
		t.Errorf("1 < 2 failed: %v", err)
	}
	if err := check([]float64{3, 2}); err == nil || err.Error() != "want the first below the second" {
		t.Errorf("3 < 2 gave %v", err)
	}
}
