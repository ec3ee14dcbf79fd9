package mock_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
)

// collectionOf walks path on the live mock at limit 100, as connreq record does, and keeps
// the first stored items of owner's list.
func collectionOf(t *testing.T, live *httptest.Server, path string, owner, stored int64) *fixtures.Collection {
	t.Helper()
	var items [][]byte
	count := int64(-1)
	for offset := 0; count < 0 || int64(len(items)) < min(count, stored); offset += 100 {
		a := do(t, live, "GET", fmt.Sprintf("%s?limit=100&offset=%d", path, offset), auth())
		var p struct {
			Count   int64             `json:"count"`
			Results []json.RawMessage `json:"results"`
		}
		if a.status != 200 || json.Unmarshal(a.body, &p) != nil {
			t.Fatalf("walk %s: %d %s", path, a.status, a.body)
		}
		count = p.Count
		for _, it := range p.Results {
			if int64(len(items)) < stored {
				items = append(items, it)
			}
		}
		if len(p.Results) == 0 {
			break
		}
	}
	return fixtures.NewCollection(owner, count, items)
}

// TestReplayCollection serves windows of a recorded collection: every limit and offset,
// on every path of the owner's list, byte for byte what the live mock answers.
func TestReplayCollection(t *testing.T) {
	t.Parallel()
	const owner = 7
	live := newTestServer(t, mock.Config{Seed: 7, Me: owner})
	coll := collectionOf(t, live, "/api/v2/user/7/connection/requests/", owner, 1<<20)
	count := coll.Count
	rec := recordFrom(t, "http://prod.example.org", "/api/v2/user/7/connection/requests/?limit=20")
	rec.User = "7"
	rec.Collections = []fixtures.CollectionEntry{{File: fixtures.CollectionFile(owner), Owner: owner, Limit: 100,
		Paths: []string{"/api/v2/user/7/connection/requests/", "/api/v2/user/7/connection_requests/", "/api/v2/user/connection/requests/"}}}
	rec.Lists = []*fixtures.Collection{coll}
	// An odd recorded answer: the exact exchange wins over the collection.
	odd := []byte(`{"count":1,"next":null,"previous":null,"results":[],"note":"recorded as is"}`)
	rec.Entries = append(rec.Entries, fixtures.IndexEntry{File: fixtures.ExchangeFile(2, "odd"), Method: "GET",
		Path: "/api/v2/user/7/connection/requests/", Query: "limit=2&x=1", Auth: fixtures.AuthBearer, Status: 200})
	rec.Exchanges = append(rec.Exchanges, fixtures.Exchange{
		Request:  fixtures.RecordedRequest{Method: "GET", Path: "/api/v2/user/7/connection/requests/", Query: "limit=2&x=1", Auth: fixtures.AuthBearer},
		Response: fixtures.RecordedResponse{Status: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: odd}})
	replay := newTestServer(t, mock.Config{Replay: rec}) // Me: the recorded user

	t.Run("any window equals the live list", func(t *testing.T) {
		n := 0
		for _, path := range []string{"/api/v2/user/7/connection/requests/", "/api/v2/user/7/connection_requests/", "/api/v2/user/connection/requests/"} {
			for _, limit := range []string{"1", "3", "7", "10", "20", "100", "250", "abc", ""} {
				for _, offset := range []int64{0, 1, 3, 13, 59, count - 7, count - 1, count, count + 5} {
					q := fmt.Sprintf("?limit=%s&offset=%d", limit, offset)
					h := map[string]string{"Authorization": bearer, "Host": "mock.test:4010"}
					a, b := do(t, live, "GET", path+q, h), do(t, replay, "GET", path+q, h)
					if a.status != 200 || b.status != a.status || !bytes.Equal(a.body, b.body) {
						t.Fatalf("%s%s: replay %d %.200s\nlive %d %.200s", path, q, b.status, b.body, a.status, a.body)
					}
					n++
				}
			}
		}
		t.Logf("%d windows identical", n)
	})
	t.Run("the exact exchange wins", func(t *testing.T) {
		a := do(t, replay, "GET", "/api/v2/user/7/connection/requests/?x=1&limit=2", auth())
		if a.status != 200 || !bytes.Equal(a.body, odd) {
			t.Errorf("got %d %s, want the recorded body", a.status, a.body)
		}
	})
	t.Run("another user: 404 naming the closest recorded", func(t *testing.T) {
		a := do(t, replay, "GET", "/api/v2/user/8/connection/requests/?limit=3", auth())
		if a.status != 404 || !strings.Contains(string(a.body), "no recorded answer") || !strings.Contains(string(a.body), "closest recorded") {
			t.Errorf("got %d %s", a.status, a.body)
		}
	})
	t.Run("self path of another caller: 404", func(t *testing.T) {
		other := newTestServer(t, mock.Config{Replay: rec, Me: 8})
		if a := do(t, other, "GET", "/api/v2/user/connection/requests/?limit=3", auth()); a.status != 404 {
			t.Errorf("got %d %s", a.status, a.body)
		}
	})
	t.Run("fallback generate for another user", func(t *testing.T) {
		gen := newTestServer(t, mock.Config{Seed: 7, Replay: rec, ReplayFallback: mock.ReplayFallbackGenerate})
		h := map[string]string{"Authorization": bearer, "Host": "mock.test:4010"}
		a, b := do(t, gen, "GET", "/api/v2/user/8/connection/requests/?limit=3", h), do(t, live, "GET", "/api/v2/user/8/connection/requests/?limit=3", h)
		if a.status != 200 || !bytes.Equal(a.body, b.body) {
			t.Errorf("got %d %.200s, want the generated page", a.status, a.body)
		}
	})
}

// TestReplayCollectionCut serves a list that record --max-items cut: windows inside the
// stored items as the live list, past them a 404 saying why.
func TestReplayCollectionCut(t *testing.T) {
	t.Parallel()
	const owner = 900000006 // the many scenario: 5,000 items
	live := newTestServer(t, mock.Config{Seed: 7})
	rec := recordFrom(t, "http://prod.example.org", "/api/v2/dynamic_preference/")
	rec.Collections = []fixtures.CollectionEntry{{File: fixtures.CollectionFile(owner), Owner: owner, Limit: 100, MaxItems: 50,
		Paths: []string{"/api/v2/user/900000006/connection/requests/"}}}
	rec.Lists = []*fixtures.Collection{collectionOf(t, live, "/api/v2/user/900000006/connection/requests/", owner, 50)}
	replay := newTestServer(t, mock.Config{Replay: rec})
	for _, tc := range []struct {
		name, query string
		status      int
	}{
		{"first page", "?limit=20", 200},
		{"last stored item", "?limit=7&offset=43", 200},
		{"one past", "?limit=7&offset=44", 404},
		{"far past", "?limit=100&offset=100", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/api/v2/user/900000006/connection/requests/" + tc.query
			h := map[string]string{"Authorization": bearer, "Host": "mock.test:4010"}
			a := do(t, replay, "GET", path, h)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.status == 404 {
				if !strings.Contains(string(a.body), "past the 50 recorded (record --max-items)") {
					t.Errorf("404 does not say why: %s", a.body)
				}
				return
			}
			if b := do(t, live, "GET", path, h); !bytes.Equal(a.body, b.body) {
				t.Errorf("replay %.200s\nlive %.200s", a.body, b.body)
			}
		})
	}
}
