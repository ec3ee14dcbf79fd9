package mock_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/connreq/connreq/mock"
)

const seedPath = "/api/v2/user/1/connection/requests/"

// TestRequests is the table of documented answers, bad input included.
func TestRequests(t *testing.T) {
	t.Parallel()
	faithful := newTestServer(t, mock.Config{})
	strict := newTestServer(t, mock.Config{Strict: true})
	tests := []struct {
		name       string
		ts         *httptestServer
		method     string
		path       string
		header     map[string]string
		wantStatus int
		wantDetail string            // "" skips the detail check (200s)
		wantHeader map[string]string // exact values
	}{
		{name: "page", path: seedPath, header: auth(), wantStatus: 200},
		{name: "alias path", path: "/api/v2/user/1/connection_requests/", header: auth(), wantStatus: 200},
		{name: "self path", path: "/api/v2/user/connection/requests/", header: auth(), wantStatus: 200},
		{name: "no token", path: seedPath, wantStatus: 401, wantDetail: "Authentication credentials were not provided.",
			wantHeader: map[string]string{"WWW-Authenticate": `Bearer realm="api"`}},
		{name: "wrong scheme", path: seedPath, header: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, wantStatus: 401,
			wantDetail: "Authentication credentials were not provided."},
		{name: "lower-case scheme", path: seedPath, header: map[string]string{"Authorization": "bearer abc"}, wantStatus: 401,
			wantDetail: "Authentication credentials were not provided."},
		{name: "bearer without token", path: seedPath, header: map[string]string{"Authorization": "Bearer"}, wantStatus: 401,
			wantDetail: "Authorization header must contain two space-delimited values"},
		{name: "three parts", path: seedPath, header: map[string]string{"Authorization": "Bearer a b"}, wantStatus: 401,
			wantDetail: "Authorization header must contain two space-delimited values"},
		{name: "bad token characters", path: seedPath, header: map[string]string{"Authorization": "Bearer to@ken"}, wantStatus: 401,
			wantDetail: "Given token not valid for any token type", wantHeader: map[string]string{"WWW-Authenticate": `Bearer realm="api"`}},
		{name: "non-digit id faithful", path: "/api/v2/user/abc/connection/requests/", header: auth(), wantStatus: 404, wantDetail: "Not found."},
		{name: "non-digit id strict", ts: strict, path: "/api/v2/user/abc/connection/requests/", header: auth(), wantStatus: 400, wantDetail: "Invalid request parameters."},
		{name: "id zero", path: "/api/v2/user/0/connection/requests/", header: auth(), wantStatus: 404, wantDetail: "Not found."},
		{name: "id past int32", path: "/api/v2/user/2147483648/connection/requests/", header: auth(), wantStatus: 404, wantDetail: "Not found."},
		{name: "id huge", path: "/api/v2/user/99999999999999999999/connection/requests/", header: auth(), wantStatus: 404, wantDetail: "Not found."},
		{name: "negative id", path: "/api/v2/user/-1/connection/requests/", header: auth(), wantStatus: 404, wantDetail: "Not found."},
		{name: "garbage limit faithful", path: seedPath + "?limit=abc", header: auth(), wantStatus: 200},
		{name: "huge limit faithful", path: seedPath + "?limit=99999999999999999999", header: auth(), wantStatus: 200},
		{name: "huge offset faithful", path: seedPath + "?offset=99999999999999999999", header: auth(), wantStatus: 200},
		{name: "odd encodings faithful", path: seedPath + "?limit=%zz&offset=%00&q=%ff%fe", header: auth(), wantStatus: 200},
		{name: "garbage limit strict", ts: strict, path: seedPath + "?limit=abc", header: auth(), wantStatus: 400, wantDetail: "Invalid request parameters."},
		{name: "limit zero strict", ts: strict, path: seedPath + "?limit=0", header: auth(), wantStatus: 400, wantDetail: "Invalid request parameters."},
		{name: "limit too big strict", ts: strict, path: seedPath + "?limit=101", header: auth(), wantStatus: 400, wantDetail: "Invalid request parameters."},
		{name: "negative offset strict", ts: strict, path: seedPath + "?offset=-5", header: auth(), wantStatus: 400, wantDetail: "Invalid request parameters."},
		{name: "exponent strict", ts: strict, path: seedPath + "?limit=1e2", header: auth(), wantStatus: 400, wantDetail: "Invalid request parameters."},
		{name: "plus sign strict", ts: strict, path: seedPath + "?limit=%2B5", header: auth(), wantStatus: 400, wantDetail: "Invalid request parameters."},
		{name: "empty limit strict", ts: strict, path: seedPath + "?limit=", header: auth(), wantStatus: 400, wantDetail: "Invalid request parameters."},
		{name: "repeated limit strict", ts: strict, path: seedPath + "?limit=5&limit=6", header: auth(), wantStatus: 400, wantDetail: "Invalid request parameters."},
		{name: "valid strict", ts: strict, path: seedPath + "?limit=5&offset=10", header: auth(), wantStatus: 200},
		{name: "no token strict", ts: strict, path: seedPath + "?limit=abc", wantStatus: 401, wantDetail: "Authentication credentials were not provided."},
		{name: "too many query fields", path: seedPath + "?" + strings.Repeat("a=1&", 1001), header: auth(), wantStatus: 400,
			wantDetail: "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS."},
		{name: "1000 query fields are fine", path: seedPath + "?" + strings.Repeat("a=1&", 999) + "limit=2", header: auth(), wantStatus: 200},
		{name: "oversized header", path: seedPath, header: map[string]string{"Authorization": bearer, "X-Big": strings.Repeat("x", 70<<10)},
			wantStatus: 431, wantDetail: "Request header fields too large."},
		{name: "unknown path", path: "/api/v2/nothing/", header: auth(), wantStatus: 404, wantDetail: "Not found."},
		{name: "root", path: "/", wantStatus: 404, wantDetail: "Not found."},
		{name: "post", method: "POST", path: seedPath, header: auth(), wantStatus: 405, wantDetail: `Method "POST" not allowed.`,
			wantHeader: map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
		{name: "delete", method: "DELETE", path: seedPath, wantStatus: 405, wantDetail: `Method "DELETE" not allowed.`},
		{name: "no trailing slash", path: "/api/v2/user/1/connection/requests?limit=5&offset=5", header: auth(), wantStatus: 301,
			wantHeader: map[string]string{"Location": "/api/v2/user/1/connection/requests/?limit=5&offset=5"}},
		{name: "options", method: "OPTIONS", path: seedPath, wantStatus: 200, wantHeader: map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
		{name: "preferences are public", path: "/api/v2/dynamic_preference/", wantStatus: 200},
		{name: "health", path: "/__connreq/health", wantStatus: 200},
		{name: "spec", path: "/__connreq/openapi.yaml", wantStatus: 200, wantHeader: map[string]string{"Content-Type": "application/yaml"}},
		{name: "admin post", method: "POST", path: "/__connreq/health", wantStatus: 405, wantDetail: `Method "POST" not allowed.`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := tc.ts
			if ts == nil {
				ts = faithful
			}
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			got := do(t, ts, method, tc.path, tc.header)
			if got.status != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", got.status, tc.wantStatus, got.body)
			}
			for k, v := range tc.wantHeader {
				if g := got.header.Get(k); g != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
			switch {
			case tc.wantStatus == 200 && method == http.MethodGet && strings.HasPrefix(tc.path, "/api/v2/user"):
				if ct := got.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				decodePage(t, got.body)
			case tc.wantDetail != "":
				if d := detail(t, got.body); d != tc.wantDetail {
					t.Errorf("detail = %q, want %q", d, tc.wantDetail)
				}
			}
		})
	}
}

// TestStrictErrorBody checks that strict mode names each parameter, where it is, the rule and the value.
func TestStrictErrorBody(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{Strict: true})
	got := do(t, ts, "GET", "/api/v2/user/x1/connection/requests/?limit=abc&offset=-5", auth())
	if got.status != 400 {
		t.Fatalf("status %d: %s", got.status, got.body)
	}
	var body struct {
		Detail string `json:"detail"`
		Errors []struct {
			Code, Field, In, Rule, Value, Message string
		} `json:"errors"`
	}
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatal(err)
	}
	type entry struct{ Field, In, Rule, Value string }
	var gotEntries []entry
	for _, e := range body.Errors {
		gotEntries = append(gotEntries, entry{e.Field, e.In, e.Rule, e.Value})
		if e.Code != "invalid" || !strings.Contains(e.Message, e.Field) {
			t.Errorf("entry %+v lacks code or a message naming the field", e)
		}
	}
	want := []entry{
		{Field: "id", In: "path", Rule: "must match ^[0-9]+$", Value: "x1"},
		{Field: "limit", In: "query", Rule: "must be an integer", Value: "abc"},
		{Field: "offset", In: "query", Rule: "must be ≥ 0", Value: "-5"},
	}
	if diff := cmp.Diff(want, gotEntries); diff != "" {
		t.Errorf("strict errors (-want +got):\n%s", diff)
	}
}

