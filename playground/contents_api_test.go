package playground

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestContentsTraversalOverHTTP(t *testing.T) {
	s := newTestServer(t, nil)
	os.WriteFile(filepath.Join(s.dir, "secret.txt"), []byte("secret"), 0o600)
	root := s.contents.Root()
	os.Symlink(s.dir, filepath.Join(root, "out"))
	os.Symlink(filepath.Join(s.dir, "secret.txt"), filepath.Join(root, "leak.txt"))
	for _, p := range []string{
		"/api/contents/%2e%2e/secret.txt", "/api/contents/..%2fsecret.txt", "/api/contents/%2E%2E%2Fsecret.txt",
		"/api/contents/%2fetc%2fpasswd", "/api/contents/%2F%2Fetc/passwd", "/api/contents/out/secret.txt",
		"/api/contents/leak.txt", "/api/contents/a/%2e%2e/%2e%2e/secret.txt", "/api/contents/.%2e/secret.txt",
		"/api/contents/../secret.txt", "/api/contents/%00",
	} {
		req, _ := http.NewRequest("GET", s.ts.URL+p, nil)
		req.Header.Set("Authorization", "token "+testToken)
		// No redirect following: a redirect is a refusal only if it leads nowhere.
		resp, err := (&http.Transport{}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, 4096)
		n, _ := resp.Body.Read(body)
		resp.Body.Close()
		if resp.StatusCode < 300 || strings.Contains(string(body[:n]), "secret\"") || strings.Contains(string(body[:n]), "root:") {
			t.Errorf("GET %s: %d %s", p, resp.StatusCode, body[:n])
		}
	}
	// Writes and renames that aim outside are refused as well.
	nb := map[string]any{"type": "notebook", "content": map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": []any{}}}
	if resp, _ := s.do(t, "PUT", "/api/contents/out/evil.ipynb", nb); resp.StatusCode < 400 {
		t.Errorf("PUT through a symlink out: %d", resp.StatusCode)
	}
	if resp, _ := s.do(t, "PUT", "/api/contents/ok.ipynb", nb); resp.StatusCode != 201 {
		t.Fatalf("PUT ok.ipynb: %d", resp.StatusCode)
	}
	if resp, _ := s.do(t, "PATCH", "/api/contents/ok.ipynb", map[string]string{"path": "../moved.ipynb"}); resp.StatusCode < 400 {
		t.Errorf("rename out: %d", resp.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "evil.ipynb")); err == nil {
		t.Error("a file was written outside the notebooks folder")
	}
}

// A client that sends half a save and disconnects leaves the old notebook.
func TestInterruptedUploadKeepsNotebook(t *testing.T) {
	s := newTestServer(t, nil)
	nb := func(src string) map[string]any {
		return map[string]any{"type": "notebook", "content": map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{},
			"cells": []any{map[string]any{"id": "x", "cell_type": "markdown", "metadata": map[string]any{}, "source": src}}}}
	}
	if resp, body := s.do(t, "PUT", "/api/contents/n.ipynb", nb("old")); resp.StatusCode != 201 {
		t.Fatalf("first save: %d %s", resp.StatusCode, body)
	}
	path := filepath.Join(s.contents.Root(), "n.ipynb")
	before, _ := os.ReadFile(path)

	body := fmt.Sprintf(`{"type":"notebook","content":{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[{"id":"x","cell_type":"markdown","metadata":{},"source":%q}]}}`, strings.Repeat("new ", 50000))
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PUT /api/contents/n.ipynb HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", testToken, len(body))
	conn.Write([]byte(body[:len(body)/2]))
	time.Sleep(100 * time.Millisecond)
	conn.Close()
	time.Sleep(200 * time.Millisecond)

	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Fatal("an interrupted upload changed the notebook")
	}
	// An invalid notebook is a 400 and changes nothing either.
	if resp, _ := s.do(t, "PUT", "/api/contents/n.ipynb", map[string]any{"type": "notebook", "content": map[string]any{"cells": 1}}); resp.StatusCode != 400 {
		t.Errorf("invalid notebook: %d, want 400", resp.StatusCode)
	}
	after, _ = os.ReadFile(path)
	if string(after) != string(before) {
		t.Fatal("an invalid save changed the notebook")
	}
}

