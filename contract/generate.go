package contract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Defaults of the generation settings.
const (
	// DefaultBudget bounds the generation phase when Config.Budget is zero.
	DefaultBudget = 60 * time.Second
	// DefaultGenerateRate is the request rate of a generated run against a target that
	// is not on the loopback interface, when Config.Rate is zero.
	DefaultGenerateRate = 20.0
	// maxGenerate bounds Config.Generate.
	maxGenerate = 10_000_000
	// walkChance is the share of generated page requests that go on with a random walk.
	walkChance = 0.25
	// maxWalkSteps bounds a random walk.
	maxWalkSteps = 6
)

// normalizeGenerate validates the generation fields and applies their defaults.
func (s *settings) normalizeGenerate(bad func(field, rule string, got any)) {
	if s.Me == "" {
		s.Me = s.User
	} else if len(s.Me) > maxIDLength || strings.Trim(s.Me, "0123456789") != "" {
		bad("Me", fmt.Sprintf("must be a user id of 1 to %d digits", maxIDLength), fmt.Sprintf("%q", s.Me))
	}
	switch {
	case s.Generate < 0 || s.Generate > maxGenerate:
		bad("Generate", fmt.Sprintf("must be between 0 and %d requests per operation", maxGenerate), s.Generate)
	case s.Budget < 0:
		bad("Budget", "must be positive", s.Budget.String())
	}
	if s.Budget == 0 {
		s.Budget = DefaultBudget
	}
	if s.ReplayFailure != "" && !validCaseID(s.ReplayFailure) {
		bad("ReplayFailure", "must be a case id as reports print it (g and 12 hex digits)", fmt.Sprintf("%q", s.ReplayFailure))
	}
	if s.ReplayFailure != "" && s.Corpus == "" && s.Generate == 0 {
		bad("ReplayFailure", "needs Corpus (the folder that holds the case) or the Seed and Generate of the run that found it", fmt.Sprintf("%q", s.ReplayFailure))
	}
	if s.Generate > 0 && s.Rate == 0 && s.target != nil && !isLoopback(s.target.Hostname()) {
		s.Rate = DefaultGenerateRate
	}
}

// isLoopback reports whether host names this machine (localhost or a loopback address).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// genReq is one generated request: every part of it in wire form, so that it is sent,
// shrunk, stored and printed exactly as generated. It never holds credentials: auth is
// a mode, the token is added by the client.
type genReq struct {
	op     *operation
	path   string   // the path parameter's value, escaped ("" without one)
	query  string   // the raw query
	auth   authMode // the Authorization header
	accept string   // the Accept header ("" application/json, acceptNone none)
}

// url is the request's URL on the target.
func (g genReq) url(s *settings) string {
	p := g.op.path
	if g.op.userParam != "" {
		p = strings.ReplaceAll(p, "{"+g.op.userParam+"}", g.path)
	}
	u := s.target.Scheme + "://" + s.target.Host + s.target.EscapedPath() + p
	if g.query != "" {
		u += "?" + g.query
	}
	return u
}

// authNaming is an auth mode as the corpus and case ids spell it.
type authNaming struct {
	mode authMode
	name string
}

// authNames lists the auth modes with their names (a function, so no caller can change it).
func authNames() []authNaming {
	return []authNaming{
		{authBearer, "bearer"}, {authNone, "none"}, {authWrongScheme, "token-scheme"},
		{authBadToken, "bad-token"}, {authBasic, "basic"}, {authBearerEmpty, "bearer-empty"},
	}
}

func genAuthName(m authMode) string {
	for _, a := range authNames() {
		if a.mode == m {
			return a.name
		}
	}
	return "bearer"
}

func parseGenAuthName(s string) (authMode, bool) {
	for _, a := range authNames() {
		if a.name == s {
			return a.mode, true
		}
	}
	return 0, false
}

// canonical is the request as one line, the input of its case id.
func (g genReq) canonical() string {
	return "GET " + g.op.name + " path=" + g.path + " query=" + g.query + " auth=" + genAuthName(g.auth) + " accept=" + g.accept
}

// caseID is the stable id of a failing minimal request: the same check on the same
// request has the same id on every run and machine.
func caseID(c Check, g genReq) string {
	sum := sha256.Sum256([]byte(string(c) + "\n" + g.canonical()))
	return "g" + hex.EncodeToString(sum[:6])
}

var caseIDPattern = regexp.MustCompile(`^g[0-9a-f]{12}$`)