func TestHeadAndDeterminism(t *testing.T) {
	t.Parallel()
	a := newTestServer(t, mock.Config{Seed: 7})
	b := newTestServer(t, mock.Config{Seed: 7})
	path := seedPath + "?limit=7&offset=3"
	hostHeader := map[string]string{"Authorization": bearer, "Host": "api.test"}
	first := do(t, a, "GET", path, hostHeader)
	second := do(t, b, "GET", path, hostHeader)
	if first.status != 200 || !bytes.Equal(first.body, second.body) {
		t.Fatalf("two servers with one seed differ:\n%s\n%s", first.body, second.body)
	}
	for range 3 { // the page cache admits on the second miss: all answers must match
		if again := do(t, a, "GET", path, hostHeader); !bytes.Equal(first.body, again.body) {
			t.Fatalf("repeated request differs:\n%s\n%s", first.body, again.body)
		}
	}
	other := newTestServer(t, mock.Config{Seed: 8})
	if third := do(t, other, "GET", path, hostHeader); bytes.Equal(first.body, third.body) {
		t.Errorf("seed 8 serves the same bytes as seed 7")
	}
	head := do(t, a, "HEAD", path, hostHeader)
	if head.status != 200 || len(head.body) != 0 {
		t.Errorf("HEAD: status %d, %d body bytes", head.status, len(head.body))
	}
	if cl := head.header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(first.body)) {
		t.Errorf("HEAD Content-Length %s, GET body %d", cl, len(first.body))
	}
}

