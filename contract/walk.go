package contract

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/connreq/connreq/fixtures"
)

// walkState is what the forward walk leaves for the back walk and the final checks:
// item keys by index and a set of them, never bodies. Memory is bounded by
// MaxPages × the maximum limit.
type walkState struct {
	pages    int
	complete bool     // reached the last page
	keys     []uint64 // by index; unknownKey where the walk saw nothing
	seen     map[uint64]int64
	dup      bool
	sumOK    bool
}

// at returns the key the walk saw at index i, or unknownKey.
func (w *walkState) at(i int64) uint64 {
	if w == nil || i < 0 || i >= int64(len(w.keys)) {
		return unknownKey
	}
	return w.keys[i]
}

// followable maps a link from a page onto the target, refusing any other host: links
// starting with LinkBase are rewritten to the target, others must share its origin.
func (rn *run) followable(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", truncate(link, 120))
	}
	if lb := rn.r.s.linkBase; lb != "" && (link == lb || strings.HasPrefix(link, lb+"/") || strings.HasPrefix(link, lb+"?")) {
		t := rn.r.s.target
		return t.Scheme + "://" + t.Host + t.EscapedPath() + link[len(lb):], nil
	}
	if origin(u) != rn.client.origin {
		return "", fmt.Errorf("%q points at another host: not followed (the token stays on the target)", truncate(link, 120))
	}
	return link, nil
}

// windowOf reads the limit and offset of a link the way the server will.
func windowOf(link string, pager fixtures.Pager) (fixtures.Window, error) {
	u, err := url.Parse(link)
	if err != nil {
		return fixtures.Window{}, err
	}
	return pager.Window(fixtures.ParseQuery(u.RawQuery)), nil
}

// walkCase follows next from the first page to the end, then previous back to the start.
// cr records the forward walk, back the backward one.
func (rn *run) walkCase(cr, back *caseResult) {
	tc := cr.tc
	pager := tc.op.pager
	_, maxLimit := limits(pager)
	maxIndex := int64(rn.r.s.MaxPages) * max(maxLimit, int64(rn.r.s.WalkLimit))
	raw, _ := tc.query(0)
	link := rn.url(tc, raw)

	ws := &walkState{seen: map[uint64]int64{}}
	var (
		first, last *page
		lastItem    *item
		sum         int64
		countStable = true
		stop        string // why the walk is incomplete
		walkFailed  bool
	)
	for {
		ex := rn.sendURL(tc, link)
		if !rn.responseChecks(cr, ex, http.StatusOK) {
			stop = fmt.Sprintf("page %d of the walk has no page to check: %s", ws.pages+1, rn.whyNoPage(ex))
			break
		}
		p, err := decodePage(ex, pager)
		if err != nil {
			stop = fmt.Sprintf("page %d of the walk is not a page (%v): see schema", ws.pages+1, err)
			break
		}
		ws.pages++
		rn.pageChecks(cr, p, pageOpts{})
		if first == nil {
			first = p
		} else if p.count != first.count {
			countStable = false
			cr.fail(CheckPageCountStable, rn.failure(ex, "$.count", fmt.Sprint(first.count), fmt.Sprint(p.count),
				fmt.Sprintf("count changed during the walk: %d on the first page, %d at offset %d", first.count, p.count, p.win.Offset)))
		}
		if lastItem != nil && len(p.items) > 0 && tc.op.item.created && cr.applies(CheckPageOrder) {
			if msg := orderBreak(*lastItem, p.items[0]); msg != "" {
				cr.fail(CheckPageOrder, rn.failure(ex, "$.results[0]", "created ≤ the previous page's last item", p.items[0].describe(),
					"across pages: "+msg))
			}
		}
		for i, it := range p.items {
			idx := p.win.Offset + int64(i)
			if j, dup := ws.seen[it.key]; dup {
				ws.dup = true
				cr.fail(CheckPageNoDuplicates, rn.failure(ex, fmt.Sprintf("$.results[%d]", i), "an item not seen before", it.describe(),
					fmt.Sprintf("%s at index %d was already listed at index %d", it.describe(), idx, j)))
			} else if int64(len(ws.seen)) < maxIndex {
				ws.seen[it.key] = idx
			}
			if idx >= 0 && idx < maxIndex && p.win.BigOffset == "" {
				for int64(len(ws.keys)) <= idx {
					ws.keys = append(ws.keys, unknownKey)
				}
				ws.keys[idx] = it.key
			}
		}
		if len(p.items) > 0 {
			li := p.items[len(p.items)-1]
			lastItem = &li
		}
		sum += int64(len(p.items))
		last = p

		if !p.win.HasNext(p.count) {
			ws.complete = true
			break
		}
		if ws.pages >= rn.r.s.MaxPages {
			walkFailed = true
			stop = fmt.Sprintf("the walk stopped after %d pages (--max-pages)", ws.pages)
			cr.fail(CheckPageWalk, rn.failure(ex, "$.next", "the last page within --max-pages", fmt.Sprintf("offset %d of count %d", p.win.Offset, p.count),
				fmt.Sprintf("the walk did not reach the end within %d pages (at offset %d of count %d): raise --max-pages or pick a user with fewer items", ws.pages, p.win.Offset, p.count)))
			break
		}
		nextLink := ""
		if p.next != nil {
			nextLink = *p.next
		} else {
			// page-next-null reported the missing link; go on with the one DRF would give
			// so that the walk's other checks still say something.
			nextLink, _, _, _ = fixtures.Links(p.url.Scheme+"://"+p.url.Host+p.url.EscapedPath(), p.query, p.win, p.count)
		}
		target, err := rn.followable(nextLink)
		if err == nil {
			var nw fixtures.Window
			if nw, err = windowOf(target, pager); err == nil && nw.Offset <= p.win.Offset {
				err = fmt.Errorf("next points back at an earlier page: offset %d after offset %d (a client following next would loop)", nw.Offset, p.win.Offset)
			}
		}
		if err != nil {
			walkFailed = true
			stop = "the walk stopped: " + err.Error()
			cr.fail(CheckPageWalk, rn.failure(ex, "$.next", "a link to a later page of the target", quoteJSON(nextLink), err.Error()))
			break
		}
		link = target
	}

	switch {
	case walkFailed:
	case ws.complete:
		cr.pass(CheckPageWalk)
	default:
		cr.skip(CheckPageWalk, stop)
	}
	switch {
	case !ws.complete:
		cr.skip(CheckPageSum, "the walk did not reach the end: "+stop)
	case !countStable:
		cr.skip(CheckPageSum, "count changed during the walk (see page-count-stable)")
	case sum != first.count:
		cr.fail(CheckPageSum, rn.failure(last.ex, "$.count", fmt.Sprint(first.count), fmt.Sprint(sum),
			fmt.Sprintf("the walk's %d pages hold %d items, but count says %d", ws.pages, sum, first.count)))
	default:
		ws.sumOK = true
		cr.pass(CheckPageSum)
	}
	if ws.pages > 0 && !ws.dup {
		cr.pass(CheckPageNoDuplicates)
	} else if ws.pages == 0 {
		cr.skip(CheckPageNoDuplicates, stop)
	}
	if ws.pages == 0 {
		cr.skip(CheckPageNoMissing, stop)
	}

	rn.mu.Lock()
	rn.walk = ws
	rn.mu.Unlock()

	if last == nil {
		back.skipAll("the forward walk got no page: " + stop)
		return
	}
	rn.walkBack(back, last, ws)
}

