// Package contents stores notebooks and files under one folder, as Jupyter
// Server's contents API sees them.
//
// Every API path is resolved inside the root: absolute paths, "..", empty
// segments, hidden names (a leading dot, which also hides the checkpoint
// folder) and symlinks that lead out of the root are refused; checkpoint
// paths pass the same check, so a .ipynb_checkpoints folder (or file) that is
// a symlink out of the root is refused too. Errors never name server paths.
// Writes are
// atomic: a temporary file in the same folder, fsync, rename, fsync of the
// folder; a failed or interrupted save leaves the old file as it was, and
// the temporary files a crash leaves are removed at the next start.
// Notebooks are validated as nbformat v4 before anything is written, and
// stored as nbformat writes them (sorted keys, one-space indent) so they
// diff well in git; a save keeps the file's own form of multiline strings
// (lists of lines or one string, see lineForms), so it changes only the
// lines whose content changed. Checkpoints are kept as Jupyter keeps them:
// .ipynb_checkpoints/NAME-checkpoint.EXT next to the file, id "checkpoint".
package contents

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Error is a contents failure with the HTTP status Jupyter Server gives it.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func errf(code int, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Manager serves the contents of one root folder.
type Manager struct {
	root string // absolute, symlinks resolved
	// beforeRename, when set (tests only), runs after a save's temporary
	// file is written and before it replaces the target.
	beforeRename func(tmp string) error
}

// New returns a Manager for root, creating the folder when missing.
func New(root string) (*Manager, error) {
	if root == "" {
		return nil, errors.New("contents: no notebooks folder given")
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("contents: make notebooks folder: %w", err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("contents: %w", err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("contents: %w", err)
	}
	m := &Manager{root: real}
	m.removeStaleTemps(time.Now().Add(-staleTemp))
	return m, nil
}

// staleTemp is how old a save's temporary file must be to count as left by
// a crash: older than any save in flight, in this server or another one
// sharing the folder.
const staleTemp = 10 * time.Minute

// removeStaleTemps deletes the temporary files (.~NAME.N.tmp) that saves
// interrupted by a crash left behind, anywhere under the root (symlinks
// are not followed), if they were last written before cutoff.
func (m *Manager) removeStaleTemps(cutoff time.Time) {
	filepath.WalkDir(m.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		name := d.Name()
		if !strings.HasPrefix(name, tempPrefix) || !strings.HasSuffix(name, tempSuffix) {
			return nil
		}
		if fi, err := d.Info(); err == nil && fi.ModTime().Before(cutoff) {
			os.Remove(p)
		}
		return nil
	})
}

// Root is the absolute notebooks folder.
func (m *Manager) Root() string { return m.root }

// maxName is the longest name a file may have: 255 bytes less what its
// checkpoint's name adds ("-checkpoint").
const maxName = 255 - len("-checkpoint")

// Resolve maps an API path ("" is the root, "a/b.ipynb") to a path on disk
// inside the root, refusing anything that could reach outside it.
func (m *Manager) Resolve(apiPath string) (string, error) {
	p := strings.TrimSuffix(apiPath, "/")
	if p == "" {
		return m.root, nil
	}
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "\\") || filepath.VolumeName(p) != "" {
		return "", errf(400, "absolute path %q refused", apiPath)
	}
	if strings.ContainsRune(p, 0) || !utf8.ValidString(p) {
		return "", errf(400, "path %q has a NUL byte or is not UTF-8", apiPath)
	}
	segs := strings.Split(p, "/")
	for _, s := range segs {
		switch {
		case s == "" || s == "." || s == "..":
			return "", errf(400, "path %q has an empty, . or .. segment", apiPath)
		case strings.HasPrefix(s, "."):
			return "", errf(404, "hidden path %q is not served", apiPath)
		case len(s) > maxName:
			return "", errf(400, "a name in %q is %d bytes; names are at most %d (so that its checkpoint's name fits in 255)", apiPath, len(s), maxName)
		}
	}
	full := filepath.Join(append([]string{m.root}, segs...)...)
	if err := m.confined(full); err != nil {
		return "", err
	}
	return full, nil
}

// confined checks, symlinks resolved, that full (or, while it does not
// exist yet, its nearest existing ancestor) lies inside the root. It is the
// one confinement check: API paths (Resolve), checkpoints (checkpointFor)
// and listed children all pass through it before anything reads, writes,
// renames or deletes them. Its errors never name a path on the server.
func (m *Manager) confined(full string) error {
	probe := full
	for {
		real, err := filepath.EvalSymlinks(probe)
		if err == nil {
			if real != m.root && !strings.HasPrefix(real, m.root+string(filepath.Separator)) {
				return errf(403, "path leads outside the notebooks folder")
			}
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return errf(400, "cannot resolve the path (%s)", errnoText(err))
		}
		// A dangling symlink is refused: where it points may be created later.
		if fi, lerr := os.Lstat(probe); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return errf(403, "dangling symlink refused")
		}
		parent := filepath.Dir(probe)
		if parent == probe || len(parent) < len(m.root) {
			return errf(403, "path leads outside the notebooks folder")
		}
		probe = parent
	}
}

