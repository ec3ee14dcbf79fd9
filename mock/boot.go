package mock

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/connreq/connreq/fixtures"
)

// The boot endpoints: what the official client (react-core's SCContextProvider and the
// SDK) calls on start, so the UserConnectionsRequestsWidget renders against the mock
// (design.md §7). Each answer is a pure function of the config and the caller, and the
// ones without a caller are rendered once per preference set.

// prefSet is the preference catalogue being served, its rows rendered once.
type prefSet struct {
	cat   *fixtures.Preferences
	items [][]byte // the JSON object of each row, friendship switches applied
	keys  []string // lower-cased "section.name" of each row, for ?search=
	full  []byte   // the answer to a request without query: every row on one page
}

// SetPreferences replaces the preferences served, atomically (nil: the shipped ones).
// The friendship switches follow Config.NoFriendship whatever the catalogue says.
func (s *Server) SetPreferences(cat *fixtures.Preferences) error {
	if cat == nil {
		var err error
		if cat, err = fixtures.ShippedPreferences(); err != nil {
			return err
		}
	}
	friendship := !s.cfg.NoFriendship
	set := &prefSet{cat: cat}
	for _, p := range cat.All() {
		switch p.Key() {
		case fixtures.PrefFollowEnabled:
			p.Value = !friendship
		case fixtures.PrefConnectionEnabled:
			p.Value = friendship
		}
		js, err := p.AppendJSON(nil)
		if err != nil {
			return err
		}
		set.items = append(set.items, js)
		set.keys = append(set.keys, strings.ToLower(p.Key()))
	}
	set.full = appendListPage(nil, int64(len(set.items)), "", "", false, false, set.items)
	s.prefs.Store(set)
	return nil
}

// servePreferences answers the preference list. The official client reads `results` of
// one request without query, so the spec gives this list a page size of 1000: every
// preference on the first page. ?search= filters on section.name; limit and offset page
// as DRF does.
func (s *Server) servePreferences(w http.ResponseWriter, r *http.Request, rt *route, q fixtures.Query) {
	set := s.prefs.Load()
	if len(q) == 0 {
		writeJSON(w, http.StatusOK, set.full)
		return
	}
	items := set.items
	if term, ok := q.Get("search"); ok && term != "" {
		term = strings.ToLower(term)
		items = nil
		for i, k := range set.keys {
			if strings.Contains(k, term) {
				items = append(items, set.items[i])
			}
		}
	}
	s.serveRows(w, r, rt, q, items)
}

// serveRows answers a DRF page of pre-rendered rows, paged as rt's spec says.
func (s *Server) serveRows(w http.ResponseWriter, r *http.Request, rt *route, q fixtures.Query, items [][]byte) {
	win := rt.pager.Window(q)
	count := int64(len(items))
	next, prev, hasNext, hasPrev := fixtures.Links(s.baseURL(r), q, win, count)
	start, end := win.Bounds(count)
	bp := s.getBuf()
	buf := appendListPage((*bp)[:0], count, next, prev, hasNext, hasPrev, items[start:end])
	writeJSON(w, http.StatusOK, buf)
	*bp = buf
	s.putBuf(bp)
}

// appendListPage appends {"count","next","previous","results":[rows]}.
func appendListPage(dst []byte, count int64, next, prev string, hasNext, hasPrev bool, rows [][]byte) []byte {
	dst = fixtures.AppendPageHead(dst, count, next, prev, hasNext, hasPrev)
	for i, row := range rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, row...)
	}
	return fixtures.AppendPageTail(dst)
}