func validCaseID(s string) bool { return caseIDPattern.MatchString(s) }

// generatedChecks are the checks a generated request may be judged by: every response
// check but baseline-diff, the page checks, and the properties of generated requests.
func generatedChecks(tc *testCase, response, page []Check) []Check {
	var all []Check
	for _, c := range response {
		if c != CheckBaselineDiff {
			all = append(all, c)
		}
	}
	all = append(all, CheckPageSize)
	all = append(all, page...)
	all = append(all, CheckLenientParams, CheckAuth)
	if tc.sameUser {
		all = append(all, CheckPageConsistent)
	}
	return all
}

// newGenTemplate builds the generated case of op, named name ("generated", "corpus", "replay").
func (rn *run) newGenTemplate(op *operation, name string) *testCase {
	tc := &testCase{op: op, name: name, kind: kindGenerated, sameUser: op.paginated && (op.userParam != "" || op.self)}
	tc.checks = checksFor(tc, rn.r.s.checks)
	return tc
}

// genAgg accumulates the verdicts of many generated requests of one case: counts, and
// per check the failure of the lowest-ordered request (so that a concurrent run keeps
// the same one a sequential run keeps), never every request.
type genAgg struct {
	tc     *testCase
	mu     sync.Mutex
	checks map[Check]*genCheck
}

type genCheck struct {
	passes  int
	fails   int
	first   *genFinding
	skip    string
	skipAt  uint64
	hasSkip bool
	minimal *genFinding // after shrinking
}

// genFinding is one failing request and its failure.
type genFinding struct {
	order   uint64 // request index << 8 | walk step
	g       genReq
	f       Failure
	id      string // the corpus entry's id, for replayed entries
	from    string // the original request when shrunk
	steps   int    // shrink steps that made it smaller
	evals   int    // requests the shrinking sent
	request int    // the generated request's index
}

func newGenAgg(tc *testCase) *genAgg {
	a := &genAgg{tc: tc, checks: map[Check]*genCheck{}}
	for _, c := range tc.checks {
		a.checks[c] = &genCheck{}
	}
	return a
}

// merge adds the verdicts of one request.
func (a *genAgg) merge(cr *caseResult, order uint64, g genReq, id string) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	for c, acc := range cr.checks {
		gc := a.checks[c]
		if gc == nil {
			continue
		}
		gc.passes += acc.passes
		if n := len(acc.failures) + acc.more; n > 0 {
			gc.fails += n
			if gc.first == nil || order < gc.first.order {
				gc.first = &genFinding{order: order, g: g, f: acc.failures[0], id: id, request: int(order >> 8)}
			}
		}
		if acc.skip != "" && (!gc.hasSkip || order < gc.skipAt) {
			gc.skip, gc.skipAt, gc.hasSkip = acc.skip, order, true
		}
	}
}

// failures counts the failing requests so far (the progress line).
func (a *genAgg) failures() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, gc := range a.checks {
		n += gc.fails
	}
	return n
}

// results turns the accumulators into report results, in the case's check order.
func (a *genAgg) results(seed uint64) []Result {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Result, 0, len(a.tc.checks))
	for _, c := range a.tc.checks {
		gc := a.checks[c]
		res := Result{Case: a.tc.fullName(), Operation: a.tc.op.name, Check: c, Evaluations: gc.passes + gc.fails}
		switch {
		case gc.fails > 0:
			fd := gc.first
			if gc.minimal != nil {
				fd = gc.minimal
			}
			res.Outcome, res.Failures, res.MoreFailures = Failed, []Failure{fd.report(c, seed)}, gc.fails-1
		case gc.passes > 0:
			res.Outcome = Passed
		default:
			res.Outcome, res.Reason = Skipped, gc.skip
			if res.Reason == "" {
				res.Reason = "no generated request reached this check"
			}
		}
		out = append(out, res)
	}
	return out
}

// report is the finding as a report failure: its case id and how it was found.
func (fd *genFinding) report(c Check, seed uint64) Failure {
	f := fd.f
	f.ID = fd.id
	if f.ID == "" {
		f.ID = caseID(c, fd.g)
	}
	switch {
	case fd.id != "":
		f.Message += " [corpus case " + f.ID + "]"
	case fd.from != "":
		f.Message += fmt.Sprintf(" [generated request %d, seed %d; shrunk in %d steps (%d requests) from %s]", fd.request, seed, fd.steps, fd.evals, fd.from)
	default:
		f.Message += fmt.Sprintf(" [generated request %d, seed %d]", fd.request, seed)
	}
	f.Message = truncate(f.Message, 4*maxValueLen)
	return f
}

