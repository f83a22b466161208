package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A missing or corrupt start checkpoint stops exp with a clear message,
// -q or not, unless pretraining is asked for.
func TestExpStartCheckpointMissingOrCorrupt(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "textgame.safetensors")
	if err := os.WriteFile(corrupt, []byte("not a checkpoint at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, ckdir := range map[string]string{"missing": t.TempDir(), "corrupt": dir} {
		r, w, _ := os.Pipe()
		stderr := os.Stderr
		os.Stderr = w
		code := runExp([]string{"--task", "textgame", "--budget", "smoke", "-q", "--checkpoints", ckdir, "--out", filepath.Join(t.TempDir(), "r.json")})
		w.Close()
		os.Stderr = stderr
		buf := make([]byte, 4096)
		n, _ := r.Read(buf)
		msg := string(buf[:n])
		if code != 1 || !strings.Contains(msg, "--pretrain") || !strings.Contains(msg, filepath.Join(ckdir, "textgame.safetensors")) {
			t.Errorf("%s checkpoint with -q: exit %d, stderr %q; want 1 and a message naming the file and --pretrain", name, code, msg)
		}
	}
}
