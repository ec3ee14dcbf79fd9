package contract

import (
	"fmt"
	"strings"
)

// Check is the stable, kebab-case name of one contract check. Names appear in reports,
// JUnit test cases and --checks; they never change meaning once released.
type Check string

// Response checks: applied to every answer the runner receives.
const (
	// CheckTransport: a complete HTTP answer arrived (no connection error, reset or
	// truncated body).
	CheckTransport Check = "transport"
	// CheckTimeout: the whole answer, body included, arrived within --timeout.
	CheckTimeout Check = "timeout"
	// CheckBodySize: the body fits --max-body.
	CheckBodySize Check = "body-size"
	// CheckRedirect: redirects stay on the target's host and end (no loop, at most 10).
	CheckRedirect Check = "redirect"
	// CheckServerError: no 5xx answer.
	CheckServerError Check = "server-error"
	// CheckStatus: the status is declared for the operation in the spec and, for a
	// case that asks for a page, it is 200.
	CheckStatus Check = "status"
	// CheckContentType: Content-Type is a media type the spec declares for that status
	// (and, for JSON, the charset is UTF-8 when given).
	CheckContentType Check = "content-type"
	// CheckJSON: a body declared as JSON is well-formed JSON.
	CheckJSON Check = "json"
	// CheckSchema: the body matches the response schema (kin-openapi, formats included).
	CheckSchema Check = "schema"
	// CheckHeaders: the headers the spec declares for that status are present and valid.
	CheckHeaders Check = "headers"
	// CheckLatency: the answer arrived within --max-latency.
	CheckLatency Check = "latency"
)

// Case checks: what a negative or probing case must answer.
const (
	// CheckAuth: a request without valid credentials (none, another scheme, a bad
	// token) gets 401 with a Bearer challenge.
	CheckAuth Check = "auth"
	// CheckNotFound: the list of an unknown user is 404.
	CheckNotFound Check = "not-found"
	// CheckForbidden: another user's list is 403.
	CheckForbidden Check = "forbidden"
	// CheckLenientParams: a limit or offset the spec forbids is read as production does
	// (design §3: default limit, cap at the maximum, offset 0), or, with --strict,
	// rejected with a 400 that names the parameter.
	CheckLenientParams Check = "lenient-params"
)

// Page checks: Django REST Framework LimitOffsetPagination invariants of one page.
const (
	// CheckPageSize: len(results) == min(limit, max(count-offset, 0)).
	CheckPageSize Check = "page-size"
	// CheckPageNextNull: next is null exactly when offset+limit >= count.
	CheckPageNextNull Check = "page-next-null"
	// CheckPagePreviousNull: previous is null exactly when offset <= 0.
	CheckPagePreviousNull Check = "page-previous-null"
	// CheckPageLinks: next and previous are byte for byte the links DRF builds from the
	// request (limit set, offset set or removed, keys sorted, form encoding).
	CheckPageLinks Check = "page-links"
	// CheckPageOrder: items are ordered by created descending, ties by id descending.
	CheckPageOrder Check = "page-order"
	// CheckPageOwner: every item's to_user is the list's owner and no from_user is.
	CheckPageOwner Check = "page-owner"
	// CheckPageCountStable: count is the same on every page of the same user's list.
	CheckPageCountStable Check = "page-count-stable"
	// CheckSelfList: the self path (/api/v2/user/connection/requests/) lists the caller's
	// (--me) received requests: the same count and items as the seed path's list of --me.
	CheckSelfList Check = "self-list"
)

// Generated checks: properties only generated requests (--generate) and the corpus test.
const (
	// CheckPageConsistent: a generated page holds the items the fixed walk saw at the same
	// positions of the same list.
	CheckPageConsistent Check = "page-consistent"
)

// Walk checks: invariants of the whole list, proved by following next and previous.
const (
	// CheckPageWalk: following next (or previous) ends within --max-pages, moves forward
	// (backward) every time and stays on the target's host.
	CheckPageWalk Check = "page-walk"
	// CheckPageSum: the page sizes of the walk add up to count.
	CheckPageSum Check = "page-sum"
	// CheckPageNoDuplicates: no item appears twice in the walk.
	CheckPageNoDuplicates Check = "page-no-duplicates"
	// CheckPageNoMissing: every item of one large page (limit = maximum) appears in the
	// walk at the same index.
	CheckPageNoMissing Check = "page-no-missing"
	// CheckPagePreviousItems: following previous returns the items the walk saw at
	// those offsets, in the same order.
	CheckPagePreviousItems Check = "page-previous-items"
)

