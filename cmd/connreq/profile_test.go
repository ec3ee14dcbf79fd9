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

// TestServeCPUProfile: serve --cpuprofile writes a gzipped pprof profile of the run when
// it shuts down, and an unwritable file is a usage error naming the flag.
func TestServeCPUProfile(t *testing.T) {
	// Not parallel: the CPU profiler is one per process.
	dir := t.TempDir()
	code, _, stderr := runCLI(t, t.Context(), nil, "serve", "--addr", "127.0.0.1:0", "--cpuprofile", filepath.Join(dir, "no", "such", "dir", "cpu.prof"))
	if code != 2 || !strings.Contains(stderr, "--cpuprofile:") {
		t.Fatalf("unwritable profile: exit %d, stderr %q; want 2 naming --cpuprofile", code, stderr)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	file := filepath.Join(dir, "cpu.prof")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan int, 1)
	var errOut bytes.Buffer
	go func() {
		var out bytes.Buffer
		done <- run(ctx, []string{"serve", "--addr", addr, "--log-level", "warn", "--cpuprofile", file}, strings.NewReader(""), &out, &errOut,
			func(string) string { return "" })
	}()
	answered := false
	for i := 0; i < 200 && !answered; i++ {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v2/user/1/connection/requests/", nil)
		req.Header.Set("Authorization", "Bearer t")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			answered = resp.StatusCode == http.StatusOK
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if !answered {
		t.Fatal("serve never answered 200")
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exit %d; stderr:\n%s", code, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	prof, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(prof) < 64 || prof[0] != 0x1f || prof[1] != 0x8b {
		t.Fatalf("%s: %d bytes, not a gzipped pprof profile", file, len(prof))
	}
}