// walkBack follows previous from the walk's last page to the first, checking that every
// page holds the items the forward walk saw at those offsets.
func (rn *run) walkBack(cr *caseResult, cur *page, ws *walkState) {
	tc := cr.tc
	pager := tc.op.pager
	pages := 0
	for cur.win.HasPrevious() {
		link := ""
		if cur.prev != nil {
			link = *cur.prev
		} else {
			_, link, _, _ = fixtures.Links(cur.url.Scheme+"://"+cur.url.Host+cur.url.EscapedPath(), cur.query, cur.win, cur.count)
		}
		target, err := rn.followable(link)
		if err == nil {
			var pw fixtures.Window
			if pw, err = windowOf(target, pager); err == nil && pw.Offset >= cur.win.Offset {
				err = fmt.Errorf("previous does not point at an earlier page: offset %d from offset %d (a client following previous would loop)", pw.Offset, cur.win.Offset)
			}
		}
		if err != nil {
			cr.fail(CheckPageWalk, rn.failure(cur.ex, "$.previous", "a link to an earlier page of the target", quoteJSON(link), err.Error()))
			cr.skip(CheckPagePreviousItems, "the back walk stopped (see page-walk)")
			return
		}
		if pages >= rn.r.s.MaxPages {
			cr.fail(CheckPageWalk, rn.failure(cur.ex, "$.previous", "the first page within --max-pages", fmt.Sprintf("offset %d", cur.win.Offset),
				fmt.Sprintf("the back walk did not reach the first page within %d pages: raise --max-pages", pages)))
			return
		}
		ex := rn.sendURL(tc, target)
		if !rn.responseChecks(cr, ex, http.StatusOK) {
			reason := "the back walk stopped: " + rn.whyNoPage(ex)
			cr.skip(CheckPageWalk, reason)
			cr.skipPage(reason)
			return
		}
		p, err := decodePage(ex, pager)
		if err != nil {
			reason := fmt.Sprintf("the back walk stopped: not a page (%v): see schema", err)
			cr.skip(CheckPageWalk, reason)
			cr.skipPage(reason)
			return
		}
		pages++
		rn.pageChecks(cr, p, pageOpts{})
		rn.previousItems(cr, p, ws)
		cur = p
	}
	cr.pass(CheckPageWalk)
	if pages == 0 {
		cr.skip(CheckPagePreviousItems, "the list fits one page: there is no previous page")
		cr.skipPage("the list fits one page: there is no previous page")
	}
}