// errnoText is an OS error without the server path it names (a
// *fs.PathError's or *os.LinkError's path), so that error replies say what
// failed and never where the notebooks folder lives.
func errnoText(err error) string {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Op + ": " + pe.Err.Error()
	case errors.As(err, &le):
		return le.Op + ": " + le.Err.Error()
	}
	return err.Error()
}

// Model is a contents model as the Jupyter Server REST API shapes it.
type Model struct {
	Name         string  `json:"name"`
	Path         string  `json:"path"`
	Type         string  `json:"type"` // notebook, file, directory
	Writable     bool    `json:"writable"`
	Created      string  `json:"created"`
	LastModified string  `json:"last_modified"`
	Size         *int64  `json:"size"`
	Mimetype     *string `json:"mimetype"`
	Content      any     `json:"content"`
	Format       *string `json:"format"`
}

func strp(s string) *string { return &s }

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func typeOf(name string, fi fs.FileInfo) string {
	switch {
	case fi.IsDir():
		return "directory"
	case strings.HasSuffix(name, ".ipynb"):
		return "notebook"
	}
	return "file"
}

func (m *Manager) baseModel(apiPath string, fi fs.FileInfo) *Model {
	typ := typeOf(fi.Name(), fi)
	name := path.Base(apiPath)
	if apiPath == "" {
		name = ""
	}
	md := &Model{Name: name, Path: apiPath, Type: typ, Writable: fi.Mode().Perm()&0o200 != 0,
		Created: isoTime(fi.ModTime()), LastModified: isoTime(fi.ModTime())}
	if typ != "directory" {
		sz := fi.Size()
		md.Size = &sz
	}
	return md
}

// GetOptions selects what Get returns.
type GetOptions struct {
	Content bool   // include the content
	Type    string // expected type, "" for any
	Format  string // for files: "text" or "base64", "" to choose
}

// Get returns the model at apiPath.
func (m *Manager) Get(apiPath string, o GetOptions) (*Model, error) {
	apiPath = strings.Trim(apiPath, "/")
	full, err := m.Resolve(apiPath)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(full)
	if err != nil {
		return nil, errf(404, "No such file or directory: %s", apiPath)
	}
	md := m.baseModel(apiPath, fi)
	if o.Type != "" && o.Type != md.Type {
		if !(o.Type == "file" && md.Type == "notebook") {
			return nil, errf(400, "%s is not a %s", apiPath, o.Type)
		}
		md.Type = "file"
	}
	if !o.Content {
		return md, nil
	}
	switch md.Type {
	case "directory":
		return m.listDir(md, full)
	case "notebook":
		data, err := os.ReadFile(full)
		if err != nil {
			return nil, errf(500, "read %s: %s", apiPath, errnoText(err))
		}
		nb, err := decodeJSON(data)
		if err != nil {
			return nil, errf(400, "Unreadable Notebook: %s: %v", apiPath, err)
		}
		multilineFields(nb, joinLines, joinLines)
		md.Content, md.Format = nb, strp("json")
		return md, nil
	default:
		data, err := os.ReadFile(full)
		if err != nil {
			return nil, errf(500, "read %s: %s", apiPath, errnoText(err))
		}
		mt := mime.TypeByExtension(path.Ext(apiPath))
		if o.Format == "text" || (o.Format == "" && utf8.Valid(data)) {
			if !utf8.Valid(data) {
				return nil, errf(400, "%s is not UTF-8 encoded", apiPath)
			}
			if mt == "" {
				mt = "text/plain"
			}
			md.Content, md.Format = string(data), strp("text")
		} else {
			if mt == "" {
				mt = "application/octet-stream"
			}
			md.Content, md.Format = base64.StdEncoding.EncodeToString(data), strp("base64")
		}
		md.Mimetype = &mt
		return md, nil
	}
}

