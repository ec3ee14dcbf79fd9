package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/connreq/connreq/fixtures"
)

// page is a decoded 200 page, reduced to what the pagination checks need: the items'
// identities, creation times and users, never their bodies.
type page struct {
	ex    *exchange
	url   *url.URL // the URL that answered (after same-host redirects)
	query fixtures.Query
	win   fixtures.Window
	count int64
	next  *string
	prev  *string
	items []item
}

// item is one list entry as the checks see it.
type item struct {
	key        uint64 // the id when present, else a hash of (from_user.id, created)
	id         int64
	hasID      bool
	created    time.Time
	hasCreated bool
	from, to   int64
	hasFrom    bool
	hasTo      bool
}

// unknownKey marks an index the walk has no item for.
const unknownKey = math.MaxUint64

// wirePage is the part of a page the checks decode; other keys are skipped unread.
type wirePage struct {
	Count    json.RawMessage `json:"count"`
	Next     json.RawMessage `json:"next"`
	Previous json.RawMessage `json:"previous"`
	Results  []wireItem      `json:"results"`
}

type wireItem struct {
	ID       json.RawMessage `json:"id"`
	Created  json.RawMessage `json:"created"`
	FromUser *wireUser       `json:"from_user"`
	ToUser   *wireUser       `json:"to_user"`
}

type wireUser struct {
	ID json.RawMessage `json:"id"`
}

// decodePage reads ex's body as a DRF page. Shape errors (count not an integer, results
// not a list) stop the page checks; the schema check reports them in detail.
func decodePage(ex *exchange, pager fixtures.Pager) (*page, error) {
	var w wirePage
	var items []item
	if pp := ex.parts; pp != nil {
		// Split and decoded by the schema check already (validate_items.go).
		w.Count, w.Next, w.Previous, items = pp.count, pp.next, pp.previous, pp.items
	} else {
		if err := json.Unmarshal(ex.body, &w); err != nil {
			return nil, fmt.Errorf("decode page: %w", err)
		}
		if w.Results == nil && !isJSONArray(ex.body) {
			return nil, errors.New("results is not a list")
		}
		items = make([]item, len(w.Results))
		for i, wi := range w.Results {
			items[i] = decodeItem(wi)
		}
	}
	// The body is not needed any more: from here on the page holds keys, not bytes, so
	// that a walk of any length keeps O(items × 8 bytes).
	ex.body = nil
	p := &page{ex: ex, url: ex.finalURL}
	if p.url == nil {
		u, err := url.Parse(ex.req.url)
		if err != nil {
			return nil, fmt.Errorf("request URL: %w", err)
		}
		p.url = u
	}
	p.query = fixtures.ParseQuery(p.url.RawQuery)
	p.win = pager.Window(p.query)
	n, ok := jsonInt(w.Count)
	if !ok || n < 0 {
		return nil, errors.New("count is not a non-negative integer")
	}
	p.count = n
	var err error
	if p.next, err = jsonLink(w.Next); err != nil {
		return nil, fmt.Errorf("next: %w", err)
	}
	if p.prev, err = jsonLink(w.Previous); err != nil {
		return nil, fmt.Errorf("previous: %w", err)
	}
	p.items = items
	return p, nil
}

// decodeItem reads one list entry as the checks see it.
func decodeItem(wi wireItem) item {
	var it item
	it.id, it.hasID = jsonInt(wi.ID)
	if s, ok := jsonString(wi.Created); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			it.created, it.hasCreated = t, true
		}
	}
	if wi.FromUser != nil {
		it.from, it.hasFrom = jsonInt(wi.FromUser.ID)
	}
	if wi.ToUser != nil {
		it.to, it.hasTo = jsonInt(wi.ToUser.ID)
	}
	it.key = itemKey(&it, wi)
	return it
}

