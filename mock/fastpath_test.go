package mock

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/fixtures"
)

// fastPathConfigs are the modes the fast paths must agree with kin-openapi and mux in.
func fastPathConfigs() []Config {
	clock := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	tokens := map[string]Identity{"alice": {UserID: 1}, "staff": {UserID: 9, Staff: true}}
	return []Config{
		{},
		{Strict: true},
		{Tokens: tokens, NoAdmin: true},
		{Strict: true, JWTSecret: []byte("s3cret"), Clock: clock},
		{NoFriendship: true, Strict: true, Tokens: tokens},
	}
}

// twinServers builds, for cfg, the server as shipped and its twin with both fast paths
// off (every request through gorilla/mux and kin-openapi).
func twinServers(tb testing.TB, cfg Config) (fast, slow *Server) {
	tb.Helper()
	doc, err := connreq.Load()
	if err != nil {
		tb.Fatal(err)
	}
	if fast, err = New(doc, cfg); err != nil {
		tb.Fatal(err)
	}
	if slow, err = New(doc, cfg); err != nil {
		tb.Fatal(err)
	}
	if fast.fast == nil || len(fast.plans) == 0 {
		tb.Fatalf("config %+v: the fast paths are off (router %v, %d plans)", cfg, fast.fast != nil, len(fast.plans))
	}
	slow.fast.routes, slow.plans = nil, nil
	return fast, slow
}

// hs256 is a signed simplejwt access token for user, expiring at exp.
func hs256(secret []byte, user string, exp int64) string {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body := enc.EncodeToString([]byte(fmt.Sprintf(`{"token_type":"access","user_id":%s,"exp":%d}`, user, exp)))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(head + "." + body))
	return head + "." + body + "." + enc.EncodeToString(mac.Sum(nil))
}

// exchange is what a client sees of an answer.
type exchange struct {
	Status int
	Header http.Header
	Body   string
}