func (m *Manager) listDir(md *Model, full string) (*Model, error) {
	ents, err := os.ReadDir(full)
	if err != nil {
		return nil, errf(500, "list %s: %s", md.Path, errnoText(err))
	}
	items := []*Model{}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		child := path.Join(md.Path, e.Name())
		cfull := filepath.Join(full, e.Name())
		if m.confined(cfull) != nil {
			continue // a symlink leading out is not listed
		}
		fi, err := os.Stat(cfull)
		if err != nil {
			continue
		}
		items = append(items, m.baseModel(child, fi))
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	md.Content, md.Format = items, strp("json")
	return md, nil
}

// SaveModel is the body of a save (PUT).
type SaveModel struct {
	Type    string `json:"type"`
	Format  string `json:"format"`
	Content any    `json:"content"`
}

// Save writes a notebook, file or directory at apiPath. It reports whether
// it created the path. Invalid input changes nothing on disk.
func (m *Manager) Save(apiPath string, s SaveModel) (*Model, bool, error) {
	apiPath = strings.Trim(apiPath, "/")
	if apiPath == "" {
		return nil, false, errf(400, "cannot save over the notebooks folder")
	}
	full, err := m.Resolve(apiPath)
	if err != nil {
		return nil, false, err
	}
	fi, statErr := os.Stat(full)
	created := statErr != nil
	if !created && fi.IsDir() && s.Type != "directory" {
		return nil, false, errf(400, "%s is a directory", apiPath)
	}
	if _, err := os.Stat(filepath.Dir(full)); err != nil {
		return nil, false, errf(404, "parent folder of %s does not exist", apiPath)
	}
	isNotebookPath := strings.HasSuffix(apiPath, ".ipynb")
	if s.Type == "directory" {
		if isNotebookPath {
			return nil, false, errf(400, "%s is a notebook path: only a notebook can be saved there", apiPath)
		}
		if !created && !fi.IsDir() {
			return nil, false, errf(400, "%s exists and is not a directory", apiPath)
		}
		if err := os.Mkdir(full, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, false, errf(500, "make folder %s: %s", apiPath, errnoText(err))
		}
	} else {
		// A notebook keeps the line forms of the file it replaces.
		var forms lineForms
		if !created && isNotebookPath {
			forms = fileLineForms(full)
		}
		data, err := saveBytes(apiPath, s, isNotebookPath, forms)
		if err != nil {
			return nil, false, err
		}
		if !created && isNotebookPath {
			if err := m.keepCheckpoint(apiPath, full); err != nil {
				return nil, false, err
			}
		}
		if err := m.writeAtomic(full, data); err != nil {
			return nil, false, errf(500, "save %s: %s", apiPath, errnoText(err))
		}
	}
	md, err := m.Get(apiPath, GetOptions{})
	return md, created, err
}

// saveBytes is what a save of type notebook or file writes. At a .ipynb
// path only a valid notebook is accepted, whatever the type says, so that a
// text save cannot replace a notebook with something Jupyter cannot open.
func saveBytes(apiPath string, s SaveModel, isNotebookPath bool, forms lineForms) ([]byte, error) {
	switch s.Type {
	case "notebook":
		if s.Content == nil {
			return nil, errf(400, "No file content provided")
		}
		data, err := notebookBytes(s.Content, forms)
		if err != nil {
			return nil, errf(400, "Invalid notebook %s: %v", apiPath, err)
		}
		return data, nil
	case "file":
		str, ok := s.Content.(string)
		if !ok {
			return nil, errf(400, "No file content provided")
		}
		var data []byte
		switch s.Format {
		case "text", "":
			data = []byte(str)
		case "base64":
			var err error
			if data, err = base64.StdEncoding.DecodeString(str); err != nil {
				return nil, errf(400, "bad base64 content: %v", err)
			}
		default:
			return nil, errf(400, "unknown format %q", s.Format)
		}
		if isNotebookPath {
			err := checkDensity(data)
			var nb any
			if err == nil {
				nb, err = decodeJSON(data)
			}
			if err == nil {
				err = ValidateNotebook(nb)
			}
			if err != nil {
				return nil, errf(400, "%s is a notebook path: the content is not a valid notebook: %v", apiPath, err)
			}
		}
		return data, nil
	}
	return nil, errf(400, "unknown type %q to save", s.Type)
}

