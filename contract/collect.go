package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/connreq/connreq/fixtures"
)

// collectAttempts is how many times record walks a list that changes under it before it
// stores the last walk, flagged.
const collectAttempts = 3

// MaxCollectItems is the most items record stores of a list without --max-items: a longer
// list (the mock's 10^9-item user) is cut there, and the index says so.
const MaxCollectItems = 1_000_000

// walked is one complete walk of a list: its count and its items, compact, in order.
type walked struct {
	count    int64
	items    [][]byte
	cut      bool     // --max-items stopped the walk
	problems []string // why the walk is not a consistent picture of the list
}

// collect walks owner's list completely at the largest page size, retrying while it is
// inconsistent (count changes, an item twice, a gap, the first page changed by the end, or
// a disagreement with the recorded exchanges), and returns it ready to store beside them.
// pages anonymises each page body (nil: as received).
func (r *Runner) collect(ctx context.Context, rec *fixtures.Recording, paths []string, maxItems int64, anon *fixtures.Anonymizer) (*fixtures.CollectionEntry, *fixtures.Collection, error) {
	op := r.primary.op
	owner, err := strconv.ParseInt(r.s.User, 10, 64)
	if err != nil || op.userParam == "" {
		return nil, nil, nil // no owner to record: the exchanges alone
	}
	_, limit := limits(op.pager)
	if maxItems <= 0 {
		maxItems = MaxCollectItems
	}
	en := &fixtures.CollectionEntry{File: fixtures.CollectionFile(owner), Owner: owner, Paths: paths, Limit: limit}
	c := newClient(r.s)
	defer c.close()
	var (
		w    *walked
		coll *fixtures.Collection
	)
	for attempt := 1; attempt <= collectAttempts; attempt++ {
		if w, err = r.walkList(ctx, c, op, limit, maxItems, anon); err != nil {
			var unreachable *UnreachableError
			if errors.As(err, &unreachable) || ctx.Err() != nil {
				return nil, nil, err
			}
			// Not a list to record (a 403, a 404, a 5xx, not a page): the exchanges say
			// what the deployment answered; the recording has no collection.
			return nil, nil, &notRecorded{err}
		}
		coll = fixtures.NewCollection(owner, w.count, w.items)
		if len(w.problems) == 0 {
			en.MaxItems = 0
			if w.cut {
				en.MaxItems = int64(len(w.items))
			}
			for _, p := range fixtures.CheckOverlap(coll, en, rec) {
				w.problems = append(w.problems, "differs from the recorded exchanges: "+strings.TrimPrefix(p.String(), en.File+": "))
			}
		}
		if len(w.problems) == 0 {
			return en, coll, nil
		}
	}
	// Still changing: keep what the last walk saw, flagged; its count is what it held.
	en.MaxItems = 0
	en.Problems = append([]string{fmt.Sprintf("the list changed during each of %d walks; stored as the last walk saw it (%d items)", collectAttempts, len(w.items))}, w.problems...)
	return en, fixtures.NewCollection(owner, int64(len(w.items)), w.items), nil
}

// notRecorded says why a list has no collection: the walk got an answer that is not a page.
type notRecorded struct{ err error }

func (e *notRecorded) Error() string { return "list not recorded: " + e.err.Error() }
func (e *notRecorded) Unwrap() error { return e.err }

