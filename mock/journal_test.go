package mock_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/connreq/connreq/mock"
)

// journalPage is the decoded /__connreq/requests answer.
type journalPage struct {
	Size     int    `json:"size"`
	Count    int    `json:"count"`
	LastSeq  uint64 `json:"last_seq"`
	FirstSeq uint64 `json:"first_seq"`
	Requests []struct {
		Seq   uint64 `json:"seq"`
		Query string `json:"query"`
	} `json:"requests"`
}

func readJournal(t *testing.T, ts *httptestServer, query string) journalPage {
	t.Helper()
	got := do(t, ts, http.MethodGet, "/__connreq/requests"+query, nil)
	if got.status != http.StatusOK {
		t.Fatalf("journal%s: status %d: %s", query, got.status, got.body)
	}
	var j journalPage
	if err := json.Unmarshal(got.body, &j); err != nil {
		t.Fatalf("journal%s: %v: %s", query, err, got.body)
	}
	return j
}

// TestJournalAfter checks the cursor the console polls with: sequence numbers count every
// request from 1 and survive a clear and the ring's wrap, ?after=N returns only newer
// entries, newest first, and first_seq says what the journal still holds.
func TestJournalAfter(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{JournalSize: 4})
	send := func(from, to int) {
		for i := from; i <= to; i++ {
			do(t, ts, http.MethodGet, seedPath+"?limit="+strconv.Itoa(i), auth())
		}
	}
	seqs := func(j journalPage) []uint64 {
		out := []uint64{}
		for _, r := range j.Requests {
			out = append(out, r.Seq)
		}
		return out
	}
	empty := readJournal(t, ts, "")
	if empty.LastSeq != 0 || empty.FirstSeq != 1 || empty.Count != 0 {
		t.Fatalf("empty journal: last %d first %d count %d, want 0 1 0", empty.LastSeq, empty.FirstSeq, empty.Count)
	}
	send(1, 3)
	steps := []struct {
		name      string
		query     string
		wantSeqs  []uint64
		wantLast  uint64
		wantFirst uint64
	}{
		{name: "all", query: "", wantSeqs: []uint64{3, 2, 1}, wantLast: 3, wantFirst: 1},
		{name: "after 0", query: "?after=0", wantSeqs: []uint64{3, 2, 1}, wantLast: 3, wantFirst: 1},
		{name: "after 1", query: "?after=1", wantSeqs: []uint64{3, 2}, wantLast: 3, wantFirst: 1},
		{name: "after the last", query: "?after=3", wantSeqs: []uint64{}, wantLast: 3, wantFirst: 1},
		{name: "after the future", query: "?after=99", wantSeqs: []uint64{}, wantLast: 3, wantFirst: 1},
		{name: "limit", query: "?limit=2", wantSeqs: []uint64{3, 2}, wantLast: 3, wantFirst: 1},
		{name: "limit above the count", query: "?limit=50", wantSeqs: []uint64{3, 2, 1}, wantLast: 3, wantFirst: 1},
		{name: "after and limit", query: "?after=1&limit=1", wantSeqs: []uint64{3}, wantLast: 3, wantFirst: 1},
	}
	for _, s := range steps {
		j := readJournal(t, ts, s.query)
		if got := seqs(j); !slices.Equal(got, s.wantSeqs) || j.LastSeq != s.wantLast || j.FirstSeq != s.wantFirst || j.Count != len(s.wantSeqs) {
			t.Errorf("%s: seqs %v last %d first %d count %d; want %v %d %d", s.name, got, j.LastSeq, j.FirstSeq, j.Count, s.wantSeqs, s.wantLast, s.wantFirst)
		}
	}
	send(4, 6) // the ring of 4 drops 1 and 2
	if j := readJournal(t, ts, "?after=3"); !slices.Equal(seqs(j), []uint64{6, 5, 4}) || j.FirstSeq != 3 || j.Requests[0].Query != "limit=6" {
		t.Errorf("after the wrap: seqs %v first %d, want [6 5 4] first 3", seqs(j), j.FirstSeq)
	}
	if j := readJournal(t, ts, ""); !slices.Equal(seqs(j), []uint64{6, 5, 4, 3}) {
		t.Errorf("all after the wrap: %v, want [6 5 4 3]", seqs(j))
	}
	if got := do(t, ts, http.MethodDelete, "/__connreq/requests", nil); got.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d", got.status)
	}
	if j := readJournal(t, ts, "?after=6"); j.LastSeq != 6 || j.FirstSeq != 7 || j.Count != 0 {
		t.Errorf("after a clear: last %d first %d count %d, want 6 7 0", j.LastSeq, j.FirstSeq, j.Count)
	}
	send(7, 7)
	if j := readJournal(t, ts, "?after=6"); !slices.Equal(seqs(j), []uint64{7}) || j.FirstSeq != 7 {
		t.Errorf("after a clear and a request: %v first %d, want [7] first 7", seqs(j), j.FirstSeq)
	}
}

// TestJournalAfterInvalid checks that a bad cursor or limit gets a 400 naming the parameter
// and the value received.
func TestJournalAfterInvalid(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	for _, v := range []string{"x", "-1", "1.5", "99999999999999999999999"} {
		got := do(t, ts, http.MethodGet, "/__connreq/requests?after="+v, nil)
		want := `after: must be a request sequence number, a non-negative integer (got "` + v + `")`
		if got.status != http.StatusBadRequest || detail(t, got.body) != want {
			t.Errorf("after=%s: status %d, detail %q; want 400 %q", v, got.status, detail(t, got.body), want)
		}
	}
	for _, v := range []string{"0", "-3", "x", "2.5", "99999999999999999999999"} {
		got := do(t, ts, http.MethodGet, "/__connreq/requests?limit="+v, nil)
		want := `limit: must be a positive integer, the most entries to return (got "` + v + `")`
		if got.status != http.StatusBadRequest || detail(t, got.body) != want {
			t.Errorf("limit=%s: status %d, detail %q; want 400 %q", v, got.status, detail(t, got.body), want)
		}
	}
}

// BenchmarkJournalPoll measures what one console costs the server per second: a poll of a
// full journal (1,000 entries) with nothing new (?after=last), against a read of the whole
// journal (what a poll without the cursor would cost).
func BenchmarkJournalPoll(b *testing.B) {
	h := benchServer(b)
	w := &discardWriter{h: http.Header{}}
	for i := range 1000 {
		w.reset()
		h.ServeHTTP(w, newReq(b, "/api/v2/user/1/connection/requests/?limit=1&offset="+strconv.Itoa(i)))
	}
	for _, bc := range []struct{ name, query string }{
		{"idle-after-last", "?after=1000"},
		{"one-new", "?after=999"},
		{"whole-journal", ""},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := newReq(b, "/__connreq/requests"+bc.query)
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
			b.ReportMetric(float64(w.n), "bytes/op-body")
		})
	}
}
