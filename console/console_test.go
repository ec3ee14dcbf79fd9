package console

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func newHandler(t *testing.T) *Handler {
	t.Helper()
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// serve sends one request to h, which is mounted at the root here as StripPrefix mounts it
// under /__connreq in the mock.
func serve(h http.Handler, method, path string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", nil)
	req.URL.Path = path // "" too: what StripPrefix hands on for the bare prefix
	for k, v := range header {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestServe(t *testing.T) {
	t.Parallel()
	h := newHandler(t)
	etag := serve(h, http.MethodGet, "/", nil).Header().Get("ETag")
	jsTag := serve(h, http.MethodGet, "/console.js", nil).Header().Get("ETag")
	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		wantStatus int
		wantType   string
		wantBody   string // a substring; "" wants an empty body
	}{
		{name: "page", method: "GET", path: "/", wantStatus: 200, wantType: "text/html; charset=utf-8", wantBody: "<title>connreq console</title>"},
		{name: "page empty path", method: "GET", path: "", wantStatus: 200, wantType: "text/html; charset=utf-8", wantBody: "<title>connreq console</title>"},
		{name: "page head", method: "HEAD", path: "/", wantStatus: 200, wantType: "text/html; charset=utf-8"},
		{name: "script", method: "GET", path: "/console.js", wantStatus: 200, wantType: "text/javascript; charset=utf-8", wantBody: "'use strict';"},
		{name: "style", method: "GET", path: "/console.css", wantStatus: 200, wantType: "text/css; charset=utf-8", wantBody: "prefers-color-scheme: dark"},
		{name: "icon", method: "GET", path: "/favicon.svg", wantStatus: 200, wantType: "image/svg+xml", wantBody: "<svg"},
		{name: "index.html is only served as /", method: "GET", path: "/index.html", wantStatus: 404, wantType: "text/plain; charset=utf-8", wantBody: "no such console file"},
		{name: "unknown file", method: "GET", path: "/nothing.js", wantStatus: 404, wantType: "text/plain; charset=utf-8", wantBody: "no such console file"},
		{name: "no directory listing", method: "GET", path: "/assets/", wantStatus: 404, wantType: "text/plain; charset=utf-8", wantBody: "no such console file"},
		{name: "post", method: "POST", path: "/", wantStatus: 405, wantType: "text/plain; charset=utf-8", wantBody: "GET and HEAD"},
		{name: "delete script", method: "DELETE", path: "/console.js", wantStatus: 405, wantType: "text/plain; charset=utf-8", wantBody: "GET and HEAD"},
		{name: "revalidated", method: "GET", path: "/", header: map[string]string{"If-None-Match": etag}, wantStatus: 304},
		{name: "revalidated weak", method: "GET", path: "/", header: map[string]string{"If-None-Match": "W/" + etag}, wantStatus: 304},
		{name: "revalidated in a list", method: "GET", path: "/", header: map[string]string{"If-None-Match": `"old", ` + etag}, wantStatus: 304},
		{name: "revalidated star", method: "GET", path: "/console.css", header: map[string]string{"If-None-Match": "*"}, wantStatus: 304},
		{name: "stale tag", method: "GET", path: "/", header: map[string]string{"If-None-Match": `"old"`}, wantStatus: 200, wantType: "text/html; charset=utf-8", wantBody: "<!doctype html>"},
		{name: "another file's tag", method: "GET", path: "/", header: map[string]string{"If-None-Match": jsTag}, wantStatus: 200, wantType: "text/html; charset=utf-8", wantBody: "<!doctype html>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := serve(h, tc.method, tc.path, tc.header)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tc.wantStatus)
			}
			if got := rec.Header().Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type %q, want %q", got, tc.wantType)
			}
			body := rec.Body.String()
			switch {
			case tc.wantBody == "" && body != "":
				t.Errorf("body %.80q, want none", body)
			case !strings.Contains(body, tc.wantBody):
				t.Errorf("body %.200q lacks %q", body, tc.wantBody)
			}
			if rec.Code == 200 {
				if rec.Header().Get("ETag") == "" || rec.Header().Get("Cache-Control") != "no-cache" {
					t.Errorf("ETag %q, Cache-Control %q: want a tag and no-cache", rec.Header().Get("ETag"), rec.Header().Get("Cache-Control"))
				}
				if cl := rec.Header().Get("Content-Length"); cl == "" || (tc.method == "GET" && cl != strconv.Itoa(len(body))) {
					t.Errorf("Content-Length %q for a %d-byte body", cl, len(body))
				}
			}
			if rec.Code == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q, want GET, HEAD", rec.Header().Get("Allow"))
			}
		})
	}
}

// TestSecurityHeaders checks the headers every answer carries, errors and 304s included.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHandler(t)
	etag := serve(h, http.MethodGet, "/", nil).Header().Get("ETag")
	want := map[string]string{
		"Content-Security-Policy":      ContentSecurityPolicy,
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "DENY",
		"Referrer-Policy":              "no-referrer",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
	}
	for _, c := range []struct{ method, path, inm string }{
		{"GET", "/", ""}, {"GET", "/console.js", ""}, {"GET", "/console.css", ""}, {"GET", "/favicon.svg", ""},
		{"HEAD", "/", ""}, {"GET", "/", etag}, {"GET", "/missing", ""}, {"PUT", "/", ""},
	} {
		rec := serve(h, c.method, c.path, map[string]string{"If-None-Match": c.inm})
		for k, v := range want {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("%s %s (%d): %s = %q, want %q", c.method, c.path, rec.Code, k, got, v)
			}
		}
	}
}