// TestKeyOrder checks DRF's key order: count, next, previous, results.
func TestKeyOrder(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	got := do(t, ts, "GET", seedPath, auth())
	for i, k := range []string{`{"count":`, `,"next":`, `,"previous":`, `,"results":[`} {
		idx := bytes.Index(got.body, []byte(k))
		if idx < 0 || (i == 0 && idx != 0) {
			t.Fatalf("key %s missing or misplaced in %s", k, got.body[:min(len(got.body), 200)])
		}
	}
}

// TestLinksUseHostAndPublicURL checks absolute links from Host, and --public-url.
func TestLinksUseHostAndPublicURL(t *testing.T) {
	t.Parallel()
	direct := newTestServer(t, mock.Config{})
	proxied := newTestServer(t, mock.Config{PublicURL: "https://api.example.com/"})
	h := map[string]string{"Authorization": bearer, "Host": "front.test:8080"}
	p := decodePage(t, do(t, direct, "GET", seedPath+"?limit=1&offset=1&z=a+b", h).body)
	if p.Next == nil || *p.Next != "http://front.test:8080"+seedPath+"?limit=1&offset=2&z=a+b" {
		t.Errorf("next = %v", deref(p.Next))
	}
	if p.Previous == nil || *p.Previous != "http://front.test:8080"+seedPath+"?limit=1&z=a+b" {
		t.Errorf("previous = %v", deref(p.Previous))
	}
	p = decodePage(t, do(t, proxied, "GET", seedPath+"?limit=1", h).body)
	if p.Next == nil || *p.Next != "https://api.example.com"+seedPath+"?limit=1&offset=1" {
		t.Errorf("public next = %v", deref(p.Next))
	}
}

