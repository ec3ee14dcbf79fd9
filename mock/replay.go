package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/connreq/connreq/fixtures"
)

// Replay fallbacks: what a request with no recording gets.
const (
	ReplayFallback404      = "404"      // a 404 naming the closest recorded requests
	ReplayFallbackGenerate = "generate" // the generated answer, as without --replay
)

// replaySet is a recording ready to serve: answers by request key.
type replaySet struct {
	byKey map[string]*replayed
	// refusals are the recorded 401s of requests without valid credentials, by
	// "auth-class key" (none, wrong-scheme, bad-token): served when the mock's own
	// authentication refuses a request of that class.
	refusals map[string]*replayed
	byRaw    map[string]*replayed // "GET path?query" exactly as recorded: the fast path
	keys     []string             // sorted, for "closest" hints
	generate bool                 // fall back to generated data
	// lists are the recorded collections by owner: any window of them is served on every
	// list path of the owner that no exchange answers exactly.
	lists map[int64]*fixtures.Collection
	// generatedBoot are the official client's boot routes (preferences, features, me,
	// settings, hidden users) the recorded deployment never answered with a 2xx: the
	// generated answers serve them, so the client boots on any recording.
	generatedBoot map[*route]bool
}

// replayed is one recorded answer. A body with links is kept in pieces around the
// values of next and previous, which are rebuilt on the mock's own host per request.
type replayed struct {
	status int
	header http.Header // Content-Type, WWW-Authenticate, Allow as recorded (values never mutated); Vary is merged per answer
	length []string    // Content-Length of body (static bodies)
	body   []byte      // the whole body when it has no link to rewrite
	pieces [][]byte    // else: pieces[0] link[0] pieces[1] ... pieces[n]
	links  []string    // path+query of each link, the recorded base removed
	// built caches the body for the last link host: the same host asks again and again.
	built atomic.Pointer[builtBody]
}

// builtBody is a replayed body with its links on one host.
type builtBody struct {
	host   string
	body   []byte
	length []string // Content-Length
}

// newReplaySet indexes rec by the key each request gets under the mock's routes: the
// recorded answers to authenticated (or unsecured) requests, first one per key. Every
// problem (an exchange no route serves) is reported at once; nothing is half-loaded.
func (s *Server) newReplaySet(rec *fixtures.Recording, fallback string) (*replaySet, error) {
	set := &replaySet{byKey: map[string]*replayed{}, byRaw: map[string]*replayed{}, refusals: map[string]*replayed{},
		generatedBoot: map[*route]bool{}}
	answered := map[*route]bool{}
	switch fallback {
	case "", ReplayFallback404:
	case ReplayFallbackGenerate:
		set.generate = true
	default:
		return nil, fmt.Errorf("replay fallback: must be %s or %s (got %q)", ReplayFallback404, ReplayFallbackGenerate, fallback)
	}
	base := rec.LinkBase
	if base == "" {
		base = rec.Target
	}
	base = strings.TrimSuffix(base, "/")
	var problems []string
	for i, en := range rec.Entries {
		ex := &rec.Exchanges[i]
		if !ex.Answered() {
			continue
		}
		rt := s.routeOf(en.Path)
		if rt == nil {
			problems = append(problems, fmt.Sprintf("%s: %s %s matches no path of the spec", en.File, en.Method, en.Path))
			continue
		}
		key := fixtures.RequestKey(en.Method, en.Path, en.Query, s.keyPager(rt))
		if en.Auth != fixtures.AuthBearer && en.Status == http.StatusUnauthorized {
			// A refusal: the mock's own authentication decides, the recording says how.
			if _, dup := set.refusals[en.Auth+" "+key]; !dup {
				rp, err := prepareReplay(ex, base)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s: %v", en.File, err))
					continue
				}
				set.refusals[en.Auth+" "+key] = rp
			}
			continue
		}
		if _, dup := set.byKey[key]; dup {
			continue
		}
		rp, err := prepareReplay(ex, base)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", en.File, err))
			continue
		}
		set.byKey[key] = rp
		set.keys = append(set.keys, key)
		if en.Status >= 200 && en.Status < 300 {
			answered[rt] = true
		}
		if en.Method == http.MethodGet {
			set.byRaw[en.Path+"?"+en.Query] = rp
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("replay %s:\n%s", rec.Target, strings.Join(problems, "\n"))
	}
	var generated []string
	for _, rt := range s.routes {
		if isBoot(rt.kind) && !answered[rt] {
			set.generatedBoot[rt] = true
			generated = append(generated, rt.path)
		}
	}
	if len(generated) > 0 {
		s.cfg.Logger.Info("replay: the recording has no answer here; generated answers serve it", "paths", strings.Join(generated, " "))
	}
	if len(set.byKey) == 0 {
		return nil, fmt.Errorf("replay: the recording has no answered request to serve")
	}
	for _, c := range rec.Lists {
		if c != nil {
			if set.lists == nil {
				set.lists = map[int64]*fixtures.Collection{}
			}
			set.lists[c.Owner] = c
		}
	}
	sort.Strings(set.keys)
	return set, nil
}

