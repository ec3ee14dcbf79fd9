package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/routers"

	"github.com/connreq/connreq/fixtures"
)

// maxQueryFields is Django's DATA_UPLOAD_MAX_NUMBER_FIELDS: past it, production answers 400.
const maxQueryFields = 1000

// serveOperation is decode → validate → pure page function → encode, with the Prefer
// header's control (RFC 7240) applied last.
func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, rt *route, op *routers.Route, vars map[string]string) {
	// Sized for the pairs the query can hold (bounded), so parsing allocates once.
	q := fixtures.AppendQuery(make(fixtures.Query, 0, min(strings.Count(r.URL.RawQuery, "&")+1, 16)), r.URL.RawQuery)
	if len(q) > maxQueryFields {
		writeError(w, errTooManyFields())
		return
	}
	who, aerr := s.validate(r, op, q, vars)
	if aerr != nil {
		if aerr.status == http.StatusUnauthorized && s.replay != nil && s.serveRefusal(w, r, rt) {
			return
		}
		writeError(w, aerr)
		return
	}
	var p prefs
	if lines := r.Header["Prefer"]; len(lines) > 0 {
		var err error
		if p, err = parsePrefer(lines); err != nil {
			writeError(w, errBadPrefer(err.Error()))
			return
		}
		if aerr := s.checkPrefer(&p, rt, op); aerr != nil {
			writeError(w, aerr)
			return
		}
		if len(p.applied) > 0 {
			w.Header().Set("Preference-Applied", strings.Join(p.applied, ", "))
		}
	}
	if p.code != 0 && p.code != http.StatusOK {
		s.deliver(w, r, answer{err: errStatus(p.code, "")}, p.faults(), "prefer", nil)
		return
	}
	if r.Method == http.MethodPost {
		s.serveAction(w, r, rt, vars, who, &p)
		return
	}
	if s.replay != nil && p.scenario == "" && s.serveReplay(w, r, rt, &p) {
		return
	}
	switch rt.kind {
	case kindSent, kindIsConnection, kindConnectionStatus:
		s.serveStateRead(w, r, rt, q, vars, who, &p)
	case kindConnections:
		s.serveConnections(w, r, rt, op, q, vars, who, &p)
	default:
		if p.delay > 0 && !waitToWrite(r.Context(), w, delayOf(p.faults(), "prefer", r)) {
			return
		}
		s.serveBoot(w, r, rt, q, vars, who, &p)
	}
}

// checkPrefer refuses what the operation cannot honour: an undeclared status, and
// scenarios or faults outside the connection request lists.
func (s *Server) checkPrefer(p *prefs, rt *route, op *routers.Route) *apiError {
	if p.code != 0 && op.Operation.Responses.Status(p.code) == nil {
		return errBadPrefer(fmt.Sprintf("code=%d is not declared for %s %s; valid codes: %s",
			p.code, op.Method, op.Path, strings.Join(declaredCodes(op), ", ")))
	}
	if rt.kind != kindConnections && (p.scenario != "" || p.reset || p.truncate || p.drip > 0) {
		return errBadPrefer(fmt.Sprintf("scenario and fault apply to the connection request lists, not %s %s; valid here: code, delay", op.Method, op.Path))
	}
	return nil
}

// declaredCodes lists the statuses op declares, sorted.
func declaredCodes(op *routers.Route) []string {
	codes := op.Operation.Responses.Keys()
	sort.Strings(codes)
	return codes
}

// faults are the faults p asks for.
func (p *prefs) faults() fixtures.Faults {
	return fixtures.Faults{Latency: p.delay, LatencyMax: p.delayMax, Reset: p.reset, Truncate: p.truncate, Drip: p.drip, DripBytes: p.dripSize}
}

// withPrefer lays the faults Prefer asks for over a scenario's.
func withPrefer(f fixtures.Faults, p *prefs) fixtures.Faults {
	if p.delay > 0 || p.delayMax > 0 {
		f.Latency, f.LatencyMax = p.delay, p.delayMax
	}
	f.Reset = f.Reset || p.reset
	f.Truncate = f.Truncate || p.truncate
	if p.drip > 0 {
		f.Drip, f.DripBytes = p.drip, p.dripSize
	}
	return f
}

