package mock

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"

	"github.com/getkin/kin-openapi/routers"
	"github.com/gorilla/mux"

	"github.com/connreq/connreq/fixtures"
)

// maxQueryFields is Django's DATA_UPLOAD_MAX_NUMBER_FIELDS: past it, production answers 400.
const maxQueryFields = 1000

// serveOperation is decode → validate → pure page function → encode.
func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, rt *route, op *routers.Route) {
	q := fixtures.ParseQuery(r.URL.RawQuery)
	if len(q) > maxQueryFields {
		writeError(w, errTooManyFields())
		return
	}
	vars := mux.Vars(r)
	who, aerr := s.validate(r, op, q, vars)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	switch rt.kind {
	case kindConnections:
		s.serveConnections(w, r, rt, q, vars, who)
	case kindPreferences:
		s.servePreferences(w, r, q)
	default:
		writeJSON(w, http.StatusOK, rt.example)
	}
}

// serveConnections answers a page of a user's received connection requests, with the
// checks production makes in its order: friendship mode, user exists, caller may see it.
func (s *Server) serveConnections(w http.ResponseWriter, r *http.Request, rt *route, q fixtures.Query, vars map[string]string, who caller) {
	if s.cfg.NoFriendship {
		writeError(w, errForbidden())
		return
	}
	owner := who.userID
	if rt.hasID {
		id, ok := parseUserID(vars["id"])
		if !ok {
			writeError(w, errNotFound())
			return
		}
		if who.userID != 0 && who.userID != id && !who.staff {
			writeError(w, errForbidden())
			return
		}
		owner = id
	} else if owner == 0 {
		owner = s.cfg.Me
	}
	win := s.pager.Window(q)
	count := s.gen.Count(owner)
	next, prev, hasNext, hasPrev := fixtures.Links(s.baseURL(r), q, win, count)
	start, end := win.Bounds(count)

	key := pageKey{owner: owner, count: count, start: start, end: end, next: next, prev: prev, hasNext: hasNext, hasPrev: hasPrev}
	if body, _ := s.cache.get(&key); body != nil {
		writeJSON(w, http.StatusOK, body)
		return
	}
	bp := s.getBuf()
	buf := s.gen.AppendPage((*bp)[:0], owner, count, start, end, next, prev, hasNext, hasPrev)
	s.cache.put(&key, s.cache.hash(&key), buf)
	writeJSON(w, http.StatusOK, buf)
	*bp = buf
	s.putBuf(bp)
}

// parseUserID reads a path id the way Django's int converter does: digits only, and
// the user must fit Django's 32-bit AutoField and not be 0.
func parseUserID(raw string) (int64, bool) {
	if raw == "" || len(raw) > 20 || !plainInteger(raw) || raw[0] == '-' {
		return 0, false
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 || id > maxUserID {
		return 0, false
	}
	return id, true
}

// baseURL is scheme://host/path of the request (Django's build_absolute_uri without
// the query), or the configured public URL plus the path.
func (s *Server) baseURL(r *http.Request) string {
	path := r.URL.EscapedPath()
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL + path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		// HTTP/1.0 without Host: Django falls back to the server's own name.
		if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			host = addr.String()
		} else {
			host = "localhost"
		}
	}
	return scheme + "://" + host + path
}

// maxPooledBuf keeps oversized page buffers (huge limits) from being pooled forever.
const maxPooledBuf = 1 << 20

func (s *Server) getBuf() *[]byte {
	if bp, ok := s.bufs.Get().(*[]byte); ok {
		return bp
	}
	b := make([]byte, 0, 64<<10)
	return &b
}

func (s *Server) putBuf(bp *[]byte) {
	if cap(*bp) <= maxPooledBuf {
		s.bufs.Put(bp)
	}
}

// writeJSON writes a JSON body with DRF's headers.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Vary"] = []string{"Accept"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// marshalCompact encodes v as JSON without HTML escaping.
func marshalCompact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
