package playground

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rlvrworld/rlvrworld/playground/contents"
	"github.com/rlvrworld/rlvrworld/playground/kernels"
)

// Version is what GET /api reports; @jupyterlab/services only needs a
// Jupyter Server 2 shaped answer.
const Version = "2.14.0"

// Options configures a Server.
type Options struct {
	Notebooks string // the folder notebooks live in (required)
	Token     string // required: every /api call and websocket must carry it
	// AllowOrigins lists extra origins allowed on websockets and API calls
	// (CORS); "*" allows any.
	AllowOrigins []string
	// LoopbackOnly makes the server refuse Host headers that do not name
	// the loopback interface (set it when listening on loopback).
	LoopbackOnly bool
	// Kernels configures the kernel manager (specs, timeouts).
	Kernels kernels.Options
	// UI serves the browser pages: "/", "/notebooks/<path>" and "/static/".
	// Nothing (404) when nil.
	UI http.Handler
	// MaxBody limits request bodies (64 MiB when zero); MaxMessage limits
	// one websocket message (64 MiB when zero).
	MaxBody    int64
	MaxMessage int64
	// WriteTimeout bounds one websocket write (30 s when zero): a client
	// that stops reading for longer is dropped.
	WriteTimeout time.Duration
	// ReadHeaderTimeout bounds reading a request's headers (10 s when
	// zero), ReadTimeout a whole request, body included (5 min when zero:
	// a 64 MiB body at 256 KB/s), IdleTimeout an idle keep-alive
	// connection (2 min when zero). Websockets are not bound by them.
	ReadHeaderTimeout, ReadTimeout, IdleTimeout time.Duration
	// SaveConcurrency is how many saves over 1 MiB may run at once (2 when
	// zero); another waits up to SaveWait (30 s when zero), then gets 503.
	SaveConcurrency int
	SaveWait        time.Duration
	// MaxConns caps the open HTTP connections that have not carried an
	// authenticated request (512 when zero); see HTTPServer.
	MaxConns int
	Log      *log.Logger
}

// Server is the playground: the Jupyter Server REST subset, the kernel
// websockets and the UI.
type Server struct {
	opts     Options
	auth     *auth
	kernels  *kernels.Manager
	contents *contents.Manager
	sessions *sessions
	mux      *http.ServeMux
	started  time.Time

	saves chan struct{} // one token per running large save

	mu          sync.Mutex
	lastAct     time.Time
	wsConns     map[io.Closer]struct{}
	shuttingOff bool
}

// New builds a Server. Close it to shut its kernels down.
func New(opts Options) (*Server, error) {
	if opts.Token == "" {
		return nil, errors.New("playground: a token is required")
	}
	if opts.MaxBody == 0 {
		opts.MaxBody = 64 << 20
	}
	if opts.MaxMessage == 0 {
		opts.MaxMessage = 64 << 20
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = 30 * time.Second
	}
	if opts.ReadHeaderTimeout == 0 {
		opts.ReadHeaderTimeout = 10 * time.Second
	}
	if opts.ReadTimeout == 0 {
		opts.ReadTimeout = 5 * time.Minute
	}
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = 2 * time.Minute
	}
	if opts.MaxConns == 0 {
		opts.MaxConns = 512
	}
	if opts.SaveConcurrency == 0 {
		opts.SaveConcurrency = 2
	}
	if opts.SaveWait == 0 {
		opts.SaveWait = 30 * time.Second
	}
	if opts.Log == nil {
		opts.Log = log.Default()
	}
	if opts.Kernels.Log == nil {
		opts.Kernels.Log = opts.Log
	}
	cm, err := contents.New(opts.Notebooks)
	if err != nil {
		return nil, err
	}
	km, err := kernels.NewManager(opts.Kernels)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, auth: newAuth(opts.Token, opts.AllowOrigins, opts.LoopbackOnly), kernels: km, contents: cm,
		started: time.Now(), lastAct: time.Now(), wsConns: map[io.Closer]struct{}{},
		saves: make(chan struct{}, opts.SaveConcurrency)}
	s.sessions = newSessions(km)
	s.routes()
	return s, nil
}

// Kernels exposes the kernel manager (for tests and benchmarks).
func (s *Server) Kernels() *kernels.Manager { return s.kernels }

// Close shuts every kernel down, closes open websockets and waits for the
// kernel processes to be gone.
func (s *Server) Close() {
	s.mu.Lock()
	s.shuttingOff = true
	conns := make([]io.Closer, 0, len(s.wsConns))
	for c := range s.wsConns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	s.kernels.Close()
	for _, c := range conns {
		c.Close()
	}
}

// URL returns the address to print for a listener address, with the token.
func (s *Server) URL(addr net.Addr) string {
	host := addr.String()
	if ta, ok := addr.(*net.TCPAddr); ok && (ta.IP.IsUnspecified() || ta.IP.IsLoopback()) {
		host = net.JoinHostPort("127.0.0.1", fmt.Sprint(ta.Port))
	}
	return "http://" + host + "/?token=" + url.QueryEscape(s.opts.Token)
}