// genCaseFor is the per-request copy of the template: the owner and the credentials of g.
func (rn *run) genCaseFor(tpl *testCase, g genReq) *testCase {
	tc := *tpl
	tc.auth = g.auth
	tc.user = ""
	s := rn.r.s
	if g.op.userParam != "" {
		if v, err := url.PathUnescape(g.path); err == nil {
			tc.user = v
		} else {
			tc.user = g.path
		}
	}
	tc.sameUser = g.op.paginated && rn.userOK(g) && g.auth == authBearer &&
		((g.op.userParam != "" && g.path == s.User) || (g.op.self && s.Me == s.User))
	return &tc
}

// userOK reports whether g asks for the list --user's token may read (or for an
// operation without a user).
func (rn *run) userOK(g genReq) bool {
	return g.op.userParam == "" || g.path == rn.r.s.User
}

// evalGen sends g and judges the answer by every property that applies. It returns the
// verdicts and the page, when the answer is one.
func (rn *run) evalGen(ctx context.Context, tpl *testCase, g genReq) (*caseResult, *page) {
	tc := rn.genCaseFor(tpl, g)
	if g.op.paginated && g.query != "" {
		if class, _ := classify(g.op, g.query); class != paramsCanonical {
			// The request breaks the spec, so the spec's status list does not bind the
			// answer: lenient-params says what it must be (as for the fixed probes).
			tc.checks = slices.DeleteFunc(slices.Clone(tc.checks), func(c Check) bool { return c == CheckStatus })
		}
	}
	if !pathInSpec(g) {
		// A path value the spec's parameter forbids (not digits, too long): the spec does
		// not say what the answer is (a framework's URL resolver may answer its own HTML
		// 404), only that the server must not fail.
		tc.checks = slices.DeleteFunc(slices.Clone(tc.checks), func(c Check) bool { return !outsideSpecCheck(c) })
	}
	cr := newCaseResult(tc)
	rn.requests.Add(1)
	ex := rn.client.do(ctx, request{method: http.MethodGet, url: g.url(rn.r.s), auth: g.auth, accept: g.accept})
	op := g.op
	authOK := g.auth == authBearer || !op.secured
	switch {
	case op.secured && !authOK && rn.userOK(g):
		rn.responseChecks(cr, ex, 0)
		rn.judgeAuth(cr, ex, g.auth)
		return cr, nil
	case authOK && rn.userOK(g) && op.paginated:
		return cr, rn.judgeGenPage(cr, ex, g)
	}
	ok := rn.responseChecks(cr, ex, 0)
	if !ok || !op.paginated {
		return cr, nil
	}
	p, err := decodePage(ex, op.pager)
	if err != nil {
		return cr, nil
	}
	rn.pageChecks(cr, p, pageOpts{size: true})
	return cr, p
}

// pathInSpec reports whether g's path value is one the spec's path parameter allows.
func pathInSpec(g genReq) bool {
	if g.op.userParam == "" || g.op.userSchema == nil {
		return true
	}
	v, err := url.PathUnescape(g.path)
	return err == nil && g.op.userSchema.VisitJSON(v) == nil
}

// outsideSpecCheck reports whether c judges every answer, even to a request outside the
// spec: an answer arrives, in time, within the limits, and is not a 5xx.
func outsideSpecCheck(c Check) bool {
	switch c {
	case CheckTransport, CheckTimeout, CheckBodySize, CheckRedirect, CheckServerError, CheckLatency:
		return true
	}
	return false
}

// paramClass is how the spec and production read a request's limit and offset.
type paramClass int

const (
	paramsCanonical paramClass = iota // every value is one the spec allows
	paramsAmbiguous                   // values a strict server may read or refuse
	paramsInvalid                     // a value the spec forbids (production reads it leniently)
)

var canonicalInt = regexp.MustCompile(`^(0|[1-9][0-9]{0,17})$`)
var signedInt = regexp.MustCompile(`^[+-]?[0-9]+$`)

