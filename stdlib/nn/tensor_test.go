package nn

import "testing"

func TestTensorViews(t *testing.T) {
	m := tinyModel(t)
	d, err := m.Tensor("qkvw")
	if err != nil {
		t.Fatal(err)
	}
	if s := d.Shape(); len(s) != 3 || s[0] != 2 || s[1] != 24 || s[2] != 8 {
		t.Fatalf("shape %v, want (2, 24, 8)", s)
	}
	if err := d.SetAt(float32(3.5), 1, 2, 3); err != nil {
		t.Fatal(err)
	}
	if got := m.Params()["qkvw"][1*24*8+2*8+3]; got != 3.5 {
		t.Fatalf("the Dense view is not shared with the model: %g", got)
	}
	if _, err := m.Tensor("nope"); err == nil {
		t.Fatal("unknown name accepted")
	}
	if _, err := m.Grad("qkvw"); err == nil {
		t.Fatal("Grad before Backward did not fail")
	}
	m.Forward(&Batch{B: 1, T: 2, Inputs: []int{1, 2}, Targets: []int{2, 3}})
	m.Backward([]float32{-1, -1}, nil)
	g, err := m.Grad("wte")
	if err != nil || g.Shape()[0] != 13 {
		t.Fatalf("Grad: %v %v", g, err)
	}
}
