package display

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
)

func solid(c color.RGBA) image.Image {
	im := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for y := 0; y < 8; y++ {
		for x := 0; x < 8; x++ {
			im.SetRGBA(x, y, c)
		}
	}
	return im
}

func decodePNG(t *testing.T, b64 string) image.Image {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	im, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("png: %v", err)
	}
	return im
}

func TestFramesRender(t *testing.T) {
	red, blue := color.RGBA{R: 255, A: 255}, color.RGBA{B: 255, A: 255}
	f := Frames{
		Title:     "rollout",
		Context:   []image.Image{solid(blue)},
		Predicted: []image.Image{solid(red), solid(red)},
		Truth:     []image.Image{solid(red), solid(blue)},
		Metrics:   []map[string]float64{{"mse": 0, "ssim": 1}, {"mse": 0.5, "ssim": math.NaN()}},
		Repeated:  []bool{false, true},
	}
	out := f.Render()
	for _, m := range []string{MIMEFrames, MIMEHTML, MIMEPNG, MIMEText} {
		if out.Data[m] == nil {
			t.Fatalf("no %s in %v", m, out.Data)
		}
	}
	// The whole bundle must survive JSON encoding, as the kernel sends it.
	b, err := json.Marshal(out.Data)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	fr := back[MIMEFrames].(map[string]any)
	if got := len(fr["predicted"].([]any)); got != 2 {
		t.Errorf("predicted: %d frames, want 2", got)
	}
	if got := fr["repeated"].([]any); got[1] != true || got[0] != false {
		t.Errorf("repeated = %v", got)
	}
	m1 := fr["metrics"].([]any)[1].(map[string]any)
	if _, ok := m1["ssim"]; ok {
		t.Errorf("NaN metric kept: %v", m1)
	}
	if m1["mse"] != 0.5 {
		t.Errorf("mse = %v", m1["mse"])
	}
	// First predicted frame decodes back to red.
	p0 := decodePNG(t, fr["predicted"].([]any)[0].(string))
	if r, g, bl, _ := p0.At(3, 3).RGBA(); r>>8 != 255 || g != 0 || bl != 0 {
		t.Errorf("predicted pixel = %v %v %v", r, g, bl)
	}
	// The sheet: 8px frames scale by 8 to 64px; three rows.
	sheet := decodePNG(t, out.Data[MIMEPNG].(string))
	if sheet.Bounds().Dy() < 3*64 || sheet.Bounds().Dx() < 3*64 {
		t.Errorf("sheet is %v, too small for 3 columns and 3 rows of 64px", sheet.Bounds())
	}
	html := out.Data[MIMEHTML].(string)
	if !strings.Contains(html, "data:image/png;base64,") || !strings.Contains(html, "rollout") || !strings.Contains(html, "<td style=\"padding:0 6px\">yes</td>") {
		t.Errorf("html fallback lacks the sheet, title or the repeated flag: %s", html[:200])
	}
	if txt := out.Data[MIMEText].(string); !strings.Contains(txt, "1 repeated") {
		t.Errorf("text = %q", txt)
	}
}

