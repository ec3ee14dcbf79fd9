package contract_test

import (
	"bytes"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/contract"
	"github.com/connreq/connreq/fixtures"
)

// newRunner builds a runner for url from the embedded spec and cfg, its Token (token
// when empty) and User ("42" when empty) filled in.
func newRunner(t testing.TB, url, token string, cfg contract.Config) *contract.Runner {
	t.Helper()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Target = url
	if cfg.Token == "" {
		cfg.Token = token
	}
	if cfg.User == "" {
		cfg.User = "42"
	}
	if cfg.Me == "" && cfg.Token == secretToken {
		// The zero-configuration mock takes an opaque token's caller on the self path to be
		// its --me (default 1), not the user of the seed path.
		cfg.Me = "1"
	}
	r, err := contract.New(doc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// runAgainst runs the runner with cfg (Target, Token and User filled in) against url.
func runAgainst(t testing.TB, url string, cfg contract.Config) *contract.Report {
	t.Helper()
	rep, err := newRunner(t, url, fakeToken, cfg).Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// failedChecks lists the checks with at least one failed result, sorted.
func failedChecks(rep *contract.Report) []string {
	set := map[string]bool{}
	for _, res := range rep.Results {
		if res.Outcome == contract.Failed {
			set[string(res.Check)] = true
		}
	}
	var out []string
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

func textOf(t testing.TB, rep *contract.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := rep.WriteText(&b, contract.TextOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// slow waits for the client to give up (or d), so that no handler outlives its test.
func slow(r *http.Request, d time.Duration) {
	select {
	case <-r.Context().Done():
	case <-time.After(d):
	}
}

// breaks is the catalogue: one deliberate contract break per entry, and the one check
// that must catch it. Most breaks touch one request only (limit=1, the walk's second
// page, ...), so that no other check has a reason to fail.
func breaks(otherURL, cleanURL string) []struct {
	name  string
	check contract.Check
	cfg   contract.Config
	f     *fake
} {
	limit1 := func(fn func(w http.ResponseWriter, r *http.Request)) func(http.ResponseWriter, *http.Request) bool {
		return func(w http.ResponseWriter, r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "/42/connection/requests/") && queryIs(r, "limit=1") {
				fn(w, r)
				return true
			}
			return false
		}
	}
	onPage := func(offset, limit int64, fn func(p *fakePage)) func(*http.Request, *fakePage) {
		return func(r *http.Request, p *fakePage) {
			_, hasOffset := p.query.Get("offset")
			if p.path == "seed" && p.win.Offset == offset && p.win.Limit == limit && (offset > 0 || hasOffset == (offset > 0)) {
				fn(p)
			}
		}
	}
	return []struct {
		name  string
		check contract.Check
		cfg   contract.Config
		f     *fake
	}{
		{name: "connection reset", check: contract.CheckTransport, f: &fake{before: limit1(func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0) // RST, not FIN
			}
			_ = conn.Close()
		})}},
		{name: "hangs past the timeout", check: contract.CheckTimeout, cfg: contract.Config{Timeout: time.Second, MaxLatency: time.Second},
			f: &fake{before: limit1(func(w http.ResponseWriter, r *http.Request) { slow(r, 30*time.Second) })}},
		{name: "body larger than --max-body", check: contract.CheckBodySize, cfg: contract.Config{MaxBody: 64 << 10},
			f: &fake{before: limit1(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"count":45,"next":null,"previous":null,"results":[` + strings.Repeat(`{"pad":"`+strings.Repeat("x", 1000)+`"},`, 100) + `{}]}`))
			})}},
		{name: "redirect to another host", check: contract.CheckRedirect, f: &fake{before: limit1(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, otherURL+r.URL.Path+"?"+r.URL.RawQuery, http.StatusFound)
		})}},
		{name: "500 on one page", check: contract.CheckServerError, f: &fake{before: limit1(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"detail":"A server error occurred."}`))
		})}},
		{name: "500 without a token", check: contract.CheckServerError, f: &fake{before: func(w http.ResponseWriter, r *http.Request) bool {
			if r.Header.Get("Authorization") != "" {
				return false
			}
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}}},
		{name: "500 on limit=abc", check: contract.CheckServerError, f: &fake{before: func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Query().Get("limit") != "abc" {
				return false
			}
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<h1>502 Bad Gateway</h1>"))
			return true
		}}},
		{name: "500 in the middle of the walk", check: contract.CheckServerError, f: &fake{before: func(w http.ResponseWriter, r *http.Request) bool {
			if !queryIs(r, "limit=20&offset=20") {
				return false
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}}},
		{name: "404 for a page that exists", check: contract.CheckStatus, f: &fake{before: limit1(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"detail":"Not found."}`))
		})}},
		{name: "text/plain content type", check: contract.CheckContentType, f: &fake{contentType: "text/plain; charset=utf-8"}},
		{name: "truncated JSON", check: contract.CheckJSON, f: &fake{before: limit1(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"count": 45, "next"`))
		})}},
		{name: "gender outside the enum", check: contract.CheckSchema, f: &fake{page: func(r *http.Request, p *fakePage) {
			for i := range p.Results {
				p.Results[i].FromUser.Gender = "Other"
			}
		}}},
		{name: "401 without WWW-Authenticate", check: contract.CheckHeaders, f: &fake{noChallenge: true}},
		{name: "slow page", check: contract.CheckLatency, cfg: contract.Config{MaxLatency: 400 * time.Millisecond, Timeout: 5 * time.Second},
			f: &fake{before: func(w http.ResponseWriter, r *http.Request) bool {
				if queryIs(r, "limit=1") {
					slow(r, 900*time.Millisecond)
				}
				return false // then answer normally
			}}},
		{name: "Token scheme accepted", check: contract.CheckAuth, f: &fake{acceptTokenScheme: true}},
		{name: "unknown user answers 200", check: contract.CheckNotFound, f: &fake{unknownOK: true}},
		{name: "someone else's list answers 200", check: contract.CheckForbidden, f: &fake{otherOK: true}},
		{name: "limit=abc rejected with 400", check: contract.CheckLenientParams, f: &fake{before: func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Query().Get("limit") != "abc" {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"detail":"Invalid limit."}`))
			return true
		}}},
		{name: "an item past the end", check: contract.CheckPageSize, f: &fake{page: func(r *http.Request, p *fakePage) {
			if p.path == "seed" && p.win.Offset >= p.Count {
				p.Results = []fakeItem{fakeItemAt(fakeUserID, p.Count-1)}
			}
		}}},
		{name: "next on the last page", check: contract.CheckPageNextNull, f: &fake{links: func(base string, p *fakePage) (string, string, bool, bool) {
			next, prev, hasNext, hasPrev := fixtures.Links(base, p.query, p.win, p.Count)
			if !hasNext && p.win.Offset < p.Count {
				next, hasNext = string(fixtures.AppendNext(nil, base, p.query, p.win)), true
			}
			return next, prev, hasNext, hasPrev
		}}},
		{name: "previous on the first page", check: contract.CheckPagePreviousNull, f: &fake{links: func(base string, p *fakePage) (string, string, bool, bool) {
			next, prev, hasNext, hasPrev := fixtures.Links(base, p.query, p.win, p.Count)
			if !hasPrev {
				prev, hasPrev = string(fixtures.AppendPrevious(nil, base, p.query, p.win)), true
			}
			return next, prev, hasNext, hasPrev
		}}},
		{name: "query keys not sorted", check: contract.CheckPageLinks, f: &fake{links: func(base string, p *fakePage) (string, string, bool, bool) {
			next, prev, hasNext, hasPrev := fixtures.Links(base, p.query, p.win, p.Count)
			next = strings.Replace(next, "?limit=20&offset=", "?offset=", 1)
			if hasNext && strings.Contains(next, "?offset=") && !strings.Contains(next, "limit=") {
				next += "&limit=20"
			}
			return next, prev, hasNext, hasPrev
		}}},
		{name: "two items swapped", check: contract.CheckPageOrder, f: &fake{page: func(r *http.Request, p *fakePage) {
			// Only first pages, so that the walk and the large page still agree (on every
			// path, so that the self path still lists what the seed path lists).
			if p.win.Offset == 0 && len(p.Results) >= 2 {
				p.Results[0], p.Results[1] = p.Results[1], p.Results[0]
			}
		}}},
		{name: "the self path lists another list", check: contract.CheckSelfList, f: &fake{page: func(r *http.Request, p *fakePage) {
			if p.path == "self" {
				p.Count--
			}
		}}},
		{name: "a wrong item at one odd offset only generation reaches", check: contract.CheckPageConsistent,
			cfg: contract.Config{Generate: 300, Seed: 1}, f: &fake{page: func(r *http.Request, p *fakePage) {
				if p.win.Offset == 7 && len(p.Results) > 0 {
					p.Results[0].ID = 1
				}
			}}},
		{name: "to_user is someone else", check: contract.CheckPageOwner, f: &fake{page: func(r *http.Request, p *fakePage) {
			for i := range p.Results {
				p.Results[i].ToUser.ID = 43
			}
		}}},
		{name: "the alias counts one more", check: contract.CheckPageCountStable, f: &fake{
			page: func(r *http.Request, p *fakePage) {
				if p.path == "alias" {
					p.Count++
				}
			},
			links: func(base string, p *fakePage) (string, string, bool, bool) {
				n := p.Count
				if p.path == "alias" {
					n++
				}
				return fixtures.Links(base, p.query, p.win, n)
			},
		}},
		{name: "a list too long to walk", check: contract.CheckPageWalk, cfg: contract.Config{MaxPages: 3}, f: &fake{count: 1_000_000_000_000}},
		{name: "one item short on the last page", check: contract.CheckPageSum, f: &fake{page: onPage(40, 20, func(p *fakePage) {
			p.Results = p.Results[:len(p.Results)-1]
		})}},
		{name: "an item listed twice", check: contract.CheckPageNoDuplicates, f: &fake{page: onPage(20, 20, func(p *fakePage) {
			p.Results[0] = fakeItemAt(fakeUserID, 19)
		})}},
		{name: "an item replaced in the walk", check: contract.CheckPageNoMissing, f: &fake{page: onPage(20, 20, func(p *fakePage) {
			it := fakeItemAt(fakeUserID, 20)
			it.ID, it.FromUser.ID = 999_999, 9999
			p.Results[0] = it
		})}},
		{name: "a username differs from the baseline's", check: contract.CheckBaselineDiff, cfg: contract.Config{Baseline: cleanURL, BaselineToken: fakeToken},
			f: &fake{page: onPage(20, 20, func(p *fakePage) { p.Results[3].FromUser.Username = "renamed" })}},
		{name: "limit without offset starts at 1", check: contract.CheckPagePreviousItems, f: &fake{page: func(r *http.Request, p *fakePage) {
			if p.path == "seed" && queryIs(r, "limit=20") {
				p.Results = p.Results[:0]
				for i := int64(1); i <= 20; i++ {
					p.Results = append(p.Results, fakeItemAt(fakeUserID, i))
				}
			}
		}}},
	}
}

func TestCatalogue(t *testing.T) {
	t.Parallel()
	other := &fake{}
	var leaked []string
	otherTS := other.server(t)
	other.before = func(w http.ResponseWriter, r *http.Request) bool {
		leaked = append(leaked, r.Header.Get("Authorization"))
		return false
	}
	cases := breaks(otherTS.URL, (&fake{}).server(t).URL)
	covered := map[contract.Check]bool{}
	for _, tt := range cases {
		covered[tt.check] = true
	}
	if len(cases) < 20 {
		t.Fatalf("the catalogue has %d breaks, want at least 20", len(cases))
	}
	for _, c := range contract.Checks() {
		if !covered[c] {
			t.Errorf("no break of the catalogue is caught by %s", c)
		}
	}

	t.Run("clean", func(t *testing.T) {
		t.Parallel()
		f := &fake{}
		rep := runAgainst(t, f.server(t).URL, contract.Config{OtherUser: "7", Generate: 100, Seed: 1})
		if got := failedChecks(rep); len(got) != 0 {
			t.Fatalf("the clean server fails %v\n%s", got, textOf(t, rep))
		}
		// Every check is exercised against the clean server.
		for _, tot := range rep.ByCheck() {
			if tot.Passed == 0 {
				t.Errorf("%s never passed against the clean server", tot.Check)
			}
		}
	})
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := tt.f
			cfg := tt.cfg
			cfg.OtherUser = "7"
			rep := runAgainst(t, f.server(t).URL, cfg)
			got := failedChecks(rep)
			if want := []string{string(tt.check)}; !slices.Equal(got, want) {
				t.Errorf("failed checks = %v, want %v\n%s", got, want, textOf(t, rep))
			}
			if err := rep.Err(); err == nil {
				t.Errorf("Report.Err() = nil for a broken server")
			}
		})
	}
	t.Cleanup(func() {
		if len(leaked) > 0 {
			t.Errorf("the other host received %d requests (Authorization %q): redirects must stay on the target", len(leaked), leaked)
		}
	})
}
