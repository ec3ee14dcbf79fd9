package contract_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/contract"
	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
)

// secretToken is distinctive enough that finding it anywhere means it leaked.
const secretToken = "tok-Zq9-SECRET-4242-leak-canary"

// record records the mock at url into a fresh directory.
func record(t testing.TB, url string, cfg contract.Config, opts contract.RecordOptions) (string, *contract.Recorded) {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = filepath.Join(t.TempDir(), "rec")
	}
	rec, err := newRunner(t, url, secretToken, cfg).Record(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return opts.Dir, rec
}

// baselineFailures returns the baseline-diff failures of a report.
func baselineFailures(rep *contract.Report) []contract.Failure {
	var out []contract.Failure
	for _, res := range rep.Results {
		if res.Check == contract.CheckBaselineDiff {
			out = append(out, res.Failures...)
		}
	}
	return out
}

// evaluated counts the answers baseline-diff compared.
func evaluated(rep *contract.Report) int {
	n := 0
	for _, res := range rep.Results {
		if res.Check == contract.CheckBaselineDiff {
			n += res.Evaluations
		}
	}
	return n
}

// Record the mock, replay the recording, run the contract against the replay with the
// recording as baseline: every check passes and nothing differs.
func TestRecordReplayBaseline(t *testing.T) {
	t.Parallel()
	src := startMock(t, mock.Config{})
	dir, rec := record(t, src.URL, contract.Config{}, contract.RecordOptions{})
	if len(rec.Flagged) > 0 {
		t.Errorf("recording the mock flagged problems: %q", rec.Flagged)
	}
	loaded, err := fixtures.LoadRecording(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Exchanges < 20 || len(loaded.Entries) != rec.Exchanges {
		t.Fatalf("recorded %d exchanges, index lists %d", rec.Exchanges, len(loaded.Entries))
	}
	if v := connreq.BuildInfo().String(); loaded.Connreq != v || rec.Report.Connreq != v {
		t.Errorf("connreq version: recording %q, report %q, want %q", loaded.Connreq, rec.Report.Connreq, v)
	}
	replay := startMock(t, mock.Config{Replay: loaded})
	rep := runAgainst(t, replay.URL, contract.Config{Token: secretToken, Baseline: dir})
	if err := rep.Err(); err != nil {
		t.Fatalf("%v\n%s", err, textOf(t, rep))
	}
	if n := evaluated(rep); n < rec.Exchanges {
		t.Errorf("baseline-diff compared %d answers, want at least %d", n, rec.Exchanges)
	}
	if rep.Baseline != dir {
		t.Errorf("report baseline = %q, want %q", rep.Baseline, dir)
	}
}

// The recording holds no trace of the token: not in the index, not in any exchange.
func TestRecordingNeverHoldsTheToken(t *testing.T) {
	t.Parallel()
	// A deployment that echoes the Authorization header in its body and a header.
	src := startMock(t, mock.Config{})
	dir, _ := record(t, src.URL, contract.Config{}, contract.RecordOptions{})
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, needle := range []string{secretToken, "Authorization", "Cookie"} {
			if strings.Contains(string(data), needle) {
				t.Errorf("%s contains %q", path, needle)
			}
		}
		return nil
	})
	if err != nil || files < 2 {
		t.Fatalf("walked %d files: %v", files, err)
	}
}

