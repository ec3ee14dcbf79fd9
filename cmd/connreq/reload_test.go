package main

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a log sink safe for the reload goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestReloadOnHUP(t *testing.T) {
	var logs lockedBuffer
	calls := make(chan struct{}, 4)
	fail := true
	stop := reloadOnHUP(t.Context(), slog.New(slog.NewTextHandler(&logs, nil)), func() error {
		defer func() { calls <- struct{}{} }()
		if fail {
			return errors.New("data/x.yaml: /id: is required")
		}
		return nil
	})
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-calls:
	case <-time.After(5 * time.Second):
		t.Fatal("SIGHUP did not reload")
	}
	deadline := time.Now().Add(time.Second)
	for !strings.Contains(logs.String(), "reload failed") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := logs.String(); !strings.Contains(got, "reload failed") || !strings.Contains(got, "/id: is required") {
		t.Errorf("log %q", got)
	}
}
