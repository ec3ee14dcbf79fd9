package contract

import (
	"context"
	"math/big"
	"strings"

	"github.com/connreq/connreq/fixtures"
)

// Shrinking bounds: requests per failure and per run.
const (
	maxShrinkPerFailure = 150
	maxShrinkPerRun     = 1500
)

// shrinker makes a failing request smaller while it still fails the same check: fewer
// parameters, default headers, the token's user in the path, shorter values and smaller
// numbers. Every candidate is sent; the result is a local minimum, not a global one.
type shrinker struct {
	rn     *run
	ctx    context.Context
	tpl    *testCase
	check  Check
	budget int // requests left
	sent   int
	steps  int
	last   Failure // the failure of the smallest failing request so far
}

// fails sends g and reports whether it fails the shrinker's check.
func (sh *shrinker) fails(g genReq) bool {
	if sh.budget <= 0 || sh.ctx.Err() != nil {
		return false
	}
	sh.budget--
	sh.sent++
	cr, _ := sh.rn.evalGen(sh.ctx, sh.tpl, g)
	cr.mu.Lock()
	defer cr.mu.Unlock()
	acc := cr.checks[sh.check]
	if acc == nil || len(acc.failures) == 0 {
		return false
	}
	sh.last = acc.failures[0]
	return true
}

// try keeps cand when it is another request that still fails.
func (sh *shrinker) try(cur *genReq, cand genReq) bool {
	if cand == *cur || !sh.fails(cand) {
		return false
	}
	*cur = cand
	sh.steps++
	return true
}

