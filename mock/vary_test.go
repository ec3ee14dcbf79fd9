package mock_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/connreq/connreq/mock"
)

// TestVaryOrigin: every answer that echoes an Origin says Vary: Origin (and a JSON answer
// Vary: Accept too), on every status and code path, so a shared cache never serves one
// origin's credentialed answer to another.
func TestVaryOrigin(t *testing.T) {
	t.Parallel()
	const origin = "http://app.test:5173"
	plain := newTestServer(t, mock.Config{})
	replay := newTestServer(t, mock.Config{Replay: recordFrom(t, "http://prod.example.org", seedPath, "/api/v2/user/0/connection/requests/")})
	with := func(h map[string]string) map[string]string {
		out := map[string]string{"Origin": origin}
		for k, v := range h {
			out[k] = v
		}
		return out
	}
	authPrefer := func(p string) map[string]string { return map[string]string{"Authorization": bearer, "Prefer": p} }
	tests := []struct {
		name       string
		ts         *httptestServer
		method     string
		path       string
		header     map[string]string
		wantStatus int
		json       bool
	}{
		{name: "page", path: seedPath, header: auth(), wantStatus: 200, json: true},
		{name: "cached page (third time)", path: seedPath + "?limit=5", header: auth(), wantStatus: 200, json: true},
		{name: "scenario page", path: "/api/v2/user/900000002/connection/requests/", header: auth(), wantStatus: 200, json: true},
		{name: "scenario error", path: "/api/v2/user/900000015/connection/requests/", header: auth(), wantStatus: 404, json: true},
		{name: "prefer code", path: seedPath, header: authPrefer("code=404"), wantStatus: 404, json: true},
		{name: "prefer delay", path: seedPath, header: authPrefer("delay=1ms"), wantStatus: 200, json: true},
		{name: "fault: flaky scenario", path: seedPath, header: authPrefer("scenario=flaky"), wantStatus: 500, json: true},
		{name: "bad prefer", path: seedPath, header: authPrefer("scenario=nope"), wantStatus: 400, json: true},
		{name: "401", path: seedPath, wantStatus: 401, json: true},
		{name: "404 unknown path", path: "/nope/", wantStatus: 404, json: true},
		{name: "405", method: "DELETE", path: seedPath, header: auth(), wantStatus: 405, json: true},
		{name: "301 slash", path: strings.TrimSuffix(seedPath, "/"), header: auth(), wantStatus: 301},
		{name: "preflight", method: "OPTIONS", path: seedPath, header: map[string]string{"Access-Control-Request-Method": "GET"}, wantStatus: 204},
		{name: "options metadata", method: "OPTIONS", path: seedPath, wantStatus: 200, json: true},
		{name: "preferences", path: "/api/v2/dynamic_preference/", wantStatus: 200, json: true},
		{name: "features", path: "/api/v2/feature/?", wantStatus: 200, json: true},
		{name: "me", path: "/api/v2/user/me/", header: auth(), wantStatus: 200, json: true},
		{name: "settings", path: "/api/v2/user/1/settings/", header: auth(), wantStatus: 200, json: true},
		{name: "hidden users", path: "/api/v2/user/hidden_users_id/", header: auth(), wantStatus: 200, json: true},
		{name: "admin health", path: "/__connreq/health", wantStatus: 200, json: true},
		{name: "admin journal", path: "/__connreq/requests", wantStatus: 200, json: true},
		{name: "replay page", ts: replay, path: seedPath, header: auth(), wantStatus: 200, json: true},
		{name: "replay recorded error", ts: replay, path: "/api/v2/user/0/connection/requests/", header: auth(), wantStatus: 404, json: true},
		{name: "replay miss", ts: replay, path: seedPath + "?limit=3", header: auth(), wantStatus: 404, json: true},
		{name: "replay with fault", ts: replay, path: seedPath, header: authPrefer("delay=1ms"), wantStatus: 200, json: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts, method := tt.ts, tt.method
			if ts == nil {
				ts = plain
			}
			if method == "" {
				method = http.MethodGet
			}
			var got answer
			for range 3 { // the page cache admits a page on its second miss
				got = do(t, ts, method, tt.path, with(tt.header))
			}
			if got.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", got.status, tt.wantStatus, got.body)
			}
			if got.header.Get("Access-Control-Allow-Origin") != origin {
				t.Fatalf("no echoed origin: %v", got.header)
			}
			vary := varyTokens(got.header)
			if !slices.Contains(vary, "Origin") {
				t.Errorf("Vary %q lacks Origin", got.header.Values("Vary"))
			}
			if tt.json && !slices.Contains(vary, "Accept") {
				t.Errorf("Vary %q lacks Accept on a JSON answer", got.header.Values("Vary"))
			}
			if n := len(vary); n != len(slices.Compact(slices.Sorted(slices.Values(vary)))) {
				t.Errorf("Vary %q repeats a value", got.header.Values("Vary"))
			}
		})
	}
}

// varyTokens splits every Vary header line into its values.
func varyTokens(h http.Header) []string {
	var out []string
	for _, line := range h.Values("Vary") {
		for _, v := range strings.Split(line, ",") {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}
