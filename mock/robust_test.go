package mock_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connreq/connreq/mock"
)

// TestSizeLimits checks the JSON answers of oversized requests: 414 for a request target
// past 64 KiB, 431 for header fields past it, and the paths that unclean URLs take (404, as
// Django resolves the path as sent, never a redirect to a cleaned one).
func TestSizeLimits(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	long := strings.Repeat("x", 64<<10)
	tests := []struct {
		name       string
		path       string
		header     map[string]string
		wantStatus int
		wantDetail string
	}{
		{name: "target just under the limit", path: seedPath + "?q=" + long[:60<<10], header: auth(), wantStatus: 200},
		{name: "target past the limit", path: seedPath + "?q=" + long, header: auth(), wantStatus: 414, wantDetail: "Request-URI too long."},
		{name: "path past the limit", path: "/" + long, wantStatus: 414, wantDetail: "Request-URI too long."},
		{name: "short target, big header", path: seedPath, header: map[string]string{"Authorization": bearer, "X-Big": long},
			wantStatus: 431, wantDetail: "Request header fields too large."},
		{name: "target and header together past the limit", path: seedPath + "?q=" + long[:40<<10],
			header: map[string]string{"Authorization": bearer, "X-Big": long[:30<<10]}, wantStatus: 431, wantDetail: "Request header fields too large."},
		{name: "double slashes", path: "//api/v2//user/1/connection/requests/", header: auth(), wantStatus: 404, wantDetail: "Not found."},
		{name: "dot segment", path: "/api/v2/user/2/../1/connection/requests/", header: auth(), wantStatus: 404, wantDetail: "Not found."},
		{name: "encoded dot segment", path: "/api/v2/user/2/%2e%2e/1/connection/requests/", header: auth(), wantStatus: 404, wantDetail: "Not found."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := do(t, ts, http.MethodGet, tc.path, tc.header)
			if got.status != tc.wantStatus {
				t.Fatalf("status %d, want %d; Location %q; body %.200s", got.status, tc.wantStatus, got.header.Get("Location"), got.body)
			}
			if ct := got.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if tc.wantDetail != "" {
				if d := detail(t, got.body); d != tc.wantDetail {
					t.Errorf("detail %q, want %q", d, tc.wantDetail)
				}
			} else if !json.Valid(got.body) {
				t.Errorf("body is not JSON")
			}
		})
	}
}

// TestJournalBoundsRequestTargets checks that the journal keeps at most 1 KiB of a path or
// query: a target may be megabytes long, and the journal holds a thousand of them.
func TestJournalBoundsRequestTargets(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	long := strings.Repeat("é", 30<<10) // 60 KiB of two-byte runes: cut on a rune boundary
	do(t, ts, http.MethodGet, "/nowhere/"+long+"?q="+long, auth())
	got := do(t, ts, http.MethodGet, "/__connreq/requests", nil)
	var j struct {
		Requests []struct {
			Path  string `json:"path"`
			Query string `json:"query"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(got.body, &j); err != nil || len(j.Requests) != 1 {
		t.Fatalf("journal: %v: %.300s", err, got.body)
	}
	r := j.Requests[0]
	for name, v := range map[string]string{"path": r.Path, "query": r.Query} {
		if len(v) > 1<<10+len("…") || len(v) < 1<<9 {
			t.Errorf("%s: %d bytes kept, want about 1 KiB", name, len(v))
		}
		if !strings.HasSuffix(v, "…") || strings.ContainsRune(v, '\uFFFD') {
			t.Errorf("%s: not cut on a rune boundary with an ellipsis: …%q", name, v[len(v)-12:])
		}
	}
}

// TestRepeatedAuthorization checks that two Authorization fields are read as WSGI servers
// pass them to DRF (joined with ","), so they are one malformed value, not the first token.
func TestRepeatedAuthorization(t *testing.T) {
	t.Parallel()
	srv, err := mock.New(mustDoc(t), mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		values []string
		want   int
	}{
		{name: "one", values: []string{"Bearer a"}, want: 200},
		{name: "two", values: []string{"Bearer a", "Bearer b"}, want: 401},
		{name: "empty then one", values: []string{"", "Bearer b"}, want: 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, seedPath+"?limit=1", nil)
			req.Header["Authorization"] = tc.values
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
		})
	}
}

// endlessBody counts what is read of a request body that claims to be endless (it ends
// after 1 MiB, so that a regression fails instead of hanging).
type endlessBody struct{ read atomic.Int64 }

func (b *endlessBody) Read(p []byte) (int, error) {
	if b.read.Load() >= 1<<20 {
		return 0, io.EOF
	}
	b.read.Add(int64(len(p)))
	return len(p), nil
}

func (b *endlessBody) Close() error { return nil }

// TestRequestBodyIsNeverRead checks that no operation reads a request body: kin-openapi's
// security check would read it all into memory, so a GET declaring gigabytes, or a body
// that never comes, must cost nothing and be answered at once.
func TestRequestBodyIsNeverRead(t *testing.T) {
	t.Parallel()
	srv, err := mock.New(mustDoc(t), mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{seedPath + "?limit=1", "/api/v2/user/connection/requests/", "/api/v2/dynamic_preference/"} {
		body := &endlessBody{}
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Body, req.ContentLength = body, 1<<40
		req.Header.Set("Authorization", bearer)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || body.read.Load() != 0 {
			t.Errorf("%s: status %d, %d body bytes read; want 200 and none", path, rec.Code, body.read.Load())
		}
	}
}

// TestDelaysOutliveWriteTimeout checks that a delay or drip the client asked for gets a
// fresh write deadline: the server's WriteTimeout (60 s) runs from the end of the request,
// and Prefer allows delays up to 5 minutes. Here WriteTimeout is 100 ms, and each answer
// waits longer than that.
func TestDelaysOutliveWriteTimeout(t *testing.T) {
	t.Parallel()
	srv, err := mock.New(mustDoc(t), mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Config.WriteTimeout = 100 * time.Millisecond
	ts.Start()
	t.Cleanup(ts.Close)
	for _, tc := range []struct{ name, path, prefer string }{
		{"delay", seedPath + "?limit=2", "delay=250ms"},
		{"drip", seedPath + "?limit=5", "fault=drip; bytes=1024; interval=40ms"},
		{"delay on preferences", "/api/v2/dynamic_preference/", "delay=250ms"},
		{"slow scenario", "/api/v2/user/900000018/connection/requests/?limit=1", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			header := map[string]string{"Authorization": bearer}
			if tc.prefer != "" {
				header["Prefer"] = tc.prefer
			}
			status, body, err := get(t.Context(), ts.URL+tc.path, header)
			if err != nil || status != http.StatusOK || !json.Valid(body) {
				t.Errorf("status %d, err %v, valid JSON %v: want a whole 200 answer", status, err, json.Valid(body))
			}
		})
	}
}