// shrink returns the smallest request found that fails like g.
func (sh *shrinker) shrink(g genReq) genReq {
	cur := g
	for pass := 0; pass < 8 && sh.budget > 0; pass++ {
		changed := false
		if cur.accept != "" {
			c := cur
			c.accept = ""
			changed = sh.try(&cur, c) || changed
		}
		if cur.auth != authBearer {
			c := cur
			c.auth = authBearer
			changed = sh.try(&cur, c) || changed
		}
		// Fewer parameters: drop each, last first.
		for i := len(splitQuery(cur.query)) - 1; i >= 0; i-- {
			parts := splitQuery(cur.query)
			if i >= len(parts) {
				continue
			}
			c := cur
			c.query = strings.Join(append(parts[:i:i], parts[i+1:]...), "&")
			changed = sh.try(&cur, c) || changed
		}
		if cur.op.userParam != "" && cur.path != sh.rn.r.s.User {
			c := cur
			c.path = sh.rn.r.s.User
			changed = sh.try(&cur, c) || changed
		}
		// Shorter values, smaller numbers.
		for i := range splitQuery(cur.query) {
			parts := splitQuery(cur.query)
			k, v, hasEq := strings.Cut(parts[i], "=")
			if !hasEq {
				continue
			}
			nv := sh.shrinkValue(v, func(x string) bool {
				c := cur
				p := splitQuery(cur.query)
				p[i] = k + "=" + x
				c.query = strings.Join(p, "&")
				return c != cur && sh.fails(c)
			})
			if nv != v {
				parts[i] = k + "=" + nv
				cur.query = strings.Join(parts, "&")
				sh.steps++
				changed = true
			}
		}
		if cur.op.userParam != "" && cur.path != sh.rn.r.s.User {
			nv := sh.shrinkValue(cur.path, func(x string) bool {
				c := cur
				c.path = x
				// Never an empty or dot segment: clients and proxies rewrite those, so the
				// curl line would not send what was sent.
				return x != "" && x != "." && x != ".." && c != cur && sh.fails(c)
			})
			if nv != cur.path {
				cur.path = nv
				sh.steps++
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return cur
}

func splitQuery(q string) []string {
	if q == "" {
		return nil
	}
	return strings.Split(q, "&")
}

// shrinkValue makes a wire value smaller while fails says it still fails: "" when that
// fails, else a number toward 0 (fewer digits, then a binary search), other text toward ""
// (fewer units, a %XX escape being one unit).
func (sh *shrinker) shrinkValue(v string, fails func(string) bool) string {
	if v == "" || fails("") {
		return "" // the empty value is the smallest of all, a number's included
	}
	if fixtures.IsDigits(v) {
		return shrinkNumber(v, fails)
	}
	units := wireUnits(v)
	// A shorter prefix first, by bisection: length is what most text bugs are about.
	lo, hi := 0, len(units)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fails(strings.Join(units[:mid], "")) {
			hi = mid
		} else {
			lo = mid
		}
	}
	units = units[:hi]
	if len(units) > 64 {
		return strings.Join(units, "")
	}
	// Remove chunks, halving their size (ddmin, one side at a time).
	for size := len(units) / 2; size >= 1; size /= 2 {
		for at := 0; at+size <= len(units); {
			cand := append(append([]string{}, units[:at]...), units[at+size:]...)
			if len(cand) > 0 && fails(strings.Join(cand, "")) {
				units = cand
				continue
			}
			at += size
		}
	}
	return strings.Join(units, "")
}

// wireUnits splits a wire value into characters, a %XX escape counting as one.
func wireUnits(v string) []string {
	var out []string
	for i := 0; i < len(v); {
		n := 1
		if v[i] == '%' && i+2 < len(v) {
			n = 3
		}
		out = append(out, v[i:i+n])
		i += n
	}
	return out
}

// shrinkNumber: 0, 1, then fewer digits (a bisection on the length), then the smallest
// failing power of two (thresholds such as 2^63 are where integer bugs live: when 2^k
// fails and 2^k - 1 passes, 2^k is the answer), then a bisection between the largest
// passing value found and the smallest failing one.
func shrinkNumber(v string, fails func(string) bool) string {
	hi, ok := new(big.Int).SetString(v, 10)
	if !ok {
		return v
	}
	for _, small := range []string{"0", "1"} {
		if v != small && fails(small) {
			return small
		}
	}
	cur := hi.String() // leading zeros gone
	if cur != v && !fails(cur) {
		cur = v
	}
	lo := big.NewInt(1) // 1 passed (or was v itself)
	// The shortest failing prefix.
	short, long := 0, len(cur)
	for long-short > 1 {
		mid := (short + long) / 2
		if fails(cur[:mid]) {
			long = mid
		} else {
			short = mid
		}
	}
	if short > 0 {
		if n, ok := new(big.Int).SetString(cur[:short], 10); ok && n.Cmp(lo) > 0 {
			lo = n
		}
	}
	cur = cur[:long]
	hi.SetString(cur, 10)
	one := big.NewInt(1)
	// The smallest failing power of two in (lo, hi].
	kLo, kHi := lo.BitLen(), hi.BitLen()-1
	if new(big.Int).Lsh(one, uint(kLo)).Cmp(lo) <= 0 {
		kLo++
	}
	found := -1
	for kLo <= kHi {
		k := (kLo + kHi) / 2
		if fails(new(big.Int).Lsh(one, uint(k)).String()) {
			found, kHi = k, k-1
		} else {
			kLo = k + 1
		}
	}
	if found >= 0 {
		p := new(big.Int).Lsh(one, uint(found))
		below := new(big.Int).Sub(p, one)
		if below.Cmp(lo) > 0 && !fails(below.String()) {
			return p.String()
		}
		hi = p
		if below.Cmp(lo) > 0 {
			hi = below
		}
		if half := new(big.Int).Rsh(p, 1); half.Cmp(lo) > 0 {
			lo = half // 2^(k-1) passed: k is the smallest failing exponent
		}
	}
	for steps := 0; steps < 96; steps++ {
		gap := new(big.Int).Sub(hi, lo)
		if gap.Cmp(one) <= 0 {
			break
		}
		mid := new(big.Int).Add(lo, gap.Rsh(gap, 1))
		if fails(mid.String()) {
			hi = mid
		} else {
			lo = mid
		}
	}
	if hi.String() != v {
		return hi.String()
	}
	return v
}

// shrinkAll shrinks the first failure of every failed check, in report order, within
// the per-run bound. Findings from the corpus are already minimal.
func (rn *run) shrinkAll(aggs []*genAgg, info *GenerateInfo) {
	left := maxShrinkPerRun
	for _, a := range aggs {
		for _, c := range a.tc.checks {
			gc := a.checks[c]
			if gc.first == nil || gc.first.id != "" {
				continue
			}
			if left <= 0 || rn.ctx.Err() != nil {
				return
			}
			sh := &shrinker{rn: rn, ctx: rn.ctx, tpl: a.tc, check: c, budget: min(maxShrinkPerFailure, left)}
			min := sh.shrink(gc.first.g)
			left -= sh.sent
			info.ShrinkSent += sh.sent
			fd := *gc.first
			if min != gc.first.g {
				fd.from = "GET " + scrub(gc.first.g.url(rn.r.s), rn.r.s.Token)
				fd.g = min
				fd.f = sh.last
			}
			fd.steps, fd.evals = sh.steps, sh.sent
			gc.minimal = &fd
		}
	}
}
