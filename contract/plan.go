package contract

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/connreq/connreq/fixtures"
)

// operation is one GET operation of the spec, with what the runner derived from it.
type operation struct {
	name       string // operationId, or "GET /path"
	path       string // the spec's path template
	route      *routers.Route
	bodyRoute  *routers.Route                 // the same operation without response headers: body validation alone
	userParam  string                         // the path parameter that takes a user id; "" when none
	secured    bool                           // needs a bearer token
	paginated  bool                           // limit/offset parameters and a {count,next,previous,results} answer
	self       bool                           // the caller's own received list: paginated, secured, no user parameter, items with to_user
	pager      fixtures.Pager                 // the defaults and maximum of its limit parameter
	query      map[string]*openapi3.Parameter // its query parameters by name
	userSchema *openapi3.Schema               // the schema of the user parameter, nil when none
	item       itemShape
	// lifecycle: a read of the connection-request lifecycle (x-connreq-read, docs/state.md):
	// its {id} is the other user of a relation, not a list's owner (no other-user case), and
	// its list holds what the caller sent (no page-owner check, not the self list).
	lifecycle bool
}

// itemShape says which ConnectionRequest fields the list items declare, so that checks
// on fields an item type lacks are not applied.
type itemShape struct {
	created, id, fromUser, toUser bool
}

// caseKind is what a case asks and therefore which checks apply to its answers.
type caseKind int

const (
	kindPage      caseKind = iota // a positive page request
	kindWalk                      // follow next from the first page to the end
	kindWalkBack                  // follow previous from the last page to the first
	kindProbe                     // a limit/offset the spec forbids (lenient-params)
	kindAuth                      // no, wrong-scheme or bad credentials
	kindNotFound                  // an unknown user
	kindForbidden                 // another user
	kindPlain                     // a GET without pagination
	kindSelfList                  // the self path's list against the seed path's list of --me
	kindGenerated                 // a generated request (generate.go)
)

// testCase is one case derived from the spec and the pagination rules.
type testCase struct {
	op     *operation
	name   string // short: "walk", "limit-1"
	kind   caseKind
	user   string   // the value of op.userParam
	auth   authMode // the Authorization header sent
	status int      // the status the status check expects (0: any declared)
	// query builds the raw query from the count of the user's list; skip != "" when the
	// case cannot be built (for example an offset just below the end of an empty list).
	query func(count int64) (raw, skip string)
	// needsCount: the query uses the count of the reference page.
	needsCount bool
	// sameUser: the answer lists the reference user's items (count comparable).
	sameUser bool
	// param is the parameter a probe breaks.
	param  string
	checks []Check // the checks that apply, in report order
}

// fullName is the name cases have in reports: operation/case.
func (tc *testCase) fullName() string { return tc.op.name + "/" + tc.name }

// planOperations walks doc.Paths for GET operations and derives what each needs.
func planOperations(doc *openapi3.T) ([]*operation, error) {
	if doc == nil || doc.Paths == nil {
		return nil, errors.New("the spec has no paths")
	}
	var ops []*operation
	paths := doc.Paths.Keys()
	sort.Strings(paths)
	for _, path := range paths {
		item := doc.Paths.Value(path)
		if item == nil || item.Get == nil {
			continue
		}
		op, err := planOperation(doc, path, item)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", path, err)
		}
		if op != nil {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		return nil, errors.New("the spec declares no GET operation the runner can call")
	}
	return ops, nil
}

func planOperation(doc *openapi3.T, path string, item *openapi3.PathItem) (*operation, error) {
	get := item.Get
	op := &operation{
		name:  get.OperationID,
		path:  path,
		route: &routers.Route{Spec: doc, Path: path, PathItem: item, Method: http.MethodGet, Operation: get},
	}
	if op.name == "" {
		op.name = "GET " + path
	}
	if get.Responses == nil || get.Responses.Len() == 0 {
		return nil, errors.New("no responses declared")
	}

	params := map[string]*openapi3.Parameter{}
	var pathParams []string
	for _, list := range []openapi3.Parameters{item.Parameters, get.Parameters} {
		for _, ref := range list {
			if ref == nil || ref.Value == nil {
				continue
			}
			p := ref.Value
			params[p.In+"/"+p.Name] = p
		}
	}
	for key, p := range params {
		if p.In == openapi3.ParameterInPath {
			pathParams = append(pathParams, strings.TrimPrefix(key, "path/"))
		}
	}
	switch len(pathParams) {
	case 0:
	case 1:
		op.userParam = pathParams[0]
		if p := params["path/"+op.userParam]; p.Schema != nil {
			op.userSchema = p.Schema.Value
		}
	default:
		// The runner only knows how to fill one path parameter: the user id.
		return nil, nil
	}

	op.secured = needsBearer(doc, get)
	op.lifecycle = get.Extensions["x-connreq-read"] != nil
	op.query = map[string]*openapi3.Parameter{}
	for key, p := range params {
		if p.In == openapi3.ParameterInQuery {
			op.query[strings.TrimPrefix(key, "query/")] = p
		}
	}

	limit, offset := params["query/limit"], params["query/offset"]
	if limit != nil && offset != nil && isPageSchema(get) {
		op.paginated = true
		op.pager = fixtures.LimitPager(limit)
		op.item = itemShapeOf(get)
		op.self = op.secured && op.userParam == "" && op.item.toUser && !op.lifecycle
	}

	body := *get
	body.Responses = openapi3.NewResponsesWithCapacity(get.Responses.Len())
	for code, ref := range get.Responses.Map() {
		if ref == nil || ref.Value == nil {
			continue
		}
		r := *ref.Value
		r.Headers = nil
		body.Responses.Set(code, &openapi3.ResponseRef{Value: &r})
	}
	op.bodyRoute = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: http.MethodGet, Operation: &body}
	return op, nil
}

