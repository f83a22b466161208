package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rlvrworld/rlvrworld/stdlib/nn"
)

// checkpoint info shows an unsealed shipped-style file as unverified and
// seal makes it verified, naming both file hashes; bad invocations exit 2
// and a missing file 1.
func TestCheckpointInfoAndSeal(t *testing.T) {
	data, err := os.ReadFile("../../checkpoints/web.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	// The same file without its checksum: rewrite the header by hand.
	path := filepath.Join(t.TempDir(), "m.safetensors")
	os.WriteFile(path, withoutChecksum(t, data), 0o644)
	info, err := nn.Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(info.String())
	for _, want := range []string{"checksum     none", `"Vocab":433`, "task = web", "parameters   485248"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("info lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := sealCheckpoint(&b, path); err != nil || !strings.Contains(b.String(), "sealed (nn.sha256 7e33c405b879") {
		t.Fatalf("seal: %v\n%s", err, b.String())
	}
	b.Reset()
	if info, err := nn.Inspect(path); err != nil || !strings.Contains(info.String(), "verified (nn.sha256 7e33c405b879") {
		t.Errorf("info after seal: %v\n%v", err, info)
	}
	b.Reset()
	if err := sealCheckpoint(&b, path); err != nil || !strings.Contains(b.String(), "already has a checksum") {
		t.Errorf("second seal: %v\n%s", err, b.String())
	}
	for _, args := range [][]string{nil, {"bogus", path}, {"info"}, {"-h", path}} {
		if code := runCheckpoint(args); code != 2 {
			t.Errorf("checkpoint %q: exit %d, want 2", args, code)
		}
	}
	if code := runCheckpoint([]string{"info", filepath.Join(t.TempDir(), "absent")}); code != 1 {
		t.Errorf("info of a missing file: exit %d, want 1", code)
	}
}

// withoutChecksum is a safetensors file with "nn.sha256" taken out of its
// metadata (a checkpoint as saved before checksums).
func withoutChecksum(t *testing.T, data []byte) []byte {
	n := binary.LittleEndian.Uint64(data)
	var h map[string]any
	if err := json.Unmarshal(data[8:8+n], &h); err != nil {
		t.Fatal(err)
	}
	delete(h["__metadata__"].(map[string]any), "nn.sha256")
	hj, _ := json.Marshal(h)
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hj)))
	return append(append(out, hj...), data[8+n:]...)
}