// isJSONArray is a guard for "results": [] decoding to a nil slice; it only matters that
// a page without results is not taken for an empty one.
func isJSONArray(body []byte) bool {
	var probe struct {
		Results json.RawMessage `json:"results"`
	}
	if json.Unmarshal(body, &probe) != nil {
		return false
	}
	r := strings.TrimSpace(string(probe.Results))
	return strings.HasPrefix(r, "[")
}

// itemKey identifies an item across pages: its id when it has one (so reports can name
// it), else a hash of its sender and creation time.
func itemKey(it *item, wi wireItem) uint64 {
	if it.hasID && it.id >= 0 {
		return uint64(it.id)
	}
	h := fnv.New64a()
	h.Write([]byte("from:"))
	if wi.FromUser != nil {
		h.Write(wi.FromUser.ID)
	}
	h.Write([]byte("|created:"))
	h.Write(wi.Created)
	k := h.Sum64() | 1<<63 // never a non-negative id
	if k == unknownKey {
		k--
	}
	return k
}

// describe names an item in messages.
func (it item) describe() string {
	switch {
	case it.hasID:
		return "id " + strconv.FormatInt(it.id, 10)
	case it.hasFrom && it.hasCreated:
		return fmt.Sprintf("from_user %d created %s", it.from, it.created.Format(time.RFC3339Nano))
	}
	return "an item without id"
}

// describeKey names a stored key in messages.
func describeKey(k uint64) string {
	if k < 1<<63 {
		return "id " + strconv.FormatUint(k, 10)
	}
	return fmt.Sprintf("item #%x", k)
}

func jsonInt(raw json.RawMessage) (int64, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// jsonLink reads next or previous: a string, or null (or absent, which the schema check
// reports as a missing required key).
func jsonLink(raw json.RawMessage) (*string, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return nil, nil
	}
	v, ok := jsonString(raw)
	if !ok {
		return nil, errors.New("neither a string nor null")
	}
	return &v, nil
}

// pageOpts tunes pageChecks for a kind of case.
type pageOpts struct {
	size bool // check page-size (single-page cases; the walk has page-sum)
}

// linkBase is the scheme://host/path the server should put in the links of a page
// fetched from u: u's own, or LinkBase in place of the target's base.
func (rn *run) linkBase(u *url.URL) string {
	base := u.Scheme + "://" + u.Host + djangoEscapePath(u.Path)
	if lb := rn.r.s.linkBase; lb != "" {
		t := rn.r.s.target
		tb := t.Scheme + "://" + t.Host + t.EscapedPath()
		if strings.HasPrefix(base, tb) {
			base = lb + base[len(tb):]
		}
	}
	return base
}