// classify reads the declared parameters of a raw query: canonical, ambiguous or invalid
// by the spec (limit: integer 1..max; offset: integer ≥ 0; others: their schema), and
// the first parameter that is invalid.
func classify(op *operation, raw string) (paramClass, string) {
	_, maxLimit := limits(op.pager)
	seen := map[string]int{}
	class := paramsCanonical
	bad := ""
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			class = max(class, paramsAmbiguous)
			continue
		}
		if op.query[k] != nil {
			seen[k]++
			if seen[k] > 1 {
				class = max(class, paramsAmbiguous) // production: the last wins; strict: may refuse
			}
		}
		if k != "limit" && k != "offset" {
			p := op.query[k]
			if p == nil || p.Schema == nil || p.Schema.Value == nil || !p.Schema.Value.Type.Is(openapi3.TypeString) {
				continue
			}
			if p.Schema.Value.VisitJSON(v) != nil {
				class = paramsInvalid
				if bad == "" {
					bad = k
				}
			}
			continue
		}
		switch {
		case canonicalInt.MatchString(v):
			n, _ := strconv.ParseInt(v, 10, 64)
			if k == "limit" && (n < 1 || n > maxLimit) {
				class = paramsInvalid
				if bad == "" {
					bad = k
				}
			}
		case signedInt.MatchString(v) && strings.HasPrefix(v, "-") && strings.Trim(v, "-0") != "":
			class = paramsInvalid // a negative integer
			if bad == "" {
				bad = k
			}
		case signedInt.MatchString(v) || strings.TrimSpace(v) != v || hasNonASCII(v) || strings.Contains(v, "_"):
			class = max(class, paramsAmbiguous) // "+5", "05", huge, " 5", "５", "1_0"
		default:
			class = paramsInvalid // "abc", "", "1.5"
			if bad == "" {
				bad = k
			}
		}
	}
	return class, bad
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// judgeGenPage judges the answer to a request for the token's own list: a page (with
// DRF's leniency in faithful mode), or with Strict a 400 for values the spec forbids.
func (rn *run) judgeGenPage(cr *caseResult, ex *exchange, g genReq) *page {
	op := g.op
	class, bad := classify(op, g.query)
	strict := rn.r.s.Strict
	var ok bool
	switch {
	case class == paramsCanonical:
		ok = rn.responseChecks(cr, ex, http.StatusOK)
	case strict && class == paramsInvalid:
		rn.responseChecks(cr, ex, 0)
		if noVerdict(cr, CheckLenientParams, ex) {
			return nil
		}
		switch {
		case ex.status != http.StatusBadRequest:
			cr.fail(CheckLenientParams, rn.failure(ex, "status", "400", fmt.Sprint(ex.status),
				fmt.Sprintf("with --strict, ?%s breaks the spec's rules for %s and must be rejected with 400", g.query, bad)))
		case !namesParam(ex.body, bad):
			cr.fail(CheckLenientParams, rn.failure(ex, "$", fmt.Sprintf("a JSON error naming %q", bad), fmt.Sprintf("%q", printable(ex.body, 160)),
				fmt.Sprintf("the 400 answer to ?%s must be JSON that names the parameter %q", g.query, bad)))
		default:
			cr.pass(CheckLenientParams)
		}
		return nil
	case strict:
		ok = rn.responseChecks(cr, ex, 0) // ambiguous: read or refused, both are fine
	default:
		ok = rn.responseChecks(cr, ex, 0)
		if noVerdict(cr, CheckLenientParams, ex) {
			return nil
		}
		if ex.status != http.StatusOK {
			cr.fail(CheckLenientParams, rn.failure(ex, "status", "200", fmt.Sprint(ex.status),
				fmt.Sprintf("production reads ?%s leniently (design §3: an invalid limit means the default, one above the maximum is capped, an invalid offset means 0) and answers 200", g.query)))
			return nil
		}
		cr.pass(CheckLenientParams)
	}
	if !ok {
		cr.skipPage("no page to check: " + rn.whyNoPage(ex))
		return nil
	}
	p, err := decodePage(ex, op.pager)
	if err != nil {
		cr.skipPage("the body is not a page (" + err.Error() + "): see schema")
		return nil
	}
	rn.pageChecks(cr, p, pageOpts{size: true})
	rn.consistentCheck(cr, p)
	return p
}

