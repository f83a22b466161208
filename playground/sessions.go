package playground

import (
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/rlvrworld/rlvrworld/internal/jupyter"
	"github.com/rlvrworld/rlvrworld/playground/kernels"
)

// sessions is Jupyter Server's session manager: a session ties a notebook
// path to a kernel. Sessions live in memory; a session whose kernel is gone
// disappears with it.
type sessions struct {
	km      *kernels.Manager
	mu      sync.Mutex
	byID    map[string]*session
	created map[string]time.Time
}

type session struct {
	ID       string
	Path     string
	Name     string
	Type     string
	KernelID string
}

func newSessions(km *kernels.Manager) *sessions {
	return &sessions{km: km, byID: map[string]*session{}, created: map[string]time.Time{}}
}

// model returns the REST model, or false when the kernel is gone.
func (ss *sessions) model(s *session) (map[string]any, bool) {
	k, ok := ss.km.Get(s.KernelID)
	if !ok {
		return nil, false
	}
	return map[string]any{
		"id": s.ID, "path": s.Path, "name": s.Name, "type": s.Type,
		"kernel":   k.Model(),
		"notebook": map[string]string{"path": s.Path, "name": s.Name},
	}, true
}

// get returns the session's model, dropping it when its kernel is gone.
func (ss *sessions) get(id string) (map[string]any, bool) {
	ss.mu.Lock()
	s, ok := ss.byID[id]
	ss.mu.Unlock()
	if !ok {
		return nil, false
	}
	m, ok := ss.model(s)
	if !ok {
		ss.remove(id)
	}
	return m, ok
}

func (ss *sessions) remove(id string) {
	ss.mu.Lock()
	delete(ss.byID, id)
	delete(ss.created, id)
	ss.mu.Unlock()
}

func (ss *sessions) list() []map[string]any {
	ss.mu.Lock()
	ids := make([]string, 0, len(ss.byID))
	for id := range ss.byID {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ss.created[ids[i]].Before(ss.created[ids[j]]) })
	ss.mu.Unlock()
	out := []map[string]any{}
	for _, id := range ids {
		if m, ok := ss.get(id); ok {
			out = append(out, m)
		}
	}
	return out
}

func (ss *sessions) byPath(path string) (string, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, s := range ss.byID {
		if s.Path == path {
			return id, true
		}
	}
	return "", false
}

func (ss *sessions) dropKernel(kernelID string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, s := range ss.byID {
		if s.KernelID == kernelID {
			delete(ss.byID, id)
			delete(ss.created, id)
		}
	}
}

type sessionBody struct {
	Path   *string `json:"path"`
	Name   *string `json:"name"`
	Type   *string `json:"type"`
	Kernel *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"kernel"`
	// Notebook is the legacy (notebook 4) form of path and name.
	Notebook *struct {
		Path string `json:"path"`
		Name string `json:"name"`
	} `json:"notebook"`
}

func (b *sessionBody) legacy() {
	if b.Path == nil && b.Notebook != nil {
		b.Path, b.Name = &b.Notebook.Path, &b.Notebook.Name
		t := "notebook"
		b.Type = &t
	}
}

func str(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

func (s *Server) handleListSessions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, s.sessions.list())
}

func (s *Server) handleGetSession(w http.ResponseWriter, r *http.Request) {
	m, ok := s.sessions.get(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "Session not found: %s", r.PathValue("id"))
		return
	}
	writeJSON(w, 200, m)
}

// handleCreateSession is POST /api/sessions: an existing session for the
// path is returned as is, as Jupyter Server does; otherwise a kernel is
// started (or the given kernel id is used).
func (s *Server) handleCreateSession(w http.ResponseWriter, r *http.Request) {
	var b sessionBody
	if !readJSON(w, r, &b) {
		return
	}
	b.legacy()
	if b.Path == nil {
		writeError(w, http.StatusBadRequest, "session model has no path")
		return
	}
	ss := s.sessions
	if id, ok := ss.byPath(*b.Path); ok {
		if m, ok := ss.get(id); ok {
			w.Header().Set("Location", "/api/sessions/"+url.PathEscape(id))
			writeJSON(w, http.StatusCreated, m)
			return
		}
	}
	var kernelID string
	switch {
	case b.Kernel != nil && b.Kernel.ID != "":
		if _, ok := s.kernels.Get(b.Kernel.ID); !ok {
			writeError(w, http.StatusNotFound, "Kernel does not exist: %s", b.Kernel.ID)
			return
		}
		kernelID = b.Kernel.ID
	default:
		name := ""
		if b.Kernel != nil {
			name = b.Kernel.Name
		}
		k, ok := s.startKernel(w, r, name)
		if !ok {
			return
		}
		kernelID = k.ID
	}
	sess := &session{ID: jupyter.NewID(), Path: *b.Path, Name: str(b.Name, ""), Type: str(b.Type, "notebook"), KernelID: kernelID}
	ss.mu.Lock()
	ss.byID[sess.ID] = sess
	ss.created[sess.ID] = time.Now()
	ss.mu.Unlock()
	m, ok := ss.get(sess.ID)
	if !ok {
		writeError(w, http.StatusInternalServerError, "kernel %s vanished while the session was made", kernelID)
		return
	}
	w.Header().Set("Location", "/api/sessions/"+url.PathEscape(sess.ID))
	writeJSON(w, http.StatusCreated, m)
}

// handlePatchSession changes a session's path, name, type or kernel. A new
// kernel (by name) replaces the old one, which is shut down.
func (s *Server) handlePatchSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, ok := s.sessions.get(id); !ok {
		writeError(w, http.StatusNotFound, "Session not found: %s", id)
		return
	}
	var b sessionBody
	if !readJSON(w, r, &b) {
		return
	}
	b.legacy()
	ss := s.sessions
	var newKernel, oldKernel string
	if b.Kernel != nil {
		switch {
		case b.Kernel.ID != "":
			if _, ok := s.kernels.Get(b.Kernel.ID); !ok {
				writeError(w, http.StatusBadRequest, "Kernel does not exist: %s", b.Kernel.ID)
				return
			}
			newKernel = b.Kernel.ID
		case b.Kernel.Name != "":
			k, ok := s.startKernel(w, r, b.Kernel.Name)
			if !ok {
				return
			}
			newKernel = k.ID
		}
	}
	ss.mu.Lock()
	sess, ok := ss.byID[id]
	if !ok {
		ss.mu.Unlock()
		writeError(w, http.StatusNotFound, "Session not found: %s", id)
		return
	}
	if b.Path != nil {
		sess.Path = *b.Path
	}
	if b.Name != nil {
		sess.Name = *b.Name
	}
	if b.Type != nil {
		sess.Type = *b.Type
	}
	if newKernel != "" && newKernel != sess.KernelID {
		oldKernel, sess.KernelID = sess.KernelID, newKernel
	}
	ss.mu.Unlock()
	if oldKernel != "" {
		go s.kernels.Shutdown(oldKernel)
	}
	m, ok := ss.get(id)
	if !ok {
		writeError(w, http.StatusNotFound, "Session not found: %s", id)
		return
	}
	writeJSON(w, 200, m)
}

// handleDeleteSession ends the session and shuts its kernel down.
func (s *Server) handleDeleteSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.sessions.mu.Lock()
	sess, ok := s.sessions.byID[id]
	s.sessions.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Session not found: %s", id)
		return
	}
	s.sessions.remove(id)
	s.kernels.Shutdown(sess.KernelID)
	s.sessions.dropKernel(sess.KernelID)
	w.WriteHeader(http.StatusNoContent)
}
