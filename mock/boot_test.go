package mock_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
)

// TestBootEndpoints: what the official client calls on start answers like every other
// operation: auth as production has it, bad ids and tokens, strict mode, Prefer, journal.
func TestBootEndpoints(t *testing.T) {
	t.Parallel()
	faithful := newTestServer(t, mock.Config{})
	strict := newTestServer(t, mock.Config{Strict: true})
	off := newTestServer(t, mock.Config{NoFriendship: true})
	as := func(id int64) map[string]string {
		return map[string]string{"Authorization": "Bearer " + jwt(t, nil, id, time.Now().Add(time.Hour))}
	}
	tests := []struct {
		name       string
		ts         *httptestServer
		path       string
		header     map[string]string
		wantStatus int
		wantDetail string
		wantBody   string // a substring of the body
	}{
		{name: "preferences public", path: "/api/v2/dynamic_preference/", wantStatus: 200, wantBody: `"name":"url_template_profile","value":"/u/{username}/{id}/"`},
		{name: "preferences friendship on", path: "/api/v2/dynamic_preference/?search=connection_enabled", wantStatus: 200, wantBody: `"name":"connection_enabled","value":true`},
		{name: "preferences friendship off", ts: off, path: "/api/v2/dynamic_preference/?search=follow_enabled", wantStatus: 200, wantBody: `"name":"follow_enabled","value":true`},
		{name: "preferences paged", path: "/api/v2/dynamic_preference/?limit=2&offset=4", wantStatus: 200, wantBody: `"next":"http://`},
		{name: "features public", path: "/api/v2/feature/?", wantStatus: 200, wantBody: `{"id":1,"name":"interests","enabled":true}`},
		{name: "me", path: "/api/v2/user/me/", header: as(42), wantStatus: 200, wantBody: `{"id":42,`},
		{name: "me zero-config is --me", path: "/api/v2/user/me/", header: auth(), wantStatus: 200, wantBody: `{"id":1,`},
		{name: "me without token", path: "/api/v2/user/me/", wantStatus: 401, wantDetail: "Authentication credentials were not provided."},
		{name: "me bad token", path: "/api/v2/user/me/", header: map[string]string{"Authorization": "Bearer to@ken"}, wantStatus: 401,
			wantDetail: "Given token not valid for any token type"},
		{name: "me Prefer code", path: "/api/v2/user/me/", header: map[string]string{"Authorization": bearer, "Prefer": "code=401"}, wantStatus: 401},
		{name: "me Prefer undeclared code", path: "/api/v2/user/me/", header: map[string]string{"Authorization": bearer, "Prefer": "code=404"}, wantStatus: 400,
			wantBody: "valid codes: 200, 400, 401, 500, 503"},
		{name: "me Prefer scenario refused", path: "/api/v2/user/me/", header: map[string]string{"Authorization": bearer, "Prefer": "scenario=empty"}, wantStatus: 400},
		{name: "me Prefer delay", path: "/api/v2/user/me/", header: map[string]string{"Authorization": bearer, "Prefer": "delay=5ms"}, wantStatus: 200},
		{name: "settings own", path: "/api/v2/user/7/settings/", header: as(7), wantStatus: 200, wantBody: `"qa_frequency":0`},
		{name: "settings zero-config", path: "/api/v2/user/7/settings/", header: auth(), wantStatus: 200},
		{name: "settings of another user", path: "/api/v2/user/8/settings/", header: as(7), wantStatus: 403,
			wantDetail: "You do not have permission to perform this action."},
		{name: "settings bad id faithful", path: "/api/v2/user/abc/settings/", header: auth(), wantStatus: 404, wantDetail: "Not found."},
		{name: "settings id zero", path: "/api/v2/user/0/settings/", header: auth(), wantStatus: 404, wantDetail: "Not found."},
		{name: "settings bad id strict", ts: strict, path: "/api/v2/user/abc/settings/", header: auth(), wantStatus: 400, wantDetail: "Invalid request parameters."},
		{name: "settings without token", path: "/api/v2/user/7/settings/", wantStatus: 401},
		{name: "hidden users", path: "/api/v2/user/hidden_users_id/", header: auth(), wantStatus: 200, wantBody: `[]`},
		{name: "hidden users without token", path: "/api/v2/user/hidden_users_id/", wantStatus: 401},
		{name: "features bad limit strict", ts: strict, path: "/api/v2/feature/?limit=abc", wantStatus: 400, wantDetail: "Invalid request parameters."},
		{name: "features limit 1001 strict", ts: strict, path: "/api/v2/feature/?limit=1001", wantStatus: 400},
		{name: "features bad limit faithful", path: "/api/v2/feature/?limit=abc", wantStatus: 200, wantBody: `"next":null`},
		{name: "me no trailing slash", path: "/api/v2/user/me", header: auth(), wantStatus: 301},
	}
	t.Run("requests", func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				ts := tc.ts
				if ts == nil {
					ts = faithful
				}
				got := do(t, ts, http.MethodGet, tc.path, tc.header)
				if got.status != tc.wantStatus {
					t.Fatalf("status %d, want %d: %s", got.status, tc.wantStatus, got.body)
				}
				if tc.wantDetail != "" {
					if d := detail(t, got.body); d != tc.wantDetail {
						t.Errorf("detail %q, want %q", d, tc.wantDetail)
					}
				}
				if !strings.Contains(string(got.body), tc.wantBody) {
					t.Errorf("body lacks %q: %.300s", tc.wantBody, got.body)
				}
				if got.status != http.StatusMovedPermanently && got.header.Get("Content-Type") != "application/json" {
					t.Errorf("Content-Type %q", got.header.Get("Content-Type"))
				}
			})
		}
	})
	// The journal lists boot calls like any other.
	var j struct{ Requests []struct{ Path string } }
	if err := json.Unmarshal(do(t, faithful, http.MethodGet, "/__connreq/requests", nil).body, &j); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range j.Requests {
		seen[r.Path] = true
	}
	for _, p := range []string{"/api/v2/user/me/", "/api/v2/feature/", "/api/v2/user/hidden_users_id/", "/api/v2/dynamic_preference/"} {
		if !seen[p] {
			t.Errorf("journal lacks %s", p)
		}
	}
}

// TestPreferencesServedAsConfigured: a team's preferences are served, the friendship
// switches follow the config whatever the catalogue says, and SetPreferences swaps them.
func TestPreferencesServedAsConfigured(t *testing.T) {
	t.Parallel()
	base, err := fixtures.ShippedPreferences()
	if err != nil {
		t.Fatal(err)
	}
	team, err := fixtures.ParsePreferences(base, "team.yaml", []byte("configurations.url_template_profile: /people/{id}/\nmy_team.flag: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mock.New(doc, mock.Config{Preferences: team, NoFriendship: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	body := string(do(t, ts, http.MethodGet, "/api/v2/dynamic_preference/", nil).body)
	for _, want := range []string{`"name":"url_template_profile","value":"/people/{id}/"`, `"section":"my_team","name":"flag","value":3`,
		`"name":"connection_enabled","value":false`, `"name":"follow_enabled","value":true`} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %s", want)
		}
	}
	if err := srv.SetPreferences(nil); err != nil {
		t.Fatal(err)
	}
	body = string(do(t, ts, http.MethodGet, "/api/v2/dynamic_preference/", nil).body)
	if strings.Contains(body, "my_team") || !strings.Contains(body, `"value":"/u/{username}/{id}/"`) {
		t.Errorf("SetPreferences(nil) did not restore the shipped set")
	}
}
