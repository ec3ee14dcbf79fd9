package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLintFixtures(t *testing.T) {
	t.Parallel()
	good, bad := t.TempDir(), t.TempDir()
	writeFile(t, good, "mine.yaml", "name: mine\ndescription: two items\nid: 77\ncount: 2\n")
	writeFile(t, bad, "a.yaml", "name: a\ndescription: d\nid: 900000001\nitems:\n  - created: yesterday\n")
	writeFile(t, bad, "b.json", `{"name": "b", "id": "x"}`)
	prefs := t.TempDir()
	writeFile(t, prefs, "prefs.yaml", "configurations.url_template_profile: /people/{id}/\nmy_team.banner: hi\n")
	writeFile(t, prefs, "bad.json", `{"configurations.follow_enabled": true, "addons.polls_enabled": "yes"}`)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  []string // lines expected on stderr
	}{
		{name: "shipped", args: []string{"lint"}, wantCode: 0, wantOut: "shipped scenarios: OK (23 scenarios)"},
		{name: "good dir", args: []string{"lint", "--fixtures", good}, wantCode: 0, wantOut: "shipped scenarios and " + good + ": OK (24 scenarios)"},
		{name: "bad dir", args: []string{"lint", "--fixtures", bad}, wantCode: 2, wantErr: []string{
			filepath.Join(bad, "a.yaml") + `: /items/0/created: must be an RFC 3339 date-time (got "yesterday")`,
			filepath.Join(bad, "b.json") + `: /description: is required`,
			filepath.Join(bad, "b.json") + `: /id: must be an integer between 1 and 2147483647 (got "x")`,
		}},
		{name: "missing dir", args: []string{"lint", "--fixtures", filepath.Join(bad, "nope")}, wantCode: 2, wantErr: []string{"cannot read: no such file or directory"}},
		{name: "serve bad fixtures", args: []string{"serve", "--fixtures", bad, "--addr", "127.0.0.1:0"}, wantCode: 2, wantErr: []string{"/items/0/created"}},
		{name: "good preferences", args: []string{"lint", "--preferences", filepath.Join(prefs, "prefs.yaml")}, wantCode: 0,
			wantOut: filepath.Join(prefs, "prefs.yaml") + ": OK (150 preferences)"},
		{name: "bad preferences", args: []string{"lint", "--preferences", filepath.Join(prefs, "bad.json")}, wantCode: 2, wantErr: []string{
			filepath.Join(prefs, "bad.json") + `: /addons.polls_enabled: must be a boolean (true or false) (got "yes")`,
			filepath.Join(prefs, "bad.json") + `: /configurations.follow_enabled: is set by --friendship, not by a preferences file (got true)`,
		}},
		{name: "serve bad preferences", args: []string{"serve", "--preferences", filepath.Join(prefs, "bad.json"), "--addr", "127.0.0.1:0"}, wantCode: 2,
			wantErr: []string{"/addons.polls_enabled: must be a boolean"}},
		{name: "serve missing preferences", args: []string{"serve", "--preferences", filepath.Join(prefs, "nope.yaml"), "--addr", "127.0.0.1:0"}, wantCode: 2,
			wantErr: []string{"nope.yaml: cannot read: no such file or directory"}},
		{name: "serve bad journal size", args: []string{"serve", "--journal-size", "-1"}, wantCode: 2, wantErr: []string{"--journal-size: must be ≥ 0 (got -1)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, t.Context(), nil, tc.args...)
			if code != tc.wantCode || !strings.Contains(out, tc.wantOut) {
				t.Fatalf("code %d, stdout %q, stderr %q", code, out, errOut)
			}
			for _, line := range tc.wantErr {
				if !strings.Contains(errOut, line) {
					t.Errorf("stderr %q lacks %q", errOut, line)
				}
			}
		})
	}
}