// djangoEscapePath escapes a decoded path as Django's request.build_absolute_uri does
// (escape_uri_path: urllib.parse.quote with safe "/:@&+$,-_.!~*'()"), so that a request
// to /user/%34%32/ expects links to /user/42/, as Django REST Framework writes them.
func djangoEscapePath(p string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("/:@&+$,-_.!~*'()", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// expectedLinks are the next and previous links DRF builds for p's request.
func (rn *run) expectedLinks(p *page) (next, prev string, hasNext, hasPrev bool) {
	return fixtures.Links(rn.linkBase(p.url), p.query, p.win, p.count)
}

// pageChecks runs the checks of one page: size, link nullness and text, order, owner,
// and count against the reference page.
func (rn *run) pageChecks(cr *caseResult, p *page, o pageOpts) {
	ex := p.ex
	record := func(c Check, f *Failure) {
		if f == nil {
			cr.pass(c)
		} else {
			cr.fail(c, *f)
		}
	}
	fail := func(c Check, path, expected, actual, msg string) {
		f := rn.failure(ex, path, expected, actual, msg)
		record(c, &f)
	}
	w := p.win
	where := fmt.Sprintf("limit %d, offset %d, count %d", w.Limit, w.Offset, p.count)

	if o.size {
		start, end := w.Bounds(p.count)
		if int64(len(p.items)) != end-start {
			fail(CheckPageSize, "$.results", fmt.Sprintf("%d items", end-start), fmt.Sprintf("%d items", len(p.items)),
				fmt.Sprintf("a page of %s must hold min(limit, count - offset) = %d items", where, end-start))
		} else {
			record(CheckPageSize, nil)
		}
	}

	expNext, expPrev, hasNext, hasPrev := rn.expectedLinks(p)
	switch {
	case hasNext && p.next == nil:
		fail(CheckPageNextNull, "$.next", "a link", "null",
			fmt.Sprintf("next must be a link when offset + limit < count (%s)", where))
	case !hasNext && p.next != nil:
		fail(CheckPageNextNull, "$.next", "null", quoteJSON(*p.next),
			fmt.Sprintf("next must be null when offset + limit >= count (%s)", where))
	default:
		record(CheckPageNextNull, nil)
	}
	switch {
	case hasPrev && p.prev == nil:
		fail(CheckPagePreviousNull, "$.previous", "a link", "null",
			fmt.Sprintf("previous must be a link when offset > 0 (%s)", where))
	case !hasPrev && p.prev != nil:
		fail(CheckPagePreviousNull, "$.previous", "null", quoteJSON(*p.prev),
			fmt.Sprintf("previous must be null when offset <= 0 (%s)", where))
	default:
		record(CheckPagePreviousNull, nil)
	}
	linksOK := true
	if hasNext && p.next != nil && *p.next != expNext {
		linksOK = false
		fail(CheckPageLinks, "$.next", quoteJSON(expNext), quoteJSON(*p.next),
			"next differs from the link DRF builds: the request URL with limit set to the limit used and offset to offset + limit, keys sorted, form-encoded"+linkHint(expNext, *p.next))
	}
	if hasPrev && p.prev != nil && *p.prev != expPrev {
		linksOK = false
		fail(CheckPageLinks, "$.previous", quoteJSON(expPrev), quoteJSON(*p.prev),
			"previous differs from the link DRF builds: the request URL with limit set to the limit used and offset to offset - limit, or removed when that is <= 0, keys sorted, form-encoded"+linkHint(expPrev, *p.prev))
	}
	if linksOK && (hasNext && p.next != nil || hasPrev && p.prev != nil) {
		record(CheckPageLinks, nil)
	} else if linksOK {
		cr.skip(CheckPageLinks, "the page has no link to compare")
	}

	op := cr.tc.op
	if op.item.created && cr.applies(CheckPageOrder) {
		ok := true
		for i := 1; i < len(p.items); i++ {
			if msg := orderBreak(p.items[i-1], p.items[i]); msg != "" {
				ok = false
				fail(CheckPageOrder, fmt.Sprintf("$.results[%d]", i), "created ≤ the previous item's", p.items[i].describe(), msg)
				break
			}
		}
		if ok {
			record(CheckPageOrder, nil)
		}
	}

	if op.item.fromUser || op.item.toUser {
		owner := cr.tc.user
		if op.self {
			owner = rn.r.s.Me // the caller's own list
		}
		ownerCheck(p, owner, record, fail)
	}

	if cr.tc.sameUser && rn.refOK {
		if p.count != rn.refCount {
			fail(CheckPageCountStable, "$.count", fmt.Sprint(rn.refCount), fmt.Sprint(p.count),
				fmt.Sprintf("count differs from the one of the reference page (%s)", rn.r.primary.fullName()))
		} else {
			record(CheckPageCountStable, nil)
		}
	}
}

// linkHint points at the first difference of two links.
func linkHint(want, got string) string {
	wu, err1 := url.Parse(want)
	gu, err2 := url.Parse(got)
	if err1 != nil || err2 != nil {
		return ""
	}
	switch {
	case wu.Scheme != gu.Scheme:
		return fmt.Sprintf(" (scheme %q, expected %q)", gu.Scheme, wu.Scheme)
	case wu.Host != gu.Host:
		return fmt.Sprintf(" (host %q, expected %q)", gu.Host, wu.Host)
	case wu.EscapedPath() != gu.EscapedPath():
		return fmt.Sprintf(" (path %q, expected %q)", gu.EscapedPath(), wu.EscapedPath())
	case wu.RawQuery != gu.RawQuery:
		return fmt.Sprintf(" (query %q, expected %q)", gu.RawQuery, wu.RawQuery)
	}
	return ""
}

// orderBreak says why b cannot follow a (created descending, ties by id descending),
// or "" when it can. Items without a readable created are left to the schema check.
func orderBreak(a, b item) string {
	if !a.hasCreated || !b.hasCreated {
		return ""
	}
	if b.created.After(a.created) {
		return fmt.Sprintf("items must be newest first: %s (created %s) follows %s (created %s)",
			b.describe(), b.created.Format(time.RFC3339Nano), a.describe(), a.created.Format(time.RFC3339Nano))
	}
	if b.created.Equal(a.created) && a.hasID && b.hasID && b.id > a.id {
		return fmt.Sprintf("items created at the same time must be ordered by id descending: %s follows %s", b.describe(), a.describe())
	}
	return ""
}

// ownerCheck: every to_user is the list's owner (the user in the path, else the first
// item's to_user), and no from_user is.
func ownerCheck(p *page, user string, record func(Check, *Failure), fail func(Check, string, string, string, string)) {
	var owner int64
	known := false
	if u := user; u != "" {
		if n, err := strconv.ParseInt(u, 10, 64); err == nil {
			owner, known = n, true
		}
	}
	for i, it := range p.items {
		if !known && it.hasTo {
			owner, known = it.to, true
		}
		if it.hasTo && known && it.to != owner {
			fail(CheckPageOwner, fmt.Sprintf("$.results[%d].to_user.id", i), fmt.Sprint(owner), fmt.Sprint(it.to),
				"a received connection request's to_user must be the list's owner")
			return
		}
		if it.hasFrom && known && it.from == owner {
			fail(CheckPageOwner, fmt.Sprintf("$.results[%d].from_user.id", i), fmt.Sprintf("not %d", owner), fmt.Sprint(it.from),
				"a user cannot have sent a connection request to themselves")
			return
		}
	}
	record(CheckPageOwner, nil)
}

// probeChecks judges a probe's page by what reveals how the server read limit and
// offset: the number of items and the limit its links carry. Link text, nullness, order
// and owner have their own checks on the other cases, so a break there is not reported
// twice; the items themselves are compared with the large page at the end.
func (rn *run) probeChecks(cr *caseResult, p *page) {
	what := probeWhat(cr.tc)
	read := fmt.Sprintf("production reads %s as limit %d, offset %d (design §3)", what, p.win.Limit, p.win.Offset)
	start, end := p.win.Bounds(p.count)
	ok := true
	if int64(len(p.items)) != end-start {
		ok = false
		cr.fail(CheckLenientParams, rn.failure(p.ex, "$.results", fmt.Sprintf("%d items", end-start), fmt.Sprintf("%d items", len(p.items)),
			fmt.Sprintf("%s, so with count %d the page must hold %d items", read, p.count, end-start)))
	}
	for _, l := range []struct {
		name string
		link *string
	}{{"next", p.next}, {"previous", p.prev}} {
		if l.link == nil {
			continue
		}
		w, err := windowOf(*l.link, cr.tc.op.pager)
		if err != nil {
			continue // page-links reports links that do not parse
		}
		if w.Limit != p.win.Limit {
			ok = false
			cr.fail(CheckLenientParams, rn.failure(p.ex, "$."+l.name, fmt.Sprintf("a link with limit=%d", p.win.Limit), quoteJSON(*l.link),
				fmt.Sprintf("%s: its %s link must carry the limit used", read, l.name)))
		}
	}
	if ok {
		cr.pass(CheckLenientParams)
	}
}
