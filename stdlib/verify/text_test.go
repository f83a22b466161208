package verify

import (
	"math"
	"testing"
)

func TestParseLooseJSONRepairs(t *testing.T) {
	want := `{"a":[1,2],"b":"x y","c":true,"d":null}`
	for _, in := range []string{
		want,
		"```json\n" + want + "\n```",
		`Here is the diff: {'a': [1, 2,], 'b': 'x y', 'c': True, 'd': None,}`,
		`{a: [1,2], b: "x y", c: true, d: null}`,
		`{"a":[1,2],"b":"x y","c":true,"d":null,}`,
	} {
		v, err := ParseLooseJSON(in)
		if err != nil {
			t.Errorf("ParseLooseJSON(%q): %v", in, err)
			continue
		}
		if got := CanonicalValue(v); got != want {
			t.Errorf("ParseLooseJSON(%q) = %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"", "no json here", "{", `{"a": }`, `{"a" 1}`, "}{"} {
		if _, err := ParseLooseJSON(bad); err == nil {
			t.Errorf("ParseLooseJSON(%q): want an error", bad)
		}
	}
}

func TestCanonicalValue(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{{20.0, "20"}, {2.5, "2.5"}, {"red", `"red"`}, {false, "false"}, {nil, "null"}} {
		if got := CanonicalValue(c.v); got != c.want {
			t.Errorf("CanonicalValue(%v) = %s, want %s", c.v, got, c.want)
		}
	}
}

func obj(name string, props map[string]string, contains ...string) Object {
	return Object{Name: name, Props: props, Contains: contains}
}

func TestCompareStatesExact(t *testing.T) {
	before := State{
		"1": obj("inventory", nil, "3"),
		"2": obj("stove", map[string]string{"isOn": "false"}),
		"3": obj("pot", map[string]string{}, "4"),
		"4": obj("water", map[string]string{"temp": "20"}),
	}
	truth := State{
		"1": obj("inventory", nil),
		"2": obj("stove", map[string]string{"isOn": "false"}, "3"),
		"3": obj("pot", map[string]string{}, "4"),
		"4": obj("water", map[string]string{"temp": "20"}),
	}
	// Truth itself: everything right; two fields changed (two contains sets).
	m := CompareStates(before, truth, truth)
	if m.Items != 4 || m.ItemsRight != 4 || m.Changed != 2 || m.ChangedRight != 2 || !m.AllRight() {
		t.Errorf("truth vs truth: %+v", m)
	}
	// Nothing predicted (the before state): both changed fields wrong.
	m = CompareStates(before, truth, before)
	if m.ItemsRight != 2 || m.ChangedRight != 0 || m.ItemAcc() != 0.5 {
		t.Errorf("before vs truth: %+v", m)
	}
	// Contains compare as sets; an extra object counts as a wrong item.
	pred := State{}
	for k, v := range truth {
		pred[k] = v
	}
	pred["1"] = obj("inventory", nil)
	pred["9"] = obj("ghost", nil)
	m = CompareStates(before, truth, pred)
	if m.Items != 5 || m.ItemsRight != 4 || m.ChangedRight != 2 {
		t.Errorf("extra object: %+v", m)
	}
	if acc, ok := m.ChangedAcc(); !ok || acc != 1 {
		t.Errorf("ChangedAcc = %v, %v", acc, ok)
	}
	if m.WrongPresence != 1 || m.WrongName+m.WrongProps+m.WrongContains != 0 {
		t.Errorf("extra object: error kinds %+v", m)
	}
	if !SameSet([]string{"a", "b", "b"}, []string{"b", "a"}) || SameSet([]string{"a"}, []string{"b"}) {
		t.Error("SameSet")
	}
}

// TestCompareStatesErrorKinds: each kind of wrong field is counted where it
// is, and only there.
func TestCompareStatesErrorKinds(t *testing.T) {
	truth := State{
		"1": obj("inventory", nil, "3"),
		"2": obj("stove", map[string]string{"isOn": "true"}),
		"3": obj("pot", map[string]string{"temp": "20"}),
	}
	pred := State{
		"1": obj("inventory", nil),                                 // contains
		"2": obj("oven", map[string]string{"isOn": "false"}),       // name and a value
		"3": obj("pot", map[string]string{"temp": "20", "x": "1"}), // an extra property
	}
	m := CompareStates(truth, truth, pred)
	want := StateMatch{Items: 3, WrongName: 1, WrongProps: 2, WrongContains: 1}
	if m != want {
		t.Errorf("CompareStates = %+v, want %+v", m, want)
	}
	delete(pred, "3")
	if m := CompareStates(truth, truth, pred); m.WrongPresence != 1 || m.WrongProps != 1 {
		t.Errorf("missing object: %+v", m)
	}
}

func TestMatchLines(t *testing.T) {
	m := MatchLines([]string{"a", "a", "b", "x"}, []string{"a", "b", "c"})
	if m.Matched != 2 || m.Precision() != 0.5 || math.Abs(m.Recall()-2.0/3) > 1e-12 {
		t.Errorf("%+v p=%v r=%v", m, m.Precision(), m.Recall())
	}
	if f := m.F1(); math.Abs(f-4.0/7) > 1e-12 {
		t.Errorf("F1 = %v, want 4/7", f)
	}
	if e := MatchLines(nil, nil); e.F1() != 1 {
		t.Errorf("both empty: F1 %v, want 1", e.F1())
	}
	if e := MatchLines([]string{"a"}, nil); e.F1() != 0 {
		t.Errorf("truth empty, prediction not: F1 %v, want 0", e.F1())
	}
	// The large-multiset path agrees with the small one.
	var big, bigT []string
	for i := 0; i < 40; i++ {
		big = append(big, string(rune('a'+i%5)))
		bigT = append(bigT, string(rune('a'+i%7)))
	}
	if got := MatchLines(big, bigT); got.Matched != 30 {
		t.Errorf("big multiset matched %d, want 30", got.Matched)
	}
}

func TestTextGameReward(t *testing.T) {
	if r := TextGameReward(1, 1, 1, 1, true); math.Abs(r-1.3) > 1e-12 {
		t.Errorf("max changed reward %v, want 1.3", r)
	}
	if r := TextGameReward(1, 1, 1, 0, false); math.Abs(r-0.3) > 1e-12 {
		t.Errorf("max unchanged reward %v, want 0.3", r)
	}
	if r := TextGameReward(0.5, 1.0/3, 0, 0.25, true); math.Abs(r-(0.045+0.01/3+0.25)) > 1e-12 {
		t.Errorf("partial reward %v", r)
	}
}

func FuzzParseLooseJSON(f *testing.F) {
	for _, s := range []string{`{"modified":[],"removed":[],"score":{}}`, `{'a':1,}`, "{a:True}", `["x",`, "'", `{"a":"\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseLooseJSON(s)
		if err == nil {
			_ = CanonicalValue(v)
		}
		_ = RepairJSON(s)
	})
}