// Change one field in one recorded file: the diff reports exactly that path.
func TestBaselineDiffReportsTheChangedPath(t *testing.T) {
	t.Parallel()
	src := startMock(t, mock.Config{})
	// Exchanges only: with the collection, an exchange edited alone no longer loads
	// (TestLoadCollectionRejects), so the edit would have to be made in both.
	dir, _ := record(t, src.URL, contract.Config{}, contract.RecordOptions{NoCollection: true})
	loaded, err := fixtures.LoadRecording(dir)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, loaded.Entries[0].File)
	var ex map[string]any
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ex); err != nil {
		t.Fatal(err)
	}
	old := ex["response"].(map[string]any)["body"].(map[string]any)["results"].([]any)[2].(map[string]any)["from_user"].(map[string]any)["username"].(string)
	edited := strings.Replace(string(data), `"username": "`+old+`"`, `"username": "edited-by-hand"`, 1)
	if edited == string(data) {
		t.Fatalf("username %q not found in %s", old, file)
	}
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}

	rep := runAgainst(t, src.URL, contract.Config{Token: secretToken, Baseline: dir})
	fails := baselineFailures(rep)
	if len(fails) == 0 {
		t.Fatalf("no difference reported\n%s", textOf(t, rep))
	}
	for _, f := range fails {
		if f.Path != "$.results[2].from_user.username" || f.Expected != `"edited-by-hand"` || f.Actual != `"`+old+`"` {
			t.Errorf("unexpected difference: path %s, baseline %s, target %s (%s)", f.Path, f.Expected, f.Actual, f.Message)
		}
	}
	for _, res := range rep.Results {
		if res.Outcome == contract.Failed && res.Check != contract.CheckBaselineDiff {
			t.Errorf("%s %s failed too", res.Case, res.Check)
		}
	}
	var failed *contract.ChecksFailedError
	if !errors.As(rep.Err(), &failed) {
		t.Errorf("Err() = %v, want ChecksFailedError", rep.Err())
	}

	// --ignore that path and nothing differs.
	rep = runAgainst(t, src.URL, contract.Config{Token: secretToken, Baseline: dir, Ignore: []string{"results[].from_user.username"}})
	if err := rep.Err(); err != nil {
		t.Errorf("with --ignore: %v\n%s", err, textOf(t, rep))
	}
}

// Two mocks with different seeds: same shape, different values.
func TestBaselineLiveModes(t *testing.T) {
	t.Parallel()
	a := startMock(t, mock.Config{Seed: 1})
	b := startMock(t, mock.Config{Seed: 2})
	tests := []struct {
		mode     string
		wantDiff bool
	}{
		{"shape", false},
		{"exact", true},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			rep := runAgainst(t, a.URL, contract.Config{Token: secretToken, Baseline: b.URL, BaselineToken: secretToken, Diff: tt.mode})
			fails := baselineFailures(rep)
			if got := len(fails) > 0; got != tt.wantDiff {
				t.Errorf("differences: %v, want %v\n%s", got, tt.wantDiff, textOf(t, rep))
			}
			if evaluated(rep) < 20 {
				t.Errorf("compared only %d answers", evaluated(rep))
			}
			for _, res := range rep.Results {
				if res.Outcome == contract.Failed && res.Check != contract.CheckBaselineDiff {
					t.Errorf("%s %s failed", res.Case, res.Check)
				}
			}
		})
	}
}