// ServeHTTP applies the host check, authentication and CORS, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.auth.hostOK(r) {
		writeError(w, http.StatusForbidden, "Host header %q refused: this server listens on loopback only", r.Host)
		return
	}
	path := r.URL.Path
	if path == "/api" || strings.HasPrefix(path, "/api/") {
		if o := r.Header.Get("Origin"); o != "" && len(s.opts.AllowOrigins) > 0 && s.auth.originOK(r, o) {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Vary", "Origin")
			if r.Method == http.MethodOptions {
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
				w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-XSRFToken")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		ok, byCookie := s.auth.check(r)
		if !ok {
			writeError(w, http.StatusForbidden, "missing or wrong token")
			return
		}
		if byCookie && !s.auth.xsrfOK(r) {
			writeError(w, http.StatusForbidden, "XSRF check failed: cookie-authenticated %s without X-XSRFToken or a same-origin Origin", r.Method)
			return
		}
		markTrusted(r)
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
		}
		s.touch()
		s.mux.ServeHTTP(w, r)
		return
	}
	s.serveUI(w, r)
}

func (s *Server) touch() {
	s.mu.Lock()
	s.lastAct = time.Now()
	s.mu.Unlock()
}

// serveUI serves the browser pages. Assets under /static/ are public; pages
// need the login cookie, which opening a page with ?token=T sets (the
// token is then dropped from the address bar by a redirect).
func (s *Server) serveUI(w http.ResponseWriter, r *http.Request) {
	ui := s.opts.UI
	if ui == nil {
		ui = http.NotFoundHandler()
	}
	if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/favicon.ico" {
		ui.ServeHTTP(w, r)
		return
	}
	if t := r.URL.Query().Get("token"); t != "" && equalSecret(t, s.auth.token) && safeMethod(r.Method) {
		s.auth.setLogin(w)
		q := r.URL.Query()
		q.Del("token")
		u := *r.URL
		u.RawQuery = q.Encode()
		http.Redirect(w, r, localTarget(u.RequestURI()), http.StatusFound)
		return
	}
	if ok, _ := s.auth.check(r); !ok {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		// A token that was given but is wrong gets its own message: the
		// generic page would read as if none had been sent.
		msg := ""
		if r.URL.Query().Get("token") != "" {
			msg = wrongTokenNote
		}
		io.WriteString(w, strings.Replace(loginPage, "<!--note-->", msg, 1))
		return
	}
	markTrusted(r)
	if _, err := r.Cookie(xsrfCookie); err != nil {
		s.auth.setXSRF(w)
	}
	ui.ServeHTTP(w, r)
}

// localTarget makes a redirect target stay on this server: "//evil.com/"
// or "/\\evil.com" would be read by a browser as another host, so leading
// slashes and backslashes collapse to one "/".
func localTarget(uri string) string {
	return "/" + strings.TrimLeft(uri, "/\\")
}

const loginPage = `<!doctype html><html><head><meta charset="utf-8"><title>RLVR-World: token required</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>Token required</h1>
<!--note-->
<p>Open the URL that <code>rlvrworld serve</code> printed (it ends in <code>?token=...</code>), or paste the token:</p>
<form method="get" action=""><input name="token" type="password" size="50" autofocus> <button>Log in</button></form>
</body></html>
`

// wrongTokenNote is shown on the login page when the URL's token is not
// this server's.
const wrongTokenNote = `<p id="wrong-token" style="color:#b3261e;font-weight:600">That token is wrong: it is not this server's token. ` +
	`Each start of <code>rlvrworld serve</code> prints a new one unless <code>--token</code> is given; copy the URL it printed last.</p>`

// errorBody is Jupyter Server's error shape.
type errorBody struct {
	Message string  `json:"message"`
	Reason  *string `json:"reason"`
}

func writeError(w http.ResponseWriter, code int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(errorBody{Message: fmt.Sprintf(format, args...)})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encode response: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(b)
}