func serve(h http.Handler, method, path, query string, auth []string) exchange {
	req := httptest.NewRequest(http.MethodGet, "http://mock.test/", nil)
	req.Method = method
	req.URL.Path, req.URL.RawPath, req.URL.RawQuery = path, "", query
	req.RequestURI = path
	if query != "" {
		req.RequestURI += "?" + query
	}
	if auth != nil {
		req.Header["Authorization"] = auth
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	// /__connreq/health counts the process's goroutines: a number of the moment, not of the
	// request, so it is masked (its length may differ too).
	body := goroutineCount.ReplaceAllString(rec.Body.String(), `"goroutines":N`)
	if body != rec.Body.String() {
		rec.Header().Del("Content-Length")
	}
	return exchange{Status: rec.Code, Header: rec.Header(), Body: body}
}

// goroutineCount matches the health answer's goroutine count.
var goroutineCount = regexp.MustCompile(`"goroutines":[0-9]+`)

// FuzzFastPath sends arbitrary methods, paths, queries and Authorization headers (a "\n"
// separates repeated fields) to the shipped server and to its twin without the fast
// router and validate's fast path, in faithful and strict mode, with --tokens and with a
// JWT secret: the answers must be the same, status, headers and body. It also holds
// authFields to strings.Fields.
func FuzzFastPath(f *testing.F) {
	secret := []byte("s3cret")
	for _, seed := range []struct {
		method, path, query, auth string
		mode                      uint8
	}{
		{"GET", "/api/v2/user/1/connection/requests/", "limit=20&offset=20", "Bearer load-token", 0},
		{"GET", "/api/v2/user/1/connection/requests/", "limit=20&offset=20", "Bearer load-token", 1},
		{"GET", "/api/v2/user/2/connection/requests/", "limit=0&offset=-1", "Bearer alice", 2},
		{"GET", "/api/v2/user/1/connection/requests/", "limit=101", "Bearer " + hs256(secret, "1", 1<<40), 3},
		{"GET", "/api/v2/user/1/connection/requests/", "offset=5", "Bearer " + hs256(secret, "1", 1), 3},
		{"GET", "/api/v2/user/2/connection/requests/", "", "Bearer staff", 4},
		{"HEAD", "/api/v2/user/007/connection_requests/", "limit=007&limit=8", "Bearer x\nBearer y", 1},
		{"GET", "/api/v2/user/123456789012345678901/connection/requests/", "", "Bearer  a", 0},
		{"GET", "/api/v2/user/1e3/settings/", "", "bearer a", 1},
		{"POST", "/api/v2/user/me/", "", "", 0},
		{"OPTIONS", "/api/v2/user/1/connection/requests", "a=b", "Bearer\u00a0a", 1},
		{"GET", "/__connreq/health", "", "", 2},
		{"GET", "/api/v2/user//connection/requests/", "", "Bearer a b", 0},
		{"GET", "/api/v2/dynamic_preference/", "limit=1000&offset=0&search=x", "Bearer a", 1},
		{"GET", "/api/v2/user/connection/requests/", "limit=%31", "Bearer \t a \r", 1},
		{"GET", "/api/v2/user/1/connection/requests/", "offset=99999999999999999999", "Bearer a", 1},
		{"GET", "/api/v2/user/x1/connection/requests/", "limit=5", "Bearer a", 0},
		{"GET", "/api/v2/user/%31/connection/requests/", "limit=5&offset=1", "Bearer a", 1},
		{"GET", "/api/v2/user/1/connection/requests/", "limit=0", "Bearer staff", 4},
		// The lifecycle (both twins see the same actions in the same order, so their state agrees).
		{"POST", "/api/v2/user/5/connection/accept/", "", "Bearer a", 0},
		{"POST", "/api/v2/user/abc/connection/request/", "", "Bearer a", 1},
		{"POST", "/api/v2/user/7/connection_requests/mark_seen/", "", "", 2},
		{"GET", "/api/v2/user/5/is_connection/", "x=1", "Bearer a", 0},
		{"GET", "/api/v2/user/connection/requests_sent/", "limit=3&offset=1", "Bearer a", 1},
	} {
		f.Add(seed.method, seed.path, seed.query, seed.auth, seed.mode)
	}
	cfgs := fastPathConfigs()
	type twin struct{ fast, slow *Server }
	twins := make([]twin, len(cfgs))
	for i, cfg := range cfgs {
		twins[i].fast, twins[i].slow = twinServers(f, cfg)
	}
	doc, err := connreq.Load()
	if err != nil {
		f.Fatal(err)
	}
	shipped, err := fixtures.ShippedScenarios(doc)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path, query, auth string, mode uint8) {
		if method == "" || strings.ContainsAny(method, " \r\n") {
			return
		}
		// The fault scenarios (slow, reset, …) misbehave on purpose; scenarios_test.go has them.
		for _, seg := range strings.Split(path, "/") {
			if n, err := strconv.ParseInt(seg, 10, 64); err == nil {
				if sc := shipped.ByID(n); sc != nil && !sc.Faults.IsZero() {
					return
				}
			}
		}
		var lines []string
		if auth != "" {
			lines = strings.Split(auth, "\n")
		}
		for _, line := range lines {
			want := strings.Fields(line)
			first, second, n := authFields(line)
			got := []string{first, second}[:min(n, 2)]
			if n != min(len(want), 3) || !slices.Equal(got, want[:min(len(want), 2)]) {
				t.Fatalf("authFields(%q) = %q, %q, %d; strings.Fields gives %q", line, first, second, n, want)
			}
		}
		tw := twins[int(mode)%len(twins)]
		fast := serve(tw.fast.Handler(), method, path, query, lines)
		slow := serve(tw.slow.Handler(), method, path, query, lines)
		if strings.HasPrefix(path, "/__connreq") {
			// The admin area is mux's in both twins; its bodies hold numbers of the moment
			// (the journal's times and durations, health's goroutines): status and headers
			// are compared, the bodies are not.
			slow.Body, fast.Body = "", ""
			slow.Header.Del("Content-Length")
			fast.Header.Del("Content-Length")
		}
		if diff := cmp.Diff(slow, fast); diff != "" {
			t.Fatalf("%s %s?%s, Authorization %q, mode %d: fast path differs from kin-openapi and mux (-slow +fast):\n%s",
				method, path, query, lines, int(mode)%len(twins), diff)
		}
	})
}