// keyPager is the pager a route's requests are normalised with: nil for a route that is
// not a paginated list.
func (s *Server) keyPager(rt *route) *fixtures.Pager {
	switch rt.kind {
	case kindConnections:
		return &s.pager
	case kindPreferences, kindFeatures:
		return &rt.pager
	}
	return nil
}

// routeOf is the route whose template an escaped path fills, nil for none.
func (s *Server) routeOf(path string) *route {
	for _, rt := range s.routes {
		if fixtures.MatchPath(rt.path, path) {
			return rt
		}
	}
	return nil
}

// prepareReplay readies one recorded answer: its headers, and its body split around its
// top-level next and previous links.
func prepareReplay(ex *fixtures.Exchange, base string) (*replayed, error) {
	rs := ex.Response
	rp := &replayed{status: rs.Status, header: http.Header{}}
	for k, v := range rs.Headers {
		rp.header[k] = []string{v}
	}
	switch {
	case rs.BodyText != nil:
		rp.body = []byte(*rs.BodyText)
	case len(rs.Body) > 0:
		if rp.header["Content-Type"] == nil {
			rp.header["Content-Type"] = []string{"application/json"}
		}
		if err := rp.split(rs.Body, base); err != nil {
			return nil, err
		}
	}
	if rp.pieces == nil {
		rp.length = []string{strconv.Itoa(len(rp.body))}
	}
	return rp, nil
}

// split keeps a JSON body whole, or in pieces around its top-level links when it has any.
func (rp *replayed) split(body []byte, base string) error {
	spans, _ := fixtures.LinkSpans(body) // not an object: no links
	if len(spans) == 0 {
		rp.body = body
		return nil
	}
	last := 0
	for _, sp := range spans {
		var link string
		if err := json.Unmarshal(body[sp[0]:sp[1]], &link); err != nil {
			return fmt.Errorf("response body: link at byte %d: %w", sp[0], err)
		}
		rp.pieces = append(rp.pieces, body[last:sp[0]])
		rp.links = append(rp.links, relativeLink(link, base))
		last = sp[1]
	}
	rp.pieces = append(rp.pieces, body[last:])
	return nil
}

// relativeLink removes the recorded base (or, for a link elsewhere, scheme and host)
// from an absolute link; a link that is not absolute stays as it is.
func relativeLink(link, base string) string {
	if base != "" && (strings.HasPrefix(link, base+"/") || strings.HasPrefix(link, base+"?")) {
		return link[len(base):]
	}
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() {
		return link
	}
	rest := u.EscapedPath()
	if u.RawQuery != "" {
		rest += "?" + u.RawQuery
	}
	return rest
}

// serveReplay answers r from the recording. It reports false when the recording has no
// answer and the fallback is generated data.
func (s *Server) serveReplay(w http.ResponseWriter, r *http.Request, rt *route, p *prefs) bool {
	set := s.replay
	rp := set.lookupRaw(r)
	var key string
	if rp == nil {
		key = fixtures.RequestKey(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, s.keyPager(rt))
		rp = set.byKey[key]
	}
	if rp == nil {
		if set.generate || (rt.kind == kindConnections && set.lists != nil) || set.generatedBoot[rt] {
			return false // generated data, or a recorded collection may hold the list
		}
		s.replayMiss(w, r, rt, key)
		return true
	}
	s.writeReplayed(w, r, rp, p)
	return true
}

// replayMiss answers a request the recording cannot: a 404 naming the closest recorded
// requests. key is the request's key ("" to compute it).
func (s *Server) replayMiss(w http.ResponseWriter, r *http.Request, rt *route, key string) {
	if key == "" {
		key = fixtures.RequestKey(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, s.keyPager(rt))
	}
	detail := "connreq replay: no recorded answer to " + key
	if near := fixtures.Closest(s.replay.keys, key, 3); len(near) > 0 {
		detail += "; closest recorded: " + strings.Join(near, "; ")
	}
	writeError(w, errStatus(http.StatusNotFound, detail))
}