// Anonymised: no original personal value survives, and the recording still replays and
// passes every check.
func TestRecordAnonymized(t *testing.T) {
	t.Parallel()
	src := startMock(t, mock.Config{})
	plainDir, _ := record(t, src.URL, contract.Config{}, contract.RecordOptions{})
	anonDir, _ := record(t, src.URL, contract.Config{}, contract.RecordOptions{Anonymize: true, AnonymizeSeed: 9})
	plain, err := fixtures.LoadRecording(plainDir)
	if err != nil {
		t.Fatal(err)
	}
	personal := map[string]bool{}
	keys := map[string]bool{"username": true, "real_name": true, "bio": true, "description": true, "location": true,
		"location_lat_lng": true, "position_lat_lng": true, "website": true, "avatar": true, "cover": true, "date_of_birth": true}
	var collect func(v any, inUser bool)
	collect = func(v any, inUser bool) {
		switch v := v.(type) {
		case map[string]any:
			_, user := v["username"]
			for k, x := range v {
				if s, ok := x.(string); ok && user && keys[k] && len(s) > 3 {
					personal[s] = true
				}
				collect(x, user)
			}
		case []any:
			for _, x := range v {
				collect(x, inUser)
			}
		}
	}
	for _, ex := range plain.Exchanges {
		var v any
		if len(ex.Response.Body) > 0 {
			if err := json.Unmarshal(ex.Response.Body, &v); err != nil {
				t.Fatal(err)
			}
			collect(v, false)
		}
	}
	if len(personal) < 100 {
		t.Fatalf("only %d personal values collected: the scan would prove little", len(personal))
	}
	// Scan every file, tags left out: tags are community data (categories an admin
	// creates), kept as recorded, and the generator's tag texts mention cities.
	var blob strings.Builder
	err = filepath.WalkDir(anonDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		dropTags(v)
		out, err := json.Marshal(v)
		blob.Write(out)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	all := blob.String()
	for v := range personal {
		enc, _ := json.Marshal(v)
		if strings.Contains(all, string(enc)) || (len(v) >= 8 && strings.Contains(all, v)) {
			t.Errorf("original value %q survives anonymisation", v)
		}
	}
	anon, err := fixtures.LoadRecording(anonDir)
	if err != nil {
		t.Fatal(err)
	}
	if !anon.Anonymized {
		t.Error("index does not say anonymized")
	}
	replay := startMock(t, mock.Config{Replay: anon})
	rep := runAgainst(t, replay.URL, contract.Config{Token: secretToken, Baseline: plainDir, Diff: "shape"})
	if err := rep.Err(); err != nil {
		t.Errorf("anonymised replay vs the plain recording in shape mode: %v\n%s", err, textOf(t, rep))
	}
}

// A corrupt baseline directory is a configuration error naming the file and the reason.
func TestBaselineConfigErrors(t *testing.T) {
	t.Parallel()
	src := startMock(t, mock.Config{})
	dir, _ := record(t, src.URL, contract.Config{}, contract.RecordOptions{})
	if err := os.WriteFile(filepath.Join(dir, fixtures.RecordingIndex), []byte(`{"format":`), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  contract.Config
		want []string
	}{
		{"corrupt recording", contract.Config{Baseline: dir}, []string{"Baseline: cannot load the recording", "index.json", "invalid JSON"}},
		{"missing directory", contract.Config{Baseline: filepath.Join(dir, "nope")}, []string{"Baseline: must be an http(s) URL or a recording directory"}},
		{"another host without its token", contract.Config{Baseline: "http://baseline.invalid"}, []string{"BaselineToken: required for a baseline on another host than Target"}},
		{"bad diff mode", contract.Config{Baseline: src.URL, Diff: "fuzzy"}, []string{"Diff:", `"fuzzy"`}},
		{"bad ignore path", contract.Config{Baseline: src.URL, Ignore: []string{"results[.x"}}, []string{"Ignore:", "results[.x"}},
		{"ignore without baseline", contract.Config{Ignore: []string{"count"}}, []string{"Baseline: required by Diff, Ignore and BaselineToken"}},
		{"baseline-diff without baseline", contract.Config{Checks: []string{"baseline-diff"}}, []string{"baseline-diff needs a baseline"}},
		{"credentials in URL", contract.Config{Baseline: "https://u:p@example.org"}, []string{"Baseline: must not carry credentials"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Target, cfg.Token, cfg.User = src.URL, secretToken, "42"
			_, err := contract.New(doc, cfg)
			var ce *contract.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a ConfigError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), secretToken) {
				t.Error("error shows the token")
			}
		})
	}
}

// dropTags removes every "tags" member from a decoded JSON value.
func dropTags(v any) {
	switch v := v.(type) {
	case map[string]any:
		delete(v, "tags")
		for _, x := range v {
			dropTags(x)
		}
	case []any:
		for _, x := range v {
			dropTags(x)
		}
	}
}

