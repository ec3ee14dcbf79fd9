package mock_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/connreq/connreq/mock"
)

// FuzzHandler sends arbitrary ids, queries and Authorization values through the whole
// handler chain, in both modes: never a 5xx, never a panic, always a JSON body (except
// the bodiless 301), and the same bytes for the same request.
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
	f.Fuzz(func(t *testing.T, id, query, auth string) {
		for _, h := range []http.Handler{faithful.Handler(), strict.Handler()} {
			req := httptest.NewRequest(http.MethodGet, "http://mock.test/", nil)
			req.URL.Path = "/api/v2/user/" + id + "/connection/requests/"
			req.URL.RawPath = ""
			req.URL.RawQuery = query
			if auth != "" {
				req.Header["Authorization"] = []string{auth}
			}
			first := httptest.NewRecorder()
			h.ServeHTTP(first, req)
			if first.Code >= 500 {
				t.Fatalf("id %q query %q: status %d: %s", id, query, first.Code, first.Body)
			}
			if first.Code != http.StatusMovedPermanently && !json.Valid(first.Body.Bytes()) {
				t.Fatalf("id %q query %q: status %d, body is not JSON: %q", id, query, first.Code, first.Body)
			}
			second := httptest.NewRecorder()
			h.ServeHTTP(second, req)
			if first.Body.String() != second.Body.String() {
				t.Fatalf("id %q query %q: two answers differ", id, query)
			}
		}
	})
}