// Links and the slash redirect carry the path as Django's escape_uri_path writes it: the
// decoded path re-escaped, so %31 is 1 and %7E is ~, whatever escapes the request used.
func TestPathsEscapedLikeDjango(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	tests := []struct {
		path, wantNext string
	}{
		{"/api/v2/user/%31/connection/requests/?limit=1", "http://x.test/api/v2/user/1/connection/requests/?limit=1&offset=1"},
		{"/api/v2/user/1/connection%2Frequests/?limit=1", "http://x.test/api/v2/user/1/connection/requests/?limit=1&offset=1"},
		{"/api/v2/%75ser/1/connection/requests/?limit=1", "http://x.test/api/v2/user/1/connection/requests/?limit=1&offset=1"},
	}
	for _, tt := range tests {
		a := do(t, ts, "GET", tt.path, map[string]string{"Authorization": bearer, "Host": "x.test"})
		if a.status != 200 {
			t.Errorf("%s: status %d", tt.path, a.status)
			continue
		}
		if p := decodePage(t, a.body); p.Next == nil || *p.Next != tt.wantNext {
			t.Errorf("%s: next = %v, want %s", tt.path, deref(p.Next), tt.wantNext)
		}
	}
	a := do(t, ts, "GET", "/api/v2/user/%31/connection/requests?limit=1", auth())
	if loc := a.header.Get("Location"); a.status != 301 || loc != "/api/v2/user/1/connection/requests/?limit=1" {
		t.Errorf("slash redirect: %d to %q", a.status, loc)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// TestIdentity covers --tokens, JWT user_id, --jwt-secret, --me and --friendship.
func TestIdentity(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret")
	now := time.Now()
	tokens := newTestServer(t, mock.Config{Tokens: map[string]mock.Identity{
		"alice-token": {UserID: 1},
		"staff-token": {UserID: 9, Staff: true},
	}})
	open := newTestServer(t, mock.Config{Me: 5})
	verified := newTestServer(t, mock.Config{JWTSecret: secret})
	off := newTestServer(t, mock.Config{NoFriendship: true})
	bearerOf := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	tests := []struct {
		name       string
		ts         *httptestServer
		path       string
		token      string
		wantStatus int
	}{
		{name: "tokens: own list", ts: tokens, path: seedPath, token: "alice-token", wantStatus: 200},
		{name: "tokens: unknown token", ts: tokens, path: seedPath, token: "mallory", wantStatus: 401},
		{name: "tokens: other user's list", ts: tokens, path: "/api/v2/user/2/connection/requests/", token: "alice-token", wantStatus: 403},
		{name: "tokens: staff sees others", ts: tokens, path: "/api/v2/user/2/connection/requests/", token: "staff-token", wantStatus: 200},
		{name: "tokens: unknown user beats forbidden", ts: tokens, path: "/api/v2/user/0/connection/requests/", token: "alice-token", wantStatus: 404},
		{name: "jwt user_id other list", ts: open, path: "/api/v2/user/2/connection/requests/", token: jwt(t, nil, 3, now), wantStatus: 403},
		{name: "jwt user_id own list", ts: open, path: "/api/v2/user/3/connection/requests/", token: jwt(t, nil, 3, now), wantStatus: 200},
		{name: "opaque token any list", ts: open, path: "/api/v2/user/2/connection/requests/", token: "opaque", wantStatus: 200},
		{name: "secret: valid jwt", ts: verified, path: seedPath, token: jwt(t, secret, 1, now.Add(time.Hour)), wantStatus: 200},
		{name: "secret: bad signature", ts: verified, path: seedPath, token: jwt(t, []byte("other"), 1, now.Add(time.Hour)), wantStatus: 401},
		{name: "secret: expired", ts: verified, path: seedPath, token: jwt(t, secret, 1, now.Add(-time.Hour)), wantStatus: 401},
		{name: "secret: opaque token", ts: verified, path: seedPath, token: "opaque", wantStatus: 401},
		{name: "friendship off", ts: off, path: seedPath, token: "opaque", wantStatus: 403},
		{name: "friendship off, no token", ts: off, path: seedPath, wantStatus: 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := map[string]string{}
			if tc.token != "" {
				h = bearerOf(tc.token)
			}
			got := do(t, tc.ts, "GET", tc.path, h)
			if got.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", got.status, tc.wantStatus, got.body)
			}
		})
	}
	// The self path lists --me's requests for an opaque token, the JWT's user otherwise.
	me := do(t, open, "GET", "/api/v2/user/connection/requests/", bearerOf("opaque"))
	five := do(t, open, "GET", "/api/v2/user/5/connection/requests/", bearerOf("opaque"))
	if decodePage(t, me.body).Count != decodePage(t, five.body).Count {
		t.Errorf("self path with --me 5 differs from user 5's list")
	}
	// Preferences say friendship is off.
	prefs := string(do(t, off, "GET", "/api/v2/dynamic_preference/", nil).body)
	if !strings.Contains(prefs, `"name":"follow_enabled","value":true`) || !strings.Contains(prefs, `"name":"connection_enabled","value":false`) {
		t.Errorf("preferences with friendship off: %s", prefs)
	}
}

