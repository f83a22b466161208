package nn

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func tinyModel(t testing.TB) *Model {
	m, err := New(Config{Vocab: 13, MaxSeq: 6, Layers: 2, Dim: 8, Heads: 2, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCheckpointRoundTrip(t *testing.T) {
	m := tinyModel(t)
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := m.Save(path, map[string]string{"step": "42", "task": "textgame"}); err != nil {
		t.Fatal(err)
	}
	got, meta, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Config() != m.Config() {
		t.Fatalf("config %+v, want %+v", got.Config(), m.Config())
	}
	if !reflect.DeepEqual(meta, map[string]string{"step": "42", "task": "textgame"}) {
		t.Fatalf("meta %v", meta)
	}
	if !reflect.DeepEqual(got.Params(), m.Params()) {
		t.Fatal("parameters differ after the round trip")
	}
	if err := m.Save(path, map[string]string{configKey: "x"}); err == nil {
		t.Fatal("Save accepted the reserved metadata key")
	}
}

// rewrite edits a valid checkpoint's header JSON with fn and reassembles it.
func rewrite(t *testing.T, data []byte, fn func(h map[string]any)) []byte {
	n := binary.LittleEndian.Uint64(data)
	var h map[string]any
	if err := json.Unmarshal(data[8:8+n], &h); err != nil {
		t.Fatal(err)
	}
	fn(h)
	hj, _ := json.Marshal(h)
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hj)))
	out = append(out, hj...)
	return append(out, data[8+n:]...)
}

func TestCheckpointCorruption(t *testing.T) {
	m := tinyModel(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := m.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	hlen := binary.LittleEndian.Uint64(good)
	cases := map[string]struct {
		data []byte
		want string
	}{
		"empty":            {nil, "shorter than"},
		"truncated header": {good[:8+hlen/2], "truncated"},
		"truncated data":   {good[:len(good)-10], "truncated"},
		"huge header len":  {append(binary.LittleEndian.AppendUint64(nil, 1<<40), good[8:]...), "implausible"},
		"bad json":         {append(binary.LittleEndian.AppendUint64(nil, 5), []byte("{nope")...), "bad header JSON"},
		"no config":        {rewrite(t, good, func(h map[string]any) { delete(h, "__metadata__") }), "not an nn checkpoint"},
		"bad config": {rewrite(t, good, func(h map[string]any) {
			h["__metadata__"].(map[string]any)[configKey] = `{"Vocab":13,"MaxSeq":6,"Layers":2,"Dim":8,"Heads":3}`
		}), "Heads"},
		"wrong shape": {rewrite(t, good, func(h map[string]any) {
			h["wte"].(map[string]any)["shape"] = []int{8, 13}
		}), `"wte" has shape`},
		"wrong dtype": {rewrite(t, good, func(h map[string]any) {
			e := h["lnfb"].(map[string]any)
			e["dtype"] = "I32" // same size, so only the dtype check catches it
		}), "dtype I32"},
		"size mismatch": {rewrite(t, good, func(h map[string]any) {
			h["lnfb"].(map[string]any)["dtype"] = "F16"
		}), "bytes for shape"},
		"missing tensor": {rewrite(t, good, func(h map[string]any) { delete(h, "fcb") }), `missing tensor "fcb"`},
		"unexpected tensor": {rewrite(t, good, func(h map[string]any) {
			h["extra"] = map[string]any{"dtype": "F32", "shape": []int{0}, "data_offsets": []int{0, 0}}
			delete(h, "fcb")
		}), `unexpected tensor "extra"`},
		"overlap": {rewrite(t, good, func(h map[string]any) {
			h["lnfb"].(map[string]any)["data_offsets"] = h["lnfw"].(map[string]any)["data_offsets"]
		}), "overlap"},
		"unknown field": {rewrite(t, good, func(h map[string]any) {
			h["lnfb"].(map[string]any)["scale"] = 2
		}), "bad entry"},
	}
	for name, c := range cases {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Load error %v, want one containing %q", name, err, c.want)
		}
	}
	if _, _, err := Load(filepath.Join(dir, "absent")); err == nil {
		t.Error("Load of a missing file did not fail")
	}
}

