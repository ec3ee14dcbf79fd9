package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/connreq/connreq"
)

// Runner replays the cases derived from an OpenAPI document against a deployment.
// Build it with New; Run may be called more than once, and concurrently.
type Runner struct {
	doc     *openapi3.T
	s       *settings
	ops     []*operation
	cases   []*testCase
	primary *testCase // the primary operation's default page: the reference
	opts    *openapi3filter.Options
	hdrOpts *openapi3filter.Options
	corpus  []*corpusEntry // Config.Corpus, loaded by New
	items   itemVerdicts   // schema verdicts of list items, shared by runs
}

// New validates cfg against doc and plans the cases. Errors are a *ConfigError (exit
// code 2) for a bad configuration, or an error wrapping ErrConfig for a spec the runner
// cannot derive cases from.
func New(doc *openapi3.T, cfg Config) (*Runner, error) {
	s, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	ops, err := planOperations(doc)
	if err != nil {
		return nil, &ConfigError{Problems: []string{"spec: " + err.Error()}}
	}
	cases, err := planCases(ops, s)
	if err != nil {
		return nil, &ConfigError{Problems: []string{"spec: " + err.Error()}}
	}
	r := &Runner{doc: doc, s: s, ops: ops, cases: cases}
	for _, tc := range cases {
		if tc.kind == kindPage && tc.name == "default-page" && tc.op == primaryOf(ops) {
			r.primary = tc
			break
		}
	}
	if r.primary == nil {
		// --checks can deselect every check of the default page; it is still fetched,
		// as every other case depends on it.
		tc := &testCase{op: primaryOf(ops), name: "default-page", kind: kindPage, status: http.StatusOK, query: fixed("")}
		if tc.op.userParam != "" {
			tc.user = s.User
		}
		r.primary = tc
	}
	r.opts, r.hdrOpts = validationOptions()
	if s.Corpus != "" {
		if r.corpus, err = loadCorpus(s.Corpus, ops); err != nil {
			return nil, &ConfigError{Problems: []string{"Corpus: " + err.Error()}}
		}
		if id := s.ReplayFailure; id != "" && s.Generate == 0 && !slices.ContainsFunc(r.corpus, func(e *corpusEntry) bool { return e.ID == id }) {
			return nil, &ConfigError{Problems: []string{fmt.Sprintf("ReplayFailure: case %s is not in the corpus %s (give the --seed and --generate of the run that found it to generate it again)", id, s.Corpus)}}
		}
	}
	return r, nil
}

// Cases lists the names of the planned cases (operation/case), in report order.
func (r *Runner) Cases() []string {
	out := make([]string, len(r.cases))
	for i, tc := range r.cases {
		out[i] = tc.fullName()
	}
	return out
}

// run is the state of one Run.
type run struct {
	r        *Runner
	ctx      context.Context
	client   *client
	requests atomic.Int64
	progress *progress

	mu      sync.Mutex
	results map[*testCase]*caseResult

	// Set once the reference page is in (before any other case starts).
	refCount int64
	refOK    bool

	// Shared between the walk, limit-max and the probes; read after all cases end.
	walk    *walkState
	large   []uint64  // keys of the limit-max page (offset 0, limit = maximum), nil if failed
	largeEx *exchange // the limit-max answer, for failures found with it
	// probeKeys are the probes' item keys, checked against large at the end.
	probes []probeItems

	// tap, when set, sees every exchange as it arrives (connreq record).
	tap func(tc *testCase, ex *exchange)
	// base answers every request a second time for baseline-diff; nil without a baseline.
	base *baseline
}

// probeItems is a probe's answer, kept to compare with the large page at the end.
type probeItems struct {
	tc    *testCase
	ex    *exchange
	start int64
	keys  []uint64
}

// Run replays every case and returns the report. The error is non-nil only when the run
// could not happen: the target is unreachable (an *UnreachableError, with a report that
// says so) or ctx was cancelled. Failed checks are in the report: see Report.Err.
func (r *Runner) Run(ctx context.Context) (*Report, error) {
	return r.run(ctx, nil)
}