// jwt builds an HS256 token for user id expiring at exp; a nil secret signs with "x".
func jwt(t *testing.T, secret []byte, id int64, exp time.Time) string {
	t.Helper()
	if secret == nil {
		secret = []byte("x")
	}
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, err := json.Marshal(map[string]any{"user_id": id, "token_type": "access", "exp": exp.Unix(), "jti": "j1", "iat": exp.Add(-time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	payload := enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(head + "." + payload))
	return head + "." + payload + "." + enc.EncodeToString(mac.Sum(nil))
}

// TestCORS covers preflight, Origin echo and --cors-origin.
func TestCORS(t *testing.T) {
	t.Parallel()
	open := newTestServer(t, mock.Config{})
	restricted := newTestServer(t, mock.Config{CORSOrigins: []string{"http://app.test:3000"}})
	pre := func(origin string) map[string]string {
		return map[string]string{"Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization,prefer"}
	}
	got := do(t, open, "OPTIONS", seedPath, pre("http://localhost:5173"))
	if got.status != 204 {
		t.Fatalf("preflight status %d", got.status)
	}
	for k, v := range map[string]string{
		"Access-Control-Allow-Origin":      "http://localhost:5173",
		"Access-Control-Allow-Headers":     "authorization,prefer",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "GET, HEAD, POST, DELETE, OPTIONS",
	} {
		if g := got.header.Get(k); g != v {
			t.Errorf("%s = %q, want %q", k, g, v)
		}
	}
	get := do(t, open, "GET", seedPath, map[string]string{"Origin": "http://localhost:5173"})
	if get.status != 401 || get.header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
		!strings.Contains(get.header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
		t.Errorf("401 without CORS headers: %d %v", get.status, get.header)
	}
	if got := do(t, restricted, "OPTIONS", seedPath, pre("http://evil.test")); got.status != 403 || got.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("restricted preflight from another origin: %d %v", got.status, got.header)
	}
	if got := do(t, restricted, "OPTIONS", seedPath, pre("http://app.test:3000")); got.status != 204 {
		t.Errorf("restricted preflight from the allowed origin: %d", got.status)
	}
	if got := do(t, restricted, "GET", seedPath, map[string]string{"Origin": "http://evil.test"}); got.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("disallowed origin got ACAO")
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  mock.Config
		want string
	}{
		{name: "limits", cfg: mock.Config{DefaultLimit: 50, MaxLimit: 10}, want: "DefaultLimit: must be ≤ MaxLimit 10 (got 50)"},
		{name: "me", cfg: mock.Config{Me: -3}, want: "Me: must be a user id between 1 and 2147483647 (got -3)"},
		{name: "public url", cfg: mock.Config{PublicURL: "ftp://x"}, want: "PublicURL: must be an absolute http(s) URL without query or fragment (got ftp://x)"},
		{name: "cors", cfg: mock.Config{CORSOrigins: []string{"not a url"}}, want: "CORSOrigins: each origin must look like scheme://host[:port] (got not a url)"},
		{name: "token user", cfg: mock.Config{Tokens: map[string]mock.Identity{"secret-tok": {UserID: 0}}}, want: "user_id: must be between 1 and 2147483647 (got 0)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := mock.New(mustDoc(t), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret-tok") {
				t.Errorf("config error prints a token: %v", err)
			}
		})
	}
}