// readJSON decodes a request body into v; an empty body leaves v as is.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body over %d bytes", mbe.Limit)
			return false
		}
		writeError(w, http.StatusBadRequest, "read body: %v", err)
		return false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return true
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body: %v", err)
		return false
	}
	return true
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func (s *Server) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"version": Version})
	})
	mux.HandleFunc("GET /api/{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"version": Version})
	})
	mux.HandleFunc("GET /api/status", s.handleStatus)
	mux.HandleFunc("GET /api/me", s.handleMe)
	mux.HandleFunc("GET /api/kernelspecs", s.handleKernelspecs)
	mux.HandleFunc("GET /api/kernelspecs/{name}", s.handleKernelspec)
	mux.HandleFunc("GET /api/kernels", s.handleListKernels)
	mux.HandleFunc("POST /api/kernels", s.handleStartKernel)
	mux.HandleFunc("GET /api/kernels/{id}", s.handleGetKernel)
	mux.HandleFunc("DELETE /api/kernels/{id}", s.handleDeleteKernel)
	mux.HandleFunc("POST /api/kernels/{id}/interrupt", s.handleInterrupt)
	mux.HandleFunc("POST /api/kernels/{id}/restart", s.handleRestart)
	mux.HandleFunc("GET /api/kernels/{id}/channels", s.handleChannels)
	mux.HandleFunc("GET /api/sessions", s.handleListSessions)
	mux.HandleFunc("POST /api/sessions", s.handleCreateSession)
	mux.HandleFunc("GET /api/sessions/{id}", s.handleGetSession)
	mux.HandleFunc("PATCH /api/sessions/{id}", s.handlePatchSession)
	mux.HandleFunc("DELETE /api/sessions/{id}", s.handleDeleteSession)
	mux.HandleFunc("/api/contents", s.handleContents)
	mux.HandleFunc("/api/contents/{path...}", s.handleContents)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no API endpoint %s %s", r.Method, r.URL.Path)
	})
	s.mux = mux
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	conns := 0
	ks := s.kernels.List()
	for _, k := range ks {
		conns += k.Model().Connections
	}
	s.mu.Lock()
	last := s.lastAct
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"started": isoTime(s.started), "last_activity": isoTime(last), "connections": conns, "kernels": len(ks)})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{
		"identity":    map[string]any{"username": "rlvrworld", "name": "rlvrworld", "display_name": "rlvrworld", "initials": "RW", "avatar_url": nil, "color": nil},
		"permissions": map[string]any{},
	})
}

func (s *Server) specModel(sp kernels.Spec) map[string]any {
	return map[string]any{"name": sp.Name, "spec": sp.JSON(), "resources": map[string]string{}}
}

func (s *Server) handleKernelspecs(w http.ResponseWriter, r *http.Request) {
	specs := map[string]any{}
	for _, sp := range s.kernels.Specs() {
		specs[sp.Name] = s.specModel(sp)
	}
	writeJSON(w, 200, map[string]any{"default": s.kernels.DefaultSpec(), "kernelspecs": specs})
}

func (s *Server) handleKernelspec(w http.ResponseWriter, r *http.Request) {
	sp, ok := s.kernels.Spec(r.PathValue("name"))
	if !ok {
		writeError(w, http.StatusNotFound, "Kernel spec %s not found", r.PathValue("name"))
		return
	}
	writeJSON(w, 200, s.specModel(sp))
}

func (s *Server) handleListKernels(w http.ResponseWriter, r *http.Request) {
	out := []kernels.Model{}
	for _, k := range s.kernels.List() {
		out = append(out, k.Model())
	}
	writeJSON(w, 200, out)
}

func (s *Server) startKernel(w http.ResponseWriter, r *http.Request, name string) (*kernels.Kernel, bool) {
	k, err := s.kernels.Start(r.Context(), name)
	if errors.Is(err, kernels.ErrNoSuchSpec) {
		writeError(w, http.StatusNotFound, "%v", err)
		return nil, false
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "start kernel: %v", err)
		return nil, false
	}
	return k, true
}

func (s *Server) handleStartKernel(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	k, ok := s.startKernel(w, r, body.Name)
	if !ok {
		return
	}
	w.Header().Set("Location", "/api/kernels/"+url.PathEscape(k.ID))
	writeJSON(w, http.StatusCreated, k.Model())
}

func (s *Server) kernel(w http.ResponseWriter, r *http.Request) (*kernels.Kernel, bool) {
	k, ok := s.kernels.Get(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "Kernel does not exist: %s", r.PathValue("id"))
	}
	return k, ok
}

func (s *Server) handleGetKernel(w http.ResponseWriter, r *http.Request) {
	if k, ok := s.kernel(w, r); ok {
		writeJSON(w, 200, k.Model())
	}
}

func (s *Server) handleDeleteKernel(w http.ResponseWriter, r *http.Request) {
	k, ok := s.kernel(w, r)
	if !ok {
		return
	}
	s.kernels.Shutdown(k.ID)
	s.sessions.dropKernel(k.ID)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleInterrupt(w http.ResponseWriter, r *http.Request) {
	k, ok := s.kernel(w, r)
	if !ok {
		return
	}
	if err := k.Interrupt(); err != nil {
		writeError(w, http.StatusInternalServerError, "interrupt: %v", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleRestart(w http.ResponseWriter, r *http.Request) {
	k, ok := s.kernel(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	if err := k.Restart(ctx); err != nil {
		writeError(w, http.StatusInternalServerError, "restart: %v", err)
		return
	}
	writeJSON(w, 200, k.Model())
}
