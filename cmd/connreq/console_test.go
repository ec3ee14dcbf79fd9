package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/connreq/connreq/console"
)

// hostileFixtures holds the console's test scenario whose strings are all markup.
const hostileFixtures = "../../console/testdata/fixtures"

// TestServeConsole runs serve with the console's test fixtures and checks, through the
// binary's own flags, what the browser test builds on: the console page with its policy,
// the hostile-markup scenario listed beside the shipped ones, and its markup served as JSON
// strings byte for byte (the console must show them as text); with --admin=false the
// console is gone like the rest of the admin area.
func TestServeConsole(t *testing.T) {
	t.Parallel()
	base := serveInProcess(t, nil, "--fixtures", hostileFixtures)

	resp, err := http.Get(base + "/__connreq/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Security-Policy") != console.ContentSecurityPolicy ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("console: status %d, CSP %q, nosniff %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), resp.Header.Get("X-Content-Type-Options"))
	}

	status, body := httpGet(t, base+"/__connreq/scenarios", "")
	var list struct {
		Scenarios []struct {
			Name, Description, Source string
			ID                        int64
		}
	}
	if err := json.Unmarshal(body, &list); status != 200 || err != nil {
		t.Fatalf("scenarios: %d %v: %s", status, err, body)
	}
	var found bool
	for _, s := range list.Scenarios {
		if s.Name == "hostile-markup" {
			found = s.ID == 900000900 && strings.Contains(s.Description, "<script>window.__pwned='description'</script>") &&
				strings.HasSuffix(s.Source, "hostile-markup.yaml")
		}
	}
	if !found || len(list.Scenarios) < 20 {
		t.Fatalf("hostile-markup missing or altered among %d scenarios: %s", len(list.Scenarios), body)
	}

	status, body = httpGet(t, base+"/api/v2/user/900000900/connection/requests/", "Bearer t")
	var page struct {
		Results []struct {
			FromUser map[string]any `json:"from_user"`
		}
	}
	if err := json.Unmarshal(body, &page); status != 200 || err != nil || len(page.Results) != 3 {
		t.Fatalf("hostile page: %d %v: %.300s", status, err, body)
	}
	for key, want := range map[string]string{
		"bio":       "<script>window.__pwned='bio'</script>",
		"real_name": `<img src=x onerror="window.__pwned='real_name'">`,
		"username":  "<b>bold</b>",
	} {
		if got := page.Results[0].FromUser[key]; got != want {
			t.Errorf("from_user.%s = %q, want %q", key, got, want)
		}
	}

	off := serveInProcess(t, nil, "--admin=false")
	if status, body := httpGet(t, off+"/__connreq/", ""); status != http.StatusNotFound || !strings.Contains(string(body), `"detail":"Not found."`) {
		t.Errorf("--admin=false: console answered %d: %.200s", status, body)
	}
}
