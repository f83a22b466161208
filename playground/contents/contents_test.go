package contents

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func newManager(t *testing.T) (*Manager, string) {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, "notebooks")
	m, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	// Something secret next to the root, to try to reach.
	if err := os.WriteFile(filepath.Join(base, "secret.txt"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	return m, base
}

func code(t *testing.T, err error) int {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a contents.Error", err)
	}
	return ce.Code
}

func validNotebook(src string) map[string]any {
	return map[string]any{
		"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{},
		"cells": []any{map[string]any{"id": "a1", "cell_type": "code", "metadata": map[string]any{}, "source": src,
			"execution_count": nil, "outputs": []any{}}},
	}
}

func TestResolveRefusesEscapes(t *testing.T) {
	m, base := newManager(t)
	if err := os.Symlink(base, filepath.Join(m.Root(), "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "secret.txt"), filepath.Join(m.Root(), "leak.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "nothing-yet"), filepath.Join(m.Root(), "dangling")); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(m.Root(), "sub"), 0o755)
	if err := os.Symlink(filepath.Join(m.Root(), "sub"), filepath.Join(m.Root(), "inside")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"..", "../secret.txt", "a/../../secret.txt", "sub/../..", "/etc/passwd", "//etc/passwd",
		"out", "out/secret.txt", "leak.txt", "dangling", "dangling/x.ipynb", ".hidden", "sub/.ipynb_checkpoints/x",
		"a//b", "./x", "x\x00y", "\\etc\\passwd",
	} {
		if full, err := m.Resolve(p); err == nil {
			t.Errorf("Resolve(%q) = %q, want refused", p, full)
		}
	}
	for _, p := range []string{"", "a.ipynb", "sub", "sub/new.ipynb", "inside", "inside/x.ipynb", "dir with space/é.ipynb"} {
		if _, err := m.Resolve(p); err != nil {
			t.Errorf("Resolve(%q): %v", p, err)
		}
	}
	// Nothing outside can be read, written, renamed onto or deleted.
	if _, err := m.Get("leak.txt", GetOptions{Content: true}); err == nil {
		t.Error("read through a symlink leading out")
	}
	if _, _, err := m.Save("out/evil.ipynb", SaveModel{Type: "notebook", Content: validNotebook("1")}); err == nil {
		t.Error("wrote through a symlink leading out")
	}
	if _, err := os.Stat(filepath.Join(base, "evil.ipynb")); err == nil {
		t.Error("a file appeared outside the root")
	}
	if err := m.Delete("out/secret.txt"); err == nil {
		t.Error("deleted through a symlink leading out")
	}
	if _, err := m.Rename("leak.txt", "x.txt"); err == nil {
		t.Error("renamed a symlink leading out")
	}
	// The listing hides what leads out.
	md, err := m.Get("", GetOptions{Content: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range md.Content.([]*Model) {
		if c.Name == "out" || c.Name == "leak.txt" || c.Name == "dangling" {
			t.Errorf("listing shows %s, which leads outside", c.Name)
		}
	}
}

func TestSaveGetRoundTripAndFormat(t *testing.T) {
	m, _ := newManager(t)
	nb := validNotebook("x := 1\nx + 1\n")
	nb["cells"] = append(nb["cells"].([]any), map[string]any{"id": "b2", "cell_type": "markdown", "metadata": map[string]any{}, "source": "# <b>Title</b>"})
	md, created, err := m.Save("n.ipynb", SaveModel{Type: "notebook", Content: nb})
	if err != nil || !created || md.Type != "notebook" {
		t.Fatalf("Save = %+v, %v, %v", md, created, err)
	}
	raw, _ := os.ReadFile(filepath.Join(m.Root(), "n.ipynb"))
	// nbformat's layout: one-space indent, sources as line arrays, no HTML escaping.
	for _, want := range []string{"\n \"cells\": [", `"x := 1\n",`, `"x + 1\n"`, "# <b>Title</b>"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("saved file lacks %q:\n%s", want, raw)
		}
	}
	got, err := m.Get("n.ipynb", GetOptions{Content: true})
	if err != nil {
		t.Fatal(err)
	}
	cells := got.Content.(map[string]any)["cells"].([]any)
	if src := cells[0].(map[string]any)["source"]; src != "x := 1\nx + 1\n" {
		t.Errorf("source read back as %#v", src)
	}
	if _, created, err := m.Save("n.ipynb", SaveModel{Type: "notebook", Content: nb}); err != nil || created {
		t.Errorf("second save: created=%v err=%v", created, err)
	}
	// The first save over an existing notebook left a checkpoint.
	cps, err := m.ListCheckpoints("n.ipynb")
	if err != nil || len(cps) != 1 || cps[0].ID != "checkpoint" {
		t.Fatalf("checkpoints = %v, %v", cps, err)
	}
	if _, err := os.Stat(filepath.Join(m.Root(), ".ipynb_checkpoints", "n-checkpoint.ipynb")); err != nil {
		t.Errorf("checkpoint not where Jupyter keeps it: %v", err)
	}
}