// run is Run with an optional tap on every exchange.
func (r *Runner) run(ctx context.Context, tap func(*testCase, *exchange)) (*Report, error) {
	rn := &run{
		r:        r,
		ctx:      ctx,
		client:   newClient(r.s),
		results:  map[*testCase]*caseResult{},
		progress: newProgress(r.s.Progress, len(r.cases)),
		tap:      tap,
		base:     newBaseline(r.s, r.ops),
	}
	defer rn.client.close()
	if rn.base != nil && rn.base.live != nil {
		defer rn.base.live.close()
	}
	for _, tc := range r.cases {
		rn.results[tc] = newCaseResult(tc)
	}
	rep := &Report{
		Baseline: r.baselineName(),
		Target:   redactURL(r.s.target),
		User:     r.s.User,
		Strict:   r.s.Strict,
		Started:  time.Now().UTC(),
		Cases:    len(r.cases),
		Connreq:  connreq.BuildInfo().String(),
	}
	if r.doc.Info != nil {
		rep.Spec = SpecInfo{Title: r.doc.Info.Title, Version: r.doc.Info.Version}
	}
	start := time.Now()

	// The reference page first: it tells whether the target is there at all, and the
	// count every offset case and page-count-stable need.
	ref := rn.resultFor(r.primary)
	ex, p := rn.fetchPage(ref, "")
	rn.progress.caseDone(r.primary.fullName())
	if err := ctx.Err(); err != nil {
		rn.progress.done()
		return nil, fmt.Errorf("contract run interrupted: %w", err)
	}
	if ex != nil && ex.unreachable {
		rep.Unreachable = scrub(ex.err.Error(), r.s.Token)
		rep.Requests = rn.requests.Load()
		rep.Duration = time.Since(start)
		rn.progress.done()
		return rep, rep.Err()
	}
	if p != nil {
		rn.refCount, rn.refOK = p.count, true
	}

	var wg sync.WaitGroup
	jobs := make(chan *testCase)
	workers := max(r.s.Concurrency, 2) // the walk holds one worker for a long time
	for range workers {
		wg.Go(func() {
			for tc := range jobs {
				rn.runCase(tc)
				rn.progress.caseDone(tc.fullName())
			}
		})
	}
	for _, tc := range r.cases {
		if tc == r.primary || tc.kind == kindWalkBack {
			continue // done above; the back walk runs inside the walk
		}
		select {
		case jobs <- tc:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	rn.progress.done()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("contract run interrupted: %w", err)
	}
	rn.crossChecks()

	for _, tc := range r.cases {
		rep.Results = append(rep.Results, rn.results[tc].finish()...)
	}
	if s := r.s; s.Generate > 0 || len(r.corpus) > 0 || s.ReplayFailure != "" {
		info, results, cases, replayOnly := rn.generatedPhase()
		rn.progress.done()
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("contract run interrupted: %w", err)
		}
		if replayOnly {
			rep.Results, rep.Cases = nil, 0
		}
		rep.Generate = info
		rep.Results = append(rep.Results, results...)
		rep.Cases += cases
	}
	rep.Requests = rn.requests.Load()
	rep.Duration = time.Since(start)
	return rep, nil
}

// resultFor returns the accumulator of tc (a throwaway one for a case not reported).
func (rn *run) resultFor(tc *testCase) *caseResult {
	if cr := rn.results[tc]; cr != nil {
		return cr
	}
	return newCaseResult(tc)
}