// consistentCheck: a page of the token's list holds the items the fixed walk saw at the
// same positions.
func (rn *run) consistentCheck(cr *caseResult, p *page) {
	if !cr.applies(CheckPageConsistent) || !cr.tc.sameUser {
		return
	}
	ws := rn.walk
	switch {
	case ws == nil || ws.pages == 0:
		cr.skip(CheckPageConsistent, "the fixed walk got no page to compare with")
		return
	case ws.dup:
		cr.skip(CheckPageConsistent, "the fixed walk lists an item twice (see page-no-duplicates)")
		return
	case !rn.refOK || p.count != rn.refCount:
		cr.skip(CheckPageConsistent, "count differs from the reference page's (see page-count-stable)")
		return
	case p.win.BigOffset != "":
		cr.skip(CheckPageConsistent, "the offset is past every position the walk saw")
		return
	}
	compared, ok := rn.sameAsWalk(cr, CheckPageConsistent, p, ws, func(got string, idx int64, want, where string) string {
		return fmt.Sprintf("this page (limit %d, offset %d) shows %s at index %d, where the fixed walk saw %s%s", p.win.Limit, p.win.Offset, got, idx, want, where)
	})
	if !ok {
		return
	}
	if compared > 0 {
		cr.pass(CheckPageConsistent)
	} else {
		cr.skip(CheckPageConsistent, "the page holds no position the walk saw")
	}
}

// generator draws the requests of one operation from the seed: request i depends on
// (seed, operation index, i) alone, so any worker may draw it, in any order.
type generator struct {
	s        *settings
	op       *operation
	opIndex  int
	count    int64 // the reference list's count, for offsets near its end
	params   []*openapi3.Parameter
	maxLimit int64
	defLimit int64
}

func (rn *run) newGenerator(op *operation, idx int) *generator {
	gen := &generator{s: rn.r.s, op: op, opIndex: idx, count: rn.refCount}
	gen.defLimit, gen.maxLimit = limits(op.pager)
	seen := map[string]bool{}
	for _, list := range []openapi3.Parameters{op.route.Operation.Parameters, op.route.PathItem.Parameters} {
		for _, ref := range list {
			if ref == nil || ref.Value == nil || ref.Value.In != openapi3.ParameterInQuery || seen[ref.Value.Name] {
				continue
			}
			seen[ref.Value.Name] = true
			gen.params = append(gen.params, ref.Value)
		}
	}
	sort.Slice(gen.params, func(i, j int) bool { return gen.params[i].Name < gen.params[j].Name })
	return gen
}

// rng is the random source of request i of the operation.
func (gen *generator) rng(i int, salt uint64) *rand.Rand {
	return rand.New(rand.NewPCG(gen.s.Seed, uint64(gen.opIndex)<<40^uint64(i)<<8^salt))
}

// bigInts are integers at the edges of the common integer types.
func bigInts() []string {
	return []string{
		"2147483647", "2147483648", "4294967295", "4294967296",
		"9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
	}
}

// oddInts are values no integer parser should take for a plain integer, and some that
// Python's int() does take (spaces, signs, Unicode digits, underscores), in wire form.
func oddInts() []string {
	return []string{
		"abc", "-1", "-0", "%2B5", "%205", "5%20", "", "%EF%BC%95", "%D9%A3", "%35", "1.5", "1e2",
		"0x10", "1_0", "null", "true", "%E2%80%8B5", "05", "5abc", "%00",
	}
}

// oddIDs are path values other than the token's user.
func oddIDs() []string {
	return []string{
		"0", "1", "abc", "-1", "%2042", "42%20", "%34%32", "%D9%A4%D9%A2", "%EF%BC%94%EF%BC%92", "1.5", "0x2A", "%2B42",
	}
}

// extraNames are query parameters the spec does not declare; production keeps them in
// next and previous. Names a deployment's filters might read ("format" picks DRF's
// renderer; "search", "ordering", "tag", "q" are common filter names) are left out, so
// that a clean deployment's list is never filtered by them.
func extraNames() []string {
	return []string{"x", "utm_source", "utm_campaign", "connreq", "_"}
}

// extraValues are their values, in wire form.
func extraValues() []string {
	return []string{"1", "a+b", "%C3%BC", "", "x%26y", "%2F%3F", "%E2%9C%93"}
}

// acceptValues are the Accept headers sent: all of them let a JSON API answer JSON.
func acceptValues() []string {
	return []string{"", "", "", "*/*", "application/*", "application/json;q=0.9", acceptNone}
}

