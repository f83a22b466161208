package playground

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rlvrworld/rlvrworld/playground/kernels"
)

func TestSessionsREST(t *testing.T) {
	s := newTestServer(t, nil)
	body := map[string]any{"path": "a.ipynb", "name": "a.ipynb", "type": "notebook", "kernel": map[string]string{"name": "rlvrworld"}}
	resp, data := s.do(t, "POST", "/api/sessions", body)
	if resp.StatusCode != 201 || !strings.HasPrefix(resp.Header.Get("Location"), "/api/sessions/") {
		t.Fatalf("create: %d %s", resp.StatusCode, data)
	}
	var sess struct {
		ID     string        `json:"id"`
		Path   string        `json:"path"`
		Type   string        `json:"type"`
		Kernel kernels.Model `json:"kernel"`
	}
	json.Unmarshal(data, &sess)
	if sess.Path != "a.ipynb" || sess.Type != "notebook" || sess.Kernel.ID == "" {
		t.Fatalf("session model %s", data)
	}
	// The same path again gives the same session, not a second kernel.
	_, again := s.do(t, "POST", "/api/sessions", body)
	if !strings.Contains(string(again), sess.ID) || len(s.Kernels().List()) != 1 {
		t.Errorf("second create for the path: %s, %d kernels", again, len(s.Kernels().List()))
	}
	_, list := s.do(t, "GET", "/api/sessions", nil)
	if !strings.Contains(string(list), sess.ID) {
		t.Errorf("list: %s", list)
	}
	// Rename, then switch to a new kernel: the old one is shut down.
	resp, data = s.do(t, "PATCH", "/api/sessions/"+sess.ID, map[string]any{"path": "b.ipynb", "kernel": map[string]string{"name": "rlvrworld"}})
	if resp.StatusCode != 200 || !strings.Contains(string(data), `"path":"b.ipynb"`) || strings.Contains(string(data), sess.Kernel.ID) {
		t.Fatalf("patch: %d %s", resp.StatusCode, data)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := s.Kernels().Get(sess.Kernel.ID); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the replaced kernel was not shut down")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A session whose kernel is deleted disappears with it.
	var patched struct {
		Kernel kernels.Model `json:"kernel"`
	}
	json.Unmarshal(data, &patched)
	if resp, _ := s.do(t, "DELETE", "/api/kernels/"+patched.Kernel.ID, nil); resp.StatusCode != 204 {
		t.Fatalf("delete kernel: %d", resp.StatusCode)
	}
	if resp, _ := s.do(t, "GET", "/api/sessions/"+sess.ID, nil); resp.StatusCode != 404 {
		t.Errorf("session of a deleted kernel: %d, want 404", resp.StatusCode)
	}
	// Delete of a session shuts its kernel down.
	_, data = s.do(t, "POST", "/api/sessions", map[string]any{"path": "c.ipynb", "type": "notebook", "kernel": map[string]string{}})
	json.Unmarshal(data, &sess)
	if resp, _ := s.do(t, "DELETE", "/api/sessions/"+sess.ID, nil); resp.StatusCode != 204 {
		t.Fatalf("delete session: %d", resp.StatusCode)
	}
	if _, ok := s.Kernels().Get(sess.Kernel.ID); ok {
		t.Error("deleting the session left its kernel running")
	}
	if resp, _ := s.do(t, "POST", "/api/sessions", map[string]any{"type": "notebook"}); resp.StatusCode != 400 {
		t.Errorf("session without path: %d, want 400", resp.StatusCode)
	}
}