// TestPolicy reads the CSP directive by directive: what the issue demands must be there.
func TestPolicy(t *testing.T) {
	t.Parallel()
	dirs := map[string]string{}
	for _, d := range strings.Split(ContentSecurityPolicy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		if _, dup := dirs[name]; dup {
			t.Errorf("directive %s twice", name)
		}
		dirs[name] = value
	}
	for name, want := range map[string]string{
		"default-src": "'none'", "script-src": "'self'", "style-src": "'self'", "connect-src": "'self'",
		"frame-ancestors": "'none'", "base-uri": "'none'", "form-action": "'none'",
		"require-trusted-types-for": "'script'", "trusted-types": "'none'",
	} {
		if got := dirs[name]; got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	for name, v := range dirs {
		if strings.Contains(v, "unsafe") || strings.Contains(v, "*") || strings.Contains(v, "http") || strings.Contains(v, "data:") {
			t.Errorf("%s %q loosens the policy", name, v)
		}
	}
}

// TestETagStable checks that tags depend on the bytes alone (two handlers agree) and that
// each file has its own.
func TestETagStable(t *testing.T) {
	t.Parallel()
	a, b := newHandler(t), newHandler(t)
	seen := map[string]string{}
	for _, p := range a.Paths() {
		ta := serve(a, "GET", p, nil).Header().Get("ETag")
		tb := serve(b, "GET", p, nil).Header().Get("ETag")
		if ta != tb || !regexp.MustCompile(`^"[A-Za-z0-9_-]{24}"$`).MatchString(ta) {
			t.Errorf("%s: tags %q and %q, want one strong tag", p, ta, tb)
		}
		if other, dup := seen[ta]; dup {
			t.Errorf("%s and %s share the tag %s", p, other, ta)
		}
		seen[ta] = p
	}
	if len(seen) != 4 {
		t.Errorf("%d files served (%v), want page, script, style and icon", len(seen), a.Paths())
	}
}

// TestSelfContained checks that the page loads only its own files: every src and href of
// the page is served by the handler, nothing names another host, and nothing is inline
// (the CSP would block it and the page would silently break).
func TestSelfContained(t *testing.T) {
	t.Parallel()
	h := newHandler(t)
	page := serve(h, "GET", "/", nil).Body.String()
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 3 {
		t.Fatalf("page references %d files, want the script, the style and the icon", len(refs))
	}
	for _, m := range refs {
		p, ok := strings.CutPrefix(m[1], "/__connreq")
		if !ok {
			t.Errorf("page references %q, outside the admin area", m[1])
			continue
		}
		if rec := serve(h, "GET", p, nil); rec.Code != 200 {
			t.Errorf("page references %q, answered %d", m[1], rec.Code)
		}
	}
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<script>`),                    // inline script (no src)
		regexp.MustCompile(`<script[^>]*>[^<]+</script>`), // script with a body
		regexp.MustCompile(`<style`),
		regexp.MustCompile(`\sstyle=`),
		regexp.MustCompile(`\son[a-z]+=`),
		regexp.MustCompile(`javascript:`),
	} {
		if loc := bad.FindStringIndex(page); loc != nil {
			t.Errorf("page has %q at %d: inline code the CSP blocks", page[loc[0]:loc[1]], loc[0])
		}
	}
	err := fs.WalkDir(assets, "assets", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, _ := assets.ReadFile(name)
		for _, m := range regexp.MustCompile(`(?i)\bhttps?://[^\s"'`+"`"+`)]*`).FindAllString(string(body), -1) {
			if m != "http://www.w3.org/2000/svg" {
				t.Errorf("%s names another host: %s (no CDN, no external font)", name, m)
			}
		}
		if strings.Contains(string(body), "@import") || strings.Contains(string(body), "@font-face") || (strings.HasSuffix(name, ".css") && strings.Contains(string(body), "url(")) {
			t.Errorf("%s imports a stylesheet or a font", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNoHTMLSinks checks that the script never turns a string into markup or code: with
// these gone, everything from a response can only become text. (The CSP's Trusted Types
// would make such a call throw in Chromium; this catches it in every browser.)
func TestNoHTMLSinks(t *testing.T) {
	t.Parallel()
	js, err := assets.ReadFile("assets/console.js")
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`(?m)^\s*//.*$`).ReplaceAllString(string(js), "") // comments may name them
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
		"new Function", "setAttribute('on", `setAttribute("on`, "srcdoc", "createContextualFragment", "DOMParser",
		"localStorage", "sessionStorage", "document.cookie", "history.pushState", "history.replaceState", "console.log"} {
		if strings.Contains(code, sink) {
			t.Errorf("console.js uses %s", sink)
		}
	}
}

// TestWeight keeps the page under the budget: everything a first visit downloads.
func TestWeight(t *testing.T) {
	t.Parallel()
	h := newHandler(t)
	const budget = 100 << 10
	if n := h.Size(); n >= budget {
		t.Errorf("console files weigh %d bytes, budget %d", n, budget)
	}
	paths := h.Paths()
	if paths[0] != "/" || !slices.Contains(paths, "/console.js") {
		t.Errorf("Paths() = %v, want the page first and the script", paths)
	}
	t.Logf("console files: %d bytes in %d files", h.Size(), len(paths))
}