// notebookBytes validates content as nbformat v4 and encodes it for disk,
// its multiline strings in the given forms.
// The content may come as json.RawMessage (what the server reads a body
// into), so that a save decodes its notebook once.
func notebookBytes(content any, forms lineForms) ([]byte, error) {
	raw, ok := content.(json.RawMessage)
	if !ok {
		// Re-decode through JSON so numbers are json.Number whatever the caller used.
		var err error
		if raw, err = jsonMarshal(content); err != nil {
			return nil, err
		}
	}
	if err := checkDensity(raw); err != nil {
		return nil, err
	}
	nb, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	if err := ValidateNotebook(nb); err != nil {
		return nil, err
	}
	return encodeNotebook(nb, forms)
}

// Temporary files of saves are named tempPrefix + NAME + random + tempSuffix.
const tempPrefix, tempSuffix = ".~", ".tmp"

// truncateName shortens name to at most n bytes on a UTF-8 boundary, so
// that a temporary file's name fits even when the file's name is long.
func truncateName(name string, n int) string {
	if len(name) <= n {
		return name
	}
	for n > 0 && !utf8.RuneStart(name[n]) {
		n--
	}
	return name[:n]
}

// writeAtomic replaces full with data: temporary file in the same folder,
// fsync, rename over the target, fsync of the folder.
func (m *Manager) writeAtomic(full string, data []byte) (err error) {
	dir := filepath.Dir(full)
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(full); err == nil {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, tempPrefix+truncateName(filepath.Base(full), 64)+".*"+tempSuffix)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if m.beforeRename != nil {
		if err = m.beforeRename(tmp); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, full); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func (m *Manager) copyAtomic(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return m.writeAtomic(dst, data)
}

// NewUntitled creates "Untitled.ipynb" (or Untitled1 ...), "untitled.EXT" or
// "Untitled Folder" in dir, as Jupyter Server names them.
func (m *Manager) NewUntitled(dir, typ, ext string) (*Model, error) {
	dir = strings.Trim(dir, "/")
	full, err := m.Resolve(dir)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(full); err != nil || !fi.IsDir() {
		return nil, errf(404, "No such directory: %s", dir)
	}
	if typ == "" {
		switch ext {
		case ".ipynb":
			typ = "notebook"
		case "":
			typ = "file"
		default:
			typ = "file"
		}
	}
	var base string
	switch typ {
	case "notebook":
		base, ext = "Untitled", ".ipynb"
	case "directory":
		base, ext = "Untitled Folder", ""
	case "file":
		base = "untitled"
	default:
		return nil, errf(400, "unknown type %q", typ)
	}
	name := m.freeName(full, base, ext, "")
	p := path.Join(dir, name)
	s := SaveModel{Type: typ, Format: "text", Content: ""}
	if typ == "notebook" {
		s.Content = NewNotebook()
	}
	md, _, err := m.Save(p, s)
	return md, err
}

// freeName returns base+ext, or base+sep+N+ext for the first N free.
func (m *Manager) freeName(dirFull, base, ext, sep string) string {
	for i := 0; ; i++ {
		name := base + ext
		if i > 0 {
			name = fmt.Sprintf("%s%s%d%s", base, sep, i, ext)
		}
		if _, err := os.Lstat(filepath.Join(dirFull, name)); errors.Is(err, fs.ErrNotExist) {
			return name
		}
	}
}

// Copy copies the file at from into dir as NAME-Copy1.EXT (the first free).
func (m *Manager) Copy(from, dir string) (*Model, error) {
	from, dir = strings.Trim(from, "/"), strings.Trim(dir, "/")
	src, err := m.Resolve(from)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(src)
	if err != nil || fi.IsDir() {
		return nil, errf(404, "No such file: %s", from)
	}
	dfull, err := m.Resolve(dir)
	if err != nil {
		return nil, err
	}
	ext := path.Ext(from)
	base := strings.TrimSuffix(path.Base(from), ext)
	// The first copy is NAME-Copy1, as Jupyter Server names it.
	var name string
	for i := 1; ; i++ {
		name = fmt.Sprintf("%s-Copy%d%s", base, i, ext)
		if _, err := os.Lstat(filepath.Join(dfull, name)); errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err := m.copyAtomic(src, filepath.Join(dfull, name)); err != nil {
		return nil, errf(500, "copy %s: %s", from, errnoText(err))
	}
	return m.Get(path.Join(dir, name), GetOptions{})
}

// Rename moves oldPath to newPath (refusing to overwrite), with its checkpoint.
func (m *Manager) Rename(oldPath, newPath string) (*Model, error) {
	oldPath, newPath = strings.Trim(oldPath, "/"), strings.Trim(newPath, "/")
	if oldPath == "" || newPath == "" {
		return nil, errf(400, "cannot rename the notebooks folder")
	}
	src, err := m.Resolve(oldPath)
	if err != nil {
		return nil, err
	}
	dst, err := m.Resolve(newPath)
	if err != nil {
		return nil, err
	}
	if _, err := os.Lstat(src); err != nil {
		return nil, errf(404, "No such file or directory: %s", oldPath)
	}
	if src == dst {
		return m.Get(newPath, GetOptions{})
	}
	if _, err := os.Lstat(dst); err == nil {
		return nil, errf(409, "File already exists: %s", newPath)
	}
	if strings.HasPrefix(dst, src+string(filepath.Separator)) {
		return nil, errf(400, "cannot move %s into itself", oldPath)
	}
	if _, err := os.Stat(filepath.Dir(dst)); err != nil {
		return nil, errf(404, "parent folder of %s does not exist", newPath)
	}
	// Both checkpoints are placed before anything moves, so a checkpoint
	// folder that leads out refuses the whole rename.
	cp, err := m.checkpointFor(oldPath, src)
	if err != nil {
		return nil, err
	}
	ncp, err := m.checkpointFor(newPath, dst)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(src, dst); err != nil {
		return nil, errf(500, "rename %s: %s", oldPath, errnoText(err))
	}
	if fileExists(cp) && os.MkdirAll(filepath.Dir(ncp), 0o755) == nil {
		os.Rename(cp, ncp)
	}
	return m.Get(newPath, GetOptions{})
}

// Delete removes a file (and its checkpoint) or an empty folder.
func (m *Manager) Delete(apiPath string) error {
	apiPath = strings.Trim(apiPath, "/")
	if apiPath == "" {
		return errf(400, "cannot delete the notebooks folder")
	}
	full, err := m.Resolve(apiPath)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(full)
	if err != nil {
		return errf(404, "No such file or directory: %s", apiPath)
	}
	cp, err := m.checkpointFor(apiPath, full)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		ents, err := os.ReadDir(full)
		if err != nil {
			return errf(500, "list %s: %s", apiPath, errnoText(err))
		}
		for _, e := range ents {
			if e.Name() != ".ipynb_checkpoints" {
				return errf(400, "Directory %s not empty", apiPath)
			}
		}
		if err := os.RemoveAll(full); err != nil {
			return errf(500, "delete %s: %s", apiPath, errnoText(err))
		}
		return nil
	}
	if err := os.Remove(full); err != nil {
		return errf(500, "delete %s: %s", apiPath, errnoText(err))
	}
	os.Remove(cp)
	return nil
}

// CheckpointID is the only checkpoint id, as in Jupyter's FileCheckpoints.
const CheckpointID = "checkpoint"

// Checkpoint is a checkpoint model.
type Checkpoint struct {
	ID           string `json:"id"`
	LastModified string `json:"last_modified"`
}

// checkpointFor returns where the checkpoint of the file at full (API path
// apiPath) lives, confined like any API path: the checkpoint folder, or the
// checkpoint file itself, may be a symlink that a cloned repository or an
// unpacked archive brought along.
func (m *Manager) checkpointFor(apiPath, full string) (string, error) {
	dir, name := filepath.Split(full)
	ext := filepath.Ext(name)
	cp := filepath.Join(dir, ".ipynb_checkpoints", strings.TrimSuffix(name, ext)+"-checkpoint"+ext)
	if err := m.confined(cp); err != nil {
		return "", errf(403, "the checkpoint of %s leads outside the notebooks folder", apiPath)
	}
	return cp, nil
}

// keepCheckpoint copies the notebook at full to its checkpoint before it is
// overwritten, when it has none yet: the first save over a notebook keeps
// the version it replaces (a shipped notebook's teaching version), and later
// saves (autosaves) leave that checkpoint alone until one is made on purpose
// (POST checkpoints, which the page sends after a save by hand), as in
// Jupyter, where only a save by hand moves the checkpoint.
func (m *Manager) keepCheckpoint(apiPath, full string) error {
	cp, err := m.checkpointFor(apiPath, full)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(cp); err == nil {
		return nil
	}
	if err := m.copyAtomic(full, cp); err != nil {
		return errf(500, "checkpoint %s before saving: %s", apiPath, errnoText(err))
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func (m *Manager) fileFor(apiPath string) (string, error) {
	full, err := m.Resolve(strings.Trim(apiPath, "/"))
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(full)
	if err != nil || fi.IsDir() {
		return "", errf(404, "No such file: %s", apiPath)
	}
	return full, nil
}

// ListCheckpoints returns the file's checkpoints (none or one).
func (m *Manager) ListCheckpoints(apiPath string) ([]Checkpoint, error) {
	full, err := m.fileFor(apiPath)
	if err != nil {
		return nil, err
	}
	cp, err := m.checkpointFor(apiPath, full)
	if err != nil {
		return nil, err
	}
	out := []Checkpoint{}
	if fi, err := os.Stat(cp); err == nil {
		out = append(out, Checkpoint{ID: CheckpointID, LastModified: isoTime(fi.ModTime())})
	}
	return out, nil
}

// CreateCheckpoint copies the file to its checkpoint.
func (m *Manager) CreateCheckpoint(apiPath string) (*Checkpoint, error) {
	full, err := m.fileFor(apiPath)
	if err != nil {
		return nil, err
	}
	cp, err := m.checkpointFor(apiPath, full)
	if err != nil {
		return nil, err
	}
	if err := m.copyAtomic(full, cp); err != nil {
		return nil, errf(500, "checkpoint %s: %s", apiPath, errnoText(err))
	}
	fi, err := os.Stat(cp)
	if err != nil {
		return nil, errf(500, "checkpoint %s: %s", apiPath, errnoText(err))
	}
	return &Checkpoint{ID: CheckpointID, LastModified: isoTime(fi.ModTime())}, nil
}

// RestoreCheckpoint copies the checkpoint back over the file.
func (m *Manager) RestoreCheckpoint(apiPath, id string) error {
	full, err := m.fileFor(apiPath)
	if err != nil {
		return err
	}
	cp, err := m.checkpointFor(apiPath, full)
	if err != nil {
		return err
	}
	if id != CheckpointID || !fileExists(cp) {
		return errf(404, "checkpoint does not exist: %s@%s", apiPath, id)
	}
	if err := m.copyAtomic(cp, full); err != nil {
		return errf(500, "restore %s: %s", apiPath, errnoText(err))
	}
	return nil
}

// DeleteCheckpoint removes the checkpoint.
func (m *Manager) DeleteCheckpoint(apiPath, id string) error {
	full, err := m.fileFor(apiPath)
	if err != nil {
		return err
	}
	cp, err := m.checkpointFor(apiPath, full)
	if err != nil {
		return err
	}
	if id != CheckpointID || !fileExists(cp) {
		return errf(404, "checkpoint does not exist: %s@%s", apiPath, id)
	}
	if err := os.Remove(cp); err != nil {
		return errf(500, "delete checkpoint of %s: %s", apiPath, errnoText(err))
	}
	return nil
}