// request draws request i.
func (gen *generator) request(i int) (genReq, *rand.Rand) {
	r := gen.rng(i, 0)
	op := gen.op
	g := genReq{op: op, auth: authBearer}
	if op.userParam != "" {
		g.path = gen.pathValue(r)
	}
	var parts []string
	for _, p := range gen.params {
		if r.Float64() < 0.55 {
			parts = append(parts, url.QueryEscape(p.Name)+"="+gen.paramValue(r, p))
		}
	}
	if r.Float64() < 0.3 {
		for range 1 + r.IntN(2) {
			parts = append(parts, extraNames()[r.IntN(len(extraNames()))]+"="+extraValues()[r.IntN(len(extraValues()))])
		}
	}
	if len(parts) > 0 && r.Float64() < 0.12 {
		k, _, _ := strings.Cut(parts[r.IntN(len(parts))], "=")
		v := extraValues()[r.IntN(len(extraValues()))]
		for _, p := range gen.params {
			if p.Name == k {
				v = gen.paramValue(r, p)
			}
		}
		parts = append(parts, k+"="+v) // a repeated parameter: the last value wins
	}
	r.Shuffle(len(parts), func(a, b int) { parts[a], parts[b] = parts[b], parts[a] })
	g.query = strings.Join(parts, "&")
	if r.Float64() < 0.15 {
		if op.secured {
			g.auth = []authMode{authNone, authWrongScheme, authBadToken, authBasic, authBearerEmpty}[r.IntN(5)]
		} else {
			// An operation open to everyone: no header at all. (An invalid token on it gets
			// 401 from DRF, which such an operation does not declare.)
			g.auth = authNone
		}
	}
	g.accept = acceptValues()[r.IntN(len(acceptValues()))]
	return g, r
}

// pathValue draws the user id: mostly the token's user, else an edge.
func (gen *generator) pathValue(r *rand.Rand) string {
	s := gen.s
	switch x := r.Float64(); {
	case x < 0.65:
		return s.User
	case x < 0.7:
		return s.UnknownUser
	case x < 0.8:
		return bigInts()[r.IntN(len(bigInts()))]
	case x < 0.85:
		return longDigits(r, 21+r.IntN(40))
	case x < 0.9 && s.OtherUser != "":
		return s.OtherUser
	case x < 0.93:
		return "0" + s.User
	default:
		return oddIDs()[r.IntN(len(oddIDs()))]
	}
}