func TestOptimizerStateRoundTrip(t *testing.T) {
	m := tinyModel(t)
	b := &Batch{B: 1, T: 3, Inputs: []int{1, 2, 3}, Targets: []int{2, 3, 4}}
	opt := NewAdamW(AdamWConfig{LR: 1e-2})
	m.Forward(b)
	m.Backward([]float32{-1, -1, -1}, nil)
	opt.Step(m)
	path := filepath.Join(t.TempDir(), "opt.safetensors")
	if err := opt.SaveState(path); err != nil {
		t.Fatal(err)
	}
	o2 := NewAdamW(AdamWConfig{LR: 1e-2})
	if err := o2.LoadState(path, m); err != nil {
		t.Fatal(err)
	}
	if o2.Steps() != 1 || !reflect.DeepEqual(o2.m, opt.m) || !reflect.DeepEqual(o2.v, opt.v) {
		t.Fatal("optimiser state differs after the round trip")
	}
	other, _ := New(Config{Vocab: 13, MaxSeq: 6, Layers: 1, Dim: 8, Heads: 2})
	if err := o2.LoadState(path, other); err == nil {
		t.Fatal("LoadState accepted moments of another model size")
	}
}

// FuzzParseSafetensors: any input gives a parsed file or an error, never a
// panic, and a parsed file's tensors lie inside its data.
func FuzzParseSafetensors(f *testing.F) {
	// The smallest model there is: small seeds let the fuzzer run thousands
	// of inputs a second rather than hundreds in all.
	m, err := New(Config{Vocab: 2, MaxSeq: 1, Layers: 1, Dim: 1, Heads: 1, Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(f.TempDir(), "m.safetensors")
	if err := m.Save(path, map[string]string{"a": "b"}); err != nil {
		f.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:20])
	f.Add([]byte{})
	f.Add(append(binary.LittleEndian.AppendUint64(nil, 2), []byte("{}")...))
	f.Add(append(binary.LittleEndian.AppendUint64(nil, 60), []byte(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}    `)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := parseSafetensors(data)
		if err != nil {
			return
		}
		for name, ti := range sf.tensors {
			if ti.DataOffsets[1] > int64(len(sf.body)) {
				t.Fatalf("tensor %q outside the data", name)
			}
		}
		// A parsed file never panics the model decoder either.
		_, _, _ = Decode(data)
	})
}

// A flipped bit or a NaN written into a weight fails the checksum; a file
// saved before checksums loads, with a warning.
func TestCheckpointChecksum(t *testing.T) {
	m := tinyModel(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := m.Save(path, map[string]string{"step": "1"}); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	body := 8 + int(binary.LittleEndian.Uint64(good))
	flipped := bytes.Clone(good)
	flipped[body+100] ^= 0x10
	nan := bytes.Clone(good)
	binary.LittleEndian.PutUint32(nan[body+40:], math.Float32bits(float32(math.NaN())))
	for name, data := range map[string][]byte{"flipped bit": flipped, "NaN weight": nan} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		os.WriteFile(p, data, 0o644)
		if _, _, err := Load(p); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
			t.Errorf("%s: Load error %v, want a checksum mismatch", name, err)
		}
	}
	var warned bytes.Buffer
	warnOut = &warned
	defer func() { warnOut = os.Stderr }()
	old := filepath.Join(dir, "old.safetensors")
	os.WriteFile(old, rewrite(t, good, func(h map[string]any) { delete(h["__metadata__"].(map[string]any), checksumKey) }), 0o644)
	m2, meta, err := Load(old)
	if err != nil {
		t.Fatalf("a checkpoint without a checksum: %v", err)
	}
	if !strings.Contains(warned.String(), "no \"nn.sha256\" checksum") {
		t.Errorf("no warning for a checkpoint without a checksum: %q", warned.String())
	}
	if !reflect.DeepEqual(m2.flat, m.flat) || !reflect.DeepEqual(meta, map[string]string{"step": "1"}) {
		t.Errorf("old checkpoint loaded differently: meta %v", meta)
	}
	warned.Reset()
	if _, _, err := Load(path); err != nil || warned.Len() != 0 {
		t.Errorf("a good checkpoint: %v, warning %q", err, warned.String())
	}
	if err := m.Save(path, map[string]string{checksumKey: "x"}); err == nil {
		t.Error("Save accepted the reserved checksum key")
	}
}

// dataSection is a safetensors file's bytes after its header.
func dataSection(data []byte) []byte { return data[8+binary.LittleEndian.Uint64(data):] }

// Seal gives a checkpoint saved before checksums its checksum without
// touching a weight or a metadata value: Inspect reports none before and
// the data section's hash after, and Load then verifies instead of
// warning. A sealed file is left alone, and a corrupt or foreign one is
// refused with the file unchanged.
func TestCheckpointSeal(t *testing.T) {
	m := tinyModel(t)
	dir := t.TempDir()
	sealedPath := filepath.Join(dir, "new.safetensors")
	if err := m.Save(sealedPath, map[string]string{"task": "toy", "step": "7"}); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(sealedPath)
	old := rewrite(t, good, func(h map[string]any) { delete(h["__metadata__"].(map[string]any), checksumKey) })
	path := filepath.Join(dir, "old.safetensors")
	os.WriteFile(path, old, 0o644)

	info, err := Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Checksum != "" || info.Params != m.NumParams() || info.Config != m.Config() ||
		!reflect.DeepEqual(info.Meta, map[string]string{"task": "toy", "step": "7"}) {
		t.Fatalf("Inspect of an unsealed file: %+v", info)
	}
	sealed, err := Seal(path)
	if err != nil || !sealed {
		t.Fatalf("Seal: %v, %v", sealed, err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(dataSection(after), dataSection(old)) {
		t.Fatal("Seal changed the data section")
	}
	info, err = Inspect(path)
	if err != nil || info.Checksum != checksum(dataSection(old)) {
		t.Fatalf("Inspect after Seal: %+v, %v", info, err)
	}
	var warned bytes.Buffer
	warnOut = &warned
	defer func() { warnOut = os.Stderr }()
	m2, meta, err := Load(path)
	if err != nil || warned.Len() != 0 {
		t.Fatalf("Load after Seal: %v, warning %q", err, warned.String())
	}
	if !reflect.DeepEqual(m2.flat, m.flat) || !reflect.DeepEqual(meta, map[string]string{"task": "toy", "step": "7"}) {
		t.Errorf("sealed checkpoint loads differently: meta %v", meta)
	}

	if sealed, err := Seal(path); err != nil || sealed {
		t.Errorf("Seal of a sealed file: %v, %v", sealed, err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, after) {
		t.Error("Seal rewrote a sealed file")
	}

	flipped := bytes.Clone(after)
	flipped[len(flipped)-5] ^= 0x10
	unsealedBad := bytes.Clone(old)
	unsealedBad = rewrite(t, unsealedBad, func(h map[string]any) { delete(h, "wpe") })
	foreign := filepath.Join(dir, "foreign.safetensors") // a safetensors file, not a model
	if err := writeSafetensors(foreign, nil, []stTensor{{"x", []int{2}, []float32{1, 2}}}); err != nil {
		t.Fatal(err)
	}
	foreignBytes, _ := os.ReadFile(foreign)
	for name, data := range map[string][]byte{"flipped bit": flipped, "missing tensor": unsealedBad,
		"not a model": foreignBytes, "truncated": old[:len(old)-3]} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		os.WriteFile(p, data, 0o644)
		if sealed, err := Seal(p); err == nil || sealed {
			t.Errorf("%s: Seal %v, %v; want an error", name, sealed, err)
		}
		if _, err := Inspect(p); err == nil {
			t.Errorf("%s: Inspect gave no error", name)
		}
		if now, _ := os.ReadFile(p); !bytes.Equal(now, data) {
			t.Errorf("%s: Seal changed the file", name)
		}
	}
	if _, err := Seal(filepath.Join(dir, "absent.safetensors")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Seal of a missing file: %v", err)
	}
}