// previousItems compares a page reached by previous with what the forward walk saw.
func (rn *run) previousItems(cr *caseResult, p *page, ws *walkState) {
	compared, ok := rn.sameAsWalk(cr, CheckPagePreviousItems, p, ws, func(got string, idx int64, want, where string) string {
		return fmt.Sprintf("following previous gave %s at index %d, where the forward walk saw %s%s", got, idx, want, where)
	})
	if !ok {
		return
	}
	switch {
	case compared > 0:
		cr.pass(CheckPagePreviousItems)
	case len(p.items) > 0:
		cr.skip(CheckPagePreviousItems, "the forward walk saw no items at these offsets")
	}
}

// crossChecks run once every case is done: the walk against the large page, and the
// probes' items against it.
func (rn *run) crossChecks() {
	rn.noMissing()
	for _, pr := range rn.probes {
		rn.probeItems(pr)
	}
}

// noMissing: every item of the limit-max page appears in the walk at the same index.
func (rn *run) noMissing() {
	var walkCR *caseResult
	for tc, cr := range rn.results {
		if tc.op == rn.r.primary.op && tc.kind == kindWalk {
			walkCR = cr
		}
	}
	if walkCR == nil || !walkCR.applies(CheckPageNoMissing) {
		return
	}
	ws := rn.walk
	switch {
	case ws == nil || ws.pages == 0:
		return // skipped by the walk
	case !ws.complete:
		walkCR.skip(CheckPageNoMissing, "the walk did not reach the end (see page-walk)")
		return
	case ws.dup:
		walkCR.skip(CheckPageNoMissing, "the walk lists an item twice (see page-no-duplicates)")
		return
	case !ws.sumOK:
		walkCR.skip(CheckPageNoMissing, "the walk's items do not add up to count (see page-sum)")
		return
	case rn.large == nil || rn.largeEx == nil:
		walkCR.skip(CheckPageNoMissing, "the limit-max page, the large page to compare with, failed")
		return
	}
	for i, k := range rn.large {
		got := ws.at(int64(i))
		if got == k {
			continue
		}
		msg := fmt.Sprintf("%s, at index %d of the limit-max page, is missing from the walk", describeKey(k), i)
		if j, ok := ws.seen[k]; ok {
			msg = fmt.Sprintf("%s is at index %d of the limit-max page but at index %d of the walk", describeKey(k), i, j)
		}
		actual := "nothing"
		if got != unknownKey {
			actual = describeKey(got)
		}
		walkCR.fail(CheckPageNoMissing, rn.failure(rn.largeEx, fmt.Sprintf("$.results[%d]", i), describeKey(k), actual, msg))
		return
	}
	walkCR.pass(CheckPageNoMissing)
}

// probeItems: a lenient probe lists the same items as the large page at its offsets.
func (rn *run) probeItems(pr probeItems) {
	cr := rn.resultFor(pr.tc)
	if rn.large == nil {
		return
	}
	for i, k := range pr.keys {
		idx := pr.start + int64(i)
		if idx >= int64(len(rn.large)) {
			return
		}
		if rn.large[idx] != k {
			cr.fail(CheckLenientParams, rn.failure(pr.ex, fmt.Sprintf("$.results[%d]", i), describeKey(rn.large[idx]), describeKey(k),
				fmt.Sprintf("%s must list the items production lists for it (the limit-max page's, from index %d)", probeWhat(pr.tc), pr.start)))
			return
		}
	}
}

// probeWhat describes a probe's request in messages.
func probeWhat(tc *testCase) string {
	raw, _ := tc.query(0)
	q, err := url.QueryUnescape(raw)
	if err != nil {
		q = raw
	}
	return "?" + q
}

// sameAsWalk compares p's items, position by position, with what the walk ws saw there.
// At the first item that differs it fails check with the message say builds (the item
// shown, its index, the walk's item, where the walk saw the item shown) and returns false;
// else it returns how many positions it compared.
func (rn *run) sameAsWalk(cr *caseResult, check Check, p *page, ws *walkState, say func(got string, idx int64, want, where string) string) (int, bool) {
	compared := 0
	for i, it := range p.items {
		idx := p.win.Offset + int64(i)
		want := ws.at(idx)
		if want == unknownKey {
			continue
		}
		compared++
		if it.key != want {
			where := ""
			if j, ok := ws.seen[it.key]; ok {
				where = fmt.Sprintf(" (the walk saw it at index %d)", j)
			}
			cr.fail(check, rn.failure(p.ex, fmt.Sprintf("$.results[%d]", i), describeKey(want), it.describe(),
				say(it.describe(), idx, describeKey(want), where)))
			return compared, false
		}
	}
	return compared, true
}
