package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/mock"
)

// contractToken is distinctive so that a leak anywhere is found by a plain search.
const contractToken = "tok-SECRET-7c1d4e9a0b2f5e83"

// mockTarget starts the project's mock; breakChallenge drops WWW-Authenticate from 401s.
func mockTarget(t *testing.T, breakChallenge bool) string {
	t.Helper()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mock.New(doc, mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	if breakChallenge {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inner.ServeHTTP(noChallenge{w}, r)
		})
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// noChallenge removes WWW-Authenticate before the header is written.
type noChallenge struct{ http.ResponseWriter }

func (w noChallenge) WriteHeader(code int) {
	w.Header().Del("WWW-Authenticate")
	w.ResponseWriter.WriteHeader(code)
}

func TestContractExitCodes(t *testing.T) {
	t.Parallel()
	good := mockTarget(t, false)
	broken := mockTarget(t, true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	badSpec := writeFile(t, dir, "bad.yaml", "openapi: 3.0.3\ninfo: {}\n")
	tokenFile := writeFile(t, dir, "token", contractToken+"\n")

	tests := []struct {
		name     string
		args     []string
		envs     map[string]string
		wantCode int
		wantOut  string // substring of stdout
		wantErr  string // substring of stderr
		files    bool   // --junit and --json are written
	}{
		{name: "all checks pass", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--me", "1"},
			wantCode: 0, wantOut: "PASSED", files: true},
		{name: "flags from the environment", envs: map[string]string{"CONNREQ_TARGET": good, "CONNREQ_TOKEN": contractToken, "CONNREQ_USER": "42", "CONNREQ_CHECKS": "status,schema"},
			wantCode: 0, wantOut: "PASSED"},
		{name: "token from a file", args: []string{"--target", good, "--token-file", tokenFile, "--user", "42", "--me", "1", "--verbose"},
			wantCode: 0, wantOut: "PASSED", wantErr: "level=DEBUG msg=request"},
		{name: "a check fails", args: []string{"--target", broken, "--token", contractToken, "--user", "42", "--me", "1", "--verbose"},
			wantCode: 1, wantOut: "FAIL getUserConnectionRequests/no-token  headers", files: true},
		{name: "unreachable target", args: []string{"--target", closed, "--token", contractToken, "--user", "42"},
			wantCode: 3, wantOut: "UNREACHABLE", wantErr: "unreachable", files: true},
		{name: "missing flags", args: []string{"--target", good}, wantCode: 2, wantErr: "missing --token, --user"},
		{name: "bad user", args: []string{"--target", good, "--token", contractToken, "--user", "me"}, wantCode: 2, wantErr: `User: must be a user id of 1 to 20 digits (got "me")`},
		{name: "bad target", args: []string{"--target", "ftp://x", "--token", contractToken, "--user", "42"}, wantCode: 2, wantErr: "Target: must be an absolute http or https URL"},
		{name: "unknown check", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--checks", "status,vibes"}, wantCode: 2, wantErr: `unknown check "vibes"`},
		{name: "negative timeout", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--timeout", "-1s"}, wantCode: 2, wantErr: "Timeout: must be positive (got -1s)"},
		{name: "bad duration in env", args: []string{"--target", good, "--token", contractToken, "--user", "42"}, envs: map[string]string{"CONNREQ_MAX_LATENCY": "soon"}, wantCode: 2, wantErr: `CONNREQ_MAX_LATENCY="soon"`},
		{name: "bad spec", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--spec", badSpec}, wantCode: 2, wantErr: badSpec},
		{name: "token twice", args: []string{"--target", good, "--token", contractToken, "--token-file", tokenFile, "--user", "42"}, wantCode: 2, wantErr: "give only one"},
		{name: "unknown flag", args: []string{"--nope"}, wantCode: 2, wantErr: "flag provided but not defined: -nope"},
		{name: "report in a missing directory", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--junit", "/nonexistent/dir/junit.xml"},
			wantCode: 2, wantErr: `--junit: the directory of "/nonexistent/dir/junit.xml" does not exist`},
		{name: "list checks", args: []string{"--list-checks"}, wantCode: 0, wantOut: "page-previous-items"},
		{name: "generated requests pass", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--me", "1", "--generate", "30", "--seed", "5"},
			wantCode: 0, wantOut: "generated: seed 5 · 30 per operation", files: true},
		{name: "generated requests find a break", args: []string{"--target", broken, "--token", contractToken, "--user", "42", "--me", "1", "--generate", "40", "--seed", "2"},
			wantCode: 1, wantOut: "--seed 2 --generate 40 --replay-failure g", files: true},
		{name: "bad seed", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--seed", "-3"}, wantCode: 2, wantErr: `--seed: must be a number from 0 to 18446744073709551615 (got "-3")`},
		{name: "negative generate", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--generate", "-1"}, wantCode: 2, wantErr: "Generate: must be between 0 and 10000000"},
		{name: "bad me", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--me", "myself"}, wantCode: 2, wantErr: `Me: must be a user id of 1 to 20 digits (got "myself")`},
		{name: "replay without seed or corpus", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--replay-failure", "g0123456789ab"}, wantCode: 2, wantErr: "--replay-failure without --corpus needs the --seed"},
		{name: "bad case id", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--seed", "1", "--generate", "5", "--replay-failure", "42"}, wantCode: 2, wantErr: `ReplayFailure: must be a case id`},
		{name: "replay of a case the corpus lacks", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--corpus", dir, "--replay-failure", "g0123456789ab"}, wantCode: 2, wantErr: "ReplayFailure: case g0123456789ab is not in the corpus"},
		{name: "corpus is a file", args: []string{"--target", good, "--token", contractToken, "--user", "42", "--corpus", tokenFile}, wantCode: 2, wantErr: "Corpus: "},
		{name: "help", args: []string{"-h"}, wantCode: 0, wantErr: "exit codes: 0 all checks passed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"contract"}, tt.args...)
			dir := t.TempDir()
			junit, jsonFile := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
			if tt.files {
				args = append(args, "--junit", junit, "--json", jsonFile)
			}
			code, stdout, stderr := runCLI(t, t.Context(), tt.envs, args...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, stdout)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, stderr)
			}
			outputs := stdout + stderr
			if tt.files {
				for _, f := range []string{junit, jsonFile} {
					data, err := os.ReadFile(f)
					if err != nil {
						t.Fatalf("report file: %v", err)
					}
					outputs += string(data)
				}
				checkReportFiles(t, junit, jsonFile, tt.wantCode)
			}
			if strings.Contains(outputs, contractToken) {
				t.Errorf("the token was printed or written:\n%s", outputs)
			}
			if strings.Contains(stdout, "\x1b[") {
				t.Errorf("colour on a writer that is not a terminal")
			}
		})
	}
}

// checkReportFiles decodes the JUnit and JSON reports and checks their verdicts.
func checkReportFiles(t *testing.T, junit, jsonFile string, code int) {
	t.Helper()
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
	}
	data, _ := os.ReadFile(junit)
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatalf("JUnit: %v", err)
	}
	var rep struct {
		Status string `json:"status"`
	}
	data, _ = os.ReadFile(jsonFile)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	want := map[int]string{0: "passed", 1: "failed", 3: "unreachable"}[code]
	if rep.Status != want {
		t.Errorf("JSON status %q, want %q", rep.Status, want)
	}
	switch {
	case code == 0 && (suites.Failures != 0 || suites.Tests == 0),
		code == 1 && suites.Failures == 0,
		code == 3 && suites.Errors != 1:
		t.Errorf("JUnit tests=%d failures=%d errors=%d for exit code %d", suites.Tests, suites.Failures, suites.Errors, code)
	}
}

// An interrupted run (SIGINT) stops promptly with an error, not a report.
func TestContractInterrupted(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	code, _, stderr := runCLI(t, ctx, nil, "contract", "--target", ts.URL, "--token", contractToken, "--user", "42", "--me", "1")
	if code != 2 || !strings.Contains(stderr, "interrupted") {
		t.Errorf("exit code %d, stderr %q; want 2 and an interruption message", code, stderr)
	}
}
