package state

import (
	"fmt"

	"github.com/connreq/connreq/fixtures"
)

// Renderer renders generated items with changes laid over them (*fixtures.Generator).
type Renderer interface {
	AppendItemsWith(dst []byte, owner, count, start, end int64, shape *fixtures.Shape, ch fixtures.Changes) []byte
	AppendRequest(dst []byte, r *fixtures.Request, ch fixtures.Changes) []byte
}

// Overlay is owner's received list as a session's World sees it: the requests actions
// added, newest first, then the items of base that remain, in base's order. It is a
// fixtures.List, so the one page function paginates it; a window costs O(log removed)
// to find plus O(window) to render, however long base and the log are.
type Overlay struct {
	base    fixtures.List
	owner   int64
	w       *World
	r       Renderer
	shape   *fixtures.Shape
	patch   bool // base is r's generated list (shaped by shape): its items take counters and flags
	version string
}

// Overlay returns owner's list over base. When generated is true, base is the
// generator's list of owner (shaped by shape), so its items are re-rendered with moved
// counters and changed flags; otherwise they are served as base writes them (a
// recording, or a scenario's explicit items) and only removals and additions apply.
// The View must stay held while the Overlay is used.
func (v *View) Overlay(base fixtures.List, owner int64, r Renderer, shape *fixtures.Shape, generated bool) *Overlay {
	return &Overlay{base: base, owner: owner, w: v.w, r: r, shape: shape, patch: generated,
		version: base.Version() + v.Version()}
}

// Len implements fixtures.List.
func (o *Overlay) Len() int64 { return o.w.Len(o.owner, o.base.Len()) }

// Version implements fixtures.List: the base's version and the session's log position.
func (o *Overlay) Version() string { return o.version }

// AppendItems implements fixtures.List.
func (o *Overlay) AppendItems(dst []byte, start, end int64) ([]byte, error) {
	n := o.Len()
	if start < 0 || end > n || start > end {
		return dst, fmt.Errorf("overlay of user %d: window [%d, %d) outside [0, %d)", o.owner, start, end, n)
	}
	l := o.w.lists[o.owner]
	var added []*Req
	var removed []int64
	if l != nil {
		added, removed = l.added, l.removed
	}
	first := true
	sep := func() {
		if !first {
			dst = append(dst, ',')
		}
		first = false
	}
	// Added requests: position p is added[len-1-p].
	a := int64(len(added))
	for p := start; p < min(end, a); p++ {
		sep()
		dst = o.appendAdded(dst, added[a-1-p])
	}
	if end <= a {
		return dst, nil
	}
	// Then the base items that remain, in runs of consecutive generated indices.
	k := max(start-a, 0)
	left := end - max(start, a)
	i := kthKept(removed, k)
	ri, _ := searchInt64(removed, i)
	for left > 0 {
		// The run starts at i and stops before the next removed index.
		stop := i + left
		if ri < len(removed) && removed[ri] < stop {
			stop = removed[ri]
		}
		sep()
		var err error
		if dst, err = o.appendBase(dst, i, stop); err != nil {
			return dst, err
		}
		left -= stop - i
		i = stop
		for ri < len(removed) && removed[ri] == i {
			i++
			ri++
		}
	}
	return dst, nil
}

// appendBase appends base items [i, j).
func (o *Overlay) appendBase(dst []byte, i, j int64) ([]byte, error) {
	if o.patch {
		return o.r.AppendItemsWith(dst, o.owner, o.base.Len(), i, j, o.shape, o.w), nil
	}
	return o.base.AppendItems(dst, i, j)
}

func (o *Overlay) appendAdded(dst []byte, r *Req) []byte {
	fr := fixtures.Request{ID: r.ID, From: r.From, To: r.To, Created: r.Created, Rejected: r.Rejected, Viewed: r.Viewed, ToCount: o.base.Len(), HasToCount: true}
	if r.Rejected == 0 {
		fr.FromStatus = fixtures.ReceivedConnectionRequest
	}
	return o.r.AppendRequest(dst, &fr, o.w)
}

// searchInt64 is slices.BinarySearch for int64 without the generic's bound check cost.
func searchInt64(s []int64, x int64) (int, bool) {
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(s) && s[lo] == x
}

// SentList is the list of requests user sent that actions added, newest first
// (GET /api/v2/user/connection/requests_sent/): a fixtures.List.
type SentList struct {
	user    int64
	w       *World
	r       Renderer
	version string
}

// Sent returns user's sent list. The View must stay held while it is used.
func (v *View) Sent(user int64, r Renderer) *SentList {
	return &SentList{user: user, w: v.w, r: r, version: "sent+" + v.Version()}
}

// Len implements fixtures.List.
func (s *SentList) Len() int64 { return s.w.SentLen(s.user) }

// Version implements fixtures.List.
func (s *SentList) Version() string { return s.version }

// AppendItems implements fixtures.List.
func (s *SentList) AppendItems(dst []byte, start, end int64) ([]byte, error) {
	if n := s.Len(); start < 0 || end > n || start > end {
		return dst, fmt.Errorf("sent list of user %d: window [%d, %d) outside [0, %d)", s.user, start, end, n)
	}
	for k := start; k < end; k++ {
		if k > start {
			dst = append(dst, ',')
		}
		r := s.w.SentAt(s.user, k)
		fr := fixtures.Request{ID: r.ID, From: r.From, To: r.To, Created: r.Created, Rejected: r.Rejected, Viewed: r.Viewed,
			ToStatus: fixtures.SentConnectionRequest}
		dst = s.r.AppendRequest(dst, &fr, s.w)
	}
	return dst, nil
}