// Two models' predictions of the same frames share one viewer: the JSON
// carries the second under "others" with its label, the sheet has a row for
// the truth and two per model (prediction, difference), and the fallback
// table has a row per frame and model.
func TestFramesRenderSeveralModels(t *testing.T) {
	red, blue, green := color.RGBA{R: 255, A: 255}, color.RGBA{B: 255, A: 255}, color.RGBA{G: 255, A: 255}
	f := Frames{
		Title:     "step 1",
		Context:   []image.Image{solid(blue)},
		Label:     "MLE",
		Predicted: []image.Image{solid(red)},
		Truth:     []image.Image{solid(red)},
		Metrics:   []map[string]float64{{"mse": 0}},
		Others: []Prediction{{Label: "RLVR", Predicted: []image.Image{solid(green)},
			Metrics: []map[string]float64{{"mse": 0.25, "bad": math.Inf(1)}}, Repeated: []bool{true}}},
	}
	out := f.Render()
	b, err := json.Marshal(out.Data)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	fr := back[MIMEFrames].(map[string]any)
	if fr["label"] != "MLE" {
		t.Errorf("label = %v, want MLE", fr["label"])
	}
	others, _ := fr["others"].([]any)
	if len(others) != 1 {
		t.Fatalf("others = %v, want one model", fr["others"])
	}
	o := others[0].(map[string]any)
	if o["label"] != "RLVR" || len(o["predicted"].([]any)) != 1 || o["repeated"].([]any)[0] != true {
		t.Errorf("other model = %v", o)
	}
	if m := o["metrics"].([]any)[0].(map[string]any); m["mse"] != 0.25 || m["bad"] != nil {
		t.Errorf("other model's metrics = %v, want mse 0.25 and no infinite value", m)
	}
	if p := decodePNG(t, o["predicted"].([]any)[0].(string)); func() bool { _, g, _, _ := p.At(1, 1).RGBA(); return g>>8 != 255 }() {
		t.Errorf("the other model's frame is not its own (green)")
	}
	// Rows: true, MLE, |MLE - true|, RLVR, |RLVR - true|.
	sheet := decodePNG(t, out.Data[MIMEPNG].(string))
	if dy := sheet.Bounds().Dy(); dy < 5*64 || dy > 5*(64+10) {
		t.Errorf("sheet height %d, want five rows of 64px", dy)
	}
	// The RLVR difference row (row 4) is |green - red|: red and green at full.
	const cw = 64 + 2*3 + 4
	x, y := 8+cw+3+10, 4*cw+3+10
	if r, g, bl, _ := sheet.At(x, y).RGBA(); r>>8 != 255 || g>>8 != 255 || bl != 0 {
		t.Errorf("RLVR difference pixel = %v %v %v, want yellow", r>>8, g>>8, bl>>8)
	}
	html := out.Data[MIMEHTML].(string)
	for _, want := range []string{"rows: true, MLE, |MLE &minus; true| &times;3, RLVR,", "<th style=\"padding:0 6px\">model</th>",
		"<td style=\"padding:0 6px\">RLVR</td>", "RLVR mean MSE 0.25"} {
		if !strings.Contains(html, want) {
			t.Errorf("html fallback lacks %q: %s", want, html)
		}
	}
}

func TestFramesRenderEmptyAndNil(t *testing.T) {
	out := Frames{Predicted: []image.Image{nil}, Truth: nil}.Render()
	if _, err := json.Marshal(out.Data); err != nil {
		t.Fatal(err)
	}
	out = Frames{}.Render()
	if out.Data[MIMEPNG] == "" {
		t.Error("empty frames give no sheet")
	}
}

func TestDiffImage(t *testing.T) {
	a := solid(color.RGBA{R: 100, G: 50, B: 0, A: 255})
	b := solid(color.RGBA{R: 90, G: 50, B: 200, A: 255})
	d := DiffImage(a, b, 3).(*image.RGBA)
	got := d.RGBAAt(1, 1)
	if got.R != 30 || got.G != 0 || got.B != 255 {
		t.Errorf("diff = %v, want {30 0 255}", got)
	}
	if DiffImage(nil, b, 1) != nil {
		t.Error("diff with nil is not nil")
	}
}

func TestStateDiffRender(t *testing.T) {
	d := StateDiff{Title: "step 3", Items: []DiffItem{
		{Key: "sink", Before: "on: false", Truth: "on: true", Predicted: "on: true"},
		{Key: "cup", Before: "", Truth: "full: false", Predicted: ""},
		{Key: "apple", Before: "ripe: no", Truth: "", Predicted: "ripe: no"},
		{Key: "stove", Before: "a: 1\nb: 2", Truth: "a: 1\nb: 2", Predicted: "b: 2\na: 1\n"},
		{Key: "<lamp>", Before: "x", Truth: "x", Predicted: "y"},
	}}
	if got := []string{d.Items[0].Change(), d.Items[1].Change(), d.Items[2].Change(), d.Items[3].Change()}; strings.Join(got, ",") != "changed,added,removed,unchanged" {
		t.Errorf("changes = %v", got)
	}
	if !d.Items[3].Correct() {
		t.Error("reordered lines counted as a mistake")
	}
	if d.Mistakes() != 3 {
		t.Errorf("mistakes = %d, want 3 (cup, apple, lamp)", d.Mistakes())
	}
	out := d.Render()
	b, err := json.Marshal(out.Data[MIMEStateDiff])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"key":"sink","before":"on: false","truth":"on: true","predicted":"on: true"`) {
		t.Errorf("json = %s", b)
	}
	html := out.Data[MIMEHTML].(string)
	if strings.Contains(html, "<lamp>") || !strings.Contains(html, "&lt;lamp&gt;") {
		t.Error("keys are not escaped in the HTML fallback")
	}
	if !strings.Contains(html, "1 unchanged items predicted right are not shown") {
		t.Errorf("html = %s", html)
	}
	if txt := out.Data[MIMEText].(string); !strings.Contains(txt, "1 changed, 1 added, 1 removed; 3 mispredicted") {
		t.Errorf("text = %q", txt)
	}
}