// An answer that breaks the contract is recorded anyway, flagged in the index with the
// problem; a body that is not JSON is kept as text.
func TestRecordFlagsBrokenAnswers(t *testing.T) {
	t.Parallel()
	f := &fake{before: func(w http.ResponseWriter, r *http.Request) bool {
		switch r.URL.RawQuery {
		case "limit=1":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"count":"many","next":null,"previous":null,"results":[]}`))
			return true
		case "limit=100":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html>bad gateway</html>"))
			return true
		}
		return false
	}}
	dir, rec := record(t, f.server(t).URL, contract.Config{Token: fakeToken}, contract.RecordOptions{})
	loaded, err := fixtures.LoadRecording(dir)
	if err != nil {
		t.Fatal(err)
	}
	byQuery := map[string]int{}
	for i, en := range loaded.Entries {
		byQuery[en.Query] = i
	}
	tests := []struct {
		query, problem string
		status         int
	}{
		{"limit=1", "schema: ", 200},
		{"limit=100", "server-error: ", 502},
	}
	for _, tt := range tests {
		i, ok := byQuery[tt.query]
		if !ok {
			t.Fatalf("no exchange recorded for %q", tt.query)
		}
		en, ex := loaded.Entries[i], loaded.Exchanges[i]
		if en.Status != tt.status || !strings.Contains(strings.Join(en.Problems, "\n"), tt.problem) {
			t.Errorf("%s: status %d, problems %q; want %d and a %q problem", tt.query, en.Status, en.Problems, tt.status, tt.problem)
		}
		joined := strings.Join(rec.Flagged, "\n")
		if !strings.Contains(joined, en.File+": "+tt.problem) {
			t.Errorf("Flagged lacks %s: %s…:\n%s", en.File, tt.problem, joined)
		}
		if tt.status == 502 && (ex.Response.BodyText == nil || *ex.Response.BodyText != "<html>bad gateway</html>" || ex.Response.Headers["Content-Type"] != "text/html") {
			t.Errorf("the non-JSON answer is not kept as text: %+v", ex.Response)
		}
	}
	for _, en := range loaded.Entries {
		if en.Case == "getUserConnectionRequests/default-page" && len(en.Problems) != 0 {
			t.Errorf("the default page is flagged: %q", en.Problems)
		}
	}
}

// Recording the same deployment twice writes the same bytes: a re-recording diffs in git
// only where the deployment changed.
func TestRecordIsDeterministic(t *testing.T) {
	t.Parallel()
	src := startMock(t, mock.Config{})
	read := func(dir string) map[string]string {
		out := map[string]string{}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			rel, _ := filepath.Rel(dir, path)
			out[rel] = string(data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, anon := range []bool{false, true} {
		a, _ := record(t, src.URL, contract.Config{Concurrency: 1}, contract.RecordOptions{Anonymize: anon, AnonymizeSeed: 3})
		b, _ := record(t, src.URL, contract.Config{Concurrency: 8}, contract.RecordOptions{Anonymize: anon, AnonymizeSeed: 3})
		fa, fb := read(a), read(b)
		if len(fa) < 10 || len(fa) != len(fb) {
			t.Fatalf("anonymize=%v: %d files, then %d", anon, len(fa), len(fb))
		}
		for name, data := range fa {
			if fb[name] != data {
				t.Errorf("anonymize=%v: %s differs between two recordings", anon, name)
			}
		}
	}
}

// TestRecordScrubsTheCollection: a deployment that echoes the token in its items gets it
// scrubbed from the recorded collection exactly as from the exchanges, so the two agree and
// the recording loads (before, the collection kept it and contradicted the exchanges).
func TestRecordScrubsTheCollection(t *testing.T) {
	t.Parallel()
	echo := &fake{page: func(r *http.Request, p *fakePage) {
		for i := range p.Results {
			p.Results[i].FromUser.Bio = "echo " + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + " echo"
		}
	}}
	ts := echo.server(t)
	dir := filepath.Join(t.TempDir(), "rec")
	rec, err := newRunner(t, ts.URL, fakeToken, contract.Config{User: "42"}).Record(t.Context(), contract.RecordOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rec.Flagged {
		if strings.Contains(f, "collections/") {
			t.Errorf("flagged: %s", f)
		}
	}
	if _, err := fixtures.LoadRecording(dir); err != nil {
		t.Fatalf("the recording does not load: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, fixtures.CollectionFile(42)))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), fakeToken) || !strings.Contains(string(data), "echo [REDACTED] echo") {
		t.Errorf("the collection is not scrubbed: %.200s", data)
	}
}
