package mock_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/connreq/connreq/mock"
)

// FuzzActions sends arbitrary lifecycle actions (id, action, body, content type, Prefer)
// through the whole handler chain of one server whose state accumulates: never a 5xx but
// the documented 503 of a full state, always a JSON body (none for 204), a status the
// spec declares for actions, and afterwards user 1's list still walks without a
// duplicate or a missing item.
func FuzzActions(f *testing.F) {
	f.Add("882565049", uint8(0), "", "", "")
	f.Add("693031089", uint8(1), `{"a":1}`, "application/json", "session=s1")
	f.Add("1", uint8(3), "{", "application/json", "")
	f.Add("abc", uint8(6), "x", "text/plain; charset=utf-8", "session=")
	f.Add("2147483648", uint8(4), "", "", "code=404")
	doc := mustDocF(f)
	srv, err := mock.New(doc, mock.Config{StateMax: 20_000})
	if err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()
	actions := []string{"accept", "reject", "cancel_reject", "request", "cancel_request", "remove", "mark_seen"}
	declared := map[int]bool{200: true, 201: true, 204: true, 400: true, 401: true, 403: true, 404: true, 413: true, 503: true}
	f.Fuzz(func(t *testing.T, id string, action uint8, body, ctype, prefer string) {
		a := actions[int(action)%len(actions)]
		path := "/api/v2/user/" + id + "/connection/" + a + "/"
		if a == "mark_seen" {
			path = "/api/v2/user/" + id + "/connection_requests/mark_seen/"
		}
		req := httptest.NewRequest(http.MethodPost, "http://mock.test/", strings.NewReader(body))
		req.URL.Path, req.URL.RawPath = path, ""
		req.Header.Set("Authorization", "Bearer fuzz-token")
		if ctype != "" {
			req.Header["Content-Type"] = []string{ctype}
		}
		if prefer != "" {
			req.Header["Prefer"] = []string{prefer}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch {
		case w.Code == 301 || w.Code == 404 && !strings.HasPrefix(path, "/api/v2/user/"):
			return // a path mux cleaned or Django would redirect: covered by FuzzHandler
		case !declared[w.Code]:
			t.Fatalf("POST %q: status %d not declared for actions: %s", path, w.Code, w.Body)
		case w.Code == 204:
			if w.Body.Len() != 0 {
				t.Fatalf("204 with a body: %q", w.Body)
			}
			return
		}
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("POST %q: %d not JSON (%v): %q", path, w.Code, err, w.Body)
		}
		if w.Code == 503 && !strings.HasPrefix(out["detail"].(string), "State full") {
			t.Fatalf("POST %q: 503 %s", path, w.Body)
		}
		// The list of the caller (user 1) stays a list: count equals the items walked, no repeats.
		lr := httptest.NewRequest(http.MethodGet, "http://mock.test/api/v2/user/1/connection/requests/?limit=100", nil)
		lr.Header.Set("Authorization", "Bearer fuzz-token")
		lw := httptest.NewRecorder()
		h.ServeHTTP(lw, lr)
		var p struct {
			Count   int64
			Results []struct {
				FromUser struct{ ID int64 } `json:"from_user"`
			}
		}
		if err := json.Unmarshal(lw.Body.Bytes(), &p); err != nil || lw.Code != 200 {
			t.Fatalf("list after an action: %d %v", lw.Code, err)
		}
		seen := map[int64]bool{}
		for _, r := range p.Results {
			if seen[r.FromUser.ID] {
				t.Fatalf("user %d twice in user 1's list", r.FromUser.ID)
			}
			seen[r.FromUser.ID] = true
		}
		if int64(len(p.Results)) != min(p.Count, 100) {
			t.Fatalf("count %d but %d results", p.Count, len(p.Results))
		}
	})
}
