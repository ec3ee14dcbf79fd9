package contract_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connreq/connreq/fixtures"
)

// The fake is a small, independent implementation of the API as design §3 describes it:
// users 42 (the token's, 45 requests) and 7 (someone else's list), everyone else unknown.
// Every contract break of the catalogue is one hook on it.
const (
	fakeToken  = "fake-TOKEN-5f1e0c0d9a8b7c6d"
	fakeUserID = 42
	fakeOther  = 7
	fakeCount  = 45
)

// fakePage is a page before it is encoded; hooks may change anything in it.
type fakePage struct {
	Count    int64      `json:"count"`
	Next     *string    `json:"next"`
	Previous *string    `json:"previous"`
	Results  []fakeItem `json:"results"`

	path  string // the spec path kind: "seed", "alias", "self"
	query fixtures.Query
	win   fixtures.Window
}

type fakeItem struct {
	ID       int64       `json:"id"`
	FromUser fakeAccount `json:"from_user"`
	ToUser   fakeAccount `json:"to_user"`
	Created  string      `json:"created"`
	Rejected *string     `json:"rejected"`
	Viewed   *string     `json:"viewed"`
}

type fakeAccount struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Gender   string `json:"gender"`
	Bio      string `json:"bio,omitempty"`
}

// fake is the configurable server; the zero value of every hook is the clean behaviour.
type fake struct {
	count int64 // list length of fakeUserID (0: fakeCount)
	// before runs first; returning true means it answered the request itself.
	before func(w http.ResponseWriter, r *http.Request) bool
	// page edits a page before it is written.
	page func(r *http.Request, p *fakePage)
	// links builds next/previous (nil: DRF's).
	links func(base string, p *fakePage) (next, prev string, hasNext, hasPrev bool)
	// contentType of JSON answers (""': application/json).
	contentType string
	// noChallenge leaves WWW-Authenticate out of 401 answers.
	noChallenge bool
	// acceptTokenScheme lets "Token <token>" in.
	acceptTokenScheme bool
	// bio pads every sender with a biography of this many bytes (memory benchmarks).
	bio int
	// served counts the body bytes written.
	served atomic.Int64
	// unknownOK answers an unknown user's list with 200 and an empty page.
	unknownOK bool
	// otherOK lets the token's user read user 7's list.
	otherOK bool
}

var fakePager = fixtures.Pager{}

// fakeItemAt is item i of a list: ids and created strictly decreasing with i.
func fakeItemAt(owner, i int64) fakeItem {
	base := time.Date(2024, 4, 10, 13, 23, 59, 754335000, time.UTC)
	created := base.Add(-time.Duration(i) * time.Microsecond * 1000)
	return fakeItem{
		ID:       10_000_000_000_000 - i,
		FromUser: fakeAccount{ID: 1000 + i, Username: "user" + strconv.FormatInt(1000+i, 10), Gender: "Female"},
		ToUser:   fakeAccount{ID: owner, Username: "owner", Gender: "Unspecified"},
		Created:  created.Format("2006-01-02T15:04:05.000000Z07:00"),
	}
}

func (f *fake) server(t testing.TB) *httptest.Server {
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	return ts
}

func (f *fake) writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	ct := f.contentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	n, _ := w.Write(body)
	f.served.Add(int64(n))
}