// walkList fetches op's list for the runner's user page by page (limit items each, by
// offset; the pages after the first concurrently, as the client's concurrency allows) and
// checks the walk in order. A transport failure or an answer that is not a page ends the
// recording of the list with an error.
func (r *Runner) walkList(ctx context.Context, c *client, op *operation, limit, maxItems int64, anon *fixtures.Anonymizer) (*walked, error) {
	w := &walked{}
	p0, err := r.fetchWindow(ctx, c, op, limit, 0, anon)
	if err != nil {
		return nil, err
	}
	w.count = p0.count
	end := w.count
	if maxItems > 0 {
		end = min(end, maxItems)
	}
	var offsets []int64
	for off := limit; off < end; off += limit {
		offsets = append(offsets, off)
	}
	pages := make([]*window, len(offsets)+1)
	errs := make([]error, len(offsets)+1)
	pages[0] = p0
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(r.s.Concurrency, 1) {
		wg.Go(func() {
			for i := range next {
				pages[i+1], errs[i+1] = r.fetchWindow(ctx, c, op, limit, offsets[i], anon)
			}
		})
	}
	for i := range offsets {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	seen := make(map[string]int64, end)
	size := int64(64) // the collection file: the items, one a line, must stay loadable
	for i, p := range pages {
		offset := int64(i) * limit
		if p.count != w.count {
			w.problems = append(w.problems, fmt.Sprintf("count changed during the walk: %d on the first page, %d at offset %d", w.count, p.count, offset))
			return w, nil
		}
		if want := min(limit, max(w.count-offset, 0)); int64(len(p.items)) != want {
			w.problems = append(w.problems, fmt.Sprintf("offset %d gave %d items, want %d of count %d: a gap", offset, len(p.items), want, w.count))
		}
		for k, it := range p.items {
			if maxItems > 0 && int64(len(w.items)) >= maxItems {
				break
			}
			if size += int64(len(it)) + 6; size > fixtures.MaxCollectionFileBytes {
				w.cut = true
				break
			}
			key := itemKeyOf(it)
			if j, dup := seen[key]; dup {
				w.problems = append(w.problems, fmt.Sprintf("the item at index %d was already listed at index %d", offset+int64(k), j))
				continue
			}
			seen[key] = offset + int64(k)
			w.items = append(w.items, it)
		}
	}
	w.cut = w.cut || maxItems > 0 && int64(len(w.items)) >= maxItems && maxItems < w.count
	if len(w.problems) == 0 && w.count > limit {
		// The first page again: an insertion or removal during the walk shows there.
		p, err := r.fetchWindow(ctx, c, op, limit, 0, anon)
		if err != nil {
			return nil, err
		}
		if p.count != w.count || !sameItems(p.items, p0.items) {
			w.problems = append(w.problems, fmt.Sprintf("the first page changed during the walk (count %d, then %d)", w.count, p.count))
		}
	}
	return w, nil
}

// window is one fetched page: count and items.
type window struct {
	count int64
	items [][]byte
}

// fetchWindow gets ?limit=L&offset=O of op's list for the runner's user.
func (r *Runner) fetchWindow(ctx context.Context, c *client, op *operation, limit, offset int64, anon *fixtures.Anonymizer) (*window, error) {
	path := strings.ReplaceAll(op.path, "{"+op.userParam+"}", url.PathEscape(r.s.User))
	u := *r.s.target
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawPath = ""
	u.RawQuery = "limit=" + strconv.FormatInt(limit, 10) + "&offset=" + strconv.FormatInt(offset, 10)
	ex := c.do(ctx, request{method: http.MethodGet, url: u.String(), auth: authBearer})
	at := fmt.Sprintf("record the list: GET %s?%s", path, u.RawQuery)
	switch {
	case ex.unreachable:
		return nil, &UnreachableError{Target: redactURL(r.s.target), Err: fmt.Errorf("%s", scrub(ex.err.Error(), r.s.Token))}
	case ex.failed != "":
		return nil, fmt.Errorf("%s: no answer (%s): %s", at, ex.failed, scrub(ex.err.Error(), r.s.Token))
	case ex.status != http.StatusOK:
		return nil, fmt.Errorf("%s: status %d, want 200", at, ex.status)
	}
	body := ex.body
	if tok := r.s.Token; tok != "" && bytes.Contains(body, []byte(tok)) {
		body = []byte(scrub(string(body), tok)) // as the exchanges are (recordedResponse)
	}
	if anon != nil {
		var err error
		if body, err = anon.Body(body); err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
	}
	var page struct {
		Count   *int64            `json:"count"`
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(body, &page); err != nil || page.Count == nil {
		return nil, fmt.Errorf("%s: the answer is not a page (count and results)", at)
	}
	out := &window{count: *page.Count, items: make([][]byte, 0, len(page.Results))}
	for _, it := range page.Results {
		var b bytes.Buffer
		if err := json.Compact(&b, it); err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		out.items = append(out.items, b.Bytes())
	}
	return out, nil
}

// itemKeyOf identifies an item: its id when it has one, else its bytes.
func itemKeyOf(it []byte) string {
	if rest, ok := bytes.CutPrefix(it, []byte(`{"id":`)); ok {
		n := 0
		for n < len(rest) && (rest[n] >= '0' && rest[n] <= '9' || rest[n] == '-') {
			n++
		}
		if n > 0 && n < len(rest) && (rest[n] == ',' || rest[n] == '}') {
			return "id " + string(rest[:n])
		}
	}
	var v struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(it, &v) == nil && len(v.ID) > 0 && string(v.ID) != "null" {
		return "id " + string(v.ID)
	}
	return string(it)
}

func sameItems(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// listPaths are the paths of the recorded user's list: every paginated operation with a
// user parameter, filled with the user, and each self path (paginated, no user) whose
// recorded first page shows the same list (the token's user is the recorded user).
func (r *Runner) listPaths(rec *fixtures.Recording, coll *fixtures.Collection) []string {
	var paths []string
	for _, op := range r.ops {
		if !op.paginated || op.userParam == "" {
			continue
		}
		paths = append(paths, (&url.URL{Path: strings.ReplaceAll(op.path, "{"+op.userParam+"}", r.s.User)}).EscapedPath())
	}
	if coll == nil {
		return paths
	}
	for _, op := range r.ops {
		if !op.paginated || op.userParam != "" || !op.secured {
			continue
		}
		for i, en := range rec.Entries {
			if en.Auth != fixtures.AuthBearer || en.Status != http.StatusOK || !fixtures.MatchPath(op.path, en.Path) {
				continue
			}
			probe := fixtures.CollectionEntry{Owner: coll.Owner, Paths: []string{en.Path}}
			one := &fixtures.Recording{Entries: rec.Entries[i : i+1], Exchanges: rec.Exchanges[i : i+1]}
			if len(fixtures.CheckOverlap(coll, &probe, one)) == 0 && pageShows(rec.Exchanges[i].Response.Body, coll) {
				paths = append(paths, en.Path)
			}
			break
		}
	}
	return paths
}

// pageShows reports whether a recorded page body has coll's count and at least one item
// (so the comparison meant something).
func pageShows(body []byte, coll *fixtures.Collection) bool {
	var page struct {
		Count   int64             `json:"count"`
		Results []json.RawMessage `json:"results"`
	}
	return json.Unmarshal(body, &page) == nil && page.Count == coll.Count && (len(page.Results) > 0 || coll.Count == 0)
}
