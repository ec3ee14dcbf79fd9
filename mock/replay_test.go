package mock_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
)

// recordFrom asks a mock for each path and builds a recording of its answers, as if
// connreq record had captured them from a deployment at origin.
func recordFrom(t *testing.T, origin string, paths ...string) *fixtures.Recording {
	t.Helper()
	src := newTestServer(t, mock.Config{Seed: 7})
	rec := &fixtures.Recording{Target: origin, User: "1"}
	for i, p := range paths {
		a := do(t, src, "GET", p, map[string]string{"Authorization": bearer, "Host": strings.TrimPrefix(origin, "http://")})
		path, query, _ := strings.Cut(p, "?")
		en := fixtures.IndexEntry{File: fixtures.ExchangeFile(i+1, "c"), Case: "op/c", Method: "GET", Path: path, Query: query,
			Auth: fixtures.AuthBearer, Status: a.status}
		rec.Entries = append(rec.Entries, en)
		rec.Exchanges = append(rec.Exchanges, fixtures.Exchange{
			Request:  fixtures.RecordedRequest{Method: "GET", Path: path, Query: query, Auth: fixtures.AuthBearer},
			Response: fixtures.RecordedResponse{Status: a.status, Headers: map[string]string{"Content-Type": a.header.Get("Content-Type")}, Body: a.body},
		})
	}
	return rec
}

func TestReplay(t *testing.T) {
	t.Parallel()
	const origin = "http://prod.example.org"
	rec := recordFrom(t, origin, seedPath, seedPath+"?limit=20&offset=20", "/api/v2/user/0/connection/requests/", "/api/v2/dynamic_preference/")
	replay := newTestServer(t, mock.Config{Replay: rec})
	generate := newTestServer(t, mock.Config{Replay: rec, ReplayFallback: mock.ReplayFallbackGenerate})
	recorded := func(i int) page { return decodePage(t, rec.Exchanges[i].Response.Body) }

	t.Run("same request, same body, links on the mock", func(t *testing.T) {
		a := do(t, replay, "GET", seedPath, map[string]string{"Authorization": bearer, "Host": "mock.test:4010"})
		if a.status != 200 {
			t.Fatalf("status %d: %s", a.status, a.body)
		}
		got, want := decodePage(t, a.body), recorded(0)
		if got.Count != want.Count || len(got.Results) != len(want.Results) || got.Results[3]["id"] != want.Results[3]["id"] {
			t.Errorf("replayed page differs from the recording")
		}
		wantNext := strings.Replace(*want.Next, origin, "http://mock.test:4010", 1)
		if got.Next == nil || *got.Next != wantNext {
			t.Errorf("next = %v, want %q", deref(got.Next), wantNext)
		}
		if strings.Contains(string(a.body), "prod.example.org") {
			t.Error("the recorded host leaks into the replayed body")
		}
	})
	t.Run("normalised like the server: order, defaults, lenient values", func(t *testing.T) {
		for _, q := range []string{"?offset=20&limit=20", "?offset=20", "?limit=abc&offset=20", "?limit=7&limit=20&offset=20"} {
			a := do(t, replay, "GET", seedPath+q, auth())
			if a.status != 200 {
				t.Fatalf("%s: status %d: %s", q, a.status, a.body)
			}
			if got := decodePage(t, a.body); got.Results[0]["id"] != recorded(1).Results[0]["id"] {
				t.Errorf("%s: not the recorded second page", q)
			}
		}
	})
	t.Run("recorded errors are replayed", func(t *testing.T) {
		a := do(t, replay, "GET", "/api/v2/user/0/connection/requests/", auth())
		if a.status != 404 || !strings.Contains(string(a.body), "Not found.") {
			t.Errorf("got %d %s, want the recorded 404", a.status, a.body)
		}
	})
	t.Run("unrecorded request: 404 naming the closest", func(t *testing.T) {
		a := do(t, replay, "GET", seedPath+"?offset=40", auth())
		if a.status != 404 || a.header.Get("Content-Type") != "application/json" {
			t.Fatalf("got %d %q", a.status, a.header.Get("Content-Type"))
		}
		var e struct{ Detail string }
		if err := json.Unmarshal(a.body, &e); err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"no recorded answer to GET /api/v2/user/1/connection/requests/?limit=20&offset=40", "closest recorded: ", "GET /api/v2/user/1/connection/requests/?limit=20&offset=20"} {
			if !strings.Contains(e.Detail, w) {
				t.Errorf("detail %q lacks %q", e.Detail, w)
			}
		}
	})
	t.Run("fallback generate", func(t *testing.T) {
		a := do(t, generate, "GET", seedPath+"?offset=40", auth())
		if a.status != 200 || decodePage(t, a.body).Count == 0 {
			t.Errorf("got %d %s, want a generated page", a.status, a.body)
		}
	})
	t.Run("auth and validation stay the mock's", func(t *testing.T) {
		if a := do(t, replay, "GET", seedPath, nil); a.status != 401 {
			t.Errorf("no token: %d, want 401", a.status)
		}
		if a := do(t, replay, "POST", seedPath, auth()); a.status != 405 {
			t.Errorf("POST: %d, want 405", a.status)
		}
	})
	t.Run("Prefer faults and CORS apply", func(t *testing.T) {
		a := do(t, replay, "GET", seedPath, map[string]string{"Authorization": bearer, "Origin": "http://app.test"})
		if a.header.Get("Access-Control-Allow-Origin") != "http://app.test" {
			t.Errorf("no CORS header on a replayed answer: %v", a.header)
		}
		a = do(t, replay, "GET", seedPath, map[string]string{"Authorization": bearer, "Prefer": "code=500"})
		if a.status != 500 {
			t.Errorf("Prefer code=500 on replay: %d", a.status)
		}
	})
	t.Run("HEAD and non-paginated paths", func(t *testing.T) {
		if a := do(t, replay, "HEAD", seedPath, auth()); a.status != 200 || len(a.body) != 0 {
			t.Errorf("HEAD: %d with %d bytes", a.status, len(a.body))
		}
		a := do(t, replay, "GET", "/api/v2/dynamic_preference/", auth())
		if a.status != 200 || string(a.body) != string(rec.Exchanges[3].Response.Body) {
			t.Errorf("preferences: %d %s", a.status, a.body)
		}
	})
	t.Run("same request, same bytes", func(t *testing.T) {
		a, b := do(t, replay, "GET", seedPath, auth()), do(t, replay, "GET", seedPath, auth())
		if string(a.body) != string(b.body) {
			t.Error("two replays of one request differ")
		}
	})
}

