package contract

import (
	"fmt"
	"net/http"
	"strconv"
)

// selfListCase compares the self path's list (the caller's own, no id in the path) with
// the seed path's list of --me: the same count and, on one large page, the same items in
// the same order. page-owner checks every to_user of the self path against --me on
// every page, fixed and generated.
func (rn *run) selfListCase(cr *caseResult) {
	tc := cr.tc
	me := rn.r.s.Me
	_, maxLimit := limits(tc.op.pager)
	q := "limit=" + strconv.FormatInt(maxLimit, 10)
	ex := rn.send(tc, q)
	if !rn.responseChecks(cr, ex, http.StatusOK) {
		cr.skip(CheckSelfList, "no page to compare: "+rn.whyNoPage(ex))
		return
	}
	self, err := decodePage(ex, tc.op.pager)
	if err != nil {
		cr.skip(CheckSelfList, "the body is not a page ("+err.Error()+"): see schema")
		return
	}
	primary := rn.r.primary.op
	seedTC := &testCase{op: primary, name: tc.name, kind: kindSelfList, user: me}
	rn.requests.Add(1)
	rn.progress.request(tc.fullName())
	sex := rn.client.do(rn.ctx, request{method: http.MethodGet, url: rn.url(seedTC, q)})
	where := fmt.Sprintf("the seed path's list of --me %s (%s)", me, primary.path)
	switch {
	case sex.failed != "":
		cr.skip(CheckSelfList, where+" gave no answer: "+scrub(sex.err.Error(), rn.r.s.Token))
		return
	case sex.status != http.StatusOK:
		cr.skip(CheckSelfList, fmt.Sprintf("%s answered %d, not a page: is --me the token's user?", where, sex.status))
		return
	}
	seed, err := decodePage(sex, primary.pager)
	if err != nil {
		cr.skip(CheckSelfList, where+" is not a page ("+err.Error()+")")
		return
	}
	if self.count != seed.count {
		cr.fail(CheckSelfList, rn.failure(ex, "$.count", fmt.Sprint(seed.count), fmt.Sprint(self.count),
			fmt.Sprintf("the self path must list the caller's (--me %s) requests: count differs from %s", me, where)))
		return
	}
	n := min(len(self.items), len(seed.items))
	for i := range n {
		if self.items[i].key != seed.items[i].key {
			cr.fail(CheckSelfList, rn.failure(ex, fmt.Sprintf("$.results[%d]", i), seed.items[i].describe(), self.items[i].describe(),
				fmt.Sprintf("the self path must list the caller's (--me %s) requests: item %d differs from %s", me, i, where)))
			return
		}
	}
	if len(self.items) != len(seed.items) {
		cr.fail(CheckSelfList, rn.failure(ex, "$.results", fmt.Sprintf("%d items", len(seed.items)), fmt.Sprintf("%d items", len(self.items)),
			fmt.Sprintf("the self path's page holds another number of items than %s with the same query", where)))
		return
	}
	cr.pass(CheckSelfList)
}
