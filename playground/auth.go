package playground

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// auth checks the token on requests.
//
// A request is authenticated by any of: the header `Authorization: token T`,
// the query parameter `?token=T`, or the login cookie that opening a page
// with ?token=T sets. The cookie holds HMAC(token, ...), never the token,
// and is HttpOnly and SameSite=Strict.
//
// XSRF: a cookie-authenticated unsafe request (POST, PUT, PATCH, DELETE) must
// also prove it comes from our own pages, by one of: an X-XSRFToken header
// equal to the _xsrf cookie (what @jupyterlab/services sends in a browser),
// an Origin header naming this host (every browser sends it on a fetch POST),
// or Sec-Fetch-Site: same-origin. A cross-site form or fetch can do none of
// these, so it gets 403. Requests with the token itself need no XSRF check.
type auth struct {
	token        string
	cookieName   string
	cookieValue  string
	xsrf         string
	allowOrigins []string // "*" allows any
	loopbackOnly bool     // bound to loopback: refuse foreign Host headers (DNS rebinding)
}

const xsrfCookie = "_xsrf"

func newAuth(token string, allowOrigins []string, loopbackOnly bool) *auth {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("rlvrworld login cookie"))
	sum := mac.Sum(nil)
	var x [16]byte
	if _, err := rand.Read(x[:]); err != nil {
		panic("playground: crypto/rand failed: " + err.Error())
	}
	// The cookie name depends on the token, so that two servers on one host
	// (cookies ignore ports) do not overwrite each other's login.
	return &auth{token: token, cookieName: "rlvrworld-auth-" + hex.EncodeToString(sum[:4]), cookieValue: hex.EncodeToString(sum[4:]),
		xsrf: hex.EncodeToString(x[:]), allowOrigins: allowOrigins, loopbackOnly: loopbackOnly}
}

func equalSecret(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// tokenOf returns the token a request carries in its header or query.
func tokenOf(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, t, ok := strings.Cut(h, " ")
		if ok && (strings.EqualFold(scheme, "token") || strings.EqualFold(scheme, "bearer")) {
			return strings.TrimSpace(t)
		}
	}
	return r.URL.Query().Get("token")
}

// check reports whether the request is authenticated, and whether only by
// the cookie.
func (a *auth) check(r *http.Request) (ok, byCookie bool) {
	if t := tokenOf(r); t != "" {
		return equalSecret(t, a.token), false
	}
	if c, err := r.Cookie(a.cookieName); err == nil && equalSecret(c.Value, a.cookieValue) {
		return true, true
	}
	return false, false
}

// setLogin sets the login and XSRF cookies.
func (a *auth) setLogin(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: a.cookieName, Value: a.cookieValue, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	a.setXSRF(w)
}

func (a *auth) setXSRF(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: xsrfCookie, Value: a.xsrf, Path: "/", SameSite: http.SameSiteStrictMode})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// xsrfOK applies the XSRF rule above to a cookie-authenticated request.
func (a *auth) xsrfOK(r *http.Request) bool {
	if safeMethod(r.Method) {
		return true
	}
	if x := r.Header.Get("X-XSRFToken"); x != "" {
		if c, err := r.Cookie(xsrfCookie); err == nil && equalSecret(x, c.Value) && equalSecret(x, a.xsrf) {
			return true
		}
	}
	if o := r.Header.Get("Origin"); o != "" {
		return a.originOK(r, o)
	}
	return r.Header.Get("Sec-Fetch-Site") == "same-origin"
}

// originOK reports whether origin is this server or an allowed origin.
func (a *auth) originOK(r *http.Request, origin string) bool {
	for _, allowed := range a.allowOrigins {
		if allowed == "*" || strings.EqualFold(strings.TrimRight(allowed, "/"), origin) {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// hostOK refuses Host headers naming another machine while the server
// listens on loopback only: that is how DNS rebinding reaches a local server.
func (a *auth) hostOK(r *http.Request) bool {
	if !a.loopbackOnly {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
