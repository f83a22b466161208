package playground

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/rlvrworld/rlvrworld/playground/contents"
)

// checkpointID is what Jupyter Server's route accepts as a checkpoint id, so
// that "dir/checkpoints/a.ipynb" stays a file path.
var checkpointID = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// handleContents is /api/contents/{path}, with the checkpoint endpoints
// /api/contents/{path}/checkpoints[/{id}].
func (s *Server) handleContents(w http.ResponseWriter, r *http.Request) {
	p := r.PathValue("path")
	if i := strings.LastIndex(p, "/checkpoints"); i >= 0 {
		rest := p[i+len("/checkpoints"):]
		if rest == "" || (strings.HasPrefix(rest, "/") && checkpointID.MatchString(rest[1:])) {
			s.handleCheckpoints(w, r, p[:i], strings.TrimPrefix(rest, "/"))
			return
		}
	}
	cm := s.contents
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		md, err := cm.Get(p, contents.GetOptions{Content: q.Get("content") != "0", Type: q.Get("type"), Format: q.Get("format")})
		if err != nil {
			contentsError(w, err)
			return
		}
		writeJSON(w, 200, md)
	case http.MethodPut:
		release, ok := s.admitSave(w, r)
		if !ok {
			return
		}
		defer release()
		var body struct {
			Type     string          `json:"type"`
			Format   string          `json:"format"`
			Content  json.RawMessage `json:"content"`
			CopyFrom string          `json:"copy_from"`
		}
		if !readJSON(w, r, &body) {
			return
		}
		if body.CopyFrom != "" {
			writeError(w, 400, "Cannot copy with PUT, only POST")
			return
		}
		if body.Type == "" {
			if strings.HasSuffix(p, ".ipynb") {
				body.Type = "notebook"
			} else {
				body.Type = "file"
			}
		}
		save := contents.SaveModel{Type: body.Type, Format: body.Format}
		switch {
		case len(body.Content) == 0 || string(body.Content) == "null":
		case body.Type == "notebook":
			save.Content = body.Content // decoded once, by the contents manager
		default:
			var str string
			if json.Unmarshal(body.Content, &str) != nil {
				writeError(w, 400, "No file content provided: a file's content is a string")
				return
			}
			save.Content = str
		}
		md, created, err := cm.Save(p, save)
		if err != nil {
			contentsError(w, err)
			return
		}
		code := http.StatusOK
		if created {
			code = http.StatusCreated
		}
		w.Header().Set("Location", "/api/contents/"+escapePath(md.Path))
		writeJSON(w, code, md)
	case http.MethodPost:
		var body struct {
			Type     string `json:"type"`
			Ext      string `json:"ext"`
			CopyFrom string `json:"copy_from"`
		}
		if !readJSON(w, r, &body) {
			return
		}
		var md *contents.Model
		var err error
		if body.CopyFrom != "" {
			md, err = cm.Copy(body.CopyFrom, p)
		} else {
			md, err = cm.NewUntitled(p, body.Type, body.Ext)
		}
		if err != nil {
			contentsError(w, err)
			return
		}
		w.Header().Set("Location", "/api/contents/"+escapePath(md.Path))
		writeJSON(w, http.StatusCreated, md)
	case http.MethodPatch:
		var body struct {
			Path *string `json:"path"`
		}
		if !readJSON(w, r, &body) {
			return
		}
		if body.Path == nil {
			writeError(w, 400, "PATCH needs a new path")
			return
		}
		md, err := cm.Rename(p, *body.Path)
		if err != nil {
			contentsError(w, err)
			return
		}
		w.Header().Set("Location", "/api/contents/"+escapePath(md.Path))
		writeJSON(w, 200, md)
	case http.MethodDelete:
		if err := cm.Delete(p); err != nil {
			contentsError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, http.StatusMethodNotAllowed, "method %s not allowed on contents", r.Method)
	}
}

func (s *Server) handleCheckpoints(w http.ResponseWriter, r *http.Request, p, id string) {
	cm := s.contents
	switch {
	case id == "" && r.Method == http.MethodGet:
		cps, err := cm.ListCheckpoints(p)
		if err != nil {
			contentsError(w, err)
			return
		}
		writeJSON(w, 200, cps)
	case id == "" && r.Method == http.MethodPost:
		cp, err := cm.CreateCheckpoint(p)
		if err != nil {
			contentsError(w, err)
			return
		}
		w.Header().Set("Location", "/api/contents/"+escapePath(strings.Trim(p, "/"))+"/checkpoints/"+cp.ID)
		writeJSON(w, http.StatusCreated, cp)
	case id != "" && r.Method == http.MethodPost:
		if err := cm.RestoreCheckpoint(p, id); err != nil {
			contentsError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case id != "" && r.Method == http.MethodDelete:
		if err := cm.DeleteCheckpoint(p, id); err != nil {
			contentsError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, http.StatusMethodNotAllowed, "method %s not allowed on checkpoints", r.Method)
	}
}

// largeSave is the body size from which a save counts against
// Options.SaveConcurrency.
const largeSave = 1 << 20

// admitSave holds a large save (or one of unknown size) until fewer than
// Options.SaveConcurrency large saves are running, or answers 503 after
// Options.SaveWait. Decoding and re-encoding a notebook costs a few times
// its size in memory, so this bounds what saves at once can take.
func (s *Server) admitSave(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	if r.ContentLength >= 0 && r.ContentLength <= largeSave {
		return func() {}, true
	}
	t := time.NewTimer(s.opts.SaveWait)
	defer t.Stop()
	select {
	case s.saves <- struct{}{}:
		return func() { <-s.saves }, true
	case <-t.C:
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "%d large saves are already running; try again", cap(s.saves))
	case <-r.Context().Done():
	}
	return nil, false
}

func contentsError(w http.ResponseWriter, err error) {
	var ce *contents.Error
	if errors.As(err, &ce) {
		writeError(w, ce.Code, "%s", ce.Msg)
		return
	}
	writeError(w, http.StatusInternalServerError, "%v", err)
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
