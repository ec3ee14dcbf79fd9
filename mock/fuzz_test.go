package mock_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
)

// fuzzRequest is a GET of user id's list with a raw query and Authorization value, as
// sent, on host mock.test.
func fuzzRequest(id, query, auth string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "http://mock.test/", nil)
	req.URL.Path = "/api/v2/user/" + id + "/connection/requests/"
	req.URL.RawPath = ""
	req.URL.RawQuery = query
	if auth != "" {
		req.Header["Authorization"] = []string{auth}
	}
	return req
}

// FuzzHandler sends arbitrary ids, queries and Authorization values through the whole
// handler chain, in both modes: never a 5xx, never a panic, always a JSON body with its
// Content-Type (except the bodiless 301), and the same bytes for the same request. A 200 is
// a page as design §3 builds it from the request alone: the four keys in order,
// min(limit, max(count-offset, 0)) results, and next and previous exactly as fixtures.Links
// writes them for the request's URL, query and count.
func FuzzHandler(f *testing.F) {
	for _, seed := range []struct{ id, query, auth string }{
		{"1", "limit=20&offset=20", "Bearer t"},
		{"abc", "limit=abc&offset=-5", "Bearer t"},
		{"99999999999999999999", "limit=99999999999999999999", "Bearer a.b.c"},
		{"1", "limit=%zz&offset=%ff&x=a+b", "Basic x"},
		{"0", "offset=1e309&limit=+5", ""},
		{"1", "limit=5&limit=6&offset=%00", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiMSJ9.x"},
	} {
		f.Add(seed.id, seed.query, seed.auth)
	}
	doc := mustDocF(f)
	faithful, err := mock.New(doc, mock.Config{})
	if err != nil {
		f.Fatal(err)
	}
	strict, err := mock.New(doc, mock.Config{Strict: true})
	if err != nil {
		f.Fatal(err)
	}
	shipped, err := fixtures.ShippedScenarios(doc)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id, query, auth string) {
		// The fault scenarios (slow, flaky 5xx, truncated, reset, ...) misbehave on purpose:
		// scenarios_test.go covers them.
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			if sc := shipped.ByID(n); sc != nil && !sc.Faults.IsZero() {
				return
			}
		}
		for _, h := range []http.Handler{faithful.Handler(), strict.Handler()} {
			req := fuzzRequest(id, query, auth)
			first := httptest.NewRecorder()
			h.ServeHTTP(first, req)
			if first.Code >= 500 {
				t.Fatalf("id %q query %q: status %d: %s", id, query, first.Code, first.Body)
			}
			if first.Code != http.StatusMovedPermanently && !json.Valid(first.Body.Bytes()) {
				t.Fatalf("id %q query %q: status %d, body is not JSON: %q", id, query, first.Code, first.Body)
			}
			if ct := first.Header().Get("Content-Type"); first.Code != http.StatusMovedPermanently && ct != "application/json" {
				t.Fatalf("id %q query %q: status %d with Content-Type %q", id, query, first.Code, ct)
			}
			if first.Code == http.StatusOK {
				checkPage(t, req, first.Body.Bytes())
			}
			second := httptest.NewRecorder()
			h.ServeHTTP(second, req)
			if first.Body.String() != second.Body.String() {
				t.Fatalf("id %q query %q: two answers differ", id, query)
			}
		}
	})
}

// checkPage checks a 200 body against what design §3 derives from the request alone, with
// the default pager of a zero mock.Config.
func checkPage(t *testing.T, req *http.Request, body []byte) {
	t.Helper()
	var page struct {
		Count    *int64            `json:"count"`
		Next     *string           `json:"next"`
		Previous *string           `json:"previous"`
		Results  []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(body, &page); err != nil || page.Count == nil || page.Results == nil {
		t.Fatalf("%s: a 200 that is not a page (%v): %.200s", req.URL, err, body)
	}
	at := -1 // the keys in DRF's order (a quote inside a link would be escaped)
	for _, key := range []string{`{"count":`, `,"next":`, `,"previous":`, `,"results":[`} {
		i := bytes.Index(body, []byte(key))
		if i <= at {
			t.Fatalf("%s: %s out of order in %.200s", req.URL, key, body)
		}
		at = i
	}
	q := fixtures.ParseQuery(req.URL.RawQuery)
	w := fixtures.Pager{}.Window(q)
	start, end := w.Bounds(*page.Count)
	if int64(len(page.Results)) != end-start {
		t.Fatalf("%s: %d results of %d at %+v, want %d", req.URL, len(page.Results), *page.Count, w, end-start)
	}
	next, prev, hasNext, hasPrev := fixtures.Links("http://"+req.Host+req.URL.EscapedPath(), q, w, *page.Count)
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	if hasNext != (page.Next != nil) || hasPrev != (page.Previous != nil) || next != deref(page.Next) || prev != deref(page.Previous) {
		t.Fatalf("%s: links %q, %q; design §3 says %q, %q", req.URL, deref(page.Next), deref(page.Previous), next, prev)
	}
}