// runCase runs one case.
func (rn *run) runCase(tc *testCase) {
	cr := rn.resultFor(tc)
	if rn.ctx.Err() != nil {
		return
	}
	switch tc.kind {
	case kindWalk:
		var back *caseResult
		for _, other := range rn.r.cases {
			if other.kind == kindWalkBack && other.op == tc.op {
				back = rn.resultFor(other)
			}
		}
		if back == nil {
			back = newCaseResult(&testCase{op: tc.op, name: "walk-back", kind: kindWalkBack, user: tc.user})
		}
		rn.walkCase(cr, back)
		rn.progress.caseDone(back.tc.fullName())
	case kindPage:
		if tc.needsCount && !rn.refOK {
			cr.skipAll("the reference page (" + rn.r.primary.fullName() + ") gave no count")
			return
		}
		raw, skip := tc.query(rn.refCount)
		if skip != "" {
			cr.skipAll(skip)
			return
		}
		ex, p := rn.fetchPage(cr, raw)
		if p != nil && tc.name == "limit-max" && tc.op == rn.r.primary.op {
			keys := make([]uint64, len(p.items))
			for i, it := range p.items {
				keys[i] = it.key
			}
			rn.mu.Lock()
			rn.large, rn.largeEx = keys, ex
			rn.mu.Unlock()
		}
	case kindProbe:
		rn.probeCase(cr)
	case kindAuth:
		rn.authCase(cr)
	case kindNotFound:
		rn.expectCase(cr, http.StatusNotFound, CheckNotFound, "the list of an unknown user ("+tc.user+")")
	case kindForbidden:
		rn.expectCase(cr, http.StatusForbidden, CheckForbidden, "another user's list ("+tc.user+")")
	case kindPlain:
		ex := rn.send(cr.tc, "")
		rn.responseChecks(cr, ex, 0)
	case kindSelfList:
		rn.selfListCase(cr)
	}
}

// url builds the request URL of a case on the target.
func (rn *run) url(tc *testCase, rawQuery string) string {
	path := tc.op.path
	if tc.op.userParam != "" {
		path = strings.ReplaceAll(path, "{"+tc.op.userParam+"}", url.PathEscape(tc.user))
	}
	u := *rn.r.s.target
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawPath = ""
	u.RawQuery = rawQuery
	return u.String()
}

// send makes the request of a case.
func (rn *run) send(tc *testCase, rawQuery string) *exchange {
	return rn.sendURL(tc, rn.url(tc, rawQuery))
}

// sendURL makes a GET of tc's kind to u (a followed link).
func (rn *run) sendURL(tc *testCase, u string) *exchange {
	rn.requests.Add(1)
	rn.progress.request(tc.fullName())
	ex := rn.client.do(rn.ctx, request{method: http.MethodGet, url: u, auth: tc.auth})
	if rn.tap != nil {
		rn.tap(tc, ex)
	}
	if rn.base != nil {
		rn.compareBaseline(tc, ex)
	}
	return ex
}

// fetchPage requests a page case and runs the response and page checks.
func (rn *run) fetchPage(cr *caseResult, rawQuery string) (*exchange, *page) {
	ex := rn.send(cr.tc, rawQuery)
	if !rn.responseChecks(cr, ex, http.StatusOK) {
		cr.skipPage("no page to check: " + rn.whyNoPage(ex))
		return ex, nil
	}
	p, err := decodePage(ex, cr.tc.op.pager)
	if err != nil {
		cr.skipPage("the body is not a page (" + err.Error() + "): see schema")
		return ex, nil
	}
	rn.pageChecks(cr, p, pageOpts{size: true})
	return ex, p
}

// probeCase sends a limit or offset the spec forbids. Production reads it leniently
// (design §3); with Strict the answer must be a 400 naming the parameter.
func (rn *run) probeCase(cr *caseResult) {
	tc := cr.tc
	raw, _ := tc.query(0)
	what := probeWhat(tc)
	ex := rn.send(tc, raw)
	ok := rn.responseChecks(cr, ex, 0)
	if noVerdict(cr, CheckLenientParams, ex) {
		return
	}
	if rn.r.s.Strict {
		switch {
		case ex.status != http.StatusBadRequest:
			cr.fail(CheckLenientParams, rn.failure(ex, "status", "400", fmt.Sprint(ex.status),
				fmt.Sprintf("with --strict, %s breaks the spec's rules for %s and must be rejected with 400", what, tc.param)))
		case !namesParam(ex.body, tc.param):
			cr.fail(CheckLenientParams, rn.failure(ex, "$", fmt.Sprintf("a JSON error naming %q", tc.param), fmt.Sprintf("%q", printable(ex.body, 160)),
				fmt.Sprintf("the 400 answer to %s must be JSON that names the parameter %q", what, tc.param)))
		default:
			cr.pass(CheckLenientParams)
		}
		return
	}
	if ex.status != http.StatusOK {
		cr.fail(CheckLenientParams, rn.failure(ex, "status", "200", fmt.Sprint(ex.status),
			fmt.Sprintf("production reads %s leniently (design §3: an invalid limit means the default, one above the maximum is capped, an invalid offset means 0) and answers 200", what)))
		return
	}
	if !ok {
		cr.skip(CheckLenientParams, "the answer is not JSON (see json)")
		return
	}
	p, err := decodePage(ex, tc.op.pager)
	if err != nil {
		cr.skip(CheckLenientParams, "the body is not a page ("+err.Error()+"): see schema")
		return
	}
	rn.probeChecks(cr, p)
	keys := make([]uint64, len(p.items))
	for i, it := range p.items {
		keys[i] = it.key
	}
	rn.mu.Lock()
	rn.probes = append(rn.probes, probeItems{tc: tc, ex: ex, start: p.win.Offset, keys: keys})
	rn.mu.Unlock()
}

