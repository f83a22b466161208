package playground

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// Without a kernel: every API endpoint refuses a missing or wrong token.
func TestTokenRequired(t *testing.T) {
	s := newTestServer(t, nil)
	paths := []string{"/api", "/api/status", "/api/kernelspecs", "/api/kernels", "/api/kernels/x", "/api/sessions",
		"/api/contents", "/api/contents/a.ipynb", "/api/kernels/x/channels", "/api/me"}
	for _, p := range paths {
		for _, auth := range []string{"", "token wrong", "token " + testToken + "x", "Basic " + testToken} {
			req, _ := http.NewRequest("GET", s.ts.URL+p, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 403 {
				t.Errorf("GET %s with %q: %d, want 403", p, auth, resp.StatusCode)
			}
		}
		resp, err := http.Get(s.ts.URL + p + "?token=wrong")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("GET %s?token=wrong: %d, want 403", p, resp.StatusCode)
		}
	}
	for _, q := range []string{"?token=" + testToken} {
		resp, err := http.Get(s.ts.URL + "/api/status" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("token in the query: %d", resp.StatusCode)
		}
	}
	if resp, _ := s.do(t, "GET", "/api/kernelspecs", nil); resp.StatusCode != 200 {
		t.Errorf("token in the header: %d", resp.StatusCode)
	}
	// The websocket handshake too, before anything else is looked at.
	_, resp, err := s.dial(t, "no-such-kernel", false, http.Header{})
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Errorf("websocket without token: %v, %v", err, resp)
	}
}

// Opening the printed URL logs the browser in with a cookie; unsafe
// cookie-authenticated calls need the XSRF proof.
func TestCookieLoginAndXSRF(t *testing.T) {
	s := newTestServer(t, nil)
	jar, _ := cookiejar.New(nil)
	noRedirect := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(s.ts.URL + "/notebooks/a.ipynb?token=" + testToken)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/notebooks/a.ipynb" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Value, testToken) {
			t.Errorf("cookie %s carries the token itself", c.Name)
		}
	}
	client := &http.Client{Jar: jar}
	get, err := client.Get(s.ts.URL + "/api/contents")
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	if get.StatusCode != 200 {
		t.Fatalf("cookie GET: %d", get.StatusCode)
	}
	u, _ := url.Parse(s.ts.URL)
	xsrf := ""
	for _, c := range jar.Cookies(u) {
		if c.Name == "_xsrf" {
			xsrf = c.Value
		}
	}
	if xsrf == "" {
		t.Fatal("no _xsrf cookie")
	}
	post := func(hdr map[string]string) int {
		req, _ := http.NewRequest("POST", s.ts.URL+"/api/contents", strings.NewReader(`{"type":"notebook"}`))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		r, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if c := post(nil); c != 403 {
		t.Errorf("cookie POST without XSRF proof: %d, want 403", c)
	}
	if c := post(map[string]string{"Origin": "http://evil.example"}); c != 403 {
		t.Errorf("cookie POST from a foreign origin: %d, want 403", c)
	}
	if c := post(map[string]string{"X-XSRFToken": "forged"}); c != 403 {
		t.Errorf("cookie POST with a forged X-XSRFToken: %d, want 403", c)
	}
	if c := post(map[string]string{"X-XSRFToken": xsrf}); c != 201 {
		t.Errorf("cookie POST with X-XSRFToken: %d, want 201", c)
	}
	if c := post(map[string]string{"Origin": s.ts.URL}); c != 201 {
		t.Errorf("cookie POST from our own origin: %d, want 201", c)
	}
	// A page without login gets the token form, not the UI.
	r, err := http.Get(s.ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 403 {
		t.Errorf("page without login: %d, want 403", r.StatusCode)
	}
}

// DNS rebinding: a server on loopback refuses requests naming another host.
func TestForeignHostRefused(t *testing.T) {
	s := newTestServer(t, nil)
	req, _ := http.NewRequest("GET", s.ts.URL+"/api/status", nil)
	req.Header.Set("Authorization", "token "+testToken)
	req.Host = "attacker.example:80"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("foreign Host: %d, want 403", resp.StatusCode)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.ts.URL, "http://"))
	req.Host = "localhost:" + port
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("localhost Host: %d, want 200", resp.StatusCode)
	}
}

// The login page says when the URL's token was wrong, instead of asking for
// a token as if none had been given.
func TestLoginPageSaysTokenWrong(t *testing.T) {
	s := newTestServer(t, nil)
	body := func(q string) string {
		resp, err := http.Get(s.ts.URL + "/" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Fatalf("GET /%s: %d, want 403", q, resp.StatusCode)
		}
		b := new(strings.Builder)
		if _, err := io.Copy(b, resp.Body); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if got := body("?token=wrong"); !strings.Contains(got, "That token is wrong") {
		t.Errorf("wrong token: page does not say so:\n%s", got)
	}
	if got := body(""); strings.Contains(got, "That token is wrong") || !strings.Contains(got, "Token required") {
		t.Errorf("no token: page should only ask for one:\n%s", got)
	}
}

// Logging in through ?token= redirects only to a path on this server.
func TestLoginRedirectStaysLocal(t *testing.T) {
	s := newTestServer(t, nil)
	for _, p := range []string{"//evil.com/", "//evil.com/x?a=1&", "/\\evil.com/", "///evil.com?"} {
		// Sent raw: Go's client would clean the path.
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.ts.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		sep := "?"
		if strings.Contains(p, "?") {
			sep = ""
		}
		fmt.Fprintf(conn, "GET %s%stoken=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", p, sep, testToken)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
			t.Errorf("GET %s token=T: %d Location %q, want a local path", p, resp.StatusCode, loc)
		}
	}
}
