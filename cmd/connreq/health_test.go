package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/mock"
)

// TestHealth runs connreq health against the real mock, a dead port, a slow server and
// servers that lie: exit 0 only for the mock, exit 1 with one clear line otherwise, and
// never later than --timeout allows.
func TestHealth(t *testing.T) {
	t.Parallel()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mock.New(doc, mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	real := httptest.NewServer(srv.Handler())
	t.Cleanup(real.Close)
	noAdmin, err := mock.New(doc, mock.Config{NoAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	hidden := httptest.NewServer(noAdmin.Handler())
	t.Cleanup(hidden.Close)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()

	// hang accepts connections and never answers.
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hang.Close() })
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()

	serve := func(h http.HandlerFunc) string {
		ts := httptest.NewServer(h)
		t.Cleanup(ts.Close)
		return ts.URL
	}
	jsonAnswer := func(status int, body string) string {
		return serve(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		})
	}
	drip := serve(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"status":`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	redirect := serve(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, real.URL+"/__connreq/health", http.StatusFound)
	})
	html := serve(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>ok</html>"))
	})
	// garbage answers with bytes that are not HTTP.
	garbage, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { garbage.Close() })
	go func() {
		for {
			c, err := garbage.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = c.Read(make([]byte, 4096)) // the request
				_, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n\r\n"))
				time.Sleep(time.Second)
			}()
		}
	}()
	huge := serve(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok","pad":"` + strings.Repeat("x", 100<<10) + `"}`))
	})

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // substring of stdout
		wantErr  string // substring of stderr
	}{
		{name: "the mock", args: []string{"--url", real.URL + "/__connreq/health"}, wantCode: 0,
			wantOut: "ok: " + real.URL + "/__connreq/health answered in"},
		{name: "the mock, base URL", args: []string{"--url", real.URL}, wantCode: 0, wantOut: "(connreq " + connreq.BuildInfo().String() + ")"},
		{name: "dead port", args: []string{"--url", dead}, wantCode: 1, wantErr: "unreachable: dial tcp " + strings.TrimPrefix(dead, "http://") + ": connect: connection refused"},
		{name: "never answers", args: []string{"--url", "http://" + hang.Addr().String(), "--timeout", "300ms"}, wantCode: 1,
			wantErr: "no answer within 300ms"},
		{name: "body drips", args: []string{"--url", drip, "--timeout", "300ms"}, wantCode: 1,
			wantErr: "status 200, but the body did not arrive within 300ms"},
		{name: "admin endpoints off", args: []string{"--url", hidden.URL}, wantCode: 1, wantErr: `status 404, want 200 (body "{\"detail\":\"Not found.\"}")`},
		{name: "server error", args: []string{"--url", jsonAnswer(503, `{"status":"ok"}`)}, wantCode: 1, wantErr: "status 503, want 200"},
		{name: "status down", args: []string{"--url", jsonAnswer(200, `{"status":"down"}`)}, wantCode: 1, wantErr: `"status" is "down", want "ok"`},
		{name: "no status", args: []string{"--url", jsonAnswer(200, `{}`)}, wantCode: 1, wantErr: `"status" is missing, want "ok"`},
		{name: "not JSON", args: []string{"--url", jsonAnswer(200, `ok`)}, wantCode: 1, wantErr: "body is not JSON"},
		{name: "HTML", args: []string{"--url", html}, wantCode: 1, wantErr: `Content-Type "text/html", want application/json`},
		{name: "redirect", args: []string{"--url", redirect}, wantCode: 1, wantErr: "status 302, want 200"},
		{name: "not HTTP", args: []string{"--url", "http://" + garbage.Addr().String()}, wantCode: 1, wantErr: `no valid HTTP answer: net/http: HTTP/1.x transport connection broken: malformed HTTP response "SSH-2.0-OpenSSH_9.2"`},
		{name: "huge body", args: []string{"--url", huge}, wantCode: 1, wantErr: "body larger than 65536 bytes"},
		{name: "bad URL", args: []string{"--url", "127.0.0.1:4010"}, wantCode: 2, wantErr: "--url: must be an http:// or https:// URL with a host"},
		{name: "bad timeout", args: []string{"--timeout", "0s"}, wantCode: 2, wantErr: "--timeout: must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			code, out, errOut := runCLI(t, t.Context(), nil, append([]string{"health"}, tc.args...)...)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %v", took)
			}
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d; stdout %q; stderr %q", code, tc.wantCode, out, errOut)
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("stdout %q, want it to contain %q", out, tc.wantOut)
			}
			if !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("stderr %q, want it to contain %q", errOut, tc.wantErr)
			}
			if code == 1 && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("want one line on stderr, got %q", errOut)
			}
		})
	}
}

// TestVersionJSON checks connreq version --json: every field, and the same version as
// the text form's first line.
func TestVersionJSON(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, t.Context(), nil, "version", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v: %q", err, out)
	}
	for _, k := range []string{"version", "revision", "modified", "go", "platform"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q in %s", k, out)
		}
	}
	if got["go"] != connreq.BuildInfo().GoVersion {
		t.Errorf("go %v, want %s", got["go"], connreq.BuildInfo().GoVersion)
	}
	_, text, _ := runCLI(t, t.Context(), nil, "version")
	if first, _, _ := strings.Cut(text, "\n"); first != "connreq "+connreq.BuildInfo().String() {
		t.Errorf("first line %q, want %q", first, "connreq "+connreq.BuildInfo().String())
	}
}
