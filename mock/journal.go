package mock

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultJournalSize is how many requests the journal keeps when Config.JournalSize is 0.
const DefaultJournalSize = 1000

// journalEntry is one request as /__connreq/requests shows it. No header is recorded, so
// the Authorization header never is.
type journalEntry struct {
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
	next int  // where the next record goes
	full bool // the ring has wrapped
}

func newJournal(size int) *journal {
	if size <= 0 {
		return nil
	}
	return &journal{ring: make([]journalRecord, size)}
}

func (j *journal) add(rec journalRecord) {
	j.mu.Lock()
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

// entries returns the records, newest first.
func (j *journal) entries() []journalEntry {
	j.mu.Lock()
	n := j.next
	if j.full {
		n = len(j.ring)
	}
	recs := make([]journalRecord, 0, n)
	for k := 1; k <= n; k++ {
		recs = append(recs, j.ring[(j.next-k+len(j.ring))%len(j.ring)])
	}
	j.mu.Unlock()
	out := make([]journalEntry, len(recs))
	for i, r := range recs {
		out[i] = journalEntry{
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
	return out
}

// serveJournal answers GET (the entries) and DELETE (clear) on /__connreq/requests.
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
	size, entries := 0, []journalEntry{}
	if s.journal != nil {
		size, entries = len(s.journal.ring), s.journal.entries()
	}
	body, err := marshalCompact(map[string]any{"size": size, "count": len(entries), "requests": entries})
	if err != nil {
		panic(err)
	}
	writeJSON(w, http.StatusOK, body)
}

// isAdmin reports whether the request is for connreq's own endpoints, which the journal skips.
func isAdmin(path string) bool { return strings.HasPrefix(path, adminPrefix+"/") }
