package mock

import (
	"context"
	"hash/fnv"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/connreq/connreq/fixtures"
)

// answer is a response ready to be written, before faults.
type answer struct {
	status int
	body   []byte
	err    *apiError // when set, the answer is this error (body and headers from writeError)
}

// deliver writes a with the faults f. Every fault runs in the request's own goroutine and
// waits on timers that stop with it, so a fault never blocks another request or leaks a
// goroutine, and a client that goes away ends the wait at once.
func (s *Server) deliver(w http.ResponseWriter, r *http.Request, a answer, f fixtures.Faults, jitterKey string, flaky func() bool) {
	if f.IsZero() {
		a.write(w)
		return
	}
	if sw, ok := w.(*statusWriter); ok {
		sw.fault = strings.Join(f.Names(), ",")
	}
	if d := delayOf(f, jitterKey, r); d > 0 && !waitToWrite(r.Context(), w, d) {
		return
	}
	if f.Reset {
		resetConn(w)
		return
	}
	if f.Status != 0 && (flaky == nil || flaky()) {
		a = answer{err: &apiError{status: f.Status, detail: fixtures.DefaultDetail(f.Status)}}
	}
	if !f.Truncate && f.Drip == 0 {
		a.write(w)
		return
	}
	body := a.body
	if a.err != nil {
		body = a.err.headers(w)
	} else {
		setJSONHeaders(w, len(body))
	}
	w.WriteHeader(a.statusCode())
	rc := http.NewResponseController(w)
	if f.Truncate {
		// Content-Length promises the whole body: the client sees it cut mid-JSON, and
		// net/http closes the connection after the short body.
		body = body[:len(body)/2]
	}
	if f.Drip == 0 {
		_, _ = w.Write(body)
		_ = rc.Flush()
		return
	}
	step := max(f.DripBytes, 1)
	for len(body) > 0 {
		if !waitToWrite(r.Context(), w, f.Drip) {
			return
		}
		n := min(step, len(body))
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		_ = rc.Flush()
		body = body[n:]
	}
}

func (a answer) statusCode() int {
	if a.err != nil {
		return a.err.status
	}
	return a.status
}

func (a answer) write(w http.ResponseWriter) {
	if a.err != nil {
		writeError(w, a.err)
		return
	}
	writeJSON(w, a.status, a.body)
}

// delayOf is the fixed latency, or a jittered one picked by a hash of the scenario and the
// request URL, so the same request always waits the same time.
func delayOf(f fixtures.Faults, key string, r *http.Request) time.Duration {
	if f.LatencyMax <= f.Latency {
		return f.Latency
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(r.URL.Path))
	_, _ = h.Write([]byte{'?'})
	_, _ = h.Write([]byte(r.URL.RawQuery))
	span := uint64(f.LatencyMax-f.Latency) + 1
	return f.Latency + time.Duration(h.Sum64()%span)
}

// sleep waits d or until ctx ends; it reports whether the full wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// waitToWrite waits d as sleep does, then gives the answer a fresh write deadline: the
// server's WriteTimeout (60 s) runs from the end of the request, so without this a delay or
// drip the client asked for (up to 5 minutes) would end in a connection closed unanswered.
func waitToWrite(ctx context.Context, w http.ResponseWriter, d time.Duration) bool {
	if !sleep(ctx, d) {
		return false
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeTimeout))
	return true
}

// resetConn takes the connection and closes it with a TCP reset. Where the connection
// cannot be taken (HTTP/2), the stream is aborted instead.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close sends RST, not FIN
	}
	_ = conn.Close()
}

// setJSONHeaders sets the headers writeJSON sets.
func setJSONHeaders(w http.ResponseWriter, n int) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	varyAccept(h)
	h["Content-Length"] = []string{strconv.Itoa(n)}
}