func TestReplayRejectsRecordings(t *testing.T) {
	t.Parallel()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	good := recordFrom(t, "http://x", seedPath)
	tests := []struct {
		name     string
		rec      func() *fixtures.Recording
		fallback string
		want     string
	}{
		{"path no route serves", func() *fixtures.Recording {
			r := recordFrom(t, "http://x", seedPath)
			r.Entries[0].Path, r.Exchanges[0].Request.Path = "/nowhere/", "/nowhere/"
			return r
		}, "", "exchanges/0001-c.json: GET /nowhere/ matches no path of the spec"},
		{"nothing answered", func() *fixtures.Recording {
			r := recordFrom(t, "http://x", seedPath)
			r.Exchanges[0].Response = fixtures.RecordedResponse{Error: "timeout"}
			return r
		}, "", "no answered request"},
		{"bad fallback", func() *fixtures.Recording { return good }, "maybe", `must be 404 or generate (got "maybe")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mock.New(doc, mock.Config{Replay: tt.rec(), ReplayFallback: tt.fallback})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// A request the mock's authentication refuses gets the recorded 401 of its kind (a real
// simplejwt deployment adds code and messages to DRF's detail), else the mock's own.
func TestReplayRecordedRefusals(t *testing.T) {
	t.Parallel()
	rec := recordFrom(t, "http://x", seedPath)
	refusal := func(auth, body string) {
		rec.Entries = append(rec.Entries, fixtures.IndexEntry{File: fixtures.ExchangeFile(len(rec.Entries)+1, auth), Case: "op/" + auth,
			Method: "GET", Path: seedPath, Auth: auth, Status: 401})
		rec.Exchanges = append(rec.Exchanges, fixtures.Exchange{
			Request: fixtures.RecordedRequest{Method: "GET", Path: seedPath, Auth: auth},
			Response: fixtures.RecordedResponse{Status: 401, Body: []byte(body),
				Headers: map[string]string{"Content-Type": "application/json", "WWW-Authenticate": `Bearer realm="api"`}},
		})
	}
	refusal(fixtures.AuthBadToken, `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken"}]}`)
	refusal(fixtures.AuthNone, `{"detail":"Authentication credentials were not provided.","recorded":true}`)
	ts := newTestServer(t, mock.Config{Replay: rec})
	tests := []struct {
		name, auth, want string
	}{
		{"bad token: recorded", "Bearer bad!token", `"code":"token_not_valid"`},
		{"no header: recorded", "", `"recorded":true`},
		{"other scheme: none recorded, the mock's own", "Basic abc", `{"detail":"Authentication credentials were not provided."}`},
	}
	for _, tt := range tests {
		h := map[string]string{}
		if tt.auth != "" {
			h["Authorization"] = tt.auth
		}
		a := do(t, ts, "GET", seedPath, h)
		if a.status != 401 || !strings.Contains(string(a.body), tt.want) || a.header.Get("WWW-Authenticate") != `Bearer realm="api"` {
			t.Errorf("%s: %d %s (WWW-Authenticate %q), want 401 with %s", tt.name, a.status, a.body, a.header.Get("WWW-Authenticate"), tt.want)
		}
	}
	if a := do(t, ts, "GET", seedPath, auth()); a.status != 200 {
		t.Errorf("a good token: %d", a.status)
	}
}

// FuzzReplay sends arbitrary ids, queries and Authorization values to a replaying mock:
// never a 5xx or a panic, always JSON with its Content-Type, the same bytes twice, and a
// request the recording holds (however its query is written) gets the recorded page.
func FuzzReplay(f *testing.F) {
	for _, seed := range []struct{ id, query, auth string }{
		{"1", "limit=20&offset=20", "Bearer t"},
		{"1", "offset=20&limit=20&limit=20", "Bearer t"},
		{"1", "", ""},
		{"1", "limit=abc&offset=%ff", "Bearer bad!"},
		{"0", "offset=99999999999999999999999", "Basic x"},
		{"%31", "limit=20\x00", "Bearer a.b.c"},
		{"2", "limit=7&offset=3", bearer},
		{"2", "limit=100&offset=5", bearer},
	} {
		f.Add(seed.id, seed.query, seed.auth)
	}
	src, err := mock.New(mustDocF(f), mock.Config{})
	if err != nil {
		f.Fatal(err)
	}
	rec := &fixtures.Recording{Target: "http://prod.test"}
	for i, q := range []string{"", "limit=20&offset=20"} {
		req := httptest.NewRequest(http.MethodGet, "http://prod.test"+seedPath+"?"+q, nil)
		req.Header.Set("Authorization", bearer)
		w := httptest.NewRecorder()
		src.Handler().ServeHTTP(w, req)
		rec.Entries = append(rec.Entries, fixtures.IndexEntry{File: fixtures.ExchangeFile(i+1, "c"), Case: "op/c", Method: "GET",
			Path: seedPath, Query: q, Auth: fixtures.AuthBearer, Status: w.Code})
		rec.Exchanges = append(rec.Exchanges, fixtures.Exchange{
			Request:  fixtures.RecordedRequest{Method: "GET", Path: seedPath, Query: q, Auth: fixtures.AuthBearer},
			Response: fixtures.RecordedResponse{Status: w.Code, Headers: map[string]string{"Content-Type": "application/json"}, Body: w.Body.Bytes()},
		})
	}
	// User 2's list as a recorded collection, cut after 10 items: any window is served
	// from it, one past the stored items is a 404.
	req := httptest.NewRequest(http.MethodGet, "http://prod.test/api/v2/user/2/connection/requests/?limit=100", nil)
	req.Header.Set("Authorization", bearer)
	w := httptest.NewRecorder()
	src.Handler().ServeHTTP(w, req)
	var list struct {
		Count   int64             `json:"count"`
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || list.Count < 11 {
		f.Fatalf("user 2: %d items, %v", list.Count, err)
	}
	items := make([][]byte, 10)
	for i := range items {
		items[i] = list.Results[i]
	}
	rec.Collections = []fixtures.CollectionEntry{{File: fixtures.CollectionFile(2), Owner: 2, Limit: 100, MaxItems: 10,
		Paths: []string{"/api/v2/user/2/connection/requests/"}}}
	rec.Lists = []*fixtures.Collection{fixtures.NewCollection(2, list.Count, items)}
	replay, err := mock.New(mustDocF(f), mock.Config{Replay: rec})
	if err != nil {
		f.Fatal(err)
	}
	pager := &fixtures.Pager{}
	recorded := fixtures.RequestKey("GET", seedPath, "limit=20&offset=20", pager)
	f.Fuzz(func(t *testing.T, id, query, auth string) {
		send := func() *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			replay.Handler().ServeHTTP(w, fuzzRequest(id, query, auth))
			return w
		}
		a, b := send(), send()
		if a.Code >= 500 {
			t.Fatalf("status %d: %s", a.Code, a.Body)
		}
		if a.Code != http.StatusMovedPermanently && (a.Header().Get("Content-Type") != "application/json" || !json.Valid(a.Body.Bytes())) {
			t.Fatalf("status %d, Content-Type %q, body %q", a.Code, a.Header().Get("Content-Type"), a.Body)
		}
		if !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) || a.Code != b.Code {
			t.Fatal("two answers to one request differ")
		}
		if a.Code == http.StatusOK && id == "1" && auth == bearer &&
			fixtures.RequestKey("GET", seedPath, query, pager) == recorded &&
			!bytes.Equal(a.Body.Bytes(), bytes.ReplaceAll(rec.Exchanges[1].Response.Body, []byte("http://prod.test"), []byte("http://mock.test"))) {
			t.Fatalf("query %q: not the recorded page", query)
		}
		if a.Code == http.StatusOK && (id == "2" || id == "%32") && auth == bearer &&
			!bytes.HasPrefix(a.Body.Bytes(), []byte(`{"count":`+strconv.FormatInt(list.Count, 10)+`,`)) {
			t.Fatalf("query %q: not a window of the recorded collection: %.100s", query, a.Body)
		}
	})
}

// TestReplayBootFallsBackToGenerated: the official client's boot endpoints that the
// recorded deployment never answered are served generated, the recorded ones replayed.
func TestReplayBootFallsBackToGenerated(t *testing.T) {
	t.Parallel()
	const origin = "http://prod.example.org"
	rec := recordFrom(t, origin, seedPath, "/api/v2/dynamic_preference/?limit=2")
	replay := newTestServer(t, mock.Config{Replay: rec})
	plain := newTestServer(t, mock.Config{})
	for _, path := range []string{"/api/v2/user/me/", "/api/v2/feature/?", "/api/v2/user/1/settings/", "/api/v2/user/hidden_users_id/"} {
		got, want := do(t, replay, "GET", path, auth()), do(t, plain, "GET", path, auth())
		if got.status != 200 || !bytes.Equal(got.body, want.body) {
			t.Errorf("%s on the replay: %d %.120s, want the generated answer", path, got.status, got.body)
		}
	}
	// dynamic_preference was recorded: its exact request replays, another one is a miss.
	want := bytes.ReplaceAll(rec.Exchanges[1].Response.Body, []byte(origin), []byte(replay.URL))
	if got := do(t, replay, "GET", "/api/v2/dynamic_preference/?limit=2", nil); got.status != 200 || !bytes.Equal(got.body, want) {
		t.Errorf("recorded preferences not replayed: %d %.120s", got.status, got.body)
	}
	if got := do(t, replay, "GET", "/api/v2/dynamic_preference/?search=x", nil); got.status != 404 || !strings.Contains(string(got.body), "no recorded answer") {
		t.Errorf("unrecorded preference query: %d %.120s", got.status, got.body)
	}
}
