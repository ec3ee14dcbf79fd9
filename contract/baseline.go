package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/connreq/connreq/fixtures"
)

// normalizeBaseline validates the baseline fields: Baseline is an http(s) URL or a
// recording directory (loaded here, all or nothing), Diff a mode, Ignore paths.
func (s *settings) normalizeBaseline(bad func(field, rule string, got any)) {
	c := s.Config
	mode, err := parseDiffMode(c.Diff)
	if err != nil {
		bad("Diff", err.Error(), fmt.Sprintf("%q", c.Diff))
	}
	s.diff.mode = mode
	for _, raw := range c.Ignore {
		p, err := parseIgnore(raw)
		if err != nil {
			bad("Ignore", err.Error(), fmt.Sprintf("%q", raw))
			continue
		}
		s.diff.ignore = append(s.diff.ignore, p)
	}
	if c.Baseline == "" {
		if s.checks[CheckBaselineDiff] && len(c.Checks) > 0 && !strings.HasPrefix(strings.TrimSpace(c.Checks[0]), "-") {
			bad("Checks", "baseline-diff needs a baseline (--baseline URL|DIR)", fmt.Sprintf("%q", strings.Join(c.Checks, ",")))
		}
		delete(s.checks, CheckBaselineDiff)
		if c.Diff != "" || len(c.Ignore) > 0 || c.BaselineToken != "" {
			bad("Baseline", "required by Diff, Ignore and BaselineToken", `""`)
		}
		return
	}
	if strings.HasPrefix(c.Baseline, "http://") || strings.HasPrefix(c.Baseline, "https://") {
		s.baseURL = baseURL("Baseline", c.Baseline, "must be an absolute http or https URL, or a recording directory", "BaselineToken", bad)
		if u := s.baseURL; u != nil && c.BaselineToken == "" && s.target != nil && origin(u) != origin(s.target) {
			bad("BaselineToken", "required for a baseline on another host than Target (Token is never sent to a host it was not given for; repeat it here to send it)", quoteRedacted(c.Baseline))
		}
		if strings.ContainsFunc(c.BaselineToken, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			bad("BaselineToken", "must not contain spaces or control characters", fmt.Sprintf("%d characters", len(c.BaselineToken)))
		}
		return
	}
	if c.BaselineToken != "" {
		bad("BaselineToken", "applies to a baseline URL, not a recording directory", "a token")
	}
	if _, err := os.Stat(c.Baseline); err != nil {
		bad("Baseline", "must be an http(s) URL or a recording directory", fmt.Sprintf("%q: %v", c.Baseline, errors.Unwrap(err)))
		return
	}
	rec, err := fixtures.LoadRecording(c.Baseline)
	if err != nil {
		bad("Baseline", "cannot load the recording:\n"+indent(err.Error()), fmt.Sprintf("%q", c.Baseline))
		return
	}
	s.baseRec = rec
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// baseline answers the runner's requests a second time, from a live deployment or a
// recording, for the baseline-diff check.
type baseline struct {
	live   *client             // a live deployment, or nil
	target *url.URL            // its base URL
	index  map[string]int      // recording: request key → exchange
	rec    *fixtures.Recording // the recording, or nil
	keys   []string            // the index's keys, sorted: for "closest" hints
	opts   diffOptions
	where  string // for messages: the baseline's URL or directory
}

// newBaseline builds the baseline of a Runner; nil when there is none.
func newBaseline(s *settings, ops []*operation) *baseline {
	switch {
	case s.baseURL != nil:
		bs := *s
		bs.target = s.baseURL
		bs.Token = s.BaselineToken
		if bs.Token == "" {
			bs.Token = s.Token
		}
		return &baseline{live: newClient(&bs), target: s.baseURL, opts: s.diff, where: redactURL(s.baseURL)}
	case s.baseRec != nil:
		b := &baseline{rec: s.baseRec, index: map[string]int{}, opts: s.diff, where: s.Baseline}
		for i, en := range s.baseRec.Entries {
			if !s.baseRec.Exchanges[i].Answered() {
				continue
			}
			key := en.Auth + " " + fixtures.RequestKey(en.Method, en.Path, en.Query, pagerFor(ops, en.Path))
			if _, dup := b.index[key]; !dup {
				b.index[key] = i
				b.keys = append(b.keys, key)
			}
		}
		sort.Strings(b.keys)
		return b
	}
	return nil
}

// pagerFor is the key pager of the operation whose path template matches path, nil when
// none matches.
func pagerFor(ops []*operation, path string) *fixtures.Pager {
	for _, op := range ops {
		if fixtures.MatchPath(op.path, path) {
			return op.keyPager()
		}
	}
	return nil
}

// keyPager is the pager a recording's request keys are normalised with: nil when the
// operation is not paginated.
func (op *operation) keyPager() *fixtures.Pager {
	if !op.paginated {
		return nil
	}
	p := op.pager
	return &p
}

// authName is the recording's name of an auth mode.
func authName(a authMode) string {
	switch a {
	case authNone:
		return fixtures.AuthNone
	case authWrongScheme:
		return fixtures.AuthWrongScheme
	case authBadToken:
		return fixtures.AuthBadToken
	}
	return fixtures.AuthBearer
}

// relative splits a request URL on the target into the spec-level path (the target's
// own path prefix removed) and the raw query.
func (r *Runner) relative(raw string) (path, query string) {
	u, err := url.Parse(raw)
	if err != nil {
		return raw, ""
	}
	path = u.EscapedPath()
	if prefix := r.s.target.EscapedPath(); prefix != "" && strings.HasPrefix(path, prefix+"/") {
		path = path[len(prefix):]
	}
	return path, u.RawQuery
}

// baselineAnswer is the baseline's answer to one request.
type baselineAnswer struct {
	status int
	body   []byte
	err    string // why there is no answer
}

// answer asks the baseline what it answers to ex's request.
func (b *baseline) answer(rn *run, tc *testCase, ex *exchange) baselineAnswer {
	path, query := rn.r.relative(ex.req.url)
	if b.live != nil {
		u := *b.target
		u.Path = ""
		u.RawPath = ""
		full := u.String() + b.target.EscapedPath() + path
		if query != "" {
			full += "?" + query
		}
		bex := b.live.do(rn.ctx, request{method: ex.req.method, url: full, auth: ex.req.auth})
		if bex.failed != "" {
			return baselineAnswer{err: "the baseline gave no answer (" + string(bex.failed) + "): " + bex.err.Error()}
		}
		return baselineAnswer{status: bex.status, body: bex.body}
	}
	key := authName(ex.req.auth) + " " + fixtures.RequestKey(ex.req.method, path, query, tc.op.keyPager())
	i, ok := b.index[key]
	if !ok && ex.req.auth == authBearer && ex.req.method == http.MethodGet && tc.op.paginated {
		if c := b.rec.CollectionFor(path); c != nil {
			return b.collectionAnswer(c, path, query, tc.op.pager)
		}
	}
	if !ok {
		msg := "the baseline recording has no answer to this request"
		if near := fixtures.Closest(b.keys, key, 3); len(near) > 0 {
			msg += "; closest recorded: " + strings.Join(near, "; ")
		}
		return baselineAnswer{err: msg}
	}
	resp := b.rec.Exchanges[i].Response
	body := []byte(resp.Body)
	if resp.BodyText != nil {
		body = []byte(*resp.BodyText)
	}
	return baselineAnswer{status: resp.Status, body: body}
}

// collectionAnswer is the page a recorded collection gives for path?query: the window the
// pager derives, DRF's count and links (on the recording's link base: the diff compares
// links without scheme and host), the stored items of the window.
func (b *baseline) collectionAnswer(c *fixtures.Collection, path, query string, pager fixtures.Pager) baselineAnswer {
	q := fixtures.ParseQuery(query)
	win := pager.Window(q)
	start, end := win.Bounds(c.Count)
	if end > c.Stored() {
		return baselineAnswer{err: fmt.Sprintf("the baseline recording holds items [0, %d) of this list (record --max-items); this page reaches item %d", c.Stored(), end-1)}
	}
	base := b.rec.LinkBase
	if base == "" {
		base = b.rec.Target
	}
	next, prev, hasNext, hasPrev := fixtures.Links(strings.TrimSuffix(base, "/")+path, q, win, c.Count)
	body := fixtures.AppendPageHead(nil, c.Count, next, prev, hasNext, hasPrev)
	body, err := c.AppendItems(body, start, end)
	if err != nil {
		return baselineAnswer{err: "the baseline recording's collection: " + err.Error()}
	}
	return baselineAnswer{status: http.StatusOK, body: fixtures.AppendPageTail(body)}
}

// compareBaseline runs the baseline-diff check on one answered exchange.
func (rn *run) compareBaseline(tc *testCase, ex *exchange) {
	cr := rn.resultFor(tc)
	if !cr.applies(CheckBaselineDiff) {
		return
	}
	if ex.failed != "" {
		cr.skip(CheckBaselineDiff, "no answer from the target (see "+string(ex.failed)+")")
		return
	}
	b := rn.base
	ba := b.answer(rn, tc, ex)
	if ba.err != "" {
		cr.fail(CheckBaselineDiff, rn.failure(ex, "", "", "", ba.err))
		return
	}
	if ba.status != ex.status {
		cr.fail(CheckBaselineDiff, rn.failure(ex, "status", fmt.Sprint(ba.status), fmt.Sprint(ex.status),
			fmt.Sprintf("the baseline answers %d, the target %d", ba.status, ex.status)))
		return
	}
	if !json.Valid(ba.body) || !json.Valid(ex.body) {
		if bytes.Equal(ba.body, ex.body) {
			cr.pass(CheckBaselineDiff)
			return
		}
		cr.fail(CheckBaselineDiff, rn.failure(ex, "body", printable(ba.body, 120), printable(ex.body, 120),
			"the bodies differ (at least one is not JSON, compared as bytes)"))
		return
	}
	opts := b.opts
	opts.nullable = nullableIn(responseSchema(tc.op, ex.status))
	diffs, more, err := diffJSON(ba.body, ex.body, opts)
	if err != nil {
		cr.fail(CheckBaselineDiff, rn.failure(ex, "body", "", "", "cannot compare: "+err.Error()))
		return
	}
	if len(diffs) == 0 {
		cr.pass(CheckBaselineDiff)
		return
	}
	for _, d := range diffs {
		cr.fail(CheckBaselineDiff, rn.failure(ex, d.path, d.baseline, d.target, d.message))
	}
	if more > 0 {
		cr.fail(CheckBaselineDiff, rn.failure(ex, "", "", "", fmt.Sprintf("and %d more differences", more)))
	}
}

// responseSchema is the JSON schema of op's answer with status, nil when undeclared.
func responseSchema(op *operation, status int) *openapi3.Schema {
	ref := op.route.Operation.Responses.Status(status)
	if ref == nil {
		ref = op.route.Operation.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return nil
	}
	for mime, mt := range ref.Value.Content {
		if isJSONMediaType(mime) && mt != nil && mt.Schema != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

// baselineName is the baseline as reports show it, "" for none.
func (r *Runner) baselineName() string {
	switch {
	case r.s.baseURL != nil:
		return redactURL(r.s.baseURL)
	case r.s.baseRec != nil:
		return r.s.Baseline
	}
	return ""
}

// nullableIn answers diffOptions.nullable from a response schema: whether the schema at
// path (properties by key, items for any array step, through allOf/oneOf/anyOf) says
// nullable. A nil schema makes nothing nullable.
func nullableIn(schema *openapi3.Schema) func([]step) bool {
	if schema == nil {
		return nil
	}
	return func(path []step) bool {
		return schemaNullable(schema, path, 0)
	}
}

// maxSchemaDepth bounds the walk through a (possibly recursive) schema.
const maxSchemaDepth = 64

func schemaNullable(s *openapi3.Schema, path []step, depth int) bool {
	if s == nil || depth > maxSchemaDepth {
		return false
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, ref := range group {
			if ref != nil && schemaNullable(ref.Value, path, depth+1) {
				return true
			}
		}
	}
	if len(path) == 0 {
		return s.Nullable || (s.Type != nil && s.Type.Includes("null"))
	}
	st := path[0]
	var next *openapi3.SchemaRef
	if st.isKey() {
		next = s.Properties[st.key]
		if next == nil && s.AdditionalProperties.Schema != nil {
			next = s.AdditionalProperties.Schema
		}
	} else {
		next = s.Items
	}
	if next == nil {
		return false
	}
	return schemaNullable(next.Value, path[1:], depth+1)
}