// TestFastPathTaken checks that the common requests do take the fast paths (the
// differential fuzz would pass just as well if they never did), and that what the fast
// path cannot judge goes to kin-openapi.
func TestFastPathTaken(t *testing.T) {
	t.Parallel()
	for _, cfg := range fastPathConfigs() {
		s, _ := twinServers(t, cfg)
		auth := "Bearer load-token"
		if cfg.Tokens != nil {
			auth = "Bearer alice"
		}
		if cfg.JWTSecret != nil {
			auth = "Bearer " + hs256(cfg.JWTSecret, "1", 1<<40)
		}
		tests := []struct {
			name, path, query, auth string
			fast                    bool // validate's fast path gives the verdict
		}{
			{name: "page", path: "/api/v2/user/1/connection/requests/", query: "limit=20&offset=20", auth: auth, fast: true},
			{name: "alias", path: "/api/v2/user/1/connection_requests/", query: "offset=0", auth: auth, fast: true},
			{name: "self path", path: "/api/v2/user/connection/requests/", auth: auth, fast: true},
			{name: "settings", path: "/api/v2/user/12/settings/", auth: auth, fast: true},
			{name: "no token: the 401 is the verdict", path: "/api/v2/user/1/connection/requests/", fast: true},
			{name: "bad id: kin-openapi", path: "/api/v2/user/x1/connection/requests/", auth: auth},
			{name: "bad limit: kin-openapi in strict", path: "/api/v2/user/1/connection/requests/", query: "limit=abc", auth: auth, fast: !cfg.Strict},
			{name: "repeated offset: kin-openapi in strict", path: "/api/v2/user/1/connection/requests/", query: "offset=1&offset=2", auth: auth, fast: !cfg.Strict},
		}
		for _, tc := range tests {
			name := fmt.Sprintf("%s/strict=%v,tokens=%v,jwt=%v", tc.name, cfg.Strict, cfg.Tokens != nil, cfg.JWTSecret != nil)
			var stack [maxFastVars]string
			f, vals := s.fast.lookup(tc.path, stack[:0])
			if f == nil {
				t.Errorf("%s: the fast router leaves %s to mux", name, tc.path)
				continue
			}
			vars := map[string]string{}
			for i, n := range f.tpl.names {
				vars[n] = vals[i]
			}
			op := f.route.ops[http.MethodGet]
			plan := s.plans[op]
			if plan == nil {
				t.Errorf("%s: no check plan for GET %s", name, f.route.path)
				continue
			}
			req := httptest.NewRequest(http.MethodGet, "http://mock.test"+tc.path+"?"+tc.query, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			q := fixtures.ParseQuery(tc.query)
			who, aerr, ok := plan.check(s, req, q, vars)
			if ok != tc.fast {
				t.Errorf("%s: fast verdict %v, want %v", name, ok, tc.fast)
				continue
			}
			if ok {
				slowWho, slowErr := s.validateSlow(req, op, q, vars)
				if who != slowWho || !cmp.Equal(aerr, slowErr, cmp.AllowUnexported(apiError{}, paramProblem{})) {
					t.Errorf("%s: fast verdict %+v %+v, kin-openapi's %+v %+v", name, who, aerr, slowWho, slowErr)
				}
			}
		}
	}
}

// TestFastRouterLeavesToMux: the admin area, the slash-less redirects and unknown paths
// are mux's.
func TestFastRouterLeavesToMux(t *testing.T) {
	t.Parallel()
	s, _ := twinServers(t, Config{})
	for _, path := range []string{
		"/__connreq/health", "/__connreqx/api/v2/user/me/", "/api/v2/user/1/connection/requests",
		"/api/v2/user//connection/requests/", "/api/v2/user/1/2/connection/requests/", "", "/",
		"/api/v2/user/1/connection/requests//", "api/v2/user/1/connection/requests/",
	} {
		var stack [maxFastVars]string
		if f, _ := s.fast.lookup(path, stack[:0]); f != nil {
			t.Errorf("%q: the fast router takes it for %s", path, f.route.path)
		}
	}
}

// TestURISafe holds uriSafe to the set escape_uri_path keeps, for every byte.
func TestURISafe(t *testing.T) {
	t.Parallel()
	for c := 0; c < 256; c++ {
		b := byte(c)
		want := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("/:@&+$,-_.!~*'()", b) >= 0
		if got := uriSafe(b); got != want {
			t.Errorf("uriSafe(%q) = %v, want %v", b, got, want)
		}
	}
}
