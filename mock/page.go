package mock

import (
	"fmt"
	"net/http"

	"github.com/connreq/connreq/fixtures"
)

// servePage answers the page of list that q asks for: DRF's LimitOffsetPagination window
// (Pager), links on the request's own host, the page cache keyed by owner and the list's
// Version, then delivery with faults f (jitterKey and flaky as deliver takes them). It is
// the one place a list becomes a page, whatever its source (generated, scenario, recorded
// collection, state overlay).
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, q fixtures.Query, list fixtures.List, owner int64, f fixtures.Faults, jitterKey string, flaky func() bool) {
	win := s.pager.Window(q)
	count := list.Len()
	next, prev, hasNext, hasPrev := fixtures.Links(s.baseURL(r), q, win, count)
	start, end := win.Bounds(count)
	key := pageKey{variant: list.Version(), owner: owner, count: count, start: start, end: end, next: next, prev: prev, hasNext: hasNext, hasPrev: hasPrev}
	body, h := s.cache.get(&key)
	if body != nil {
		s.deliver(w, r, answer{status: http.StatusOK, body: body}, f, jitterKey, flaky)
		return
	}
	bp := s.getBuf()
	buf := fixtures.AppendPageHead((*bp)[:0], count, next, prev, hasNext, hasPrev)
	buf, err := list.AppendItems(buf, start, end)
	if err != nil {
		*bp = buf
		s.putBuf(bp)
		panic(fmt.Errorf("render page of %q for user %d: %w", list.Version(), owner, err)) // lists are validated at load: a bug
	}
	buf = fixtures.AppendPageTail(buf)
	s.cache.put(&key, h, buf)
	s.deliver(w, r, answer{status: http.StatusOK, body: buf}, f, jitterKey, flaky)
	*bp = buf
	s.putBuf(bp)
}