// needsBearer reports whether every security alternative of get includes an HTTP
// bearer scheme (an empty alternative, {}, makes authentication optional).
func needsBearer(doc *openapi3.T, get *openapi3.Operation) bool {
	reqs := doc.Security
	if get.Security != nil {
		reqs = *get.Security
	}
	if len(reqs) == 0 {
		return false
	}
	for _, alt := range reqs {
		bearer := false
		for name := range alt {
			if doc.Components == nil {
				continue
			}
			ref := doc.Components.SecuritySchemes[name]
			if ref != nil && ref.Value != nil && ref.Value.Type == "http" && strings.EqualFold(ref.Value.Scheme, "bearer") {
				bearer = true
			}
		}
		if !bearer {
			return false
		}
	}
	return true
}

// pageSchema returns the 200 JSON schema of get, or nil.
func pageSchema(get *openapi3.Operation) *openapi3.Schema {
	ok := get.Responses.Status(http.StatusOK)
	if ok == nil || ok.Value == nil {
		return nil
	}
	for mime, mt := range ok.Value.Content {
		if isJSONMediaType(mime) && mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

// isPageSchema reports whether the 200 answer is DRF's {count, next, previous, results}.
func isPageSchema(get *openapi3.Operation) bool {
	s := pageSchema(get)
	if s == nil {
		return false
	}
	for _, k := range []string{"count", "next", "previous", "results"} {
		if s.Properties[k] == nil {
			return false
		}
	}
	r := s.Properties["results"].Value
	return r != nil && r.Type.Is(openapi3.TypeArray)
}

func itemShapeOf(get *openapi3.Operation) itemShape {
	s := pageSchema(get)
	res := s.Properties["results"].Value
	if res.Items == nil || res.Items.Value == nil {
		return itemShape{}
	}
	props := res.Items.Value.Properties
	return itemShape{
		created:  props["created"] != nil,
		id:       props["id"] != nil,
		fromUser: props["from_user"] != nil,
		toUser:   props["to_user"] != nil,
	}
}

// limits returns the pager's effective default and maximum.
func limits(p fixtures.Pager) (def, max int64) {
	w := p.Window(nil)
	def = w.Limit
	max = p.Window(fixtures.Query{{Key: "limit", Value: strconv.FormatInt(1<<40, 10)}}).Limit
	return def, max
}

// primaryOf picks the operation that gets the full battery: the first (by path) paginated,
// bearer-secured operation with a user parameter; else the first paginated one.
func primaryOf(ops []*operation) *operation {
	for _, op := range ops {
		if op.paginated && op.secured && op.userParam != "" {
			return op
		}
	}
	for _, op := range ops {
		if op.paginated {
			return op
		}
	}
	return nil
}

// planCases derives the cases: the full battery on the primary operation, a first page
// and the negative cases on the others.
func planCases(ops []*operation, s *settings) ([]*testCase, error) {
	primary := primaryOf(ops)
	if primary == nil {
		return nil, errors.New("the spec declares no paginated GET operation (limit and offset query parameters, a {count, next, previous, results} answer)")
	}
	order := []*operation{primary}
	for _, op := range ops {
		if op != primary {
			order = append(order, op)
		}
	}
	var cases []*testCase
	add := func(tc *testCase) {
		if tc.query == nil {
			tc.query = fixed("")
		}
		tc.checks = checksFor(tc, s.checks)
		if len(tc.checks) > 0 {
			cases = append(cases, tc)
		}
	}
	for _, op := range order {
		user := ""
		if op.userParam != "" {
			user = s.User
		}
		// The primary default page is the reference the others' counts are compared with.
		same := op.userParam != "" && op.paginated && op != primary
		if !op.paginated {
			add(&testCase{op: op, name: "default", kind: kindPlain, user: user})
		} else {
			add(&testCase{op: op, name: "default-page", kind: kindPage, user: user, status: http.StatusOK, sameUser: same})
		}
		if op.self && primary.userParam != "" {
			add(&testCase{op: op, name: "self-list", kind: kindSelfList, status: http.StatusOK})
		}
		if op == primary {
			def, max := limits(op.pager)
			walkQuery := fixed("")
			if s.WalkLimit > 0 {
				walkQuery = fixed("limit=" + strconv.Itoa(s.WalkLimit))
			}
			add(&testCase{op: op, name: "walk", kind: kindWalk, user: user, status: http.StatusOK, sameUser: true, query: walkQuery})
			add(&testCase{op: op, name: "walk-back", kind: kindWalkBack, user: user, status: http.StatusOK, sameUser: true})
			page := func(name string, q func(int64) (string, string), needsCount bool) {
				add(&testCase{op: op, name: name, kind: kindPage, user: user, status: http.StatusOK, sameUser: true, query: q, needsCount: needsCount})
			}
			page("limit-1", fixed("limit=1"), false)
			page("limit-default", fixed("limit="+strconv.FormatInt(def, 10)), false)
			page("limit-max", fixed("limit="+strconv.FormatInt(max, 10)), false)
			page("offset-end", func(n int64) (string, string) { return "offset=" + strconv.FormatInt(n, 10), "" }, true)
			page("offset-before-end", func(n int64) (string, string) {
				if n == 0 {
					return "", "the list is empty: there is no offset just below its end"
				}
				return "offset=" + strconv.FormatInt(n-1, 10), ""
			}, true)
			page("offset-past-end", func(n int64) (string, string) { return "offset=" + strconv.FormatInt(n+def, 10), "" }, true)
			probe := func(name, param, raw string) {
				add(&testCase{op: op, name: name, kind: kindProbe, user: user, sameUser: true, param: param, query: fixed(param + "=" + url.QueryEscape(raw))})
			}
			probe("limit-above-max", "limit", strconv.FormatInt(max+1, 10))
			probe("limit-zero", "limit", "0")
			probe("limit-negative", "limit", "-1")
			probe("limit-text", "limit", "abc")
			probe("offset-negative", "offset", "-5")
			probe("offset-text", "offset", "abc")
		}
		if op.secured {
			add(&testCase{op: op, name: "no-token", kind: kindAuth, user: user, auth: authNone})
			add(&testCase{op: op, name: "wrong-scheme", kind: kindAuth, user: user, auth: authWrongScheme})
			add(&testCase{op: op, name: "bad-token", kind: kindAuth, user: user, auth: authBadToken})
		}
		if op.userParam != "" && op.route.Operation.Responses.Status(http.StatusNotFound) != nil {
			add(&testCase{op: op, name: "unknown-user", kind: kindNotFound, user: s.UnknownUser})
		}
		if op.userParam != "" && s.OtherUser != "" && !op.lifecycle && op.route.Operation.Responses.Status(http.StatusForbidden) != nil {
			add(&testCase{op: op, name: "other-user", kind: kindForbidden, user: s.OtherUser})
		}
	}
	return cases, nil
}

// fixed is a query that does not depend on the count.
func fixed(raw string) func(int64) (string, string) {
	return func(int64) (string, string) { return raw, "" }
}

// checksFor lists the checks that apply to a case's answers, filtered by --checks.
func checksFor(tc *testCase, selected checkSet) []Check {
	response := []Check{CheckTransport, CheckTimeout, CheckBodySize, CheckRedirect, CheckServerError,
		CheckStatus, CheckContentType, CheckJSON, CheckSchema, CheckHeaders, CheckLatency, CheckBaselineDiff}
	var page []Check
	if tc.op.paginated {
		page = []Check{CheckPageNextNull, CheckPagePreviousNull, CheckPageLinks}
		if tc.op.item.created {
			page = append(page, CheckPageOrder)
		}
		if (tc.op.item.fromUser || tc.op.item.toUser) && !tc.op.lifecycle {
			page = append(page, CheckPageOwner)
		}
		if tc.sameUser {
			page = append(page, CheckPageCountStable)
		}
	}
	var all []Check
	switch tc.kind {
	case kindPage:
		all = append(append(response, CheckPageSize), page...)
	case kindWalk:
		all = append(append(response, page...), CheckPageWalk, CheckPageSum, CheckPageNoDuplicates, CheckPageNoMissing)
	case kindWalkBack:
		all = append(append(response, page...), CheckPageWalk, CheckPagePreviousItems)
	case kindProbe:
		// The request breaks the spec, so the spec's status list does not bind the answer:
		// lenient-params says what it must be.
		for _, c := range response {
			if c != CheckStatus {
				all = append(all, c)
			}
		}
		all = append(all, CheckLenientParams)
	case kindAuth:
		all = append(response, CheckAuth)
	case kindNotFound:
		all = append(response, CheckNotFound)
	case kindForbidden:
		all = append(response, CheckForbidden)
	case kindPlain:
		all = response
	case kindSelfList:
		all = append(response, CheckSelfList)
	case kindGenerated:
		all = generatedChecks(tc, response, page)
	}
	out := all[:0]
	for _, c := range all {
		if selected[c] {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// isJSONMediaType reports whether a media type (or range) is JSON.
func isJSONMediaType(mime string) bool {
	mime = strings.ToLower(strings.TrimSpace(mime))
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = strings.TrimSpace(mime[:i])
	}
	return mime == "application/json" || strings.HasSuffix(mime, "+json")
}
