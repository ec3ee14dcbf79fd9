package contract

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connreq/connreq"
)

// fuzzToken is the bearer token of FuzzResponseBody's runner. Whatever the target answers,
// echoes of it included, it must not appear in any report.
const fuzzToken = "fuzz-TOKEN-3b9d27c4e1f0"

// fuzzAnswer is what FuzzResponseBody's target answers to every request.
type fuzzAnswer struct {
	status      int
	contentType string
	body        []byte
}

// fuzzTarget is "{{target}}" in a fuzzed body: the in-process target's base URL, so that
// seeds can hold links the runner follows.
const fuzzTarget = "{{target}}"

// FuzzResponseBody runs the runner's response handling on arbitrary answers: a status from
// 200 to 599, any Content-Type and any bytes as the body, served by one in-process target
// for every request of five cases (the reference page, the walk and the walk back with at
// most 2 pages each way, a lenient-params probe, an auth case and the unknown-user case),
// then the run's cross checks. It asserts that the runner
//
//  1. never panics, and gives every result a known check name and an outcome: a failure
//     holds at least one Failure with a request and a message; a skip says why;
//  2. never lets the token out: no result, and no report written as text, JSON or JUnit,
//     contains it, even when the body, the Content-Type or a link echoes it;
//  3. judges consistently: json passes exactly when the body is one JSON value, status on
//     the reference page passes exactly for a 200, and the page checks run only on a 200
//     with a JSON body.
func FuzzResponseBody(f *testing.F) {
	doc, err := connreq.Load()
	if err != nil {
		f.Fatal(err)
	}
	var current atomic.Pointer[fuzzAnswer]
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := current.Load()
		if a == nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if a.contentType == "" {
			w.Header()["Content-Type"] = nil // no sniffing: no Content-Type at all
		} else {
			w.Header().Set("Content-Type", a.contentType)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	f.Cleanup(ts.Close)
	r, err := New(doc, Config{Target: ts.URL, Token: fuzzToken, User: "42", MaxPages: 2, Timeout: 5 * time.Second, MaxBody: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	// The cases: the reference page, the primary operation's walk, first probe, first auth
	// case and unknown-user case.
	cases := []*testCase{r.primary}
	var walkBack *testCase
	kinds := map[caseKind]bool{}
	for _, tc := range r.cases {
		if tc.op != r.primary.op || kinds[tc.kind] {
			continue
		}
		switch tc.kind {
		case kindWalk, kindProbe, kindAuth, kindNotFound:
			kinds[tc.kind] = true
			cases = append(cases, tc)
		case kindWalkBack:
			kinds[tc.kind] = true
			walkBack = tc
		}
	}
	if len(cases) != 5 || walkBack == nil {
		f.Fatalf("the plan lacks a case: found %d of 5, walk-back %v", len(cases), walkBack != nil)
	}
	known := map[Check]bool{}
	for _, c := range Checks() {
		known[c] = true
	}
	client := newClient(r.s) // one connection pool for every input
	f.Cleanup(client.close)

	f.Add(200, "application/json", []byte(`{"count":0,"next":null,"previous":null,"results":[]}`))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		if status < 200 || status > 599 {
			status = 200 + (status%400+400)%400
		}
		a := &fuzzAnswer{status: status, contentType: contentType, body: bytes.ReplaceAll(body, []byte(fuzzTarget), []byte(ts.URL))}
		current.Store(a)
		sent := a.body
		if a.status == http.StatusNoContent || a.status == http.StatusNotModified {
			sent = nil // net/http sends no body with these
		}

		rn := &run{r: r, ctx: t.Context(), client: client, results: map[*testCase]*caseResult{}}
		for _, tc := range append(cases, walkBack) {
			rn.results[tc] = newCaseResult(tc)
		}
		for _, tc := range cases {
			rn.runCase(tc)
		}
		rn.crossChecks()

		rep := &Report{Target: redactURL(r.s.target), User: r.s.User, Cases: len(cases) + 1}
		for _, tc := range append(cases, walkBack) {
			rep.Results = append(rep.Results, rn.results[tc].finish()...)
		}
		for _, res := range rep.Results {
			switch {
			case !known[res.Check]:
				t.Fatalf("%s: unknown check %q", res.Case, res.Check)
			case res.Outcome == Failed && len(res.Failures) == 0:
				t.Fatalf("%s %s failed without a failure", res.Case, res.Check)
			case res.Outcome == Skipped && res.Reason == "":
				t.Fatalf("%s %s skipped without a reason", res.Case, res.Check)
			case res.Outcome != Passed && res.Outcome != Failed && res.Outcome != Skipped:
				t.Fatalf("%s %s: outcome %q", res.Case, res.Check, res.Outcome)
			}
			for _, fl := range res.Failures {
				if fl.Message == "" || fl.Request == "" {
					t.Fatalf("%s %s: a failure without a request or message: %+v", res.Case, res.Check, fl)
				}
			}
		}

		var out bytes.Buffer
		if err := json.NewEncoder(&out).Encode(rep.Results); err != nil {
			t.Fatal(err)
		}
		for _, write := range []func() error{
			func() error { return rep.WriteText(&out, TextOptions{Verbose: true}) },
			func() error { return rep.WriteText(&out, TextOptions{Verbose: true, Color: true}) },
			func() error { return rep.WriteJSON(&out) },
			func() error { return rep.WriteJUnit(&out) },
		} {
			if err := write(); err != nil {
				t.Fatalf("write the report: %v", err)
			}
		}
		if i := strings.Index(out.String(), fuzzToken); i >= 0 {
			t.Fatalf("the token is in a report: …%s…", out.String()[max(i-200, 0):min(i+200, out.Len())])
		}

		// Consistent verdicts on the reference page.
		ref := map[Check]Result{}
		for _, res := range rep.Results {
			if res.Case == r.primary.fullName() {
				ref[res.Check] = res
			}
		}
		if res := ref[CheckTransport]; res.Outcome != Passed {
			return // no complete answer (a header Go's client refuses, say): nothing more to compare
		}
		if res := ref[CheckJSON]; res.Outcome != Skipped && (res.Outcome == Passed) != json.Valid(sent) {
			t.Fatalf("json %s on a body that json.Valid says %v about: %q", res.Outcome, json.Valid(sent), sent)
		}
		if res := ref[CheckStatus]; (res.Outcome == Passed) != (a.status == http.StatusOK) {
			t.Fatalf("status %s on a %d", res.Outcome, a.status)
		}
		if res := ref[CheckPageSize]; res.Outcome != Skipped && (a.status != http.StatusOK || !json.Valid(sent)) {
			t.Fatalf("page-size %s on a %d with a body json.Valid says %v about", res.Outcome, a.status, json.Valid(sent))
		}
	})
}
