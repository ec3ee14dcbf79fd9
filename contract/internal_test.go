package contract

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func testClient(t *testing.T, target string, edit func(*Config)) *client {
	t.Helper()
	cfg := Config{Target: target, Token: "tok-secret", User: "1"}
	if edit != nil {
		edit(&cfg)
	}
	s, err := cfg.normalize()
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(s)
	t.Cleanup(c.close)
	return c
}

func TestClientRedirects(t *testing.T) {
	t.Parallel()
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { otherHits.Add(1) }))
	t.Cleanup(other.Close)
	var gotAuth atomic.Value
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/noslash":
			http.Redirect(w, r, "/noslash/?"+r.URL.RawQuery, http.StatusMovedPermanently)
		case "/noslash/":
			gotAuth.Store(r.Header.Get("Authorization"))
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{}`))
		case "/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		}
	}))
	t.Cleanup(ts.Close)
	c := testClient(t, ts.URL, nil)

	ex := c.do(t.Context(), request{method: http.MethodGet, url: ts.URL + "/noslash?limit=1"})
	if ex.failed != "" || ex.status != 200 || ex.finalURL.String() != ts.URL+"/noslash/?limit=1" {
		t.Fatalf("same-host redirect: failed=%q status=%d final=%v err=%v", ex.failed, ex.status, ex.finalURL, ex.err)
	}
	if got := gotAuth.Load(); got != "Bearer tok-secret" {
		t.Errorf("Authorization after a same-host redirect = %q", got)
	}

	ex = c.do(t.Context(), request{method: http.MethodGet, url: ts.URL + "/away"})
	if ex.failed != CheckRedirect || !errors.Is(ex.err, errRedirectOffHost) {
		t.Errorf("off-host redirect: failed=%q err=%v", ex.failed, ex.err)
	}
	if n := otherHits.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}

	ex = c.do(t.Context(), request{method: http.MethodPost, url: ts.URL + "/noslash/"})
	if ex.failed != CheckTransport || !strings.Contains(ex.err.Error(), "only GET, HEAD and OPTIONS") {
		t.Errorf("POST: failed=%q err=%v", ex.failed, ex.err)
	}
}

func TestClientAuthHeaders(t *testing.T) {
	t.Parallel()
	var got atomic.Value
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Values("Authorization"))
	}))
	t.Cleanup(ts.Close)
	c := testClient(t, ts.URL, nil)
	tests := []struct {
		name string
		auth authMode
		want []string
	}{
		{name: "bearer", auth: authBearer, want: []string{"Bearer tok-secret"}},
		{name: "none", auth: authNone, want: nil},
		{name: "wrong scheme", auth: authWrongScheme, want: []string{"Token tok-secret"}},
		{name: "bad token", auth: authBadToken, want: []string{"Bearer " + badToken}},
	}
	for _, tt := range tests {
		c.do(t.Context(), request{method: http.MethodGet, url: ts.URL, auth: tt.auth})
		v, _ := got.Load().([]string)
		if strings.Join(v, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: Authorization %q, want %q", tt.name, v, tt.want)
		}
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	l := &limiter{interval: 20 * time.Millisecond}
	start := time.Now()
	for range 6 {
		if err := l.wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("6 waits at 50/s took %s, want ≥ 100ms", d)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	l.next = time.Now().Add(time.Hour)
	if err := l.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("wait on a cancelled context = %v", err)
	}
	var nilLimiter *limiter
	if err := nilLimiter.wait(ctx); err != nil {
		t.Errorf("a nil limiter waits: %v", err)
	}
}

func TestCurlLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		r        request
		insecure bool
		ca       string
		want     string
	}{
		{name: "bearer", r: request{method: "GET", url: "http://h/p/?limit=1&offset=2"},
			want: `curl -sS -i -H 'Accept: application/json' -H "Authorization: Bearer $CONNREQ_TOKEN" 'http://h/p/?limit=1&offset=2'`},
		{name: "no token, quote in URL", r: request{method: "GET", url: "http://h/it's", auth: authNone}, insecure: true,
			want: `curl -sS -i -k -H 'Accept: application/json' 'http://h/it'\''s'`},
		{name: "bad token and a CA", r: request{method: "GET", url: "https://h/", auth: authBadToken}, ca: "/etc/my ca.pem",
			want: `curl -sS -i --cacert '/etc/my ca.pem' -H 'Accept: application/json' -H 'Authorization: Bearer connreq-invalid-token!' 'https://h/'`},
		{name: "wrong scheme", r: request{method: "GET", url: "http://h/", auth: authWrongScheme},
			want: `curl -sS -i -H 'Accept: application/json' -H "Authorization: Token $CONNREQ_TOKEN" 'http://h/'`},
	}
	for _, tt := range tests {
		if got := curlLine(tt.r, tt.insecure, tt.ca); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestJSONPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		segs []string
		want string
	}{
		{nil, "$"},
		{[]string{"results", "3", "from_user", "id"}, "$.results[3].from_user.id"},
		{[]string{"a b", "x-y"}, `$["a b"]["x-y"]`},
	}
	for _, tt := range tests {
		if got := jsonPath(tt.segs...); got != tt.want {
			t.Errorf("jsonPath(%q) = %s, want %s", tt.segs, got, tt.want)
		}
	}
}

