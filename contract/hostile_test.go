package contract_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/contract"
)

// Hostile targets: each must end in failed checks with a clear message, quickly, without
// reading without bound.
func TestHostileTargets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     contract.Config
		handler func(t *testing.T) http.Handler
		want    []contract.Check // must fail (others may too)
		message string           // in some failure's message
	}{
		{
			name: "HTML instead of JSON",
			handler: func(*testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					_, _ = w.Write([]byte("<html><body>Welcome to nginx!</body></html>"))
				})
			},
			want:    []contract.Check{contract.CheckContentType, contract.CheckJSON},
			message: "not well-formed JSON",
		},
		{
			name: "endless body without Content-Length",
			cfg:  contract.Config{MaxBody: 256 << 10},
			handler: func(*testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					chunk := []byte(strings.Repeat("[", 32<<10))
					for r.Context().Err() == nil {
						if _, err := w.Write(chunk); err != nil {
							return
						}
					}
				})
			},
			want:    []contract.Check{contract.CheckBodySize},
			message: "256 KiB limit",
		},
		{
			name: "slow drip",
			cfg:  contract.Config{Timeout: 400 * time.Millisecond},
			handler: func(*testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusOK)
					rc := http.NewResponseController(w)
					for {
						if _, err := w.Write([]byte(" ")); err != nil {
							return
						}
						_ = rc.Flush()
						select {
						case <-r.Context().Done():
							return
						case <-time.After(50 * time.Millisecond):
						}
					}
				})
			},
			want:    []contract.Check{contract.CheckTimeout},
			message: "no complete answer within 400ms",
		},
		{
			name: "connection reset on every request",
			handler: func(*testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					conn, _, err := http.NewResponseController(w).Hijack()
					if err != nil {
						return
					}
					if tcp, ok := conn.(*net.TCPConn); ok {
						_ = tcp.SetLinger(0)
					}
					_ = conn.Close()
				})
			},
			want:    []contract.Check{contract.CheckTransport},
			message: "no complete answer",
		},
		{
			name: "redirect loop",
			handler: func(*testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, r.URL.String(), http.StatusFound)
				})
			},
			want:    []contract.Check{contract.CheckRedirect},
			message: "redirect loop",
		},
		{
			name: "endless redirect chain",
			handler: func(*testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, r.URL.Path+"?hop="+r.URL.Query().Get("hop")+"x", http.StatusFound)
				})
			},
			want:    []contract.Check{contract.CheckRedirect},
			message: "more than 10 redirects",
		},
		{
			name: "next points back at the first page",
			handler: func(*testing.T) http.Handler {
				f := &fake{page: func(r *http.Request, p *fakePage) {
					if p.path == "seed" && p.win.Offset == 20 {
						back := "http://" + r.Host + r.URL.Path + "?limit=20"
						p.Next = &back
					}
				}}
				return f
			},
			want:    []contract.Check{contract.CheckPageWalk},
			message: "next points back at an earlier page",
		},
		{
			name: "count of 10^12",
			cfg:  contract.Config{MaxPages: 50},
			handler: func(*testing.T) http.Handler {
				return &fake{count: 1_000_000_000_000}
			},
			want:    []contract.Check{contract.CheckPageWalk},
			message: "did not reach the end within 50 pages",
		},
		{
			name: "next jumps past the largest int64",
			handler: func(*testing.T) http.Handler {
				return &fake{page: func(r *http.Request, p *fakePage) {
					if p.Next != nil {
						n := "http://" + r.Host + r.URL.Path + "?limit=20&offset=99999999999999999999999"
						p.Next = &n
					}
				}}
			},
			want:    []contract.Check{contract.CheckPageLinks},
			message: "next differs from the link DRF builds",
		},
		{
			name: "relative next link",
			handler: func(*testing.T) http.Handler {
				return &fake{page: func(r *http.Request, p *fakePage) {
					if p.Next != nil {
						n := strings.TrimPrefix(*p.Next, "http://"+r.Host)
						p.Next = &n
					}
				}}
			},
			want:    []contract.Check{contract.CheckSchema, contract.CheckPageLinks, contract.CheckPageWalk},
			message: "is not an absolute URL",
		},
		{
			name: "next leaves the target's host",
			handler: func(t *testing.T) http.Handler {
				evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					t.Errorf("the runner sent a request to another host (Authorization %q)", r.Header.Get("Authorization"))
				}))
				t.Cleanup(evil.Close)
				return &fake{page: func(r *http.Request, p *fakePage) {
					if p.Next != nil {
						n := strings.Replace(*p.Next, "http://"+r.Host, evil.URL, 1)
						p.Next = &n
					}
				}}
			},
			want:    []contract.Check{contract.CheckPageWalk, contract.CheckPageLinks},
			message: "points at another host",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := httptest.NewServer(tt.handler(t))
			t.Cleanup(ts.Close)
			start := time.Now()
			rep := runAgainst(t, ts.URL, tt.cfg)
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("the run took %s", d)
			}
			got := failedChecks(rep)
			for _, c := range tt.want {
				if !slices.Contains(got, string(c)) {
					t.Errorf("%s did not fail; failed: %v", c, got)
				}
			}
			found := false
			for _, res := range rep.Results {
				for _, f := range res.Failures {
					if strings.Contains(f.Message, tt.message) {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("no failure message contains %q\n%s", tt.message, textOf(t, rep))
			}
			if !errors.Is(rep.Err(), contract.ErrChecksFailed) {
				t.Errorf("Report.Err() = %v, want ErrChecksFailed", rep.Err())
			}
		})
	}
}

// An address nobody listens on is unreachable: exit code 3, and a report that says so.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	r, err := contract.New(doc, contract.Config{Target: "http://" + addr, Token: fakeToken, User: "42"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Run(t.Context())
	var ue *contract.UnreachableError
	if !errors.As(err, &ue) || ue.ExitCode() != 3 || !errors.Is(err, contract.ErrUnreachable) {
		t.Fatalf("Run error = %v, want an *UnreachableError", err)
	}
	if rep == nil || rep.Status() != "unreachable" || rep.Requests != 1 {
		t.Fatalf("report = %+v, want one request and status unreachable", rep)
	}
}

// A target that echoes the Authorization header back, in bodies and in a Location,
// must not get the token into any report.
func TestTokenNeverReported(t *testing.T) {
	t.Parallel()
	f := &fake{before: func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.RawQuery == "limit=1" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"detail":"bad header ` + r.Header.Get("Authorization") + `"}`))
			return true
		}
		if r.URL.RawQuery == "limit=100" {
			http.Redirect(w, r, "http://elsewhere.invalid/"+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), http.StatusFound)
			return true
		}
		return false
	}}
	rep := runAgainst(t, f.server(t).URL, contract.Config{})
	if rep.Err() == nil {
		t.Fatal("the run passed against a broken target")
	}
	var all strings.Builder
	all.WriteString(textOf(t, rep))
	if err := rep.WriteJSON(&all); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJUnit(&all); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(all.String(), fakeToken) {
		t.Errorf("the token appears in a report:\n%s", all.String())
	}
	if !strings.Contains(all.String(), "[REDACTED]") {
		t.Errorf("the echoed token was not visibly redacted:\n%s", all.String())
	}
}
