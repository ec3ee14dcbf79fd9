package mock_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
)

// discardWriter is a minimal ResponseWriter so benchmarks measure the handler, not a recorder.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }
func (d *discardWriter) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }
func (d *discardWriter) reset()                      { clear(d.h); d.code = 0; d.n = 0 }

func benchServer(b *testing.B) http.Handler {
	b.Helper()
	doc, err := connreq.Load()
	if err != nil {
		b.Fatal(err)
	}
	srv, err := mock.New(doc, mock.Config{})
	if err != nil {
		b.Fatal(err)
	}
	return srv.Handler()
}

func newReq(b *testing.B, path string) *http.Request {
	b.Helper()
	r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:4010"+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer bench-token")
	return r
}

// BenchmarkPage20 runs the whole handler chain for one 20-item page and reports its
// cost relative to a plain net/http handler writing the same bytes (x-static).
func BenchmarkPage20(b *testing.B) {
	h := benchServer(b)
	req := newReq(b, "/api/v2/user/1/connection/requests/?limit=20&offset=20")
	w := &discardWriter{h: http.Header{}}
	h.ServeHTTP(w, req)
	if w.code != http.StatusOK || w.n == 0 {
		b.Fatalf("status %d, %d bytes", w.code, w.n)
	}
	body := make([]byte, w.n)
	static := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
	// The yardstick is timed by hand: testing.Benchmark cannot nest inside a benchmark.
	sw := &discardWriter{h: http.Header{}}
	const staticRounds = 20000
	start := time.Now()
	for range staticRounds {
		sw.reset()
		static.ServeHTTP(sw, req)
	}
	staticNs := time.Since(start).Nanoseconds() / staticRounds
	b.SetBytes(int64(w.n))
	b.ResetTimer()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
	}
	b.StopTimer()
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(float64(staticNs), "static-ns/op")
	if staticNs > 0 {
		b.ReportMetric(perOp/float64(staticNs), "x-static")
	}
}

// BenchmarkPageOffsets compares a page at the start of a 10^9-item position with one at
// its end: item i depends only on (seed, user, i), so both cost the same.
func BenchmarkPageOffsets(b *testing.B) {
	h := benchServer(b)
	for _, tc := range []struct{ name, path string }{
		{"offset-0", "/api/v2/user/1/connection/requests/?limit=20"},
		{"offset-20", "/api/v2/user/1/connection/requests/?limit=20&offset=20"},
		{"limit-100", "/api/v2/user/1/connection/requests/?limit=100"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req := newReq(b, tc.path)
			w := &discardWriter{h: http.Header{}}
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkPageRandom asks for a different user and offset every time.
func BenchmarkPageRandom(b *testing.B) {
	h := benchServer(b)
	reqs := make([]*http.Request, 1024)
	for i := range reqs {
		reqs[i] = newReq(b, "/api/v2/user/"+strconv.Itoa(1+i*7919%2000000)+"/connection/requests/?limit=20&offset="+strconv.Itoa(i*31%200))
	}
	w := &discardWriter{h: http.Header{}}
	i := 0
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, reqs[i%len(reqs)])
		i++
	}
}

// BenchmarkNew measures start-up: spec load plus generator pools plus routes.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		doc, err := connreq.Load()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := mock.New(doc, mock.Config{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplayPage20 serves the same 20-item page from a recording of it, as
// serve --replay does: sent exactly as recorded (raw) and normalised (reordered query).
func BenchmarkReplayPage20(b *testing.B) {
	doc, err := connreq.Load()
	if err != nil {
		b.Fatal(err)
	}
	gen := benchServer(b)
	const path = "/api/v2/user/1/connection/requests/"
	w := &discardWriter{h: http.Header{}}
	gen.ServeHTTP(w, newReq(b, path+"?limit=20&offset=20"))
	rec := &fixtures.Recording{Target: "http://127.0.0.1:4010", Entries: []fixtures.IndexEntry{{
		File: fixtures.ExchangeFile(1, "walk"), Method: "GET", Path: path, Query: "limit=20&offset=20", Auth: fixtures.AuthBearer, Status: 200}}}
	body := make([]byte, 0, w.n)
	cw := &captureWriter{discardWriter: discardWriter{h: http.Header{}}, body: &body}
	gen.ServeHTTP(cw, newReq(b, path+"?limit=20&offset=20"))
	rec.Exchanges = []fixtures.Exchange{{
		Request:  fixtures.RecordedRequest{Method: "GET", Path: path, Query: "limit=20&offset=20", Auth: fixtures.AuthBearer},
		Response: fixtures.RecordedResponse{Status: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}}}
	srv, err := mock.New(doc, mock.Config{Replay: rec})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	for _, q := range []string{"limit=20&offset=20", "offset=20&limit=20"} {
		b.Run(map[bool]string{true: "raw", false: "normalised"}[q == "limit=20&offset=20"], func(b *testing.B) {
			req := newReq(b, path+"?"+q)
			w.reset()
			h.ServeHTTP(w, req)
			if w.code != http.StatusOK || w.n != len(body) {
				b.Fatalf("status %d, %d bytes, want 200 and %d", w.code, w.n, len(body))
			}
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, req)
			}
		})
	}
}

// captureWriter keeps the body written.
type captureWriter struct {
	discardWriter
	body *[]byte
}

func (c *captureWriter) Write(p []byte) (int, error) {
	*c.body = append(*c.body, p...)
	return c.discardWriter.Write(p)
}

// BenchmarkBoot runs the whole handler chain for each boot endpoint the official client
// calls on start (compare with BenchmarkPage20, a cached page).
func BenchmarkBoot(b *testing.B) {
	h := benchServer(b)
	for _, tc := range []struct{ name, path string }{
		{"preferences", "/api/v2/dynamic_preference/"},
		{"preferences-search", "/api/v2/dynamic_preference/?search=url_template"},
		{"features", "/api/v2/feature/?"},
		{"me", "/api/v2/user/me/"},
		{"settings", "/api/v2/user/1/settings/"},
		{"hidden-users", "/api/v2/user/hidden_users_id/"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req := newReq(b, tc.path)
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, req)
			if w.code != http.StatusOK || w.n == 0 {
				b.Fatalf("status %d, %d bytes", w.code, w.n)
			}
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, req)
			}
		})
	}
}
