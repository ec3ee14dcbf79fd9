package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveLogged runs connreq serve in-process with args and the CONNREQ_ variables envs,
// its log captured; stop (also run at cleanup) ends it and returns once it has exited 0.
func serveLogged(t *testing.T, envs map[string]string, args ...string) (base string, log *lockedBuffer, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	log = &lockedBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, append([]string{"serve", "--addr", addr}, args...), strings.NewReader(""), io.Discard, log, func(k string) string { return envs[k] })
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case code := <-exited:
				if code != 0 {
					t.Errorf("serve exit %d:\n%s", code, log.String())
				}
			case <-time.After(15 * time.Second):
				t.Error("serve did not stop")
			}
		})
	}
	t.Cleanup(stop)
	for deadline := time.Now().Add(60 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return "http://" + addr, log, stop
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not listening:\n%s", log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTokenNeverWritten sends a distinctive token every way a client can and greps
// everything connreq writes for it: the mock's debug log and journal, the contract
// runner's output and reports, and a recording.
func TestTokenNeverWritten(t *testing.T) {
	t.Parallel()
	const token = "tok-CANARY-91f3c2-never-written"
	base, serveLog, stop := serveLogged(t, nil, "--log-level", "debug", "--log-format", "json")
	client := &http.Client{Timeout: 10 * time.Second}
	send := func(method, path string, header map[string]string) []byte {
		req, err := http.NewRequestWithContext(t.Context(), method, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return body
	}
	const seed = "/api/v2/user/42/connection/requests/"
	var written strings.Builder
	for _, auth := range []string{"Bearer " + token, "Token " + token, "Bearer " + token + "!", "Bearer " + token + " extra", "bearer " + token, token} {
		written.Write(send("GET", seed, map[string]string{"Authorization": auth}))
		written.Write(send("OPTIONS", seed, map[string]string{"Authorization": auth, "Origin": "http://app.test", "Access-Control-Request-Method": "GET"}))
		written.Write(send("POST", seed, map[string]string{"Authorization": auth}))
	}
	written.Write(send("GET", seed, map[string]string{"Authorization": "Bearer " + token, "Prefer": "code=500"}))
	written.Write(send("GET", seed+"?limit=abc", map[string]string{"Authorization": "Bearer " + token, "X-Forwarded-For": token}))
	journal := send("GET", "/__connreq/requests", nil)
	if !bytes.Contains(journal, []byte(seed)) {
		t.Fatalf("the journal lists none of the requests: %s", journal)
	}
	written.Write(journal)

	dir := t.TempDir()
	junit, jsonFile, rec := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json"), filepath.Join(dir, "rec")
	_, stdout, stderr := runCLI(t, t.Context(), nil, "contract", "--target", base, "--token", token, "--user", "42", "--verbose",
		"--junit", junit, "--json", jsonFile, "--baseline", base)
	written.WriteString(stdout + stderr)
	code, stdout, stderr := runCLI(t, t.Context(), nil, "record", "--target", base, "--token", token, "--user", "42", "--out", rec, "--verbose")
	if code != 0 {
		t.Fatalf("record: exit %d\n%s%s", code, stdout, stderr)
	}
	written.WriteString(stdout + stderr)
	stop()
	written.WriteString(serveLog.String())
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		written.Write(data)
		files++
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 4 || !strings.Contains(serveLog.String(), `"msg":"request"`) {
		t.Fatalf("too little was written to prove anything: %d files, log:\n%.500s", files, serveLog.String())
	}
	all := written.String()
	if i := strings.Index(all, "CANARY"); i >= 0 {
		t.Errorf("the token was written: …%s…", all[max(0, i-200):min(len(all), i+100)])
	}
}
