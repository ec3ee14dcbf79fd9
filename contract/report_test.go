package contract_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/connreq/connreq/contract"
	"github.com/connreq/connreq/fixtures"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// normalize makes a report of an httptest run reproducible: the server's random address,
// the start time and the durations are replaced.
func normalize(rep *contract.Report, url string) {
	host := strings.TrimPrefix(url, "http://")
	fix := func(s *string) {
		if host != "" {
			*s = strings.ReplaceAll(*s, host, "target.test")
		}
	}
	fix(&rep.Target)
	rep.Started = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	rep.Duration = 1234 * time.Millisecond
	rep.Connreq = "v1.2.3-test" // the golden files do not depend on how the test binary was built
	for i := range rep.Results {
		res := &rep.Results[i]
		fix(&res.Reason)
		for j := range res.Failures {
			f := &res.Failures[j]
			for _, p := range []*string{&f.Request, &f.Path, &f.Expected, &f.Actual, &f.Message, &f.Curl} {
				fix(p)
			}
		}
	}
}

// golden compares got with testdata/report/<dir>/<name>, or rewrites it with -update.
func golden(t *testing.T, dir, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "report", dir, name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func TestReportGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    *fake // nil: the unreachable report below
	}{
		{name: "pass", f: &fake{}},
		{name: "fail", f: &fake{
			// Two breaks: links with the wrong scheme and a missing username.
			links: func(base string, p *fakePage) (string, string, bool, bool) {
				next, prev, hn, hp := fixtures.Links(base, p.query, p.win, p.Count)
				return strings.Replace(next, "http://", "https://", 1), prev, hn, hp
			},
			page: func(r *http.Request, p *fakePage) {
				if queryIs(r, "limit=1") && len(p.Results) > 0 {
					p.Results[0].FromUser.Username = ""
					p.Results[0].Created = "yesterday"
				}
			},
		}},
		{name: "unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rep *contract.Report
			if tt.f == nil {
				rep = &contract.Report{
					Target:      "http://127.0.0.1:9",
					User:        "42",
					Spec:        contract.SpecInfo{Title: "SelfCommunity API — user's connection requests", Version: "2.0.0"},
					Requests:    1,
					Cases:       31,
					Unreachable: `Get "http://127.0.0.1:9/api/v2/user/42/connection/requests/": dial tcp 127.0.0.1:9: connect: connection refused`,
				}
				normalize(rep, "")
			} else {
				ts := tt.f.server(t)
				rep = runAgainst(t, ts.URL, contract.Config{OtherUser: "7"})
				normalize(rep, ts.URL)
			}

			var text, color, js, junit bytes.Buffer
			if err := rep.WriteText(&text, contract.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteText(&color, contract.TextOptions{Color: true, Verbose: true}); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteJUnit(&junit); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, "report.txt", text.Bytes())
			golden(t, tt.name, "report-color-verbose.txt", color.Bytes())
			golden(t, tt.name, "report.json", js.Bytes())
			golden(t, tt.name, "junit.xml", junit.Bytes())

			if strings.Contains(text.String(), "\x1b[") {
				t.Error("the plain text report has ANSI escapes")
			}
			if !strings.Contains(color.String(), "\x1b[") {
				t.Error("the colour report has no ANSI escapes")
			}
			checkJSONReport(t, rep, js.Bytes())
			checkJUnit(t, rep, junit.Bytes())
		})
	}
}

// checkJSONReport decodes the JSON report and checks it against the report.
func checkJSONReport(t *testing.T, rep *contract.Report, data []byte) {
	t.Helper()
	var doc struct {
		Status  string           `json:"status"`
		Summary contract.Summary `json:"summary"`
		Results []contract.Result
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the JSON report does not decode: %v", err)
	}
	if doc.Status != rep.Status() || doc.Summary != rep.Summary() || len(doc.Results) != len(rep.Results) {
		t.Errorf("JSON report: status %q summary %+v results %d; want %q %+v %d",
			doc.Status, doc.Summary, len(doc.Results), rep.Status(), rep.Summary(), len(rep.Results))
	}
}

// checkJUnit decodes the JUnit XML the way CI systems do and checks the counts: one
// testcase per (case, check).
func checkJUnit(t *testing.T, rep *contract.Report, data []byte) {
	t.Helper()
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
				Error   *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the JUnit report does not decode: %v", err)
	}
	s := rep.Summary()
	cases, failures := 0, 0
	for _, su := range doc.Suites {
		for _, c := range su.Cases {
			cases++
			if c.Failure != nil {
				failures++
			}
		}
	}
	want := len(rep.Results)
	if rep.Unreachable != "" {
		want = 1
		if doc.Errors != 1 {
			t.Errorf("JUnit errors = %d, want 1 for an unreachable target", doc.Errors)
		}
	}
	if doc.Tests != want || cases != want || doc.Failures != s.Failed || failures != s.Failed || doc.Skipped != s.Skipped {
		t.Errorf("JUnit: tests %d (testcases %d) failures %d (%d) skipped %d; want %d, %d, %d",
			doc.Tests, cases, doc.Failures, failures, doc.Skipped, want, s.Failed, s.Skipped)
	}
}