func TestInvalidNotebookNeverTouchesFile(t *testing.T) {
	m, _ := newManager(t)
	if _, _, err := m.Save("keep.ipynb", SaveModel{Type: "notebook", Content: validNotebook("old")}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(m.Root(), "keep.ipynb"))
	bad := []any{
		nil, "text", 42, map[string]any{},
		map[string]any{"nbformat": 3, "nbformat_minor": 0, "metadata": map[string]any{}, "cells": []any{}},
		map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": "x"},
		map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": []any{map[string]any{"cell_type": "weird"}}},
		map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": []any{
			map[string]any{"cell_type": "code", "metadata": map[string]any{}, "source": "", "execution_count": nil, "outputs": []any{map[string]any{"output_type": "stream"}}}}},
		map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": []any{
			map[string]any{"id": "bad id!", "cell_type": "markdown", "metadata": map[string]any{}, "source": ""}}},
		map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{"kernelspec": "go"}, "cells": []any{}},
		map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": []any{}, "extra": 1},
	}
	for i, b := range bad {
		_, _, err := m.Save("keep.ipynb", SaveModel{Type: "notebook", Content: b})
		if err == nil || code(t, err) != 400 {
			t.Errorf("bad notebook %d: err %v, want a 400", i, err)
		}
	}
	after, _ := os.ReadFile(filepath.Join(m.Root(), "keep.ipynb"))
	if string(after) != string(before) {
		t.Fatal("an invalid save changed the notebook")
	}
	leftovers, _ := filepath.Glob(filepath.Join(m.Root(), ".~*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// A save that fails between writing its temporary file and the rename (a
// full disk, a crash) leaves the old notebook intact.
func TestFailedSaveLeavesOldNotebook(t *testing.T) {
	m, _ := newManager(t)
	if _, _, err := m.Save("n.ipynb", SaveModel{Type: "notebook", Content: validNotebook("old")}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(m.Root(), "n.ipynb"))
	m.beforeRename = func(tmp string) error {
		// Half the new content reached the disk when the failure hits.
		data, _ := os.ReadFile(tmp)
		os.WriteFile(tmp, data[:len(data)/2], 0o644)
		return errors.New("disk full")
	}
	if _, _, err := m.Save("n.ipynb", SaveModel{Type: "notebook", Content: validNotebook("new")}); err == nil {
		t.Fatal("save succeeded")
	}
	after, _ := os.ReadFile(filepath.Join(m.Root(), "n.ipynb"))
	if string(after) != string(before) {
		t.Fatal("failed save changed the notebook")
	}
}

// The same with a real crash: a process killed with SIGKILL in the middle of
// a save.
func TestKilledSaveLeavesOldNotebook(t *testing.T) {
	m, _ := newManager(t)
	if _, _, err := m.Save("n.ipynb", SaveModel{Type: "notebook", Content: validNotebook("old")}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(m.Root(), "n.ipynb"))
	cmd := exec.Command(os.Args[0], "-test.run=^TestSaveHelper$")
	cmd.Env = append(os.Environ(), "RLVRWORLD_SAVE_HELPER="+m.Root())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "saving") {
		t.Fatalf("helper said %q, %v", line, err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	after, _ := os.ReadFile(filepath.Join(m.Root(), "n.ipynb"))
	if string(after) != string(before) {
		t.Fatal("a killed save changed the notebook")
	}
	if _, err := m.Get("n.ipynb", GetOptions{Content: true}); err != nil {
		t.Fatalf("notebook unreadable after a killed save: %v", err)
	}
}

// TestSaveHelper is the process TestKilledSaveLeavesOldNotebook kills: it
// starts a save of a large notebook and stops in the middle of it.
func TestSaveHelper(t *testing.T) {
	root := os.Getenv("RLVRWORLD_SAVE_HELPER")
	if root == "" {
		return // only meaningful as the helper process
	}
	m, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	m.beforeRename = func(tmp string) error {
		data, _ := os.ReadFile(tmp)
		os.WriteFile(tmp, data[:len(data)/2], 0o644) // halfway
		os.Stdout.WriteString("saving\n")
		time.Sleep(time.Minute) // killed here
		return nil
	}
	m.Save("n.ipynb", SaveModel{Type: "notebook", Content: validNotebook(strings.Repeat("big\n", 100000))})
}

func TestUntitledRenameDeleteCheckpoints(t *testing.T) {
	m, _ := newManager(t)
	a, err := m.NewUntitled("", "notebook", ".ipynb")
	if err != nil || a.Name != "Untitled.ipynb" {
		t.Fatalf("first untitled = %+v, %v", a, err)
	}
	b, err := m.NewUntitled("", "notebook", "")
	if err != nil || b.Name != "Untitled1.ipynb" {
		t.Fatalf("second untitled = %+v, %v", b, err)
	}
	d, err := m.NewUntitled("", "directory", "")
	if err != nil || d.Name != "Untitled Folder" || d.Type != "directory" {
		t.Fatalf("untitled folder = %+v, %v", d, err)
	}
	c, err := m.Copy("Untitled.ipynb", "")
	if err != nil || c.Name != "Untitled-Copy1.ipynb" {
		t.Fatalf("copy = %+v, %v", c, err)
	}
	if _, err := m.CreateCheckpoint("Untitled.ipynb"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Rename("Untitled.ipynb", "Untitled1.ipynb"); err == nil || code(t, err) != 409 {
		t.Errorf("rename onto an existing file: %v, want 409", err)
	}
	r, err := m.Rename("Untitled.ipynb", "Untitled Folder/moved.ipynb")
	if err != nil || r.Path != "Untitled Folder/moved.ipynb" {
		t.Fatalf("rename = %+v, %v", r, err)
	}
	if cps, _ := m.ListCheckpoints("Untitled Folder/moved.ipynb"); len(cps) != 1 {
		t.Errorf("checkpoint did not follow the rename: %v", cps)
	}
	// Change the notebook, then restore its checkpoint.
	if _, _, err := m.Save("Untitled Folder/moved.ipynb", SaveModel{Type: "notebook", Content: validNotebook("changed")}); err != nil {
		t.Fatal(err)
	}
	if err := m.RestoreCheckpoint("Untitled Folder/moved.ipynb", "checkpoint"); err != nil {
		t.Fatal(err)
	}
	got, _ := m.Get("Untitled Folder/moved.ipynb", GetOptions{Content: true})
	if n := len(got.Content.(map[string]any)["cells"].([]any)); n != 0 {
		t.Errorf("restored notebook has %d cells, want the empty original", n)
	}
	if err := m.Delete("Untitled Folder"); err == nil || code(t, err) != 400 {
		t.Errorf("deleting a non-empty folder: %v, want 400", err)
	}
	if err := m.Delete("Untitled Folder/moved.ipynb"); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete("Untitled Folder"); err != nil {
		t.Fatalf("deleting the emptied folder: %v", err)
	}
	if _, err := m.Get("nope.ipynb", GetOptions{}); err == nil || code(t, err) != 404 {
		t.Errorf("missing file: %v, want 404", err)
	}
}

func TestFilesTextAndBase64(t *testing.T) {
	m, _ := newManager(t)
	if _, _, err := m.Save("a.txt", SaveModel{Type: "file", Format: "text", Content: "hello\n"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Save("b.bin", SaveModel{Type: "file", Format: "base64", Content: "AAEC/w=="}); err != nil {
		t.Fatal(err)
	}
	a, _ := m.Get("a.txt", GetOptions{Content: true})
	if a.Content != "hello\n" || *a.Format != "text" {
		t.Errorf("text file = %+v", a)
	}
	b, _ := m.Get("b.bin", GetOptions{Content: true})
	if b.Content != "AAEC/w==" || *b.Format != "base64" {
		t.Errorf("binary file = %+v", b)
	}
	if _, _, err := m.Save("c.bin", SaveModel{Type: "file", Format: "base64", Content: "!!"}); err == nil {
		t.Error("bad base64 accepted")
	}
	js, _ := json.Marshal(a)
	if !strings.Contains(string(js), `"mimetype":"text/plain`) {
		t.Errorf("model JSON %s", js)
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"", "a", "../x", "a/../../b", "/abs", "a/./b", "é/ü.ipynb", "a//b", ".h", "x\x00"} {
		f.Add(s)
	}
	base := f.TempDir()
	root := filepath.Join(base, "root")
	m, err := New(root)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p string) {
		full, err := m.Resolve(p)
		if err != nil {
			return
		}
		if full != m.Root() && !strings.HasPrefix(full, m.Root()+string(filepath.Separator)) {
			t.Fatalf("Resolve(%q) = %q, outside %q", p, full, m.Root())
		}
	})
}

func FuzzValidateNotebook(f *testing.F) {
	good, _ := json.Marshal(validNotebook("1+1"))
	for _, s := range []string{string(good), "{}", "[]", "null", `{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[{}]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := decodeJSON([]byte(s))
		if err != nil {
			return
		}
		if ValidateNotebook(v) == nil {
			// A valid notebook must encode, and decode to a valid one again.
			data, err := encodeNotebook(v, lineForms{})
			if err != nil {
				t.Fatal(err)
			}
			v2, err := decodeJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			multilineFields(v2, joinLines, joinLines)
			if err := ValidateNotebook(v2); err != nil {
				t.Fatalf("re-read notebook invalid: %v", err)
			}
		}
	})
}

// A .ipynb path takes only a valid notebook, whatever type the save names,
// and the first overwrite keeps the version it replaces as the checkpoint.
func TestNotebookPathTakesOnlyNotebooks(t *testing.T) {
	m, _ := newManager(t)
	save := func(s SaveModel) error { _, _, err := m.Save("n.ipynb", s); return err }
	if err := save(SaveModel{Type: "notebook", Content: validNotebook("v1")}); err != nil {
		t.Fatal(err)
	}
	full := filepath.Join(m.Root(), "n.ipynb")
	v1, _ := os.ReadFile(full)
	for _, bad := range []SaveModel{
		{Type: "file", Format: "text", Content: "not a notebook"},
		{Type: "file", Format: "base64", Content: "bm90IGEgbm90ZWJvb2s="},
		{Type: "file", Format: "text", Content: `{"nbformat": 4}`},
		{Type: "directory"},
	} {
		if err := save(bad); err == nil || code(t, err) != 400 {
			t.Errorf("save %+v over a notebook: %v, want 400", bad, err)
		}
		if now, _ := os.ReadFile(full); string(now) != string(v1) {
			t.Fatalf("save %+v changed the notebook to %q", bad, now)
		}
	}
	if _, _, err := m.Save("new.ipynb", SaveModel{Type: "file", Content: "x"}); err == nil || code(t, err) != 400 {
		t.Errorf("a new .ipynb path with text: %v, want 400", err)
	}
	// A valid notebook sent as text is accepted, and the checkpoint now
	// holds v1; the next save moves the checkpoint to v2.
	v2, _ := notebookBytes(validNotebook("v2"), lineForms{})
	if err := save(SaveModel{Type: "file", Format: "text", Content: string(v2)}); err != nil {
		t.Fatalf("a notebook saved as text: %v", err)
	}
	cp := filepath.Join(m.Root(), ".ipynb_checkpoints", "n-checkpoint.ipynb")
	if got, _ := os.ReadFile(cp); string(got) != string(v1) {
		t.Errorf("checkpoint after the second save = %q, want v1", got)
	}
	// Later saves (autosaves) leave the checkpoint alone; a checkpoint made
	// on purpose (the page's save by hand) moves it.
	if err := save(SaveModel{Type: "notebook", Content: validNotebook("v3")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(cp); string(got) != string(v1) {
		t.Errorf("checkpoint after the third save = %q, want v1 still", got)
	}
	if _, err := m.CreateCheckpoint("n.ipynb"); err != nil {
		t.Fatal(err)
	}
	if err := save(SaveModel{Type: "notebook", Content: validNotebook("v4")}); err != nil {
		t.Fatal(err)
	}
	v3, _ := notebookBytes(validNotebook("v3"), lineForms{})
	if got, _ := os.ReadFile(cp); string(got) != string(v3) {
		t.Errorf("checkpoint made at v3, then a save = %q, want v3", got)
	}
}

// Names too long for a checkpoint and a folder moved into itself are 400s
// whose messages do not name the server's folders.
func TestBadNamesAre4xxWithoutServerPaths(t *testing.T) {
	m, base := newManager(t)
	if _, err := m.NewUntitled("", "directory", ""); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		if c := code(t, err); c < 400 || c >= 500 {
			t.Errorf("%s: %d %v, want a 4xx", what, c, err)
		}
		if strings.Contains(err.Error(), base) {
			t.Errorf("%s: the message names the server's folder: %v", what, err)
		}
	}
	for _, n := range []int{245, 250, 255, 256, 300} {
		name := strings.Repeat("n", n-len(".ipynb")) + ".ipynb"
		_, _, err := m.Save(name, SaveModel{Type: "notebook", Content: validNotebook("x")})
		check(fmt.Sprintf("save a %d-byte name", n), err)
	}
	_, err := m.Rename("Untitled Folder", "Untitled Folder/inside")
	check("move a folder into itself", err)
	// A name that fits is saved, with its checkpoint.
	name := strings.Repeat("n", maxName-len(".ipynb")) + ".ipynb"
	for i := 0; i < 2; i++ {
		if _, _, err := m.Save(name, SaveModel{Type: "notebook", Content: validNotebook("x")}); err != nil {
			t.Fatalf("save a %d-byte name: %v", len(name), err)
		}
	}
}

// Temporary files a crash left behind are removed at start-up; a recent
// one (a save in flight in another server) and ordinary files are kept.
func TestStaleTempsRemovedAtStart(t *testing.T) {
	m, _ := newManager(t)
	root := m.Root()
	os.MkdirAll(filepath.Join(root, "sub", ".ipynb_checkpoints"), 0o755)
	old := time.Now().Add(-time.Hour)
	stale := []string{".~a.ipynb.123.tmp", "sub/.~b.txt.9.tmp", "sub/.ipynb_checkpoints/.~b-checkpoint.ipynb.1.tmp"}
	kept := []string{".~fresh.ipynb.5.tmp", "keep.tmp", ".~notatemp", "sub/x.ipynb"}
	for _, p := range append(append([]string{}, stale...), kept...) {
		if err := os.WriteFile(filepath.Join(root, p), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range append(stale, "keep.tmp", ".~notatemp", "sub/x.ipynb") {
		os.Chtimes(filepath.Join(root, p), old, old)
	}
	if _, err := New(root); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			t.Errorf("%s left behind", p)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
}
