package state

import (
	"fmt"
	"net/http"
	"slices"
	"sort"

	"github.com/connreq/connreq/fixtures"
)

// Base is the generated world an overlay changes: who exists and each owner's list of
// received requests, as pure functions.
type Base interface {
	// Exists reports whether user is a member of the community.
	Exists(user int64) bool
	// Len is the length of owner's generated list of received requests.
	Len(owner int64) int64
	// IndexOf is the index of sender's request in owner's generated list, if it has one.
	IndexOf(owner, sender int64) (int64, bool)
	// Flags are whether item i of owner's generated list is rejected and viewed.
	Flags(owner, i int64) (rejected, viewed bool)
}

// Clock gives the time of a transition: Start plus Seq steps, all in µs since the Unix
// epoch, so the same actions on a fresh server give the same bytes.
type Clock struct {
	Start, Step int64
}

// At is the time of transition seq.
func (c Clock) At(seq int64) int64 { return c.Start + seq*c.Step }

// FirstAddedID is the id of the request added by transition 0; transition seq adds
// FirstAddedID+seq, above every generated id (those stay below 4·10^9), so a new request
// sorts as the newest.
const FirstAddedID = 5_000_000_000

// Req is a connection request an action added. Times are µs since the epoch, 0 for null.
type Req struct {
	ID, From, To              int64
	Created, Rejected, Viewed int64
}

// pair is a directed (from, to) or, normalised, an undirected pair of users.
type pair struct{ a, b int64 }

func undirected(x, y int64) pair {
	if x > y {
		x, y = y, x
	}
	return pair{x, y}
}

// list is the overlay of one owner's received list.
type list struct {
	added   []*Req  // oldest first; position 0 of the list is the last one
	removed []int64 // generated indices removed, sorted
	over    map[int64]fixtures.Override
}

// World is the materialised state of one session: the base world with a log of
// transitions applied. It is not safe for concurrent use; the Hub guards it.
type World struct {
	base   Base
	clock  Clock
	seq    int64
	lists  map[int64]*list
	added  map[pair]*Req // added requests still present, by (from, to)
	sent   map[int64][]*Req
	conns  map[pair]bool
	deltas map[int64]fixtures.Delta
}

// NewWorld returns the base world with no transition applied.
func NewWorld(base Base, clock Clock) *World {
	return &World{
		base: base, clock: clock,
		lists: map[int64]*list{}, added: map[pair]*Req{}, sent: map[int64][]*Req{},
		conns: map[pair]bool{}, deltas: map[int64]fixtures.Delta{},
	}
}

// Seq is the number of the last transition applied.
func (w *World) Seq() int64 { return w.seq }

// Refusal is production's answer to an action it refuses: nothing changes.
type Refusal struct {
	Status int
	Detail string
}

// Error implements error.
func (r *Refusal) Error() string { return fmt.Sprintf("%d %s", r.Status, r.Detail) }

// The refusals' DRF details; docs/state.md lists which action gives which.
const (
	DetailNotFound      = "Not found."
	DetailSelf          = "You cannot perform this action on yourself."
	DetailNoRequest     = "There is no connection request from this user."
	DetailNotRejected   = "This connection request is not rejected."
	DetailRejected      = "This connection request is already rejected."
	DetailConnected     = "You are already connected with this user."
	DetailNotConnected  = "You are not connected with this user."
	DetailAlreadySent   = "You have already sent a connection request to this user."
	DetailAlreadyRecv   = "This user has already sent you a connection request: accept it."
	DetailNoSentRequest = "You have not sent a connection request to this user."
)

func refuse(status int, detail string) *Refusal { return &Refusal{Status: status, Detail: detail} }

// Outcome is production's answer to an action it performs.
type Outcome struct {
	// Status is 200, 201 (request) or 204 (mark_seen).
	Status int
	// ConnectionStatus is the caller's relation to the user afterwards ("" for null),
	// the body's connection_status (none for 204).
	ConnectionStatus string
	// Noop is true when the action changes nothing (mark_seen of a viewed request): it
	// succeeds without a transition.
	Noop bool
}

// ref points at a request: an added one, or item i of the to-user's generated list.
type ref struct {
	req *Req
	i   int64
}

// find returns the request from → to still present.
func (w *World) find(from, to int64) (ref, bool) {
	if r := w.added[pair{from, to}]; r != nil {
		return ref{req: r}, true
	}
	i, ok := w.base.IndexOf(to, from)
	if !ok {
		return ref{}, false
	}
	if l := w.lists[to]; l != nil {
		if _, gone := searchInt64(l.removed, i); gone {
			return ref{}, false
		}
	}
	return ref{i: i}, true
}

