package static

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

func TestPagesServeTheApp(t *testing.T) {
	for _, p := range []string{"/", "/tree", "/tree/sub/dir", "/notebooks/a%20b.ipynb", "/notebooks/sub/x.ipynb"} {
		res := get(t, http.MethodGet, p)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", p, res.StatusCode)
		}
		if !strings.Contains(string(body), `<script type="module" src="/static/app.js">`) {
			t.Errorf("GET %s: not the app page: %.200s", p, body)
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: CSP %q", p, csp)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: content type %q", p, ct)
		}
	}
}

func TestAssets(t *testing.T) {
	for path, ctype := range map[string]string{
		"/static/app.js":      "javascript",
		"/static/app.css":     "text/css",
		"/static/favicon.svg": "image/svg+xml",
	} {
		res := get(t, http.MethodGet, path)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, ctype) {
			t.Errorf("GET %s: content type %q, want %s", path, ct, ctype)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", path)
		}
	}
	// The bundle is code-split: app.js imports its chunks by relative
	// path, and every chunk it names is in the embedded folder.
	res := get(t, http.MethodGet, "/static/app.js")
	body, _ := io.ReadAll(res.Body)
	parts := strings.Split(string(body), `"./chunk-`)[1:]
	if len(parts) == 0 {
		t.Fatal("app.js imports no chunk; ECharts should be split off")
	}
	for _, part := range parts {
		name := "chunk-" + part[:strings.Index(part, `"`)]
		if r := get(t, http.MethodGet, "/static/"+name); r.StatusCode != 200 {
			t.Errorf("app.js imports %s, which is not served (%d)", name, r.StatusCode)
		}
	}
}

func TestOtherPathsAndMethods(t *testing.T) {
	for _, p := range []string{"/api", "/nope", "/static/missing.js", "/notebooksx"} {
		if res := get(t, http.MethodGet, p); res.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	if res := get(t, http.MethodPost, "/"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d", res.StatusCode)
	}
	if res := get(t, http.MethodHead, "/notebooks/x.ipynb"); res.StatusCode != 200 {
		t.Errorf("HEAD: %d", res.StatusCode)
	}
}

// TestMathAssets: KaTeX's stylesheet and the woff2 fonts it names are in the
// bundle and served from /static/ with their types, which the page's CSP
// (style-src and font-src 'self') allows; nothing is fetched from elsewhere.
func TestMathAssets(t *testing.T) {
	res := get(t, http.MethodGet, "/static/katex.css")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("GET /static/katex.css: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	body, _ := io.ReadAll(res.Body)
	parts := strings.Split(string(body), `url("./fonts/`)[1:]
	if len(parts) < 15 {
		t.Fatalf("katex.css names %d fonts, want the KaTeX families", len(parts))
	}
	for _, part := range parts {
		name := part[:strings.Index(part, `"`)]
		if !strings.HasSuffix(name, ".woff2") {
			t.Errorf("katex.css names %s; only woff2 fonts are bundled", name)
		}
		r := get(t, http.MethodGet, "/static/fonts/"+name)
		if r.StatusCode != 200 {
			t.Errorf("GET /static/fonts/%s: %d", name, r.StatusCode)
		}
		if ct := r.Header.Get("Content-Type"); ct != "font/woff2" {
			t.Errorf("GET /static/fonts/%s: content type %q", name, ct)
		}
	}
	if strings.Contains(string(body), "http:") || strings.Contains(string(body), "https:") {
		t.Error("katex.css refers to another origin")
	}
	csp := get(t, http.MethodGet, "/").Header.Get("Content-Security-Policy")
	for _, want := range []string{"style-src 'self'", "font-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
}
