package contract_test

import (
	"bytes"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connreq/connreq/contract"
	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
)

// noLatencyLimit keeps the latency check, the one check whose verdict depends on the
// machine's load (and -race), out of runs whose reports are compared or must pass.
const noLatencyLimit = time.Minute

// generatedFailure returns the failure of check in a generated case, or nil.
func generatedFailure(rep *contract.Report, check contract.Check) (*contract.Result, *contract.Failure) {
	for i, res := range rep.Results {
		if res.Check == check && res.Outcome == contract.Failed && strings.HasSuffix(res.Case, "/generated") {
			return &rep.Results[i], &res.Failures[0]
		}
	}
	return nil, nil
}

// fixedFailures lists the checks the fixed cases failed.
func fixedFailures(rep *contract.Report) []string {
	var out []string
	for _, res := range rep.Results {
		if res.Outcome == contract.Failed && !strings.HasSuffix(res.Case, "/generated") && !strings.HasSuffix(res.Case, "/corpus") {
			out = append(out, res.Case+" "+string(res.Check))
		}
	}
	return out
}

var twoTo64 = new(big.Int).Lsh(big.NewInt(1), 64)

// pastUint64 reports whether a path segment is an id of more than 64 bits.
func pastUint64(r *http.Request) bool {
	parts := strings.Split(r.URL.Path, "/")
	if len(parts) < 5 {
		return false
	}
	n, ok := new(big.Int).SetString(parts[4], 10)
	return ok && n.Cmp(twoTo64) >= 0
}

// Broken servers whose defect no fixed case reaches: generation finds each within the
// default budget and shrinks it to the minimal request.
func TestGenerateFindsDefects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fake  *fake
		check contract.Check
		// minimal says whether the shrunk request is the minimal one.
		minimal func(u *url.URL) bool
	}{
		{
			name: "500 for ids past 64 bits",
			fake: &fake{before: func(w http.ResponseWriter, r *http.Request) bool {
				if pastUint64(r) {
					http.Error(w, "OverflowError: int too large to convert", http.StatusInternalServerError)
					return true
				}
				return false
			}},
			check: contract.CheckServerError,
			minimal: func(u *url.URL) bool {
				return strings.HasPrefix(u.Path, "/api/v2/user/18446744073709551616/") && u.RawQuery == ""
			},
		},
		{
			name: "links drop unknown parameters",
			fake: &fake{links: func(base string, p *fakePage) (string, string, bool, bool) {
				var kept fixtures.Query
				for _, kv := range p.query {
					if kv.Key == "limit" || kv.Key == "offset" {
						kept = append(kept, kv)
					}
				}
				return fixtures.Links(base, kept, p.win, p.Count)
			}},
			check: contract.CheckPageLinks,
			minimal: func(u *url.URL) bool {
				// One unknown parameter with an empty value; the default page has a next link.
				k, v, _ := strings.Cut(u.RawQuery, "=")
				return !strings.Contains(u.RawQuery, "&") && k != "limit" && k != "offset" && k != "" && v == ""
			},
		},
		{
			name: "wrong item at one odd offset",
			fake: &fake{page: func(r *http.Request, p *fakePage) {
				if p.win.Offset == 7 && len(p.Results) > 0 {
					p.Results[0].ID = 1 // ids stay descending; only the identity is wrong
				}
			}},
			check:   contract.CheckPageConsistent,
			minimal: func(u *url.URL) bool { return u.RawQuery == "offset=7" },
		},
		{
			name: "400 for Unicode digits in limit",
			fake: &fake{before: func(w http.ResponseWriter, r *http.Request) bool {
				if strings.Contains(r.URL.RawQuery, "limit=%EF%BC") {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusBadRequest)
					w.Write([]byte(`{"detail":"limit: invalid literal"}`))
					return true
				}
				return false
			}},
			check:   contract.CheckLenientParams,
			minimal: func(u *url.URL) bool { return u.RawQuery == "limit=%EF%BC" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := tt.fake.server(t)
			rep := runAgainst(t, ts.URL, contract.Config{Generate: 200, Seed: 1, MaxLatency: noLatencyLimit})
			if got := fixedFailures(rep); len(got) > 0 {
				t.Fatalf("a fixed case already fails, so the defect is not generation's to find: %v", got)
			}
			res, f := generatedFailure(rep, tt.check)
			if f == nil {
				t.Fatalf("generation did not find the defect (%s)\n%s", tt.check, textOf(t, rep))
			}
			u, err := url.Parse(strings.TrimPrefix(f.Request, "GET "))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.minimal(u) {
				t.Errorf("shrunk to %s, not the minimal request\n%s", f.Request, textOf(t, rep))
			}
			if !strings.Contains(f.Curl, shellArg(f.Request)) || !strings.Contains(f.Curl, "$CONNREQ_TOKEN") || strings.Contains(f.Curl, fakeToken) {
				t.Errorf("curl line %q does not reproduce %s with the token elided", f.Curl, f.Request)
			}
			if !strings.HasPrefix(f.ID, "g") || len(f.ID) != 13 || !strings.Contains(f.Message, "seed 1") {
				t.Errorf("failure id %q / message %q: want a case id and the seed", f.ID, f.Message)
			}
			if res.Evaluations < 50 {
				t.Errorf("only %d evaluations of %s", res.Evaluations, tt.check)
			}
			if rep.Generate == nil || rep.Generate.Seed != 1 || rep.Generate.Stopped != "count" {
				t.Errorf("generate info %+v", rep.Generate)
			}
		})
	}
}

