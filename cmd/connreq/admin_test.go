package main

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// TestServeAdminFlag runs serve with the admin area on (default), off by flag and off by
// CONNREQ_ADMIN, and checks /__connreq/health and the API on each.
func TestServeAdminFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		envs       map[string]string
		wantHealth int
	}{
		{name: "default", wantHealth: http.StatusOK},
		{name: "flag", args: []string{"--admin=false"}, wantHealth: http.StatusNotFound},
		{name: "env", envs: map[string]string{"CONNREQ_ADMIN": "false"}, wantHealth: http.StatusNotFound},
		{name: "flag wins over env", args: []string{"--admin=true"}, envs: map[string]string{"CONNREQ_ADMIN": "false"}, wantHealth: http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := serveInProcess(t, tc.envs, tc.args...)
			status, body := httpGet(t, base+"/__connreq/health", "")
			if status != tc.wantHealth {
				t.Fatalf("health: status %d, want %d: %s", status, tc.wantHealth, body)
			}
			if status == http.StatusNotFound {
				var e struct{ Detail string }
				if err := json.Unmarshal(body, &e); err != nil || e.Detail != "Not found." {
					t.Errorf("health: body %s, want the JSON 404 of an unknown path", body)
				}
			}
			if status, body := httpGet(t, base+"/api/v2/user/1/connection/requests/?limit=1", "Bearer t"); status != http.StatusOK {
				t.Errorf("API: status %d: %s", status, body)
			}
		})
	}
}

// serveInProcess runs `connreq serve` through run() on a free loopback port, its access
// log off, and stops it (as SIGTERM does) when the test ends; the exit must be 0.
func serveInProcess(t *testing.T, envs map[string]string, args ...string) string {
	t.Helper()
	base, _, _ := serveLogged(t, envs, append([]string{"--log-level", "warn"}, args...)...)
	return base
}

// httpGet sends a GET with an optional Authorization value and returns status and body.
func httpGet(t *testing.T, url, authorization string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}
