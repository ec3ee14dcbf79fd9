package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI runs the CLI with env vars from envs and returns code, stdout, stderr.
func runCLI(t *testing.T, ctx context.Context, envs map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), &out, &errOut, func(k string) string { return envs[k] })
	return code, out.String(), errOut.String()
}

// writeFile writes body to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCLIExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badSpec := writeFile(t, dir, "bad.yaml", "openapi: 3.0.3\ninfo: {}\n")
	badTokens := writeFile(t, dir, "tokens.yaml", "tok-1: {user: 3}\n")
	tests := []struct {
		name     string
		args     []string
		envs     map[string]string
		wantCode int
		wantOut  string // substring of stdout
		wantErr  string // substring of stderr
	}{
		{name: "no command", wantCode: 2, wantErr: "usage: connreq"},
		{name: "help", args: []string{"help"}, wantCode: 0, wantErr: "commands:"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2, wantErr: `unknown command "frobnicate"`},
		{name: "version", args: []string{"version"}, wantCode: 0, wantOut: "connreq "},
		{name: "lint embedded", args: []string{"lint"}, wantCode: 0, wantOut: "embedded openapi.yaml: OK (OpenAPI 3.0.3, 18 paths)"},
		{name: "lint bad file", args: []string{"lint", "--spec", badSpec}, wantCode: 2, wantErr: badSpec},
		{name: "lint missing file", args: []string{"lint", "--spec", filepath.Join(dir, "nope.yaml")}, wantCode: 2, wantErr: "no such file"},
		{name: "lint via env", args: []string{"lint"}, envs: map[string]string{"CONNREQ_SPEC": badSpec}, wantCode: 2, wantErr: badSpec},
		{name: "serve bad spec", args: []string{"serve", "--spec", badSpec, "--addr", "127.0.0.1:0"}, wantCode: 2, wantErr: badSpec},
		{name: "serve bad flag", args: []string{"serve", "--nope"}, wantCode: 2, wantErr: "flag provided but not defined: -nope"},
		{name: "serve bad now", args: []string{"serve", "--now", "yesterday"}, wantCode: 2, wantErr: `--now: must be an RFC 3339 time`},
		{name: "serve bad tz", args: []string{"serve", "--tz", "Mars/Olympus"}, wantCode: 2, wantErr: `--tz: unknown time zone "Mars/Olympus"`},
		{name: "serve bad limit env", args: []string{"serve"}, envs: map[string]string{"CONNREQ_MAX_LIMIT": "many"}, wantCode: 2, wantErr: `CONNREQ_MAX_LIMIT="many"`},
		{name: "serve limits", args: []string{"serve", "--default-limit", "50", "--max-limit", "10"}, wantCode: 2, wantErr: "DefaultLimit: must be ≤ MaxLimit 10 (got 50)"},
		{name: "serve bad tokens", args: []string{"serve", "--tokens", badTokens}, wantCode: 2, wantErr: "--tokens"},
		{name: "serve bad log format", args: []string{"serve", "--log-format", "xml"}, wantCode: 2, wantErr: "--log-format: must be text or json"},
		{name: "serve extra arg", args: []string{"serve", "extra"}, wantCode: 2, wantErr: `unexpected argument "extra"`},
		{name: "serve bad addr", args: []string{"serve", "--addr", "256.0.0.1:99999"}, wantCode: 2, wantErr: "--addr: cannot listen"},
		{name: "serve bad state", args: []string{"serve", "--state", "postgres://x"}, wantCode: 2, wantErr: `--state: must be memory, off or redis://HOST:PORT/DB (got "postgres://x")`},
		{name: "serve bad redis URL", args: []string{"serve", "--state", "redis://h:1/notadb"}, wantCode: 2, wantErr: `--state: redis URL "redis://h:1/notadb"`},
		{name: "serve bad state max", args: []string{"serve", "--state-max", "0"}, wantCode: 2, wantErr: "--state-max: must be ≥ 1 (got 0)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, t.Context(), tc.envs, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, out, errOut)
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("stdout %q lacks %q", out, tc.wantOut)
			}
			if !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut, tc.wantErr)
			}
			if strings.Contains(errOut, "tok-1") {
				t.Errorf("stderr prints a token: %s", errOut)
			}
		})
	}
}

// TestServeEndToEnd starts serve through run() on a free port, with flags from the
// environment, answers a request, then stops it by cancelling the context (SIGTERM).
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		var out bytes.Buffer
		done <- run(ctx, []string{"serve", "--log-format", "json"}, strings.NewReader(""), &out, &stderr,
			func(k string) string {
				return map[string]string{"CONNREQ_ADDR": addr, "CONNREQ_STRICT": "true"}[k]
			})
	}()
	url := "http://" + addr + "/api/v2/user/1/connection/requests/?limit=abc"
	var resp *http.Response
	for i := 0; i < 200; i++ {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer secret-e2e-token")
		resp, err = http.DefaultClient.Do(req)
		if err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server never answered: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("CONNREQ_STRICT=true: status %d, want 400", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit %d after shutdown; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if strings.Contains(stderr.String(), "secret-e2e-token") {
		t.Errorf("the token reached the log")
	}
	if !strings.Contains(stderr.String(), `"status":400`) {
		t.Errorf("access log lacks the request:\n%s", stderr.String())
	}
}