// flags are whether the request at r (to owner to) is rejected and viewed now.
func (w *World) flags(to int64, r ref) (rejected, viewed bool) {
	if r.req != nil {
		return r.req.Rejected != 0, r.req.Viewed != 0
	}
	rejected, viewed = w.base.Flags(to, r.i)
	if l := w.lists[to]; l != nil {
		if ov, ok := l.over[r.i]; ok {
			if ov.RejectedSet {
				rejected = ov.Rejected != 0
			}
			if ov.ViewedSet {
				viewed = ov.Viewed != 0
			}
		}
	}
	return rejected, viewed
}

// Check returns what production answers to by doing a on user, without changing w.
func (w *World) Check(by int64, a Action, user int64) (Outcome, *Refusal) {
	if !w.base.Exists(user) {
		return Outcome{}, refuse(http.StatusNotFound, DetailNotFound)
	}
	if by == user {
		return Outcome{}, refuse(http.StatusBadRequest, DetailSelf)
	}
	ok200 := func(status string) (Outcome, *Refusal) {
		return Outcome{Status: http.StatusOK, ConnectionStatus: status}, nil
	}
	switch a {
	case Accept, Reject, CancelReject, MarkSeen:
		r, found := w.find(user, by)
		if !found {
			if a == Accept && w.conns[undirected(by, user)] {
				return Outcome{}, refuse(http.StatusBadRequest, DetailConnected)
			}
			return Outcome{}, refuse(http.StatusBadRequest, DetailNoRequest)
		}
		rejected, viewed := w.flags(by, r)
		switch a {
		case Accept:
			return ok200(fixtures.Connected)
		case Reject:
			if rejected {
				return Outcome{}, refuse(http.StatusBadRequest, DetailRejected)
			}
			return ok200("")
		case CancelReject:
			if !rejected {
				return Outcome{}, refuse(http.StatusBadRequest, DetailNotRejected)
			}
			return ok200(fixtures.ReceivedConnectionRequest)
		default: // MarkSeen
			return Outcome{Status: http.StatusNoContent, Noop: viewed}, nil
		}
	case Request:
		if w.conns[undirected(by, user)] {
			return Outcome{}, refuse(http.StatusBadRequest, DetailConnected)
		}
		if _, found := w.find(by, user); found {
			return Outcome{}, refuse(http.StatusBadRequest, DetailAlreadySent)
		}
		if r, found := w.find(user, by); found {
			if rejected, _ := w.flags(by, r); !rejected {
				return Outcome{}, refuse(http.StatusBadRequest, DetailAlreadyRecv)
			}
		}
		return Outcome{Status: http.StatusCreated, ConnectionStatus: fixtures.SentConnectionRequest}, nil
	case CancelRequest:
		if _, found := w.find(by, user); !found {
			return Outcome{}, refuse(http.StatusBadRequest, DetailNoSentRequest)
		}
		return ok200("")
	case Remove:
		if !w.conns[undirected(by, user)] {
			return Outcome{}, refuse(http.StatusBadRequest, DetailNotConnected)
		}
		return ok200("")
	}
	return Outcome{}, refuse(http.StatusNotFound, DetailNotFound)
}

// Apply applies t, which must be the next transition (Seq = w.Seq()+1). A transition
// production would refuse, or one that changes nothing, only advances Seq: a log stays
// replayable whatever it holds.
func (w *World) Apply(t Transition) error {
	if t.Seq != w.seq+1 {
		return fmt.Errorf("apply transition %d: want transition %d", t.Seq, w.seq+1)
	}
	w.seq = t.Seq
	out, ref := w.Check(t.By, t.Action, t.User)
	if ref != nil || out.Noop {
		return nil
	}
	now := w.clock.At(t.Seq)
	by, user := t.By, t.User
	switch t.Action {
	case Accept:
		r, _ := w.find(user, by)
		w.drop(user, by, r)
		w.conns[undirected(by, user)] = true
		w.move(by, fixtures.Delta{Connections: 1})
		w.move(user, fixtures.Delta{Connections: 1})
	case Reject:
		r, _ := w.find(user, by)
		_, viewed := w.flags(by, r)
		w.set(by, r, true, now, !viewed, now)
	case CancelReject:
		r, _ := w.find(user, by)
		w.set(by, r, true, 0, false, 0)
	case MarkSeen:
		r, _ := w.find(user, by)
		w.set(by, r, false, 0, true, now)
	case Request:
		if r, found := w.find(user, by); found { // rejected: the new request replaces it
			w.drop(user, by, r)
		}
		req := &Req{ID: FirstAddedID + t.Seq, From: by, To: user, Created: now}
		l := w.list(user)
		l.added = append(l.added, req)
		w.added[pair{by, user}] = req
		w.sent[by] = append(w.sent[by], req)
		w.move(by, fixtures.Delta{Sent: 1})
		w.move(user, fixtures.Delta{Received: 1})
	case CancelRequest:
		r, _ := w.find(by, user)
		w.drop(by, user, r)
	case Remove:
		delete(w.conns, undirected(by, user))
		w.move(by, fixtures.Delta{Connections: -1})
		w.move(user, fixtures.Delta{Connections: -1})
	}
	return nil
}

