// Package static is the browser notebook of the playground, embedded into the
// binary: the notebook list, the notebook page (editor, outputs by MIME type,
// ECharts charts, the frames and state-diff viewers) and their assets.
//
// The JavaScript sources live in static/src and are bundled by esbuild
// (static/build.mjs, run by `make build` through mk/ui.mk) into static/dist,
// which is committed so that a fresh clone builds with `go build ./...` alone.
// The page talks to the server only through the Jupyter Server REST API and
// the kernel websocket, so the playground server just mounts Handler.
package static

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed dist
var dist embed.FS

// Assets is the bundled front end: index.html, app.js, app.css and the chunks
// esbuild splits off (ECharts is loaded only when a chart is shown, KaTeX
// with katex.css and fonts/*.woff2 only when a Markdown text holds math).
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "dist" is a constant.
		panic("static: " + err.Error())
	}
	return sub
}

// contentSecurityPolicy keeps notebook outputs from running scripts: cell
// HTML is inserted as markup, and inline event handlers or foreign scripts in
// it are blocked. Styles must stay inline-capable because CodeMirror and
// ECharts set element styles (KaTeX too); images may be data: URIs (PNG
// outputs). KaTeX's stylesheet and fonts come from /static/ ('self') and it
// needs no eval.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; " +
	"base-uri 'self'; frame-ancestors 'self'"

// Handler serves the front end:
//
//	/                      the notebook list (the page reads /api/contents)
//	/tree, /tree/<dir>     the list of a folder
//	/notebooks/<path>      a notebook
//	/static/<asset>        the bundled scripts and styles
//
// Every page route returns the same index.html; the script picks the view
// from the URL. Other paths get 404. The server is expected to check the
// token before it calls Handler, as the pages hold no secrets themselves.
func Handler() http.Handler {
	assets := Assets()
	files := http.StripPrefix("/static/", http.FileServer(http.FS(assets)))
	index, err := fs.ReadFile(assets, "index.html")
	if err != nil {
		panic("static: index.html missing from the bundle: " + err.Error())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		switch {
		case strings.HasPrefix(r.URL.Path, "/static/"):
			// The bundle is rebuilt with the binary; revalidate rather than
			// cache forever, since asset names carry no hash.
			h.Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, r)
		case p == "/" || p == "/tree" || strings.HasPrefix(p, "/tree/") || strings.HasPrefix(p, "/notebooks/"):
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Cache-Control", "no-cache")
			h.Set("Content-Security-Policy", contentSecurityPolicy)
			h.Set("Referrer-Policy", "same-origin")
			if r.Method == http.MethodHead {
				return
			}
			_, _ = w.Write(index)
		default:
			http.NotFound(w, r)
		}
	})
}
