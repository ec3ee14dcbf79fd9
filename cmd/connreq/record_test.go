package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Through the CLI: record the mock, serve the recording with --replay, check the replay
// against the recording with --baseline; then the bad inputs of each step.
func TestRecordReplayDiffCLI(t *testing.T) {
	t.Parallel()
	target := mockTarget(t, false)
	dir := filepath.Join(t.TempDir(), "rec")

	code, stdout, stderr := runCLI(t, t.Context(), nil, "record", "--target", target, "--token", contractToken, "--user", "42", "--me", "1", "--out", dir, "--anonymize")
	if code != 0 || !strings.Contains(stdout, "recorded ") || !strings.Contains(stdout, "anonymised") {
		t.Fatalf("record: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	replay := serveInProcess(t, nil, "--replay", dir)
	jsonFile := filepath.Join(t.TempDir(), "report.json")
	code, stdout, stderr = runCLI(t, t.Context(), nil, "contract", "--target", replay, "--token", contractToken, "--user", "42", "--me", "1",
		"--baseline", dir, "--json", jsonFile)
	if code != 0 {
		t.Fatalf("contract against the replay: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Baseline string `json:"baseline"`
		Results  []struct {
			Check       string `json:"check"`
			Outcome     string `json:"outcome"`
			Evaluations int    `json:"evaluations"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, r := range rep.Results {
		if r.Check == "baseline-diff" {
			compared += r.Evaluations
		}
	}
	if rep.Baseline != dir || compared < 20 {
		t.Errorf("report baseline %q, %d answers compared", rep.Baseline, compared)
	}

	// The exact mock (not anonymised) differs from the anonymised recording in values,
	// not in shape.
	code, stdout, _ = runCLI(t, t.Context(), nil, "contract", "--target", target, "--token", contractToken, "--user", "42", "--me", "1", "--baseline", dir)
	if code != 1 || !strings.Contains(stdout, "baseline-diff") || !strings.Contains(stdout, "$.results[0].from_user.username") {
		t.Errorf("exact diff against the anonymised recording: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, t.Context(), nil, "contract", "--target", target, "--token", contractToken, "--user", "42", "--me", "1", "--baseline", dir, "--diff", "shape")
	if code != 0 {
		t.Errorf("shape diff against the anonymised recording: exit %d\n%s", code, stdout)
	}

	for _, f := range []string{filepath.Join(dir, "index.json")} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), contractToken) {
			t.Errorf("%s holds the token", f)
		}
	}
}

func TestRecordReplayBadInput(t *testing.T) {
	t.Parallel()
	target := mockTarget(t, false)
	corrupt := t.TempDir()
	writeFile(t, corrupt, "index.json", `{"format":"connreq-recording/1","exchanges":[{"file":"exchanges/0001-x.json"}]}`)
	notRecording := t.TempDir()
	writeFile(t, notRecording, "keep.txt", "mine")
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"record without --out", []string{"record", "--target", target, "--token", contractToken, "--user", "42"}, 2, "missing --out"},
		{"record over another directory", []string{"record", "--target", target, "--token", contractToken, "--user", "42", "--out", notRecording}, 2, `is not empty and not a recording (it holds "keep.txt")`},
		{"record unreachable", []string{"record", "--target", "http://127.0.0.1:1", "--token", contractToken, "--user", "42", "--out", filepath.Join(t.TempDir(), "r")}, 3, "unreachable"},
		{"serve a corrupt recording", []string{"serve", "--replay", corrupt}, 2, "exchanges/0001-x.json"},
		{"serve a missing recording", []string{"serve", "--replay", filepath.Join(corrupt, "nope")}, 2, "cannot read recording"},
		{"serve a bad fallback", []string{"serve", "--replay-fallback", "maybe"}, 2, `--replay-fallback: must be 404 or generate (got "maybe")`},
		{"contract with a corrupt baseline", []string{"contract", "--target", target, "--token", contractToken, "--user", "42", "--baseline", corrupt}, 2, "exchanges/0001-x.json"},
		{"contract --ignore without baseline", []string{"contract", "--target", target, "--token", contractToken, "--user", "42", "--ignore", "count"}, 2, "--diff and --ignore need --baseline"},
		{"contract bad ignore path", []string{"contract", "--target", target, "--token", contractToken, "--user", "42", "--baseline", target, "--ignore", "results[x"}, 2, "results[x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, t.Context(), nil, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d (want %d); stderr lacks %q?\nstdout:\n%s\nstderr:\n%s", code, tt.code, tt.wantErr, stdout, stderr)
			}
			if strings.Contains(stdout+stderr, contractToken) {
				t.Error("the token was printed")
			}
		})
	}
	if _, err := os.Stat(filepath.Join(notRecording, "keep.txt")); err != nil {
		t.Errorf("record removed a file it did not own: %v", err)
	}
}

// Through the CLI: record a list whole, page it on the replay at limits the recorder never
// sent; a collection edited against the spec stops serve --replay with exit 2 and names it.
func TestRecordCollectionCLI(t *testing.T) {
	t.Parallel()
	target := mockTarget(t, false)
	dir := filepath.Join(t.TempDir(), "rec")
	code, stdout, stderr := runCLI(t, t.Context(), nil, "record", "--target", target, "--token", contractToken, "--user", "900000004", "--out", dir, "--max-items", "15")
	if code != 0 || !strings.Contains(stdout, "recorded user 900000004's list: 15 of 21 items at limit 100 into collections/user-900000004.json, cut by --max-items 15 (") {
		t.Fatalf("record: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil || !strings.Contains(string(index), `"max_items": 15`) {
		t.Errorf("the index does not say --max-items bit:\n%s", index)
	}
	replay := serveInProcess(t, nil, "--replay", dir)
	for _, q := range []string{"?limit=7&offset=3", "?limit=3", "?offset=3&limit=10", "?limit=5&offset=10"} {
		a, b := getBody(t, replay+"/api/v2/user/900000004/connection_requests/"+q), getBody(t, target+"/api/v2/user/900000004/connection_requests/"+q)
		if strings.ReplaceAll(a, replay, "H") != strings.ReplaceAll(b, target, "H") {
			t.Errorf("%s: the replay differs from the live list:\n%.200s\n%.200s", q, a, b)
		}
	}

	if status, body := httpGet(t, replay+"/api/v2/user/900000004/connection_requests/?limit=7&offset=10", "Bearer "+contractToken); status != 404 ||
		!strings.Contains(string(body), "past the 15 recorded (record --max-items)") {
		t.Errorf("a window past the stored items: %d %s", status, body)
	}

	file := filepath.Join(dir, "collections", "user-900000004.json")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), `"gender":"`, `"gender":"Robot","x":"`, 1)
	if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, t.Context(), nil, "serve", "--replay", dir, "--addr", "127.0.0.1:0")
	want := file + `: /items/0/from_user/gender: must be one of ["Male","Female","Unspecified"] (got "Robot")`
	if code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("serve --replay with a bad collection: exit %d, want 2 and %q\nstdout:\n%s\nstderr:\n%s", code, want, stdout, stderr)
	}
}

// getBody GETs url with the contract token and returns the body of a 200.
func getBody(t *testing.T, url string) string {
	t.Helper()
	status, body := httpGet(t, url, "Bearer "+contractToken)
	if status != 200 {
		t.Fatalf("GET %s: %d %s", url, status, body)
	}
	return string(body)
}