// serveConnections answers a page of a user's received connection requests, with the
// checks production makes in its order: friendship mode, user exists, caller may see it.
// A scenario (by reserved id or Prefer) then decides the list, or the error, and faults.
func (s *Server) serveConnections(w http.ResponseWriter, r *http.Request, rt *route, op *routers.Route, q fixtures.Query, vars map[string]string, who caller, p *prefs) {
	if s.cfg.NoFriendship {
		writeError(w, errForbidden())
		return
	}
	owner := who.userID
	if rt.hasID {
		id, aerr := ownUser(vars, who)
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		owner = id
	} else if owner == 0 {
		owner = s.cfg.Me
	}
	if s.replay != nil && p.scenario == "" {
		if c := s.replay.lists[owner]; c != nil {
			s.serveCollection(w, r, q, c, owner, p)
			return
		}
		if !s.replay.generate {
			s.replayMiss(w, r, rt, "")
			return
		}
	}
	set := s.scenarios.Load()
	sc, aerr := set.pick(p, owner)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if sc != nil {
		s.serveScenario(w, r, op, q, owner, set, sc, p)
		return
	}
	f := p.faults()
	s.overlaid(w, r, q, p, &fixtures.GeneratedList{Gen: s.gen, Owner: owner}, owner, nil, true,
		func(list fixtures.List) { s.servePage(w, r, q, list, owner, f, "prefer", nil) }, f)
}

// serveScenario answers owner's list as scenario sc serves it.
func (s *Server) serveScenario(w http.ResponseWriter, r *http.Request, op *routers.Route, q fixtures.Query, owner int64, set *scenarioSet, sc *fixtures.Scenario, p *prefs) {
	if sw, ok := w.(*statusWriter); ok {
		sw.scenario = sc.Name
	}
	faults := withPrefer(sc.Faults, p)
	var flaky func() bool
	if faults.Status != 0 {
		flaky = set.flaky(sc)
	}
	if sc.Error != nil {
		if op.Operation.Responses.Status(sc.Error.Status) == nil {
			writeError(w, errBadPrefer(fmt.Sprintf("scenario %s answers %d, which %s %s does not declare; use a path with {id}",
				sc.Name, sc.Error.Status, op.Method, op.Path)))
			return
		}
		s.deliver(w, r, answer{err: errStatus(sc.Error.Status, sc.Error.Detail)}, faults, sc.Name, flaky)
		return
	}
	list := &fixtures.ScenarioList{Scenario: sc, Gen: s.gen, Owner: owner, Variant: set.states[sc].variant}
	serve := func(l fixtures.List) { s.servePage(w, r, q, l, owner, faults, sc.Name, flaky) }
	if p.scenario != "" {
		serve(list) // a scenario asked for by Prefer is not owner's own list: no state
		return
	}
	s.overlaid(w, r, q, p, list, owner, &sc.Shape, len(sc.Items) == 0, serve, faults)
}

// ownUser is the {id} of a path that only that user (or staff) may read: 404 for an id
// Django would not route, 403 for someone else's. A token that names nobody is that user.
func ownUser(vars map[string]string, who caller) (int64, *apiError) {
	id, ok := parseUserID(vars["id"])
	if !ok {
		return 0, errNotFound()
	}
	if who.userID != 0 && who.userID != id && !who.staff {
		return 0, errForbidden()
	}
	return id, nil
}

// parseUserID reads a path id the way Django's int converter does: digits only, and
// the user must fit Django's 32-bit AutoField and not be 0.
func parseUserID(raw string) (int64, bool) {
	if len(raw) > 20 || !fixtures.IsDigits(raw) {
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
	if s.cfg.PublicURL == "" && r.Host != "" {
		scheme := "http://"
		if r.TLS != nil {
			scheme = "https://"
		}
		return scheme + r.Host + djangoPath(r.URL.Path) // origin's answer, in one allocation
	}
	return s.origin(r) + djangoPath(r.URL.Path)
}

// djangoPath escapes a decoded request path as Django's escape_uri_path does before it
// goes into a link or a redirect: /user/%31/ is written /user/1/, %2F as /.
func djangoPath(path string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(path); i++ {
		c := path[i]
		if uriSafe(c) {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(path)+8), path[:i]...)
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	if b == nil {
		return path
	}
	return string(b)
}

// uriSafe reports whether escape_uri_path keeps c as it is: letters, digits and
// /:@&+$,-_.!~*'().
func uriSafe(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '/', ':', '@', '&', '+', '$', ',', '-', '_', '.', '!', '~', '*', '\'', '(', ')':
		return true
	}
	return false
}

// origin is scheme://host of the request, or the configured public URL (with its prefix).
func (s *Server) origin(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
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
	return scheme + "://" + host
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
	// One array backs the three values; each slice is capped at its length, so an append
	// to one of them (varyAccept, a later Add) copies instead of overwriting its neighbour.
	v := &[3]string{"application/json", "Accept", strconv.Itoa(len(body))}
	h["Content-Type"] = v[0:1:1]
	if len(h["Vary"]) == 0 {
		h["Vary"] = v[1:2:2]
	} else {
		varyAccept(h)
	}
	h["Content-Length"] = v[2:3:3]
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
