package mock_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/console"
	"github.com/connreq/connreq/mock"
)

// TestNoAdmin checks that Config.NoAdmin leaves every /__connreq/ path unregistered: each
// answers the JSON 404 of an unknown path, whatever the method, while the API is untouched.
// The same requests against a default server prove each row can fail.
func TestNoAdmin(t *testing.T) {
	t.Parallel()
	on := newTestServer(t, mock.Config{})
	off := newTestServer(t, mock.Config{NoAdmin: true})
	tests := []struct {
		name   string
		method string
		path   string
		wantOn int // status with the admin area on
	}{
		{name: "health", method: http.MethodGet, path: "/__connreq/health", wantOn: 200},
		{name: "health head", method: http.MethodHead, path: "/__connreq/health", wantOn: 200},
		{name: "health post", method: http.MethodPost, path: "/__connreq/health", wantOn: 405},
		{name: "scenarios", method: http.MethodGet, path: "/__connreq/scenarios", wantOn: 200},
		{name: "journal", method: http.MethodGet, path: "/__connreq/requests", wantOn: 200},
		{name: "journal delete", method: http.MethodDelete, path: "/__connreq/requests", wantOn: 204},
		{name: "spec", method: http.MethodGet, path: "/__connreq/openapi.yaml", wantOn: 200},
		{name: "unknown admin path", method: http.MethodGet, path: "/__connreq/nothing", wantOn: 404},
		{name: "console", method: http.MethodGet, path: "/__connreq/", wantOn: 200},
		{name: "console script", method: http.MethodGet, path: "/__connreq/console.js", wantOn: 200},
		{name: "console without slash", method: http.MethodGet, path: "/__connreq", wantOn: 301},
		{name: "console post", method: http.MethodPost, path: "/__connreq/", wantOn: 405},
		{name: "unknown console file", method: http.MethodGet, path: "/__connreq/console.map", wantOn: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := do(t, on, tc.method, tc.path, nil); got.status != tc.wantOn {
				t.Errorf("admin on: status %d, want %d", got.status, tc.wantOn)
			}
			got := do(t, off, tc.method, tc.path, nil)
			if got.status != http.StatusNotFound {
				t.Fatalf("NoAdmin: status %d, want 404; body %s", got.status, got.body)
			}
			if ct := got.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("NoAdmin: Content-Type %q, want application/json", ct)
			}
			if tc.method != http.MethodHead {
				if d := detail(t, got.body); d != "Not found." {
					t.Errorf("NoAdmin: detail %q, want %q", d, "Not found.")
				}
			}
		})
	}

	t.Run("API still served", func(t *testing.T) {
		t.Parallel()
		got := do(t, off, http.MethodGet, seedPath+"?limit=2", auth())
		if got.status != 200 {
			t.Fatalf("status %d: %s", got.status, got.body)
		}
		if p := decodePage(t, got.body); len(p.Results) != 2 {
			t.Errorf("%d results, want 2", len(p.Results))
		}
	})
	t.Run("OPTIONS metadata names no unserved spec", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct {
			ts   *httptestServer
			want bool
		}{{on, true}, {off, false}} {
			got := do(t, c.ts, http.MethodOptions, seedPath, nil)
			var meta map[string]any
			if err := json.Unmarshal(got.body, &meta); err != nil {
				t.Fatalf("OPTIONS body: %v: %s", err, got.body)
			}
			if _, has := meta["spec_url"]; has != c.want {
				t.Errorf("spec_url present %v, want %v: %s", has, c.want, got.body)
			}
		}
	})
}

// TestHealthVersion checks that /__connreq/health names the connreq version, the same as
// connreq version and the reports.
func TestHealthVersion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	got := do(t, ts, http.MethodGet, "/__connreq/health", nil)
	var h struct {
		Status  string `json:"status"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(got.body, &h); err != nil {
		t.Fatalf("%v: %s", err, got.body)
	}
	if want := connreq.BuildInfo().String(); h.Status != "ok" || h.Version != want {
		t.Errorf("health %s: want status ok, version %q", got.body, want)
	}
}

// TestConsole checks the QA console as the mock serves it: the page and its files under
// /__connreq/ with the console's security headers, CORS left out of it, the bare prefix
// redirected, and none of it recorded in the journal.
func TestConsole(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	tests := []struct {
		name       string
		path       string
		header     map[string]string
		wantStatus int
		wantType   string
	}{
		{name: "page", path: "/__connreq/", wantStatus: 200, wantType: "text/html; charset=utf-8"},
		{name: "script", path: "/__connreq/console.js", wantStatus: 200, wantType: "text/javascript; charset=utf-8"},
		{name: "style", path: "/__connreq/console.css", wantStatus: 200, wantType: "text/css; charset=utf-8"},
		{name: "icon", path: "/__connreq/favicon.svg", wantStatus: 200, wantType: "image/svg+xml"},
		{name: "page from another origin", path: "/__connreq/", header: map[string]string{"Origin": "https://evil.example"}, wantStatus: 200, wantType: "text/html; charset=utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := do(t, ts, http.MethodGet, tc.path, tc.header)
			if got.status != tc.wantStatus || got.header.Get("Content-Type") != tc.wantType {
				t.Fatalf("status %d, Content-Type %q; want %d, %q", got.status, got.header.Get("Content-Type"), tc.wantStatus, tc.wantType)
			}
			if csp := got.header.Get("Content-Security-Policy"); csp != console.ContentSecurityPolicy {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if got.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got.header.Get("X-Content-Type-Options"))
			}
			etag := got.header.Get("ETag")
			if again := do(t, ts, http.MethodGet, tc.path, map[string]string{"If-None-Match": etag}); etag == "" || again.status != http.StatusNotModified {
				t.Errorf("revalidation with ETag %q: status %d, want 304", etag, again.status)
			}
		})
	}
	t.Run("wrong method", func(t *testing.T) {
		t.Parallel()
		got := do(t, ts, http.MethodPost, "/__connreq/console.js", nil)
		if got.status != http.StatusMethodNotAllowed || got.header.Get("Allow") != "GET, HEAD" || detail(t, got.body) != `Method "POST" not allowed.` {
			t.Errorf("status %d, Allow %q, body %s; want the admin area's JSON 405", got.status, got.header.Get("Allow"), got.body)
		}
	})
	t.Run("redirect keeps the query", func(t *testing.T) {
		t.Parallel()
		got := do(t, ts, http.MethodGet, "/__connreq?x=1", nil)
		if got.status != http.StatusMovedPermanently || got.header.Get("Location") != "/__connreq/?x=1" {
			t.Errorf("status %d, Location %q", got.status, got.header.Get("Location"))
		}
	})
	t.Run("not journaled", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, mock.Config{})
		for _, p := range []string{"/__connreq/", "/__connreq/console.js", "/__connreq"} {
			do(t, ts, http.MethodGet, p, nil)
		}
		if got := do(t, ts, http.MethodGet, "/__connreq/requests", nil); !bytes.Contains(got.body, []byte(`"count":0`)) {
			t.Errorf("console requests journaled: %s", got.body)
		}
	})
}
