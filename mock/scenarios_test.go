package mock_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
)

// TestScenarioSelection requests every shipped scenario without a network fault by its
// reserved id on the three paths and by Prefer on an ordinary user.
func TestScenarioSelection(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := fixtures.ShippedScenarios(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range cat.All() {
		if sc.Faults.Latency > 0 || sc.Faults.Reset || sc.Faults.Truncate || sc.Faults.Drip > 0 || sc.Faults.Status != 0 {
			continue // TestFaults
		}
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			id := strconv.FormatInt(sc.ID, 10)
			self := map[string]string{"Authorization": "Bearer " + jwt(t, []byte("any"), sc.ID, time.Now().Add(time.Hour))}
			prefer := map[string]string{"Authorization": bearer, "Prefer": "scenario=" + sc.Name}
			cases := []struct {
				name, path string
				header     map[string]string
			}{
				{"seed path", "/api/v2/user/" + id + "/connection/requests/?limit=5", auth()},
				{"alias path", "/api/v2/user/" + id + "/connection_requests/?limit=5", auth()},
				{"self path", "/api/v2/user/connection/requests/?limit=5", self},
				{"prefer", "/api/v2/user/1/connection/requests/?limit=5", prefer},
			}
			for _, c := range cases {
				a := do(t, ts, http.MethodGet, c.path, c.header)
				if sc.Error != nil {
					if c.name == "self path" && sc.Error.Status == http.StatusNotFound {
						if a.status != http.StatusBadRequest || !strings.Contains(detail(t, a.body), "does not declare") {
							t.Errorf("%s: %d %s, want 400 naming the undeclared status", c.name, a.status, a.body)
						}
						continue
					}
					if a.status != sc.Error.Status || detail(t, a.body) != sc.Error.Detail {
						t.Errorf("%s: %d %s, want %d %q", c.name, a.status, a.body, sc.Error.Status, sc.Error.Detail)
					}
					if a.status == http.StatusUnauthorized && a.header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s: 401 without WWW-Authenticate", c.name)
					}
					continue
				}
				if a.status != http.StatusOK {
					t.Fatalf("%s: status %d: %s", c.name, a.status, a.body)
				}
				p := decodePage(t, a.body)
				if p.Count != sc.Count || len(p.Results) != int(min(sc.Count, 5)) {
					t.Errorf("%s: count %d with %d results, want %d", c.name, p.Count, len(p.Results), sc.Count)
				}
			}
		})
	}
}

func TestPreferErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	tests := []struct {
		name, path, prefer string
		wantStatus         int
		wantDetail         string // substring
		wantHeader         string // WWW-Authenticate when set
	}{
		{name: "unknown scenario", path: seedPath, prefer: "scenario=nope", wantStatus: 400,
			wantDetail: `Prefer: unknown scenario "nope"; valid scenarios: all-null, all-rejected,`},
		{name: "undeclared code", path: seedPath, prefer: "code=418", wantStatus: 400,
			wantDetail: "code=418 is not declared for GET /api/v2/user/{id}/connection/requests/; valid codes: 200, 400, 401, 403, 404, 500"},
		{name: "undeclared on self path", path: "/api/v2/user/connection/requests/", prefer: "code=404", wantStatus: 400, wantDetail: "valid codes:"},
		{name: "malformed", path: seedPath, prefer: "scenario=empty code=404", wantStatus: 400, wantDetail: "malformed Prefer header"},
		{name: "bad fault", path: seedPath, prefer: "fault=boom", wantStatus: 400, wantDetail: "valid faults: reset, truncate, drip"},
		{name: "scenario on preferences", path: "/api/v2/dynamic_preference/", prefer: "scenario=empty", wantStatus: 400, wantDetail: "valid here: code, delay"},
		{name: "code 404", path: seedPath, prefer: "code=404", wantStatus: 404, wantDetail: "Not found."},
		{name: "code 401", path: seedPath, prefer: "code=401", wantStatus: 401, wantDetail: "Authentication credentials were not provided.", wantHeader: `Bearer realm="api"`},
		{name: "code 500 and delay", path: seedPath, prefer: "code=500, delay=1ms", wantStatus: 500, wantDetail: "A server error occurred."},
		{name: "code 200", path: seedPath, prefer: "code=200, scenario=single", wantStatus: 200},
		{name: "unknown preferences ignored", path: seedPath, prefer: "return=minimal, respond-async", wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := do(t, ts, http.MethodGet, tc.path, map[string]string{"Authorization": bearer, "Prefer": tc.prefer})
			if a.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", a.status, tc.wantStatus, a.body)
			}
			if tc.wantDetail != "" && !strings.Contains(detail(t, a.body), tc.wantDetail) {
				t.Errorf("detail %q, want it to contain %q", detail(t, a.body), tc.wantDetail)
			}
			if tc.wantHeader != "" && a.header.Get("WWW-Authenticate") != tc.wantHeader {
				t.Errorf("WWW-Authenticate %q", a.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// get sends a request and reads the body, returning the read error instead of failing.
func get(ctx context.Context, url string, header map[string]string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", bearer)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func TestFaults(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	url := func(id int64) string {
		return ts.URL + "/api/v2/user/" + strconv.FormatInt(id, 10) + "/connection/requests/"
	}
	ctx := t.Context()

	t.Run("flaky", func(t *testing.T) {
		var got []int
		for range 6 {
			status, _, err := get(ctx, url(900000020), nil)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, status)
		}
		if want := []int{200, 200, 500, 200, 200, 500}; !slicesEqual(got, want) {
			t.Errorf("statuses %v, want %v", got, want)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		status, body, err := get(ctx, url(900000021), nil)
		if status != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || len(body) == 0 || json.Valid(body) {
			t.Errorf("status %d, %d bytes, err %v: want 200, a cut body and unexpected EOF", status, len(body), err)
		}
	})
	t.Run("reset", func(t *testing.T) {
		if _, _, err := get(ctx, url(900000022), nil); err == nil {
			t.Error("reset: got an answer")
		}
		if _, _, err := get(ctx, url(1), map[string]string{"Prefer": "fault=reset"}); err == nil {
			t.Error("Prefer fault=reset: got an answer")
		}
	})
	t.Run("drip", func(t *testing.T) {
		status, body, err := get(ctx, url(1)+"?limit=3", map[string]string{"Prefer": "fault=drip; bytes=512; interval=1ms"})
		if err != nil || status != 200 || !json.Valid(body) {
			t.Errorf("status %d, err %v, valid JSON %v", status, err, json.Valid(body))
		}
	})
	t.Run("jittered delay", func(t *testing.T) {
		took := func() time.Duration {
			start := time.Now()
			if _, _, err := get(ctx, url(1)+"?limit=1", map[string]string{"Prefer": "delay=20ms..60ms"}); err != nil {
				t.Fatal(err)
			}
			return time.Since(start)
		}
		if a := took(); a < 20*time.Millisecond {
			t.Errorf("delay %v, want at least 20ms", a)
		}
	})
	t.Run("cancel ends the wait", func(t *testing.T) {
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, _, err := get(cctx, url(900000018), nil) // slow: 2s
		if err == nil || time.Since(start) > time.Second {
			t.Errorf("err %v after %v", err, time.Since(start))
		}
	})
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFaultsLeakNoGoroutines runs every fault, with clients that give up, while ordinary
// requests keep being answered, then checks that the goroutines are gone.
func TestFaultsLeakNoGoroutines(t *testing.T) {
	ts := newTestServer(t, mock.Config{})
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	prefers := []string{"fault=reset", "fault=truncate", "fault=drip; interval=20ms", "delay=5s", "scenario=slow", "scenario=slow-drip"}
	for _, p := range prefers {
		go func() {
			_, _, _ = get(ctx, ts.URL+seedPath, map[string]string{"Prefer": p})
			done <- struct{}{}
		}()
	}
	// Faults never block other requests.
	start := time.Now()
	if status, _, err := get(t.Context(), ts.URL+seedPath, nil); err != nil || status != 200 {
		t.Fatalf("ordinary request: %d %v", status, err)
	}
	if d := time.Since(start); d > 80*time.Millisecond {
		t.Errorf("ordinary request took %v beside the faults", d)
	}
	for range prefers {
		<-done
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	ts.CloseClientConnections()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestJournal(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{JournalSize: 3})
	do(t, ts, http.MethodGet, seedPath+"?limit=1&token=secret", auth())
	do(t, ts, http.MethodGet, "/api/v2/user/900000001/connection/requests/", auth())
	_, _, _ = get(t.Context(), ts.URL+seedPath, map[string]string{"Prefer": "fault=truncate"})
	do(t, ts, http.MethodGet, "/nowhere", auth())
	a := do(t, ts, http.MethodGet, "/__connreq/requests", nil)
	if strings.Contains(string(a.body), "test-token") || strings.Contains(string(a.body), "secret") {
		t.Errorf("journal leaks a credential: %s", a.body)
	}
	var j struct {
		Size     int `json:"size"`
		Count    int `json:"count"`
		Requests []struct {
			Method, Path, Query, Scenario, Fault string
			Status                               int
			Time                                 string
		} `json:"requests"`
	}
	if err := json.Unmarshal(a.body, &j); err != nil {
		t.Fatal(err)
	}
	if j.Size != 3 || j.Count != 3 || j.Requests[0].Path != "/nowhere" || j.Requests[0].Status != 404 ||
		j.Requests[1].Fault != "truncate" || j.Requests[2].Scenario != "empty" || j.Requests[2].Status != 200 {
		t.Errorf("journal: %s", a.body)
	}
	if a := do(t, ts, http.MethodDelete, "/__connreq/requests", nil); a.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d", a.status)
	}
	a = do(t, ts, http.MethodGet, "/__connreq/requests", nil)
	if !strings.Contains(string(a.body), `"count":0`) {
		t.Errorf("after DELETE: %s", a.body)
	}
}

func TestScenarioListing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	a := do(t, ts, http.MethodGet, "/__connreq/scenarios", nil)
	var l struct {
		Count     int `json:"count"`
		Scenarios []struct {
			Name, Description string
			ID                int64
			ExampleURL        string `json:"example_url"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal(a.body, &l); err != nil || a.status != 200 {
		t.Fatalf("%d %v: %s", a.status, err, a.body)
	}
	if l.Count != 23 || l.Scenarios[0].Name != "empty" || l.Scenarios[0].ExampleURL != ts.URL+"/api/v2/user/900000001/connection/requests/" {
		t.Errorf("listing: %s", a.body)
	}
}

// TestSetScenarios swaps the catalogue: the new one serves, cached pages of the old do not.
func TestSetScenarios(t *testing.T) {
	t.Parallel()
	doc := mustDoc(t)
	srv, err := mock.New(doc, mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	get := func() string {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://x/api/v2/user/900000001/connection/requests/", nil)
		req.Header.Set("Authorization", bearer)
		w := &recorder{h: http.Header{}}
		h.ServeHTTP(w, req)
		return w.b.String()
	}
	for range 3 {
		if got := get(); !strings.HasPrefix(got, `{"count":0,`) {
			t.Fatalf("shipped empty: %s", got)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/empty.yaml", []byte("name: empty\ndescription: d\nid: 900000001\ncount: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	user, err := fixtures.LoadScenarios(doc, dir)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := srv.Scenarios().With(user)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetScenarios(merged)
	if got := get(); !strings.HasPrefix(got, `{"count":2,`) {
		t.Errorf("after SetScenarios: %.40s", got)
	}
}

type recorder struct {
	h    http.Header
	code int
	b    strings.Builder
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(p []byte) (int, error) { return r.b.Write(p) }
