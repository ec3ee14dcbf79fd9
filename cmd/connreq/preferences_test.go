package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPreferencesReload: the built binary serves a team's preferences, picks up an edited
// file on SIGHUP, and keeps the previous set when the edited file is bad.
func TestPreferencesReload(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "prefs.yaml")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("configurations.url_template_profile: /people/{username}/{id}/\nmy_team.banner: first\n")
	p := startServe(t, false, "--preferences", file, "--friendship=false")
	get := func() map[string]any {
		t.Helper()
		status, body, err := freshGet(p.addr, "/api/v2/dynamic_preference/")
		if err != nil || status != http.StatusOK {
			t.Fatalf("preferences: %d %v", status, err)
		}
		var page struct {
			Results []struct {
				Section, Name string
				Value         any
			}
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		out := map[string]any{}
		for _, r := range page.Results {
			out[r.Section+"."+r.Name] = r.Value
		}
		return out
	}
	want := func(prefs map[string]any, key string, v any) {
		t.Helper()
		if prefs[key] != v {
			t.Errorf("%s = %#v, want %#v", key, prefs[key], v)
		}
	}
	prefs := get()
	want(prefs, "configurations.url_template_profile", "/people/{username}/{id}/")
	want(prefs, "my_team.banner", "first")
	want(prefs, "configurations.connection_enabled", false) // --friendship wins
	want(prefs, "configurations.follow_enabled", true)

	hup := func(logWant string) {
		t.Helper()
		before := strings.Count(p.log.text(), logWant)
		if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(p.log.text(), logWant) == before {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the log after SIGHUP:\n%s", logWant, p.log.text())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	write("my_team.banner: second\n")
	hup(`"msg":"preferences reloaded"`)
	prefs = get()
	want(prefs, "my_team.banner", "second")
	want(prefs, "configurations.url_template_profile", "/u/{username}/{id}/") // back to the shipped value

	write("my_team.banner: [1]\nconfigurations.url_template_post: 3\n")
	hup(`"msg":"reload failed"`)
	prefs = get()
	want(prefs, "my_team.banner", "second") // the previous set keeps serving
	for _, s := range []string{"the previous preferences keep serving", "/configurations.url_template_post: must be a string (got 3)", "/my_team.banner: must be a boolean, number or string"} {
		if !strings.Contains(p.log.text(), strings.ReplaceAll(s, `"`, `\"`)) {
			t.Errorf("log lacks %q:\n%s", s, p.log.text())
		}
	}
	if code, _ := p.terminate(10 * time.Second); code != 0 {
		t.Errorf("exit %d", code)
	}
	p.checkLog(t)
}
