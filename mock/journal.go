package mock

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultJournalSize is how many requests the journal keeps when Config.JournalSize is 0.
const DefaultJournalSize = 1000

// journalEntry is one request as /__connreq/requests shows it. No header is recorded, so
// the Authorization header never is.
type journalEntry struct {
	Seq        uint64  `json:"seq"` // 1 for the first request the server saw; never reused
	Time       string  `json:"time"`
	Method     string  `json:"method"`
	Path       string  `json:"path"`
	Query      string  `json:"query"`
	Status     int     `json:"status"` // 0: no answer (connection reset, client gone)
	DurationMS float64 `json:"duration_ms"`
	Scenario   string  `json:"scenario"`
	Fault      string  `json:"fault"`
}

// journalRecord is what the hot path stores: no formatting until someone reads it.
type journalRecord struct {
	seq              uint64
	at               time.Time
	method, path     string
	query            string
	status           int
	dur              time.Duration
	scenario, faults string
}

// journal is a ring buffer of the last requests: memory is bounded whatever the traffic.
type journal struct {
	mu   sync.Mutex
	ring []journalRecord
	next int    // where the next record goes
	full bool   // the ring has wrapped
	seq  uint64 // the sequence number of the last record added; a clear keeps it
}

func newJournal(size int) *journal {
	if size <= 0 {
		return nil
	}
	return &journal{ring: make([]journalRecord, size)}
}

func (j *journal) add(rec journalRecord) {
	j.mu.Lock()
	j.seq++
	rec.seq = j.seq
	j.ring[j.next] = rec
	j.next++
	if j.next == len(j.ring) {
		j.next, j.full = 0, true
	}
	j.mu.Unlock()
}

func (j *journal) clear() {
	j.mu.Lock()
	clear(j.ring)
	j.next, j.full = 0, false
	j.mu.Unlock()
}

// entries returns the records whose sequence number is greater than after, newest first
// and at most limit of them (0: all),
// and the sequence numbers of the newest record ever added and of the oldest one held
// (last+1 when none is held), so a reader polling with after=last sees only what is new
// and learns what a clear or the ring dropped.
func (j *journal) entries(after uint64, limit int) (out []journalEntry, last, first uint64) {
	j.mu.Lock()
	n := j.next
	if j.full {
		n = len(j.ring)
	}
	last, first = j.seq, j.seq+1
	if n > 0 {
		first = j.seq - uint64(n) + 1
	}
	want := min(uint64(n), j.seq-min(after, j.seq))
	if limit > 0 {
		want = min(want, uint64(limit))
	}
	recs := make([]journalRecord, 0, want)
	for k := 1; k <= n; k++ {
		r := j.ring[(j.next-k+len(j.ring))%len(j.ring)]
		if r.seq <= after || (limit > 0 && len(recs) == limit) {
			break
		}
		recs = append(recs, r)
	}
	j.mu.Unlock()
	out = make([]journalEntry, len(recs))
	for i, r := range recs {
		out[i] = journalEntry{
			Seq:        r.seq,
			Time:       r.at.UTC().Format(time.RFC3339Nano),
			Method:     r.method,
			Path:       r.path,
			Query:      redactQuery(r.query),
			Status:     r.status,
			DurationMS: float64(r.dur.Microseconds()) / 1000,
			Scenario:   r.scenario,
			Fault:      r.faults,
		}
	}
	return out, last, first
}

// serveJournal answers GET (the entries; ?after=SEQ only those newer than SEQ, so the
// console's once-a-second poll costs a few bytes when nothing happened; ?limit=N at most the
// N newest) and DELETE (clear) on /__connreq/requests.
func (s *Server) serveJournal(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodDelete:
		if s.journal != nil {
			s.journal.clear()
		}
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		writeError(w, errMethodNotAllowed(r.Method, "GET, HEAD, DELETE"))
		return
	}
	var after uint64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, &apiError{status: http.StatusBadRequest,
				detail: "after: must be a request sequence number, a non-negative integer (got " + strconv.Quote(truncate(v, 40)) + ")"})
			return
		}
		after = n
	}
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, &apiError{status: http.StatusBadRequest,
				detail: "limit: must be a positive integer, the most entries to return (got " + strconv.Quote(truncate(v, 40)) + ")"})
			return
		}
		limit = n
	}
	size, entries, last, first := 0, []journalEntry{}, uint64(0), uint64(1)
	if s.journal != nil {
		size = len(s.journal.ring)
		entries, last, first = s.journal.entries(after, limit)
	}
	body, err := marshalCompact(map[string]any{"size": size, "count": len(entries), "last_seq": last, "first_seq": first, "requests": entries})
	if err != nil {
		panic(err)
	}
	writeJSON(w, http.StatusOK, body)
}

// isAdmin reports whether the request is for connreq's own endpoints, which the journal skips.
func isAdmin(path string) bool {
	return path == adminPrefix || strings.HasPrefix(path, adminPrefix+"/")
}