// featureRows renders the community's features once: those a connection-requests client
// can meet are on; add-ons whose managers call endpoints connreq does not serve are off.
func featureRows() ([][]byte, []byte) {
	features := []struct {
		name    string
		enabled bool
	}{
		{"interests", true}, {"customize", true}, {"addons", true}, {"domain", false},
		{"social_providers", false}, {"community_subscription", false}, {"seo", true},
		{"advertising", false}, {"google_cloud_api", false}, {"hotjar", false}, {"sqreen", false},
		{"incubators", false}, {"cms", true}, {"legal_pages", true}, {"scoring", true},
		{"user_roles", true}, {"email_manager", true}, {"loyalty", false}, {"broadcast", false},
		{"invitation", false}, {"app_settings", true}, {"moderation_flags", true},
		{"moderation_contents", true}, {"moderation_users_blocked", true}, {"moderation_users", true},
		{"data_provisioning_dashboard", false}, {"data_provisioning_users", false},
		{"data_provisioning_contents", false}, {"data_provisioning_interests", false},
		{"data_provisioning_polls", false}, {"data_provisioning_reports", false},
		{"registration_alerts", true}, {"social_share", true}, {"stream_settings", true},
		{"tagging", true}, {"api_v2", true}, {"webhook", false}, {"headless", true},
		{"customize_headless", false}, {"system_pages", true}, {"reaction", false},
		{"grouping", false}, {"event", false}, {"live_stream", false}, {"payments", false},
		{"course", false},
	}
	rows := make([][]byte, len(features))
	for i, f := range features {
		b := append([]byte(`{"id":`), strconv.Itoa(i+1)...)
		b = append(b, `,"name":"`...)
		b = append(b, f.name...)
		b = append(b, `","enabled":`...)
		b = strconv.AppendBool(b, f.enabled)
		rows[i] = append(b, '}')
	}
	return rows, appendListPage(nil, int64(len(rows)), "", "", false, false, rows)
}

// serveFeatures answers the feature list: every feature on the first page, like the
// preferences (the client reads one page). A query-less request gets the body rendered
// once (the SDK sends "/feature/?").
func (s *Server) serveFeatures(w http.ResponseWriter, r *http.Request, rt *route, q fixtures.Query) {
	if len(q) == 0 {
		writeJSON(w, http.StatusOK, s.featureFull)
		return
	}
	s.serveRows(w, r, rt, q, s.featureRows)
}

// serveMe answers the caller's own profile: the to_user of every item of the caller's
// received list, whose connection_requests_received_counter is that list's count.
func (s *Server) serveMe(w http.ResponseWriter, r *http.Request, who caller, p *prefs) {
	me := who.userID
	if me == 0 {
		me = s.cfg.Me
	}
	v, ok := s.view(w, r, p)
	if !ok {
		return
	}
	bp := s.getBuf()
	var buf []byte
	if sc := s.scenarios.Load().cat.ByID(me); v != nil && v.World().Changed() && (sc == nil || len(sc.Items) == 0) {
		n, shape := stateBase{s}.list(me)
		buf = s.gen.AppendOwnerWith((*bp)[:0], me, n, shape, v.World().UserDelta(me))
	} else {
		buf = s.appendOwner((*bp)[:0], me)
	}
	if v != nil {
		v.Release()
	}
	writeJSON(w, http.StatusOK, buf)
	*bp = buf
	s.putBuf(bp)
}

// appendOwner appends user's profile as the owner of its received list: under the
// scenario that owns the id, if any, else the generated list.
func (s *Server) appendOwner(dst []byte, user int64) []byte {
	if sc := s.scenarios.Load().cat.ByID(user); sc != nil {
		return sc.AppendOwner(s.gen, dst, user)
	}
	return s.gen.AppendOwner(dst, user, s.gen.Count(user), nil)
}

// userSettings is every user's notification settings: the defaults of a new account.
const userSettings = `{"qa_frequency":0,"email_notification_not_qa":1,"mobile_notifications_scmty":1,"show_toast_notifications":1,"toast_notifications_emit_sound":0}`

// serveSettings answers a user's settings, to that user or staff only.
func (s *Server) serveSettings(w http.ResponseWriter, vars map[string]string, who caller) {
	if _, aerr := ownUser(vars, who); aerr != nil {
		writeError(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, s.settingsBody)
}

// hiddenUserIDs is the answer of /user/hidden_users_id/: nobody is hidden.
const hiddenUserIDs = `[]`

// isBoot reports whether kind is one of the official client's boot answers.
func isBoot(kind routeKind) bool {
	switch kind {
	case kindPreferences, kindFeatures, kindMe, kindSettings, kindHiddenIDs:
		return true
	}
	return false
}

// serveBoot answers every operation that is not a connection request list.
func (s *Server) serveBoot(w http.ResponseWriter, r *http.Request, rt *route, q fixtures.Query, vars map[string]string, who caller, p *prefs) {
	switch rt.kind {
	case kindPreferences:
		s.servePreferences(w, r, rt, q)
	case kindFeatures:
		s.serveFeatures(w, r, rt, q)
	case kindMe:
		s.serveMe(w, r, who, p)
	case kindSettings:
		s.serveSettings(w, vars, who)
	case kindHiddenIDs:
		writeJSON(w, http.StatusOK, s.hiddenBody)
	default:
		writeJSON(w, http.StatusOK, rt.example)
	}
}