// serveCollection answers a window of owner's recorded list c with the one page function:
// any limit and offset, DRF's count and links on the mock's host. A window past the items
// record --max-items kept is a 404 saying so.
func (s *Server) serveCollection(w http.ResponseWriter, r *http.Request, q fixtures.Query, c *fixtures.Collection, owner int64, p *prefs) {
	if sw, ok := w.(*statusWriter); ok {
		sw.scenario = "replay"
	}
	if _, end := s.pager.Window(q).Bounds(c.Count); end > c.Stored() {
		writeError(w, errStatus(http.StatusNotFound, fmt.Sprintf(
			"connreq replay: this window reaches item %d of user %d's list, past the %d recorded (record --max-items); its count is %d",
			end-1, owner, c.Stored(), c.Count)))
		return
	}
	s.servePage(w, r, q, c, owner, p.faults(), "replay", nil)
}

// serveRefusal answers a request the mock's authentication refused with the recorded 401
// of its kind (no credentials, another scheme, a bad token), when the recording has one.
func (s *Server) serveRefusal(w http.ResponseWriter, r *http.Request, rt *route) bool {
	key := authClass(r.Header.Get("Authorization")) + " " + fixtures.RequestKey(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, s.keyPager(rt))
	rp := s.replay.refusals[key]
	if rp == nil {
		return false
	}
	s.writeReplayed(w, r, rp, &prefs{})
	return true
}

// authClass names the credentials of an Authorization header as a recording does.
func authClass(header string) string {
	f := strings.Fields(header)
	switch {
	case len(f) == 0:
		return fixtures.AuthNone
	case f[0] != "Bearer":
		return fixtures.AuthWrongScheme
	}
	return fixtures.AuthBadToken
}

// writeReplayed writes a recorded answer, links on the mock, with the faults p asks for.
func (s *Server) writeReplayed(w http.ResponseWriter, r *http.Request, rp *replayed, p *prefs) {
	if sw, ok := w.(*statusWriter); ok {
		sw.scenario = "replay"
	}
	body, length := rp.body, rp.length
	if rp.pieces != nil {
		bb := rp.bodyFor(s.origin(r))
		body, length = bb.body, bb.length
	}
	if f := p.faults(); !f.IsZero() {
		s.deliver(w, r, answer{status: rp.status, body: body}, f, "replay", nil)
		return
	}
	h := w.Header()
	for k, v := range rp.header {
		h[k] = v
	}
	if rp.header["Content-Type"] != nil {
		varyAccept(h)
	}
	if length == nil {
		length = []string{strconv.Itoa(len(body))}
	}
	h["Content-Length"] = length
	w.WriteHeader(rp.status)
	_, _ = w.Write(body)
}

// lookupRaw finds a request sent exactly as recorded (the links a replay serves are), without
// normalising or allocating.
func (set *replaySet) lookupRaw(r *http.Request) *replayed {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil
	}
	var stack [256]byte
	b := append(stack[:0], r.URL.EscapedPath()...)
	b = append(b, '?')
	b = append(b, r.URL.RawQuery...)
	return set.byRaw[string(b)]
}

// bodyFor is the body with its links on host; the last host's body is kept.
func (rp *replayed) bodyFor(host string) *builtBody {
	if bb := rp.built.Load(); bb != nil && bb.host == host {
		return bb
	}
	b := make([]byte, 0, sumLen(rp.pieces)+len(rp.links)*(len(host)+64))
	for i, piece := range rp.pieces {
		b = append(b, piece...)
		if i < len(rp.links) {
			b = appendJSONLink(b, host+rp.links[i])
		}
	}
	bb := &builtBody{host: host, body: b, length: []string{strconv.Itoa(len(b))}}
	rp.built.Store(bb)
	return bb
}

// appendJSONLink appends a link as a JSON string, without HTML escaping.
func appendJSONLink(dst []byte, link string) []byte {
	b, err := marshalCompact(link)
	if err != nil {
		return append(dst, `""`...)
	}
	return append(dst, b...)
}

func sumLen(pieces [][]byte) int {
	n := 0
	for _, p := range pieces {
		n += len(p)
	}
	return n
}
