package claims

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestChartsFit checks every static chart saved in every notebook: no text
// (a legend entry, a title, a label) lies outside the picture.
func TestChartsFit(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(Dir, "*.ipynb"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no notebooks in %s (%v)", Dir, err)
	}
	for _, p := range paths {
		nb, err := Read(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range nb.Cells {
			for _, o := range c.Outputs {
				raw, ok := o.Data["image/svg+xml"]
				if !ok {
					continue
				}
				svg, err := multiline(raw)
				if err != nil {
					t.Fatalf("%s cell %s: %v", nb.Name, c.ID, err)
				}
				bad, err := SVGOverflow(svg)
				if err != nil {
					t.Errorf("%s cell %s: unreadable SVG: %v", nb.Name, c.ID, err)
				}
				for _, b := range bad {
					t.Errorf("%s cell %s: text outside the chart: %s", nb.Name, c.ID, b)
				}
			}
		}
	}
}

func TestSVGOverflow(t *testing.T) {
	in := `<svg width="100" height="50"><text x="10" y="20">fits</text><text x="90" y="40">falls off</text>` +
		`<text x="95" y="45" text-anchor="end">right-aligned</text><text transform="rotate(-90)">y</text>` +
		`<text x="10" y="10" font-size="30">too big</text></svg>`
	bad, err := SVGOverflow(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 2 || !strings.Contains(bad[0], "falls off") || !strings.Contains(bad[1], "too big") {
		t.Fatalf("overflow = %q, want \"falls off\" and the 30-pixel \"too big\"", bad)
	}
	if _, err := SVGOverflow(`<svg width="wide"></svg>`); err == nil {
		t.Error("a non-numeric width gave no error")
	}
}
