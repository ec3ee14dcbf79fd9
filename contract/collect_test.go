package contract_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/contract"
	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
)

// liveItems walks path on ts at limit 100 and returns count and every item, compact.
func liveItems(t *testing.T, ts *httptest.Server, path string) (int64, []string) {
	t.Helper()
	var items []string
	count := int64(-1)
	for offset := 0; count < 0 || int64(len(items)) < count; offset += 100 {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", fmt.Sprintf("%s%s?limit=100&offset=%d", ts.URL, path, offset), nil)
		req.Header.Set("Authorization", "Bearer "+secretToken)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var p struct {
			Count   int64             `json:"count"`
			Results []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		count = p.Count
		if len(p.Results) == 0 {
			break
		}
		for _, it := range p.Results {
			items = append(items, string(it))
		}
	}
	return count, items
}

// record stores the recorded user's whole list: every item of the live list, in order,
// with its count and every path that lists it (the self path too when the token's user is
// the recorded user); the recording loads against the spec.
func TestRecordCollection(t *testing.T) {
	t.Parallel()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	live := startMock(t, mock.Config{Me: 7})
	dir, rec := record(t, live.URL, contract.Config{User: "7"}, contract.RecordOptions{})
	if rec.Collection == nil {
		t.Fatal("no collection recorded")
	}
	count, want := liveItems(t, live, "/api/v2/user/7/connection/requests/")
	c := rec.Collection
	if c.Count != count || c.Stored() != count || rec.Entry.MaxItems != 0 || len(rec.Entry.Problems) != 0 {
		t.Fatalf("count %d stored %d max_items %d problems %v; live count %d", c.Count, c.Stored(), rec.Entry.MaxItems, rec.Entry.Problems, count)
	}
	for i, it := range want {
		if string(c.Item(int64(i))) != it {
			t.Fatalf("item %d differs from the live list", i)
		}
	}
	wantPaths := []string{"/api/v2/user/7/connection/requests/", "/api/v2/user/7/connection_requests/", "/api/v2/user/connection/requests/"}
	if strings.Join(rec.Entry.Paths, " ") != strings.Join(wantPaths, " ") {
		t.Errorf("paths %v, want %v", rec.Entry.Paths, wantPaths)
	}
	loaded, err := fixtures.LoadRecordingFor(doc, dir)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Collection(7) == nil || loaded.Collection(7).Stored() != count {
		t.Error("the written collection does not load whole")
	}

	t.Run("not the self path when the token is another user's", func(t *testing.T) {
		other := startMock(t, mock.Config{Me: 8})
		_, rec := record(t, other.URL, contract.Config{User: "7"}, contract.RecordOptions{})
		if got := strings.Join(rec.Entry.Paths, " "); strings.Contains(got, "/api/v2/user/connection/requests/") {
			t.Errorf("paths %s include the self path of user 8", got)
		}
	})
	t.Run("anonymised: the same fakes as the exchanges", func(t *testing.T) {
		dir, rec := record(t, live.URL, contract.Config{User: "7"}, contract.RecordOptions{Anonymize: true, AnonymizeSeed: 3})
		if rec.Collection.Stored() != count {
			t.Fatalf("stored %d of %d", rec.Collection.Stored(), count)
		}
		if string(rec.Collection.Item(0)) == want[0] {
			t.Error("item 0 is not anonymised")
		}
		// The loader compares every overlapping exchange with the collection.
		if _, err := fixtures.LoadRecordingFor(doc, dir); err != nil {
			t.Fatalf("anonymised collection disagrees with its exchanges:\n%v", err)
		}
	})
}

// --max-items bounds what is stored and the index says so.
func TestRecordCollectionMaxItems(t *testing.T) {
	t.Parallel()
	live := startMock(t, mock.Config{})
	_, rec := record(t, live.URL, contract.Config{User: "900000007"}, contract.RecordOptions{MaxItems: 250})
	c := rec.Collection
	if c.Count != 1000 || c.Stored() != 250 || rec.Entry.MaxItems != 250 {
		t.Fatalf("count %d stored %d max_items %d", c.Count, c.Stored(), rec.Entry.MaxItems)
	}
	_, rec = record(t, live.URL, contract.Config{User: "900000003"}, contract.RecordOptions{MaxItems: 250})
	if rec.Entry.MaxItems != 0 || rec.Collection.Stored() != rec.Collection.Count {
		t.Errorf("a bound that did not bite is in the index: max_items %d, stored %d of %d", rec.Entry.MaxItems, rec.Collection.Stored(), rec.Collection.Count)
	}
}

// A list that changes during every walk is reported, retried, then stored flagged; the
// recording still loads.
func TestRecordCollectionChanging(t *testing.T) {
	t.Parallel()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mock.New(doc, mock.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	walks := 0
	// The record walk's later pages come from another user: the count changes under it.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.RawQuery, "limit=100&offset=") {
			if r.URL.RawQuery == "limit=100&offset=0" {
				walks++
			} else {
				r.URL.Path = strings.Replace(r.URL.Path, "/user/900000007/", "/user/900000006/", 1)
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	dir, rec := record(t, ts.URL, contract.Config{User: "900000007"}, contract.RecordOptions{})
	if len(rec.Entry.Problems) < 2 || !strings.Contains(rec.Entry.Problems[0], "changed during each of 3 walks") ||
		!strings.Contains(rec.Entry.Problems[1], "count changed during the walk: 1000 on the first page, 5000 at offset 100") {
		t.Fatalf("problems %q", rec.Entry.Problems)
	}
	if walks != 3 {
		t.Errorf("%d walks, want 3", walks)
	}
	flagged := strings.Join(rec.Flagged, "\n")
	if !strings.Contains(flagged, "collections/user-900000007.json: the list changed") {
		t.Errorf("not flagged:\n%s", flagged)
	}
	if _, err := fixtures.LoadRecordingFor(doc, dir); err != nil {
		t.Errorf("a flagged recording does not load:\n%v", err)
	}
}

// contract --baseline DIR compares any window with the recorded collection: a walk at
// limit 7 (no recorded exchange) passes against the same deployment and shows a change.
func TestBaselineAgainstCollection(t *testing.T) {
	t.Parallel()
	live := startMock(t, mock.Config{})
	dir, _ := record(t, live.URL, contract.Config{User: "7"}, contract.RecordOptions{})
	rep := runAgainst(t, live.URL, contract.Config{Token: secretToken, User: "7", Baseline: dir, WalkLimit: 7})
	if err := rep.Err(); err != nil {
		t.Fatalf("%v\n%s", err, textOf(t, rep))
	}
	noColl, _ := record(t, live.URL, contract.Config{User: "7"}, contract.RecordOptions{NoCollection: true})
	rep = runAgainst(t, live.URL, contract.Config{Token: secretToken, User: "7", Baseline: noColl, WalkLimit: 7})
	if len(baselineFailures(rep)) == 0 {
		t.Fatal("without a collection the limit-7 walk has no baseline, yet nothing failed")
	}
	other := startMock(t, mock.Config{Seed: 99})
	rep = runAgainst(t, other.URL, contract.Config{Token: secretToken, User: "7", Baseline: dir, WalkLimit: 7})
	n := 0
	for _, f := range baselineFailures(rep) {
		if strings.Contains(f.Request, "limit=7") {
			n++
		}
	}
	if n == 0 {
		t.Errorf("another data set at limit 7: no difference reported\n%s", textOf(t, rep))
	}
}

// A user whose list is not a page (here 404: unknown) is recorded without a collection,
// flagged; the exchanges are written as before.
func TestRecordCollectionNotAList(t *testing.T) {
	t.Parallel()
	live := startMock(t, mock.Config{})
	dir, rec := record(t, live.URL, contract.Config{User: "900000015"}, contract.RecordOptions{})
	if rec.Collection != nil || rec.Exchanges == 0 {
		t.Fatalf("collection %v, %d exchanges", rec.Collection, rec.Exchanges)
	}
	if f := strings.Join(rec.Flagged, "\n"); !strings.Contains(f, "collections: list not recorded: record the list: GET /api/v2/user/900000015/connection/requests/?limit=100&offset=0: status 404, want 200") {
		t.Errorf("not flagged:\n%s", f)
	}
	if loaded, err := fixtures.LoadRecording(dir); err != nil || len(loaded.Lists) != 0 {
		t.Errorf("load: %v", err)
	}
}
