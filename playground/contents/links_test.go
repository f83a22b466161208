package contents

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretMark is in every file outside the notebooks folder: it must never
// show up in an answer or in a file inside the folder.
const secretMark = "OUTSIDE-SECRET"

// linkLayout builds, inside root, a link layout that tries to reach outside
// (a folder next to root holding x.ipynb, secret.ipynb and
// x-checkpoint.ipynb). Every layout has d/ and a notebook y.ipynb with a
// checkpoint at the top, so that renames and copies can aim into d/.
type linkLayout struct {
	name  string
	build func(t *testing.T, root, outside string)
}

var linkLayouts = []linkLayout{
	{"file link", func(t *testing.T, root, outside string) {
		mkdir(t, root, "d")
		link(t, filepath.Join(outside, "secret.ipynb"), root, "d/x.ipynb")
	}},
	{"folder link", func(t *testing.T, root, outside string) {
		link(t, outside, root, "d")
	}},
	{"checkpoint folder link", func(t *testing.T, root, outside string) {
		mkdir(t, root, "d")
		writeNotebook(t, filepath.Join(root, "d/x.ipynb"), "inside")
		link(t, outside, root, "d/.ipynb_checkpoints")
	}},
	{"checkpoint file link", func(t *testing.T, root, outside string) {
		mkdir(t, root, "d/.ipynb_checkpoints")
		writeNotebook(t, filepath.Join(root, "d/x.ipynb"), "inside")
		link(t, filepath.Join(outside, "secret.ipynb"), root, "d/.ipynb_checkpoints/x-checkpoint.ipynb")
		link(t, filepath.Join(outside, "secret.ipynb"), root, "d/.ipynb_checkpoints/y-checkpoint.ipynb")
	}},
	{"dangling checkpoint folder", func(t *testing.T, root, outside string) {
		mkdir(t, root, "d")
		writeNotebook(t, filepath.Join(root, "d/x.ipynb"), "inside")
		link(t, filepath.Join(outside, "not-yet"), root, "d/.ipynb_checkpoints")
	}},
	{"dangling file link", func(t *testing.T, root, outside string) {
		mkdir(t, root, "d")
		link(t, filepath.Join(outside, "not-yet.ipynb"), root, "d/x.ipynb")
	}},
	{"chained checkpoint folder", func(t *testing.T, root, outside string) {
		mkdir(t, root, "d")
		writeNotebook(t, filepath.Join(root, "d/x.ipynb"), "inside")
		link(t, outside, root, "hop")
		link(t, filepath.Join(root, "hop"), root, "d/.ipynb_checkpoints")
	}},
}

// linkVerbs are the contents API's verbs, each as the handler calls it.
var linkVerbs = []struct {
	name string
	run  func(m *Manager) (any, error)
}{
	{"GET", func(m *Manager) (any, error) { return m.Get("d/x.ipynb", GetOptions{Content: true}) }},
	{"GET file", func(m *Manager) (any, error) {
		return m.Get("d/x.ipynb", GetOptions{Content: true, Type: "file", Format: "text"})
	}},
	{"PUT", func(m *Manager) (any, error) {
		md, _, err := m.Save("d/x.ipynb", SaveModel{Type: "notebook", Content: validNotebook("new")})
		return md, err
	}},
	{"GET checkpoints", func(m *Manager) (any, error) { return m.ListCheckpoints("d/x.ipynb") }},
	{"POST checkpoints", func(m *Manager) (any, error) { return m.CreateCheckpoint("d/x.ipynb") }},
	{"restore", func(m *Manager) (any, error) { return nil, m.RestoreCheckpoint("d/x.ipynb", CheckpointID) }},
	{"DELETE checkpoint", func(m *Manager) (any, error) { return nil, m.DeleteCheckpoint("d/x.ipynb", CheckpointID) }},
	{"DELETE", func(m *Manager) (any, error) { return nil, m.Delete("d/x.ipynb") }},
	{"DELETE folder", func(m *Manager) (any, error) { return nil, m.Delete("d") }},
	{"PATCH out of d", func(m *Manager) (any, error) { return m.Rename("d/x.ipynb", "z.ipynb") }},
	{"PATCH into d", func(m *Manager) (any, error) { return m.Rename("y.ipynb", "d/y.ipynb") }},
	{"copy out of d", func(m *Manager) (any, error) { return m.Copy("d/x.ipynb", "") }},
	{"copy into d", func(m *Manager) (any, error) { return m.Copy("y.ipynb", "d") }},
}

// Every verb against every link layout: nothing outside the notebooks
// folder is read, written, created, moved or deleted, and refusals are
// 4xx errors that do not name the server's folders.
func TestLinkLayoutsStayConfined(t *testing.T) {
	for _, lay := range linkLayouts {
		for _, verb := range linkVerbs {
			t.Run(lay.name+"/"+verb.name, func(t *testing.T) {
				base := t.TempDir()
				root, outside := filepath.Join(base, "notebooks"), filepath.Join(base, "outside")
				mkdir(t, base, "outside")
				for _, n := range []string{"x.ipynb", "secret.ipynb", "x-checkpoint.ipynb", "y-checkpoint.ipynb"} {
					writeNotebook(t, filepath.Join(outside, n), secretMark)
				}
				mkdir(t, base, "notebooks/.ipynb_checkpoints")
				writeNotebook(t, filepath.Join(root, "y.ipynb"), "top")
				writeNotebook(t, filepath.Join(root, ".ipynb_checkpoints/y-checkpoint.ipynb"), "top checkpoint")
				lay.build(t, root, outside)
				m, err := New(root)
				if err != nil {
					t.Fatal(err)
				}
				before := snapshot(t, outside)

				got, err := verb.run(m)

				if after := snapshot(t, outside); after != before {
					t.Errorf("the folder outside changed:\nbefore %s\nafter  %s", before, after)
				}
				if inside := snapshot(t, root); strings.Contains(inside, secretMark) {
					t.Errorf("a file from outside was brought in: %s", inside)
				}
				if b, _ := json.Marshal(got); strings.Contains(string(b), secretMark) {
					t.Errorf("the answer holds a file from outside: %s", b)
				}
				if err != nil {
					var ce *Error
					if !errors.As(err, &ce) || ce.Code >= 500 {
						t.Errorf("error %v is not a 4xx contents error", err)
					} else if strings.Contains(ce.Msg, base) {
						t.Errorf("error %q names the server's folder", ce.Msg)
					}
				}
			})
		}
	}
}

func mkdir(t *testing.T, root, rel string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, rel), 0o755); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, root, rel string) {
	t.Helper()
	if err := os.Symlink(target, filepath.Join(root, rel)); err != nil {
		t.Fatal(err)
	}
}

func writeNotebook(t *testing.T, full, src string) {
	t.Helper()
	data, err := notebookBytes(validNotebook(src), lineForms{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshot lists every entry under dir (links as links, not followed) with
// the content of regular files.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b.WriteString(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			b.WriteString(" -> " + target)
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b.WriteString(" = " + string(data))
		}
		b.WriteString("; ")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