func TestBodyLimit(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.MaxBody = 1024 })
	big := map[string]any{"type": "file", "format": "text", "content": strings.Repeat("x", 4096)}
	resp, _ := s.do(t, "PUT", "/api/contents/big.txt", big)
	if resp.StatusCode != 413 {
		t.Errorf("oversized body: %d, want 413", resp.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(s.contents.Root(), "big.txt")); err == nil {
		t.Error("oversized body was written")
	}
}

func TestContentsShapes(t *testing.T) {
	s := newTestServer(t, nil)
	resp, body := s.do(t, "POST", "/api/contents", map[string]string{"type": "notebook"})
	if resp.StatusCode != 201 || !strings.Contains(string(body), `"name":"Untitled.ipynb"`) || resp.Header.Get("Location") != "/api/contents/Untitled.ipynb" {
		t.Fatalf("new untitled: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = s.do(t, "GET", "/api/contents/Untitled.ipynb/checkpoints", nil)
	if resp.StatusCode != 200 || string(body) != "[]" {
		t.Errorf("checkpoints of a new notebook: %d %s", resp.StatusCode, body)
	}
	resp, body = s.do(t, "POST", "/api/contents/Untitled.ipynb/checkpoints", nil)
	if resp.StatusCode != 201 || !strings.Contains(string(body), `"id":"checkpoint"`) {
		t.Errorf("create checkpoint: %d %s", resp.StatusCode, body)
	}
	if resp, _ = s.do(t, "POST", "/api/contents/Untitled.ipynb/checkpoints/checkpoint", nil); resp.StatusCode != 204 {
		t.Errorf("restore checkpoint: %d", resp.StatusCode)
	}
	if resp, _ = s.do(t, "DELETE", "/api/contents/Untitled.ipynb/checkpoints/checkpoint", nil); resp.StatusCode != 204 {
		t.Errorf("delete checkpoint: %d", resp.StatusCode)
	}
	resp, body = s.do(t, "GET", "/api/contents?content=1", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"type":"directory"`) || !strings.Contains(string(body), `"Untitled.ipynb"`) {
		t.Errorf("list root: %d %s", resp.StatusCode, body)
	}
	if resp, _ = s.do(t, "GET", "/api/contents/Untitled.ipynb?type=directory", nil); resp.StatusCode != 400 {
		t.Errorf("wrong type: %d, want 400", resp.StatusCode)
	}
	if resp, _ = s.do(t, "DELETE", "/api/contents/Untitled.ipynb", nil); resp.StatusCode != 204 {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if resp, _ = s.do(t, "GET", "/api/contents/Untitled.ipynb", nil); resp.StatusCode != 404 {
		t.Errorf("deleted file: %d, want 404", resp.StatusCode)
	}
}

// Saves over 1 MiB run at most SaveConcurrency at once; another waits, then
// gets 503 and changes nothing.
func TestLargeSavesLimited(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.SaveConcurrency = 1; o.SaveWait = 300 * time.Millisecond })
	body := func(src string) string {
		return fmt.Sprintf(`{"type":"notebook","content":{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[{"id":"x","cell_type":"markdown","metadata":{},"source":%q}]}}`, src)
	}
	first := body(strings.Repeat("a", 2<<20))
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The first save holds its slot while its body is still arriving.
	fmt.Fprintf(conn, "PUT /api/contents/one.ipynb HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", testToken, len(first))
	conn.Write([]byte(first[:1000]))
	second := body(strings.Repeat("b", 2<<20))
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest("PUT", s.ts.URL+"/api/contents/two.ipynb", strings.NewReader(second))
		req.Header.Set("Authorization", "token "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			break
		}
		// The first request may not have reached its handler yet.
		os.Remove(filepath.Join(s.contents.Root(), "two.ipynb"))
		if time.Now().After(deadline) {
			t.Fatalf("a second large save during the first: %d, want 503", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(s.contents.Root(), "two.ipynb")); err == nil {
		t.Error("the refused save was written")
	}
	conn.Write([]byte(first[1000:]))
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	status := make([]byte, 12)
	if _, err := io.ReadFull(conn, status); err != nil || string(status) != "HTTP/1.1 201" {
		t.Fatalf("the first save: %q %v", status, err)
	}
	if resp, _ := s.do(t, "PUT", "/api/contents/two.ipynb", json.RawMessage(second)); resp.StatusCode != 201 {
		t.Errorf("the second save once the first is done: %d", resp.StatusCode)
	}
}