func TestNamesParam(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want bool
	}{
		{`{"detail":"Invalid request parameters.","errors":[{"code":"invalid","field":"limit","in":"query"}]}`, true},
		{`{"limit":["A valid integer is required."]}`, true},
		{`{"detail":"query parameter \"limit\" must be ≥ 1"}`, true},
		{`{"detail":"Invalid request parameters."}`, false},
		{`{"detail":"unlimited"}`, false},
		{`not json limit`, false},
	}
	for _, tt := range tests {
		if got := namesParam([]byte(tt.body), "limit"); got != tt.want {
			t.Errorf("namesParam(%s) = %v, want %v", tt.body, got, tt.want)
		}
	}
}

func TestTruncateAndBytes(t *testing.T) {
	t.Parallel()
	if got := truncate("héllo wörld", 3); got != "hé… (13 bytes)" {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("short", 10); got != "short" {
		t.Errorf("truncate = %q", got)
	}
	for n, want := range map[int64]string{10 << 20: "10 MiB", 512 << 10: "512 KiB", 1000: "1000 bytes"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestValidateURI(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"https://demo.selfcommunity.com/api/v2/user/42/connection/requests/?limit=20&offset=40", "urn:isbn:123"} {
		if err := validateURI(ok); err != nil {
			t.Errorf("validateURI(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"/api/v2/user/42/", "?limit=20", "http://h/a b", ""} {
		if err := validateURI(bad); err == nil {
			t.Errorf("validateURI(%q) accepted a relative or malformed URI", bad)
		}
	}
}

func TestScrub(t *testing.T) {
	tests := []struct{ s, token, want string }{
		{"count: t", "t", "count: [REDACTED]"},
		{"http://x/connection/requests/?limit=20", "t", "http://x/connection/requests/?limit=20"},
		{`{"auth":"Bearer abc123"}`, "abc123", `{"auth":"Bearer [REDACTED]"}`},
		{"abc123abc123", "abc123", "abc123abc123"},
		{"abc123 abc123", "abc123", "[REDACTED] [REDACTED]"},
		{"xabc123", "abc123", "xabc123"},
		{"abc123", "abc123", "[REDACTED]"},
		{"?access_token=abc123&x=1", "abc123", "?access_token=[REDACTED]&x=1"},
		{"?tLONGTOKEN-42-x", "LONGTOKEN-42", "?t[REDACTED]-x"},
		{"don’t", "t", "don’[REDACTED]"},
		{"http://elsewhere.invalid/abc123", "abc123", "http://elsewhere.invalid/[REDACTED]"},
		{"", "abc", ""},
		{"abc", "", "abc"},
	}
	for _, tt := range tests {
		if got := scrub(tt.s, tt.token); got != tt.want {
			t.Errorf("scrub(%q, %q) = %q, want %q", tt.s, tt.token, got, tt.want)
		}
	}
}