func (f *fake) detail(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusUnauthorized && !f.noChallenge {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
	}
	f.writeJSON(w, status, map[string]string{"detail": msg})
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.before != nil && f.before(w, r) {
		return
	}
	path := r.URL.Path
	switch path {
	case "/api/v2/dynamic_preference/":
		f.preferences(w, r)
		return
	case "/api/v2/feature/":
		f.features(w, r)
		return
	}
	var kind, id string
	switch {
	case path == "/api/v2/user/me/" || path == "/api/v2/user/hidden_users_id/":
		kind = "boot"
	case strings.HasPrefix(path, "/api/v2/user/") && strings.HasSuffix(path, "/settings/"):
		kind, id = "settings", strings.TrimSuffix(strings.TrimPrefix(path, "/api/v2/user/"), "/settings/")
	case path == "/api/v2/user/connection/requests_sent/":
		kind = "sent"
	case strings.HasPrefix(path, "/api/v2/user/") && (strings.HasSuffix(path, "/is_connection/") || strings.HasSuffix(path, "/connection_status/")):
		rest := strings.TrimPrefix(path, "/api/v2/user/")
		kind, id = "relation", rest[:strings.Index(rest, "/")]
	case path == "/api/v2/user/connection/requests/":
		kind = "self"
	case strings.HasPrefix(path, "/api/v2/user/") && strings.HasSuffix(path, "/connection/requests/"):
		kind, id = "seed", strings.TrimSuffix(strings.TrimPrefix(path, "/api/v2/user/"), "/connection/requests/")
	case strings.HasPrefix(path, "/api/v2/user/") && strings.HasSuffix(path, "/connection_requests/"):
		kind, id = "alias", strings.TrimSuffix(strings.TrimPrefix(path, "/api/v2/user/"), "/connection_requests/")
	default:
		f.detail(w, http.StatusNotFound, "Not found.")
		return
	}
	auth := r.Header.Get("Authorization")
	authScheme, tok, _ := strings.Cut(auth, " ")
	switch {
	case authScheme == "Bearer" && tok == fakeToken:
	case authScheme == "Token" && tok == fakeToken && f.acceptTokenScheme:
	case authScheme != "Bearer":
		f.detail(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
		return
	default:
		f.detail(w, http.StatusUnauthorized, "Given token not valid for any token type")
		return
	}
	owner := int64(fakeUserID)
	switch kind {
	case "boot":
		if path == "/api/v2/user/me/" {
			f.writeJSON(w, http.StatusOK, fakeAccount{ID: fakeUserID, Username: "owner", Gender: "Unspecified"})
		} else {
			f.writeJSON(w, http.StatusOK, []int64{})
		}
		return
	case "sent": // the lifecycle reads (docs/state.md): nothing sent, nobody connected
		rows(f, w, r, []fakeItem{}, fakePager)
		return
	case "relation":
		if n, err := strconv.ParseInt(id, 10, 64); err != nil || (n != fakeUserID && n != fakeOther) {
			f.detail(w, http.StatusNotFound, "Not found.")
		} else if strings.HasSuffix(path, "/is_connection/") {
			f.writeJSON(w, http.StatusOK, map[string]bool{"is_connection": false})
		} else {
			f.writeJSON(w, http.StatusOK, map[string]any{"connection_status": nil})
		}
		return
	}
	if kind != "self" {
		n, err := strconv.ParseInt(id, 10, 64)
		switch {
		case err != nil || (n != fakeUserID && n != fakeOther):
			if !f.unknownOK {
				f.detail(w, http.StatusNotFound, "Not found.")
				return
			}
			owner = n
		case n == fakeOther && !f.otherOK:
			f.detail(w, http.StatusForbidden, "You do not have permission to perform this action.")
			return
		default:
			owner = n
		}
	}
	if kind == "settings" {
		f.writeJSON(w, http.StatusOK, map[string]int{"qa_frequency": 0, "email_notification_not_qa": 1,
			"mobile_notifications_scmty": 1, "show_toast_notifications": 1, "toast_notifications_emit_sound": 0})
		return
	}
	count := int64(0)
	switch owner {
	case fakeUserID:
		count = f.count
		if count == 0 {
			count = fakeCount
		}
	case fakeOther:
		count = 3
	}
	q := fixtures.ParseQuery(r.URL.RawQuery)
	win := fakePager.Window(q)
	p := &fakePage{Count: count, Results: []fakeItem{}, path: kind, query: q, win: win}
	start, end := win.Bounds(count)
	for i := start; i < end; i++ {
		it := fakeItemAt(owner, i)
		if f.bio > 0 {
			it.FromUser.Bio = strings.Repeat("a", f.bio)
		}
		p.Results = append(p.Results, it)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + (&url.URL{Path: r.URL.Path}).EscapedPath() // decoded and escaped again, as Django does
	links := f.links
	if links == nil {
		links = func(base string, p *fakePage) (string, string, bool, bool) {
			return fixtures.Links(base, p.query, p.win, p.Count)
		}
	}
	if next, prev, hasNext, hasPrev := links(base, p); true {
		if hasNext {
			p.Next = &next
		}
		if hasPrev {
			p.Previous = &prev
		}
	}
	if f.page != nil {
		f.page(r, p)
	}
	f.writeJSON(w, http.StatusOK, p)
}

func (f *fake) preferences(w http.ResponseWriter, r *http.Request) {
	type pref struct {
		ID      int64  `json:"id"`
		Section string `json:"section"`
		Name    string `json:"name"`
		Value   any    `json:"value"`
	}
	all := []pref{
		{1, "configurations", "follow_enabled", false},
		{2, "configurations", "connection_enabled", true},
		{3, "configurations", "connection_requests_enabled", true},
	}
	rows(f, w, r, all, readWholePager)
}

// readWholePager pages the lists the client reads whole (the spec's ListAllLimit).
var readWholePager = fixtures.Pager{DefaultLimit: 1000, MaxLimit: 1000}

// rows answers a DRF page of all as pager cuts it, links on the request's host.
func rows[T any](f *fake, w http.ResponseWriter, r *http.Request, all []T, pager fixtures.Pager) {
	q := fixtures.ParseQuery(r.URL.RawQuery)
	win := pager.Window(q)
	start, end := win.Bounds(int64(len(all)))
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	next, prev, hasNext, hasPrev := fixtures.Links(scheme+"://"+r.Host+r.URL.EscapedPath(), q, win, int64(len(all)))
	page := map[string]any{"count": len(all), "next": nil, "previous": nil, "results": all[start:end]}
	if hasNext {
		page["next"] = next
	}
	if hasPrev {
		page["previous"] = prev
	}
	f.writeJSON(w, http.StatusOK, page)
}

// features answers the feature list, every feature on one page as the spec's limit says.
func (f *fake) features(w http.ResponseWriter, r *http.Request) {
	type feature struct {
		ID      int64  `json:"id"`
		Name    string `json:"name"`
		Enabled bool   `json:"enabled"`
	}
	all := []feature{{1, "tagging", true}, {2, "grouping", false}}
	rows(f, w, r, all, readWholePager)
}

// queryIs reports whether r's raw query is exactly raw.
func queryIs(r *http.Request, raw string) bool { return r.URL.RawQuery == raw }

// fixturesLinks is DRF's links for p with base.
func fixturesLinks(base string, p *fakePage) (string, string, bool, bool) {
	return fixtures.Links(base, p.query, p.win, p.Count)
}