func (w *World) list(owner int64) *list {
	l := w.lists[owner]
	if l == nil {
		l = &list{}
		w.lists[owner] = l
	}
	return l
}

func (w *World) move(user int64, d fixtures.Delta) {
	c := w.deltas[user]
	c.Sent += d.Sent
	c.Received += d.Received
	c.Connections += d.Connections
	if c == (fixtures.Delta{}) {
		delete(w.deltas, user)
		return
	}
	w.deltas[user] = c
}

// drop removes the request from → to at r from the to-user's list and the sender's sent
// list, and moves both users' counters.
func (w *World) drop(from, to int64, r ref) {
	l := w.list(to)
	if r.req != nil {
		l.added = deleteReq(l.added, r.req)
		w.sent[from] = deleteReq(w.sent[from], r.req)
		if len(w.sent[from]) == 0 {
			delete(w.sent, from)
		}
		delete(w.added, pair{from, to})
	} else {
		k, _ := searchInt64(l.removed, r.i)
		l.removed = slices.Insert(l.removed, k, r.i)
		delete(l.over, r.i)
	}
	w.move(from, fixtures.Delta{Sent: -1})
	w.move(to, fixtures.Delta{Received: -1})
}

func deleteReq(s []*Req, r *Req) []*Req {
	if k := slices.Index(s, r); k >= 0 {
		return slices.Delete(s, k, k+1)
	}
	return s
}

// set changes rejected (when setRejected) and viewed (when setViewed) of the request at
// r in owner's list; 0 makes a time null.
func (w *World) set(owner int64, r ref, setRejected bool, rejected int64, setViewed bool, viewed int64) {
	if r.req != nil {
		if setRejected {
			r.req.Rejected = rejected
		}
		if setViewed {
			r.req.Viewed = viewed
		}
		return
	}
	l := w.list(owner)
	if l.over == nil {
		l.over = map[int64]fixtures.Override{}
	}
	ov := l.over[r.i]
	if setRejected {
		ov.RejectedSet, ov.Rejected = true, rejected
	}
	if setViewed {
		ov.ViewedSet, ov.Viewed = true, viewed
	}
	l.over[r.i] = ov
}

// Status is the caller by's connection_status towards user ("" for null).
func (w *World) Status(by, user int64) string {
	switch {
	case by == user:
		return ""
	case w.conns[undirected(by, user)]:
		return fixtures.Connected
	}
	if _, ok := w.find(by, user); ok {
		return fixtures.SentConnectionRequest
	}
	if r, ok := w.find(user, by); ok {
		if rejected, _ := w.flags(by, r); !rejected {
			return fixtures.ReceivedConnectionRequest
		}
	}
	return ""
}

// IsConnection reports whether by and user are connected.
func (w *World) IsConnection(by, user int64) bool { return by != user && w.conns[undirected(by, user)] }

// UserDelta implements fixtures.Changes: the change to user's counters.
func (w *World) UserDelta(user int64) fixtures.Delta { return w.deltas[user] }

// ItemOverride implements fixtures.Changes.
func (w *World) ItemOverride(owner, i int64) (fixtures.Override, bool) {
	l := w.lists[owner]
	if l == nil || l.over == nil {
		return fixtures.Override{}, false
	}
	ov, ok := l.over[i]
	return ov, ok
}

// Changed reports whether any transition changed anything: when it returns false, the
// generated lists can be served as they are.
func (w *World) Changed() bool {
	return len(w.lists) > 0 || len(w.deltas) > 0 || len(w.conns) > 0
}

// Len is the length of owner's received list over a generated list of baseLen items.
func (w *World) Len(owner, baseLen int64) int64 {
	l := w.lists[owner]
	if l == nil {
		return baseLen
	}
	return baseLen - int64(len(l.removed)) + int64(len(l.added))
}

// SentLen is the number of user's sent requests that actions added.
func (w *World) SentLen(user int64) int64 { return int64(len(w.sent[user])) }

// SentAt returns user's k-th sent request, newest first.
func (w *World) SentAt(user, k int64) *Req {
	s := w.sent[user]
	return s[int64(len(s))-1-k]
}

// kthKept is the k-th generated index (from 0) not in removed, which is sorted and
// distinct: O(log len(removed)).
func kthKept(removed []int64, k int64) int64 {
	// removed[t]-t is non-decreasing: the answer is k plus the count of t with removed[t]-t <= k.
	t := sort.Search(len(removed), func(t int) bool { return removed[t]-int64(t) > k })
	return k + int64(t)
}