// Baseline checks: applied only with a baseline (--baseline URL|DIR).
const (
	// CheckBaselineDiff: every answer has the status and body the baseline gives to the
	// same request (values, or with --diff shape keys, types and nullability).
	CheckBaselineDiff Check = "baseline-diff"
)

// checkInfo documents one check for -h, the README and report legends.
type checkInfo struct {
	name Check
	desc string
}

// catalogue lists every check in report order. It is a function, not a package
// variable, so that no caller can change the table.
func catalogue() []checkInfo {
	return []checkInfo{
		{CheckTransport, "a complete HTTP answer arrived (no connection error or reset)"},
		{CheckTimeout, "the answer arrived within --timeout"},
		{CheckBodySize, "the body fits --max-body"},
		{CheckRedirect, "redirects stay on the target's host and end"},
		{CheckServerError, "no 5xx answer"},
		{CheckStatus, "the status is declared in the spec (200 for a page)"},
		{CheckContentType, "Content-Type is declared for the status"},
		{CheckJSON, "a JSON body is well-formed"},
		{CheckSchema, "the body matches the response schema, formats included"},
		{CheckHeaders, "declared response headers are present and valid"},
		{CheckLatency, "the answer arrived within --max-latency"},
		{CheckAuth, "no, wrong-scheme or bad credentials get 401 with a Bearer challenge"},
		{CheckNotFound, "an unknown user's list is 404"},
		{CheckForbidden, "another user's list is 403"},
		{CheckLenientParams, "invalid limit/offset are read as production does (or 400 with --strict)"},
		{CheckPageSize, "len(results) == min(limit, count - offset)"},
		{CheckPageNextNull, "next is null exactly when offset + limit >= count"},
		{CheckPagePreviousNull, "previous is null exactly when offset <= 0"},
		{CheckPageLinks, "next and previous are exactly the links DRF builds"},
		{CheckPageOrder, "items ordered by created descending, ties by id descending"},
		{CheckPageOwner, "to_user is the list's owner, from_user never is"},
		{CheckPageCountStable, "count is the same on every page of the list"},
		{CheckSelfList, "the self path lists --me's requests, as the seed path does"},
		{CheckPageWalk, "following next/previous ends, moves on and stays on the target"},
		{CheckPageSum, "the walk's page sizes add up to count"},
		{CheckPageNoDuplicates, "no item appears twice in the walk"},
		{CheckPageNoMissing, "every item of a large page appears in the walk"},
		{CheckPagePreviousItems, "following previous returns the items seen going forward"},
		{CheckPageConsistent, "a generated page holds the walk's items at its positions (--generate)"},
		{CheckBaselineDiff, "status and body equal the baseline's answer (--baseline)"},
	}
}

// Checks returns every check name in report order.
func Checks() []Check {
	out := make([]Check, 0, 32)
	for _, c := range catalogue() {
		out = append(out, c.name)
	}
	return out
}

// Describe returns the one-line description of a check, or "" for an unknown name.
func Describe(c Check) string {
	for _, info := range catalogue() {
		if info.name == c {
			return info.desc
		}
	}
	return ""
}

// rank is the report order of a check.
func rank(c Check) int {
	for i, info := range catalogue() {
		if info.name == c {
			return i
		}
	}
	return len(catalogue())
}

// checkSet is a selection of checks (the --checks flag).
type checkSet map[Check]bool

// selectChecks reads --checks: empty selects all; "a,b" selects a and b; "-a,-b" selects
// all but a and b. Names are validated against the catalogue.
func selectChecks(list []string) (checkSet, error) {
	set := checkSet{}
	var include, exclude []Check
	for _, raw := range list {
		name := strings.TrimSpace(raw)
		if name == "" {
			continue
		}
		neg := strings.HasPrefix(name, "-")
		c := Check(strings.TrimPrefix(name, "-"))
		if Describe(c) == "" {
			return nil, fmt.Errorf("unknown check %q", c)
		}
		if neg {
			exclude = append(exclude, c)
		} else {
			include = append(include, c)
		}
	}
	if len(include) > 0 && len(exclude) > 0 {
		return nil, fmt.Errorf("mixes included and excluded (-name) checks")
	}
	if len(include) > 0 {
		for _, c := range include {
			set[c] = true
		}
		return set, nil
	}
	for _, c := range Checks() {
		set[c] = true
	}
	for _, c := range exclude {
		delete(set, c)
	}
	return set, nil
}
