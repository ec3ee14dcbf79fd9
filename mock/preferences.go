package mock

import (
	"net/http"
	"strings"

	"github.com/connreq/connreq/fixtures"
)

// preference is one row of /api/v2/dynamic_preference/.
type preference struct {
	ID      int64  `json:"id"`
	Section string `json:"section"`
	Name    string `json:"name"`
	Value   any    `json:"value"`
}

// preferencePage is DRF's paginated list, keys in DRF's order.
type preferencePage struct {
	Count    int64        `json:"count"`
	Next     *string      `json:"next"`
	Previous *string      `json:"previous"`
	Results  []preference `json:"results"`
}

// preferences are the community settings the SDK reads to switch friendship mode on.
func (s *Server) preferences() []preference {
	friendship := !s.cfg.NoFriendship
	return []preference{
		{ID: 1, Section: "configurations", Name: "follow_enabled", Value: !friendship},
		{ID: 2, Section: "configurations", Name: "connection_enabled", Value: friendship},
		{ID: 3, Section: "configurations", Name: "connection_requests_enabled", Value: friendship},
	}
}

// servePreferences answers the preference list, filtered by ?search= and paginated like
// every DRF list.
func (s *Server) servePreferences(w http.ResponseWriter, r *http.Request, q fixtures.Query) {
	all := s.preferences()
	if term, ok := q.Get("search"); ok && term != "" {
		term = strings.ToLower(term)
		kept := all[:0]
		for _, p := range all {
			if strings.Contains(strings.ToLower(p.Section+"."+p.Name), term) {
				kept = append(kept, p)
			}
		}
		all = kept
	}
	win := s.pager.Window(q)
	count := int64(len(all))
	next, prev, hasNext, hasPrev := fixtures.Links(s.baseURL(r), q, win, count)
	start, end := win.Bounds(count)
	page := preferencePage{Count: count, Results: all[start:end]}
	if hasNext {
		page.Next = &next
	}
	if hasPrev {
		page.Previous = &prev
	}
	body, err := marshalCompact(page)
	if err != nil {
		writeError(w, errServer())
		return
	}
	writeJSON(w, http.StatusOK, body)
}
