package mock

import (
	"bufio"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

// middleware wraps a handler; chain composes them outside the router.
type middleware func(http.Handler) http.Handler

// chain returns h wrapped so that the first middleware runs first.
func chain(h http.Handler, ms ...middleware) http.Handler {
	for i := len(ms) - 1; i >= 0; i-- {
		h = ms[i](h)
	}
	return h
}

// statusWriter records the status and size written, for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	// scenario and fault are set by the handler for the journal.
	scenario, fault string
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streaming faults reach the client.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack lets the connection-reset fault take the connection.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("hijack not supported")
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logLevelAccess is the level of access-log lines (--log-level warn silences them).
const logLevelAccess = slog.LevelInfo

// recoverer turns a panic into a 500 JSON answer and a log line; nothing else writes 500.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.cfg.Logger.Error("panic serving request", "method", r.Method, "path", r.URL.Path,
					"panic", v, "stack", string(debug.Stack()))
				writeError(w, errServer())
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// headerLimit answers 414 JSON when the request target alone exceeds maxHeaderBytes (as
// nginx in front of production does), and 431 JSON when the request's header fields do.
// net/http's own limit (set higher, in Serve) only writes plain text, so the documented
// JSON answer is given here for everything up to that hard limit. The same pass over the
// header fields finds a value that hides a framing field (see framingGuard): one walk of
// the header map per request, not two.
func (s *Server) headerLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.RequestURI) > maxHeaderBytes {
			w.Header().Set("Connection", "close")
			writeError(w, errURITooLong())
			return
		}
		size := len(r.Method) + len(r.RequestURI) + len(r.Host)
		hidden := ""
		for k, vs := range r.Header {
			for _, v := range vs {
				size += len(k) + len(v) + 4
				if hidesFraming(v) && (hidden == "" || k < hidden) {
					hidden = k // the first in sorted order: the answer is deterministic
				}
			}
		}
		if size > maxHeaderBytes {
			w.Header().Set("Connection", "close")
			writeError(w, errHeaderTooLarge())
			return
		}
		if hidden != "" {
			w.Header().Set("Connection", "close")
			writeError(w, errAmbiguousFraming(hidden))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// maxLoggedField caps the path and query kept by the access log and the journal: a request
// target may be up to net/http's 2 MiB header limit, and the journal holds a thousand of them.
const maxLoggedField = 1 << 10

// observe writes one slog line per request and records it in the journal; the
// Authorization header is never logged or recorded.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logging := s.cfg.Logger.Enabled(r.Context(), logLevelAccess)
		journal := s.journal != nil && !isAdmin(r.URL.Path)
		if !logging && !journal {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw, _ := s.writers.Get().(*statusWriter)
		if sw == nil {
			sw = new(statusWriter)
		}
		*sw = statusWriter{ResponseWriter: w}
		defer func() {
			// Deferred, so an aborted request (a reset, a panic) is recorded too.
			dur := time.Since(start)
			method := truncate(r.Method, maxLoggedField)
			path := truncate(r.URL.Path, maxLoggedField)
			query := truncate(r.URL.RawQuery, maxLoggedField)
			if journal {
				s.journal.add(journalRecord{at: s.cfg.Clock(), method: method, path: path, query: query,
					status: sw.status, dur: dur, scenario: sw.scenario, faults: sw.fault})
			}
			if logging {
				s.cfg.Logger.LogAttrs(r.Context(), logLevelAccess, "request",
					slog.String("method", method),
					slog.String("path", path),
					slog.String("query", redactQuery(query)),
					slog.Int("status", sw.status),
					slog.Int64("bytes", sw.bytes),
					slog.Duration("duration", dur),
					slog.String("remote", r.RemoteAddr),
					slog.String("scenario", sw.scenario),
					slog.String("fault", sw.fault),
				)
			}
			*sw = statusWriter{}
			s.writers.Put(sw)
		}()
		next.ServeHTTP(sw, r)
	})
}

// redactQuery hides values of query parameters that commonly carry credentials.
func redactQuery(q string) string {
	if q == "" || !strings.Contains(strings.ToLower(q), "token") {
		return q
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if ok && strings.Contains(strings.ToLower(k), "token") {
			parts[i] = k + "=REDACTED"
		}
	}
	return strings.Join(parts, "&")
}