// namesParam reports whether a JSON error body names param: as a value (DRF-style
// {"errors":[{"field":"limit"}]}), as a key ({"limit":["…"]}) or inside a message.
func namesParam(body []byte, param string) bool {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch t := v.(type) {
		case map[string]any:
			for k, sub := range t {
				if k == param || walk(sub) {
					return true
				}
			}
		case []any:
			for _, sub := range t {
				if walk(sub) {
					return true
				}
			}
		case string:
			return t == param || strings.Contains(t, `"`+param+`"`) || strings.Contains(t, "'"+param+"'") ||
				strings.Contains(t, " "+param+" ") || strings.HasPrefix(t, param+" ") || strings.HasPrefix(t, param+":")
		}
		return false
	}
	return walk(v)
}

// noVerdict skips a case check when the answer says nothing about it: no answer at
// all, or a 5xx (the server failed; server-error reports it).
func noVerdict(cr *caseResult, c Check, ex *exchange) bool {
	switch {
	case ex.failed != "":
		cr.skip(c, "no answer (see "+string(ex.failed)+")")
	case ex.status >= 500:
		cr.skip(c, fmt.Sprintf("the server failed with %d (see server-error)", ex.status))
	default:
		return false
	}
	return true
}

// whyNoPage says, for skip reasons, why an answer has no page to check.
func (rn *run) whyNoPage(ex *exchange) string {
	switch {
	case ex.failed != "":
		return "the request failed (see " + string(ex.failed) + ")"
	case ex.status != http.StatusOK:
		return fmt.Sprintf("the answer is %d, not 200", ex.status)
	default:
		return "the body is not JSON (see json)"
	}
}

// expectCase runs a negative case that must answer want.
func (rn *run) expectCase(cr *caseResult, want int, check Check, what string) {
	ex := rn.send(cr.tc, "")
	rn.responseChecks(cr, ex, 0)
	if noVerdict(cr, check, ex) {
		return
	}
	if ex.status != want {
		cr.fail(check, rn.failure(ex, "status", fmt.Sprint(want), fmt.Sprint(ex.status),
			fmt.Sprintf("%s must answer %d %s", what, want, http.StatusText(want))))
		return
	}
	cr.pass(check)
}

// authCase runs a negative authentication case: 401 with a Bearer challenge.
func (rn *run) authCase(cr *caseResult) {
	ex := rn.send(cr.tc, "")
	rn.responseChecks(cr, ex, 0)
	rn.judgeAuth(cr, ex, cr.tc.auth)
}