// shellArg is the URL as the curl line quotes it.
func shellArg(request string) string {
	return "'" + strings.TrimPrefix(request, "GET ") + "'"
}

// The mock itself passes a large generated run, faithful and strict.
func TestGenerateAgainstMock(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		name := "faithful"
		if strict {
			name = "strict"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := startMock(t, mock.Config{Strict: strict})
			rep := runAgainst(t, ts.URL, contract.Config{Token: jwtFor("42"), User: "42", OtherUser: "7", Strict: strict, Generate: 150, Seed: 7, MaxLatency: noLatencyLimit})
			if err := rep.Err(); err != nil {
				t.Fatalf("%v\n%s", err, textOf(t, rep))
			}
			evaluated := map[contract.Check]int{}
			for _, res := range rep.Results {
				if strings.HasSuffix(res.Case, "/generated") {
					evaluated[res.Check] += res.Evaluations
				}
			}
			for _, c := range []contract.Check{contract.CheckSchema, contract.CheckAuth, contract.CheckLenientParams,
				contract.CheckPageLinks, contract.CheckPageConsistent, contract.CheckPageOwner} {
				if evaluated[c] < 20 {
					t.Errorf("%s judged only %d generated answers", c, evaluated[c])
				}
			}
		})
	}
}

// requestLog records the requests a server receives, for determinism checks.
type requestLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.seen = append(l.seen, r.Header.Get("Authorization")+" "+r.Header.Get("Accept")+" "+r.URL.RequestURI())
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// The same seed sends the same requests and writes the same report; another seed does not.
func TestGenerateSameSeedSameRun(t *testing.T) {
	t.Parallel()
	broken := &fake{before: func(w http.ResponseWriter, r *http.Request) bool {
		if pastUint64(r) {
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		}
		return false
	}}
	run := func(seed uint64) ([]string, []byte) {
		var log requestLog
		ts := newServer(t, log.wrap(broken))
		rep := runAgainst(t, ts.URL, contract.Config{Generate: 150, Seed: seed, MaxLatency: noLatencyLimit})
		var buf bytes.Buffer
		if err := rep.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		sort.Strings(log.seen)
		return log.seen, normalizeReport(t, buf.Bytes(), ts.URL)
	}
	reqA, repA := run(11)
	reqB, repB := run(11)
	reqC, _ := run(12)
	if !slices.Equal(reqA, reqB) {
		t.Errorf("the same seed sent other requests (%d vs %d)", len(reqA), len(reqB))
	}
	if !bytes.Equal(repA, repB) {
		t.Errorf("the same seed wrote another report:\n%s\n---\n%s", repA, repB)
	}
	if slices.Equal(reqA, reqC) {
		t.Error("another seed sent the same requests")
	}
}

