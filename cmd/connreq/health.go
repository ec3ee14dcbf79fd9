package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// healthPath is the mock's health endpoint, asked when --url has no path.
const healthPath = "/__connreq/health"

// maxHealthBody bounds what connreq health reads of an answer.
const maxHealthBody = 64 << 10

// healthFailed is a health check that did not pass: exit 1, the reason already printed.
type healthFailed struct{ err error }

func (h healthFailed) Error() string { return h.err.Error() }
func (h healthFailed) Unwrap() error { return h.err }

// ExitCode implements exitCoder.
func (healthFailed) ExitCode() int { return exitFailed }

// runHealth asks a running mock's /__connreq/health and exits 0 when it answers 200 with
// {"status":"ok"} within --timeout, 1 otherwise (one line on stderr says why). It needs no
// shell, so a container's HEALTHCHECK can run it.
func runHealth(ctx context.Context, e env, args []string) error {
	fs := newFlagSet("health", e.stderr)
	rawURL := fs.String("url", "http://127.0.0.1:4010"+healthPath, "health `URL` of the mock (a URL without a path asks "+healthPath+")")
	timeout := fs.Duration("timeout", 3*time.Second, "the whole check, connection to last byte, must finish within this `duration`")
	if err := parseFlags(fs, args, e.getenv); err != nil {
		return err
	}
	u, err := url.Parse(*rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--url: must be an http:// or https:// URL with a host (got %q)", *rawURL)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = healthPath
	}
	if *timeout <= 0 {
		return usagef("--timeout: must be positive (got %s)", *timeout)
	}
	start := time.Now()
	version, err := checkHealth(ctx, u.String(), *timeout)
	if err != nil {
		fmt.Fprintf(e.stderr, "connreq health: %s: %v\n", u.Redacted(), err)
		return healthFailed{err}
	}
	_, err = fmt.Fprintf(e.stdout, "ok: %s answered in %s (connreq %s)\n", u.Redacted(), time.Since(start).Round(time.Millisecond), version)
	return err
}

// checkHealth GETs target and returns the version the mock reports, or why the answer is
// not a healthy mock's.
func checkHealth(ctx context.Context, target string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{
		// No proxy (a loopback check must not leave the host) and no redirect: a healthy
		// mock answers itself.
		Transport:     &http.Transport{DisableKeepAlives: true, MaxResponseHeaderBytes: maxHealthBody},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return "", fmt.Errorf("no answer within %s", timeout)
		}
		if op, ok := errors.AsType[*net.OpError](err); ok && op.Op == "dial" {
			return "", fmt.Errorf("unreachable: %w", unwrapURLError(err))
		}
		return "", fmt.Errorf("no valid HTTP answer: %w", unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHealthBody+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return "", fmt.Errorf("status %d, but the body did not arrive within %s", resp.StatusCode, timeout)
		}
		return "", fmt.Errorf("status %d, reading the body: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d, want 200 (body %.80q)", resp.StatusCode, body)
	}
	if len(body) > maxHealthBody {
		return "", fmt.Errorf("body larger than %d bytes: not a connreq health answer", maxHealthBody)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return "", fmt.Errorf("Content-Type %q, want application/json: not a connreq health answer", resp.Header.Get("Content-Type"))
	}
	var h struct {
		Status  *string `json:"status"`
		Version string  `json:"version"`
	}
	if err := json.Unmarshal(body, &h); err != nil {
		return "", fmt.Errorf("body is not JSON (%v): %.80q", err, body)
	}
	if h.Status == nil || *h.Status != "ok" {
		got := "missing"
		if h.Status != nil {
			got = fmt.Sprintf("%q", *h.Status)
		}
		return "", fmt.Errorf(`"status" is %s, want "ok"`, got)
	}
	if h.Version == "" {
		h.Version = "version unknown"
	}
	return strings.TrimSpace(h.Version), nil
}

// unwrapURLError drops net/http's "Get "URL": " prefix: the caller names the URL once.
func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}