// judgeAuth runs the auth check on the answer to a request sent with credentials of
// mode (not a valid bearer token): 401 with a Bearer challenge.
func (rn *run) judgeAuth(cr *caseResult, ex *exchange, mode authMode) {
	if noVerdict(cr, CheckAuth, ex) {
		return
	}
	what := map[authMode]string{
		authNone:        "a request without an Authorization header",
		authWrongScheme: "a request whose Authorization scheme is not Bearer",
		authBadToken:    "a request with a malformed bearer token",
		authBasic:       "a request with Basic credentials",
		authBearerEmpty: "a request whose Bearer scheme carries no token",
	}[mode]
	if ex.status != http.StatusUnauthorized {
		cr.fail(CheckAuth, rn.failure(ex, "status", "401", fmt.Sprint(ex.status),
			what+" must answer 401 Unauthorized"))
		return
	}
	// A missing challenge is the headers check's (the spec declares it required);
	// here the challenge, when present, must name the Bearer scheme.
	if ch := ex.header.Values("WWW-Authenticate"); len(ch) > 0 {
		ok := false
		for _, v := range ch {
			if f := strings.Fields(v); len(f) > 0 && strings.EqualFold(f[0], "Bearer") {
				ok = true
			}
		}
		if !ok {
			cr.fail(CheckAuth, rn.failure(ex, "WWW-Authenticate", `Bearer realm="api"`, quoteJSON(strings.Join(ch, ", ")),
				"the 401 challenge must name the Bearer scheme"))
			return
		}
	}
	cr.pass(CheckAuth)
}

// failure builds a Failure on an exchange, with the request and its curl line; every
// string is scrubbed of the token.
func (rn *run) failure(ex *exchange, path, expected, actual, msg string) Failure {
	s := rn.r.s
	f := Failure{
		Request:  ex.req.method + " " + ex.req.url,
		Path:     path,
		Expected: truncate(expected, maxValueLen),
		Actual:   truncate(actual, maxValueLen),
		Message:  truncate(msg, 2*maxValueLen),
		Curl:     curlLine(ex.req, s.Insecure, s.CACert),
	}
	for _, p := range []*string{&f.Request, &f.Path, &f.Expected, &f.Actual, &f.Message, &f.Curl} {
		*p = scrub(*p, s.Token)
	}
	return f
}

// redactURL renders the target without user information.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// caseResult accumulates the verdicts of one case's checks.
type caseResult struct {
	tc     *testCase
	mu     sync.Mutex
	checks map[Check]*checkAcc
}

type checkAcc struct {
	passes   int
	failures []Failure
	more     int
	skip     string
}

func newCaseResult(tc *testCase) *caseResult {
	cr := &caseResult{tc: tc, checks: map[Check]*checkAcc{}}
	for _, c := range tc.checks {
		cr.checks[c] = &checkAcc{}
	}
	return cr
}

// applies reports whether c is a check of this case.
func (cr *caseResult) applies(c Check) bool { return cr.checks[c] != nil }

func (cr *caseResult) pass(c Check) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if a := cr.checks[c]; a != nil {
		a.passes++
	}
}

func (cr *caseResult) fail(c Check, f Failure) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	a := cr.checks[c]
	if a == nil {
		return
	}
	if len(a.failures) < maxFailuresKept {
		a.failures = append(a.failures, f)
	} else {
		a.more++
	}
}

// skip records why c could not be evaluated on one answer; the first reason is kept.
func (cr *caseResult) skip(c Check, reason string) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if a := cr.checks[c]; a != nil && a.skip == "" {
		a.skip = reason
	}
}

// skipAll skips every check of the case.
func (cr *caseResult) skipAll(reason string) {
	for c := range cr.checks {
		cr.skip(c, reason)
	}
}

// skipPage skips the page and walk checks of the case.
func (cr *caseResult) skipPage(reason string) {
	for c := range cr.checks {
		if strings.HasPrefix(string(c), "page-") || c == CheckLenientParams {
			cr.skip(c, reason)
		}
	}
}

// finish turns the accumulators into results, in the case's check order.
func (cr *caseResult) finish() []Result {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	out := make([]Result, 0, len(cr.tc.checks))
	for _, c := range cr.tc.checks {
		a := cr.checks[c]
		res := Result{Case: cr.tc.fullName(), Operation: cr.tc.op.name, Check: c, Evaluations: a.passes + len(a.failures) + a.more}
		switch {
		case len(a.failures) > 0:
			res.Outcome, res.Failures, res.MoreFailures = Failed, a.failures, a.more
		case a.passes > 0:
			res.Outcome = Passed
		default:
			res.Outcome, res.Reason = Skipped, a.skip
			if res.Reason == "" {
				res.Reason = "not evaluated"
			}
		}
		out = append(out, res)
	}
	return out
}