// normalizeReport drops what differs between two runs of the same requests: the start
// time, the durations and the target's port.
func normalizeReport(t *testing.T, doc []byte, target string) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	delete(v, "started")
	delete(v, "duration_ms")
	out, _ := json.MarshalIndent(v, "", " ")
	return bytes.ReplaceAll(out, []byte(target), []byte("TARGET"))
}

// A failure goes to the corpus; the corpus is replayed first on later runs (and alone
// finds the defect again), --replay-failure re-runs one case, and no file holds the token.
func TestGenerateCorpus(t *testing.T) {
	t.Parallel()
	broken := &fake{before: func(w http.ResponseWriter, r *http.Request) bool {
		if pastUint64(r) {
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		}
		return false
	}}
	bad, clean := broken.server(t), (&fake{}).server(t)
	dir := filepath.Join(t.TempDir(), "corpus")

	rep := runAgainst(t, bad.URL, contract.Config{Generate: 300, Seed: 3, Corpus: dir, MaxLatency: noLatencyLimit})
	_, f := generatedFailure(rep, contract.CheckServerError)
	if f == nil {
		t.Fatalf("no server-error found\n%s", textOf(t, rep))
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 || !slices.Contains(rep.Generate.CorpusAdded, f.ID) {
		t.Fatalf("corpus files %v, added %v: want %s", files, rep.Generate.CorpusAdded, f.ID)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(fakeToken)) || bytes.Contains(data, []byte(bad.URL)) {
			t.Errorf("%s holds the token or the target:\n%s", name, data)
		}
	}
	entry, err := os.ReadFile(filepath.Join(dir, f.ID+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(entry, []byte(`"path_value": "18446744073709551616"`)) || !bytes.Contains(entry, []byte(`"check": "server-error"`)) {
		t.Errorf("corpus entry:\n%s", entry)
	}

	// Against the broken server, the corpus alone (no generation) finds it again.
	rep = runAgainst(t, bad.URL, contract.Config{Corpus: dir, MaxLatency: noLatencyLimit})
	var corpusFail *contract.Failure
	for _, res := range rep.Results {
		if strings.HasSuffix(res.Case, "/corpus") && res.Check == contract.CheckServerError && res.Outcome == contract.Failed && res.Failures[0].ID == f.ID {
			corpusFail = &res.Failures[0]
		}
	}
	if corpusFail == nil || corpusFail.ID != f.ID || rep.Generate.CorpusRun != len(files) {
		t.Fatalf("the corpus replay (%d of %d files) did not find case %s again\n%s", rep.Generate.CorpusRun, len(files), f.ID, textOf(t, rep))
	}
	// Against the clean server it passes, and nothing is added.
	rep = runAgainst(t, clean.URL, contract.Config{Corpus: dir, Generate: 50, Seed: 3, MaxLatency: noLatencyLimit})
	if err := rep.Err(); err != nil || len(rep.Generate.CorpusAdded) != 0 {
		t.Fatalf("clean server with the corpus: %v, added %v\n%s", err, rep.Generate.CorpusAdded, textOf(t, rep))
	}
	// --replay-failure: only that case, from the corpus.
	rep = runAgainst(t, bad.URL, contract.Config{Corpus: dir, ReplayFailure: f.ID, MaxLatency: noLatencyLimit})
	for _, res := range rep.Results {
		if !strings.HasSuffix(res.Case, "/replay") {
			t.Errorf("replay reports %s %s", res.Case, res.Check)
		}
	}
	if got := failedChecks(rep); !slices.Equal(got, []string{"server-error"}) || !rep.Generate.ReplayFound {
		t.Errorf("replay failed %v, found %v\n%s", got, rep.Generate.ReplayFound, textOf(t, rep))
	}
	// --replay-failure without the corpus: generated again from the seed.
	rep = runAgainst(t, bad.URL, contract.Config{Generate: 300, Seed: 3, ReplayFailure: f.ID, MaxLatency: noLatencyLimit})
	if got := failedChecks(rep); !slices.Equal(got, []string{"server-error"}) || !rep.Generate.ReplayFound || len(rep.Results) != 1 {
		t.Errorf("replay by seed: failed %v, found %v, %d results\n%s", got, rep.Generate.ReplayFound, len(rep.Results), textOf(t, rep))
	}
}

// The self path must list the caller's (--me) requests: a server that lists someone
// else's there fails self-list and page-owner in the fixed cases.
func TestSelfPathOwner(t *testing.T) {
	t.Parallel()
	wrong := &fake{otherOK: true, page: func(r *http.Request, p *fakePage) {
		if p.path == "self" {
			for i := range p.Results {
				p.Results[i].ToUser.ID = fakeOther
			}
		}
	}}
	rep := runAgainst(t, wrong.server(t).URL, contract.Config{})
	got := failedChecks(rep)
	if !slices.Contains(got, string(contract.CheckPageOwner)) {
		t.Errorf("failed %v: want page-owner for the self path's to_user\n%s", got, textOf(t, rep))
	}
	// A self path that lists fewer items than the seed path: self-list.
	short := &fake{page: func(r *http.Request, p *fakePage) {
		if p.path == "self" {
			p.Count--
		}
	}}
	rep = runAgainst(t, short.server(t).URL, contract.Config{})
	if got := failedChecks(rep); !slices.Contains(got, string(contract.CheckSelfList)) {
		t.Errorf("failed %v: want self-list\n%s", got, textOf(t, rep))
	}
	// The clean fake passes both, with --me given explicitly.
	rep = runAgainst(t, (&fake{}).server(t).URL, contract.Config{Me: "42"})
	if err := rep.Err(); err != nil {
		t.Errorf("%v\n%s", err, textOf(t, rep))
	}
}

// newServer serves h over httptest for the test's lifetime.
func newServer(t testing.TB, h http.Handler) *httptest.Server {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// A hostile target that echoes the credentials back, only to generated requests: the token
// is in no report and no corpus file; the progress line shows the generation, never a URL.
func TestGenerateTokenNeverReported(t *testing.T) {
	t.Parallel()
	echo := &fake{before: func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.URL.RawQuery, "utm_source") || strings.Contains(r.URL.RawQuery, "x=") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"detail":"bad header ` + r.Header.Get("Authorization") + `"}`))
			return true
		}
		return false
	}}
	dir := filepath.Join(t.TempDir(), "corpus")
	var progress bytes.Buffer
	rep := runAgainst(t, echo.server(t).URL, contract.Config{Generate: 200, Seed: 4, Corpus: dir, Progress: &progress, MaxLatency: noLatencyLimit})
	if _, f := generatedFailure(rep, contract.CheckServerError); f == nil {
		t.Fatalf("the echoing 500 was not found\n%s", textOf(t, rep))
	}
	var all strings.Builder
	all.WriteString(textOf(t, rep))
	if err := rep.WriteJSON(&all); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJUnit(&all); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatal("nothing in the corpus")
	}
	for _, name := range files {
		data, _ := os.ReadFile(name)
		all.Write(data)
	}
	all.WriteString(progress.String())
	if strings.Contains(all.String(), fakeToken) {
		t.Errorf("the token appears in a report, the corpus or the progress line")
	}
	if !strings.Contains(all.String(), "[REDACTED]") {
		t.Errorf("the echoed token was not visibly redacted")
	}
	p := progress.String()
	if !strings.Contains(p, "generated ") || !strings.Contains(p, " failures · ") || !strings.Contains(p, " left") ||
		strings.Contains(p, "http://") || !strings.HasSuffix(p, "\r\x1b[K") {
		t.Errorf("progress output %q", p)
	}
}

// --budget ends the generation before N: the report says so, and the requests cut by the
// deadline are not reported as failures.
func TestGenerateBudget(t *testing.T) {
	t.Parallel()
	ts := (&fake{}).server(t)
	rep := runAgainst(t, ts.URL, contract.Config{Generate: 1_000_000, Budget: time.Second, Seed: 9, MaxLatency: noLatencyLimit})
	if err := rep.Err(); err != nil {
		t.Fatalf("%v\n%s", err, textOf(t, rep))
	}
	g := rep.Generate
	if g.Stopped != "budget" || g.Requests == 0 || g.Requests >= 4_000_000 {
		t.Errorf("stopped %q after %d requests: want the budget, before N", g.Stopped, g.Requests)
	}
	if !strings.Contains(textOf(t, rep), "stopped by the budget 1s") {
		t.Errorf("the text report does not say the budget ended the run\n%s", textOf(t, rep))
	}
}