// longDigits is a string of n digits without a leading zero.
func longDigits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	b[0] = byte('1' + r.IntN(9))
	for i := 1; i < n; i++ {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// paramValue draws a query parameter's value from its schema: valid, boundary or invalid.
func (gen *generator) paramValue(r *rand.Rand, p *openapi3.Parameter) string {
	var sch *openapi3.Schema
	if p.Schema != nil {
		sch = p.Schema.Value
	}
	if sch != nil && (sch.Type.Is(openapi3.TypeInteger) || sch.Type.Is(openapi3.TypeNumber)) {
		lo, hi := int64(0), gen.count+2*gen.defLimit+1
		if sch.Min != nil {
			lo = int64(*sch.Min)
		}
		if sch.Max != nil && *sch.Max < 1e15 {
			hi = int64(*sch.Max)
		}
		if hi < lo {
			hi = lo
		}
		switch x := r.Float64(); {
		case x < 0.3 && hi-lo > 10:
			return strconv.FormatInt(lo+r.Int64N(10), 10) // small values: most edges are near the start
		case x < 0.5:
			return strconv.FormatInt(lo+r.Int64N(hi-lo+1), 10)
		case x < 0.75:
			edges := []string{"0", "1", strconv.FormatInt(hi, 10), strconv.FormatInt(hi+1, 10), strconv.FormatInt(lo-1, 10),
				strconv.FormatInt(max(gen.count-1, 0), 10), strconv.FormatInt(gen.count, 10), strconv.FormatInt(gen.count+1, 10)}
			edges = append(edges, bigInts()...)
			edges = append(edges, longDigits(r, 21+r.IntN(60)))
			return edges[r.IntN(len(edges))]
		default:
			return oddInts()[r.IntN(len(oddInts()))]
		}
	}
	// A string: words, Unicode, empty, long, characters that need escaping.
	words := []string{"connection", "follow_enabled", "configurations", "%C3%A9t%C3%A9", "%E6%97%A5%E6%9C%AC", "", "a+b", "%25", "%2F", "x%26y=z"}
	if r.Float64() < 0.1 {
		return strings.Repeat("a", 200+r.IntN(200))
	}
	return words[r.IntN(len(words))]
}

// followStep turns a page's next or previous link into the next request of a walk, or
// false when the link is absent or leaves the target.
func (rn *run) followStep(g genReq, p *page, forward bool) (genReq, bool) {
	link := p.prev
	if forward {
		link = p.next
	}
	if link == nil {
		return g, false
	}
	target, err := rn.followable(*link)
	if err != nil {
		return g, false
	}
	u, err := url.Parse(target)
	if err != nil || u.EscapedPath() != p.url.EscapedPath() {
		return g, false // page-links reports a link to another path
	}
	next := g
	next.query = u.RawQuery
	return next, true
}

// generatePhase sends Generate requests per GET operation (or until Budget), merges the
// verdicts per operation and shrinks each check's first failure.
func (rn *run) generatePhase(info *GenerateInfo) []*genAgg {
	s := rn.r.s
	ctx, cancel := context.WithTimeout(rn.ctx, s.Budget)
	defer cancel()
	start := time.Now()
	var aggs []*genAgg
	var gens []*generator
	for i, op := range rn.r.ops {
		aggs = append(aggs, newGenAgg(rn.newGenTemplate(op, "generated")))
		gens = append(gens, rn.newGenerator(op, i))
	}
	type job struct{ op, i int }
	jobs := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	total := s.Generate * len(rn.r.ops)
	for range s.Concurrency {
		wg.Go(func() {
			for j := range jobs {
				rn.generateOne(ctx, aggs[j.op], gens[j.op], j.i)
				mu.Lock()
				done++
				d := done
				mu.Unlock()
				fails := 0
				for _, a := range aggs {
					fails += a.failures()
				}
				rn.progress.generated(d, total, fails, s.Budget-time.Since(start))
			}
		})
	}
	stopped := "count"
feed:
	for i := range s.Generate {
		for o := range rn.r.ops {
			select {
			case jobs <- job{o, i}:
			case <-ctx.Done():
				stopped = "budget"
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	if rn.ctx.Err() == nil && ctx.Err() != nil && stopped != "budget" && done < total {
		stopped = "budget"
	}
	info.Requests = int64(done)
	info.Stopped = stopped
	info.Duration = time.Since(start)
	return aggs
}

// generateOne sends request i of an operation, and its random walk.
func (rn *run) generateOne(ctx context.Context, agg *genAgg, gen *generator, i int) {
	if ctx.Err() != nil {
		return
	}
	g, r := gen.request(i)
	cr, p := rn.evalGen(ctx, agg.tc, g)
	if ctx.Err() != nil {
		return // cut by the budget: a cancelled request says nothing about the target
	}
	agg.merge(cr, uint64(i)<<8, g, "")
	if p == nil || r.Float64() >= walkChance {
		return
	}
	steps := 1 + r.IntN(maxWalkSteps)
	for step := 1; step <= steps; step++ {
		next, ok := rn.followStep(g, p, r.Float64() < 0.65)
		if !ok {
			if next, ok = rn.followStep(g, p, p.next != nil); !ok {
				return
			}
		}
		g = next
		cr, p = rn.evalGen(ctx, agg.tc, g)
		if ctx.Err() != nil {
			return
		}
		agg.merge(cr, uint64(i)<<8|uint64(step), g, "")
		if p == nil {
			return
		}
	}
}

// GenerateInfo describes the generated part of a run (nil without --generate).
type GenerateInfo struct {
	Seed         uint64        `json:"seed"`
	PerOperation int           `json:"per_operation"`
	Budget       time.Duration `json:"-"`
	BudgetMS     int64         `json:"budget_ms"`
	Requests     int64         `json:"requests"`         // generated requests drawn (walk steps not counted)
	Stopped      string        `json:"stopped"`          // "count" or "budget"
	Duration     time.Duration `json:"-"`                // of the generation phase
	ShrinkSent   int           `json:"shrink_requests"`  // requests sent while shrinking
	CorpusRun    int           `json:"corpus_replayed"`  // corpus entries replayed
	CorpusAdded  []string      `json:"corpus_added"`     // case ids written to the corpus
	Replay       string        `json:"replay,omitempty"` // the --replay-failure id
	ReplayFound  bool          `json:"replay_found"`     // the replayed case was found
	CorpusFolder string        `json:"corpus,omitempty"` // the corpus directory
	Problems     []string      `json:"corpus_skipped,omitempty"`
}
