package mock_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/mock"
)

// newTestServer starts the mock with cfg over httptest.
func newTestServer(t *testing.T, cfg mock.Config) *httptest.Server {
	t.Helper()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.SpecYAML = connreq.SpecYAML()
	srv, err := mock.New(doc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request without following redirects.
func do(t *testing.T, ts *httptest.Server, method, path string, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}
}

const bearer = "Bearer test-token-1"

func auth() map[string]string { return map[string]string{"Authorization": bearer} }

// page is the decoded 200 body.
type page struct {
	Count    int64            `json:"count"`
	Next     *string          `json:"next"`
	Previous *string          `json:"previous"`
	Results  []map[string]any `json:"results"`
}

func decodePage(t *testing.T, body []byte) page {
	t.Helper()
	var p page
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("decode page: %v\n%s", err, body)
	}
	if p.Results == nil {
		t.Fatalf("results missing or null: %s", body)
	}
	return p
}

func detail(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not JSON: %v: %q", err, body)
	}
	return e.Detail
}

// httptestServer shortens the table types.
type httptestServer = httptest.Server

func mustDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustDocF(f *testing.F) *openapi3.T {
	f.Helper()
	doc, err := connreq.Load()
	if err != nil {
		f.Fatal(err)
	}
	return doc
}
