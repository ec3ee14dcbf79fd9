package state

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/connreq/connreq/fixtures"
)

// fakeBase is a small explicit world: users 1..users exist; lists[o] are the senders of
// o's generated list in order, with their generated rejected and viewed flags.
type fakeBase struct {
	users    int64
	lists    map[int64][]int64
	rejected map[pair]bool
	viewed   map[pair]bool
}

func (b *fakeBase) Exists(u int64) bool { return u >= 1 && u <= b.users }
func (b *fakeBase) Len(o int64) int64   { return int64(len(b.lists[o])) }
func (b *fakeBase) Flags(o, i int64) (bool, bool) {
	s := b.lists[o][i]
	return b.rejected[pair{s, o}], b.viewed[pair{s, o}] || b.rejected[pair{s, o}]
}
func (b *fakeBase) IndexOf(o, s int64) (int64, bool) {
	k := slices.Index(b.lists[o], s)
	return int64(k), k >= 0
}

// newFakeBase draws a world of n users where each user received from a few others.
func newFakeBase(rng *rand.Rand, n int64) *fakeBase {
	b := &fakeBase{users: n, lists: map[int64][]int64{}, rejected: map[pair]bool{}, viewed: map[pair]bool{}}
	for o := int64(1); o <= n; o++ {
		for _, s := range rng.Perm(int(n)) {
			s := int64(s) + 1
			if s == o || rng.IntN(3) != 0 {
				continue
			}
			// No pair in both directions: the generated world never has one... but make a few.
			b.lists[o] = append(b.lists[o], s)
			b.rejected[pair{s, o}] = rng.IntN(4) == 0
			b.viewed[pair{s, o}] = rng.IntN(2) == 0
		}
	}
	return b
}

// fakeRenderer writes each item as a short token the model can write too.
type fakeRenderer struct{ b *fakeBase }

func token(id, from, to int64, rejected, viewed bool, ch fixtures.Changes) string {
	d, e := ch.UserDelta(from), ch.UserDelta(to)
	return fmt.Sprintf("{%d:%d>%d r%t v%t s%d/%d/%d t%d/%d/%d}", id, from, to, rejected, viewed,
		d.Sent, d.Received, d.Connections, e.Sent, e.Received, e.Connections)
}

func (f fakeRenderer) AppendItemsWith(dst []byte, owner, count, start, end int64, _ *fixtures.Shape, ch fixtures.Changes) []byte {
	for i := start; i < end; i++ {
		if i > start {
			dst = append(dst, ',')
		}
		rej, vw := f.b.Flags(owner, i)
		if ov, ok := ch.ItemOverride(owner, i); ok {
			if ov.RejectedSet {
				rej = ov.Rejected != 0
			}
			if ov.ViewedSet {
				vw = ov.Viewed != 0
			}
		}
		dst = append(dst, token(i, f.b.lists[owner][i], owner, rej, vw, ch)...)
	}
	return dst
}

func (f fakeRenderer) AppendRequest(dst []byte, r *fixtures.Request, ch fixtures.Changes) []byte {
	return append(dst, token(r.ID, r.From, r.To, r.Rejected != 0, r.Viewed != 0, ch)...)
}

// baseList is fakeBase's list of one owner as a fixtures.List.
type baseList struct {
	f     fakeRenderer
	owner int64
}

func (l baseList) Len() int64      { return l.f.b.Len(l.owner) }
func (l baseList) Version() string { return "base" }
func (l baseList) AppendItems(dst []byte, start, end int64) ([]byte, error) {
	return l.f.AppendItemsWith(dst, l.owner, l.Len(), start, end, nil, NewWorld(l.f.b, Clock{})), nil
}

// model is an independent, brute-force statement of the rules (docs/state.md): every
// list as an explicit slice, newest first.
type model struct {
	b        *fakeBase
	seq      int64
	lists    map[int64][]*mreq
	conns    map[pair]bool
	sent     map[int64]fixtures.Delta
	sentList map[int64][]*mreq // requests added by actions, newest first
}

type mreq struct {
	id, from, to     int64
	rejected, viewed bool
}

func newModel(b *fakeBase) *model {
	m := &model{b: b, lists: map[int64][]*mreq{}, conns: map[pair]bool{}, sent: map[int64]fixtures.Delta{}, sentList: map[int64][]*mreq{}}
	for o, senders := range b.lists {
		for i, s := range senders {
			r, v := b.Flags(o, int64(i))
			m.lists[o] = append(m.lists[o], &mreq{id: int64(i), from: s, to: o, rejected: r, viewed: v})
		}
	}
	return m
}

func (m *model) find(from, to int64) (int, *mreq) {
	for k, r := range m.lists[to] {
		if r.from == from {
			return k, r
		}
	}
	return -1, nil
}

func (m *model) bump(u int64, s, r, c int64) {
	d := m.sent[u]
	d.Sent += s
	d.Received += r
	d.Connections += c
	m.sent[u] = d
}

func (m *model) remove(from, to int64) {
	k, r := m.find(from, to)
	m.lists[to] = slices.Delete(m.lists[to], k, k+1)
	if j := slices.Index(m.sentList[from], r); j >= 0 {
		m.sentList[from] = slices.Delete(m.sentList[from], j, j+1)
	}
	m.bump(from, -1, 0, 0)
	m.bump(to, 0, -1, 0)
}

// do returns the status production answers, changing m when it is 2xx.
func (m *model) do(by int64, a Action, user int64) int {
	m.seq++
	if user < 1 || user > m.b.users {
		return 404
	}
	if by == user {
		return 400
	}
	key := undirected(by, user)
	switch a {
	case Accept:
		_, r := m.find(user, by)
		if r == nil {
			return 400
		}
		m.remove(user, by)
		m.conns[key] = true
		m.bump(by, 0, 0, 1)
		m.bump(user, 0, 0, 1)
		return 200
	case Reject:
		_, r := m.find(user, by)
		if r == nil || r.rejected {
			return 400
		}
		r.rejected, r.viewed = true, true
		return 200
	case CancelReject:
		_, r := m.find(user, by)
		if r == nil || !r.rejected {
			return 400
		}
		r.rejected = false
		return 200
	case MarkSeen:
		_, r := m.find(user, by)
		if r == nil {
			return 400
		}
		r.viewed = true
		return 204
	case Request:
		if m.conns[key] {
			return 400
		}
		if _, r := m.find(by, user); r != nil {
			return 400
		}
		if _, r := m.find(user, by); r != nil {
			if !r.rejected {
				return 400
			}
			m.remove(user, by)
		}
		r := &mreq{id: FirstAddedID + m.seq, from: by, to: user}
		m.lists[user] = append([]*mreq{r}, m.lists[user]...)
		m.sentList[by] = append([]*mreq{r}, m.sentList[by]...)
		m.bump(by, 1, 0, 0)
		m.bump(user, 0, 1, 0)
		return 201
	case CancelRequest:
		if _, r := m.find(by, user); r == nil {
			return 400
		}
		m.remove(by, user)
		return 200
	case Remove:
		if !m.conns[key] {
			return 400
		}
		delete(m.conns, key)
		m.bump(by, 0, 0, -1)
		m.bump(user, 0, 0, -1)
		return 200
	}
	return 0
}

func (m *model) status(by, user int64) string {
	switch {
	case by == user:
		return ""
	case m.conns[undirected(by, user)]:
		return fixtures.Connected
	}
	if _, r := m.find(by, user); r != nil {
		return fixtures.SentConnectionRequest
	}
	if _, r := m.find(user, by); r != nil && !r.rejected {
		return fixtures.ReceivedConnectionRequest
	}
	return ""
}

type mdelta map[int64]fixtures.Delta

func (d mdelta) UserDelta(u int64) fixtures.Delta { return d[u] }
func (d mdelta) ItemOverride(int64, int64) (fixtures.Override, bool) {
	return fixtures.Override{}, false
}

func (m *model) render(items []*mreq) string {
	var parts []string
	for _, r := range items {
		parts = append(parts, token(r.id, r.from, r.to, r.rejected, r.viewed, mdelta(m.sent)))
	}
	return strings.Join(parts, ",")
}

// check compares every list, window, status and counter of w with m.
func check(t *testing.T, rng *rand.Rand, m *model, h *Hub, session string, f fakeRenderer, step string) {
	t.Helper()
	v, err := h.View(t.Context(), session)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Release()
	w := v.World()
	for u := int64(1); u <= m.b.users; u++ {
		ov := v.Overlay(baseList{f, u}, u, f, nil, true)
		want := m.render(m.lists[u])
		if ov.Len() != int64(len(m.lists[u])) {
			t.Fatalf("%s: user %d: Len %d, model %d", step, u, ov.Len(), len(m.lists[u]))
		}
		got, err := ov.AppendItems(nil, 0, ov.Len())
		if err != nil || string(got) != want {
			t.Fatalf("%s: user %d's list:\n got %s (%v)\nwant %s", step, u, got, err, want)
		}
		// Any window is the same slice of the whole list, and windows join up.
		if n := ov.Len(); n > 0 {
			a := rng.Int64N(n + 1)
			b := a + rng.Int64N(n-a+1)
			part, err := ov.AppendItems(nil, a, b)
			if err != nil || string(part) != m.render(m.lists[u][a:b]) {
				t.Fatalf("%s: user %d window [%d,%d): got %s (%v)", step, u, a, b, part, err)
			}
		}
		sl := v.Sent(u, f)
		gotSent, _ := sl.AppendItems(nil, 0, sl.Len())
		if string(gotSent) != m.render(m.sentList[u]) {
			t.Fatalf("%s: user %d's sent list:\n got %s\nwant %s", step, u, gotSent, m.render(m.sentList[u]))
		}
		// Counters equal counts: received moved exactly as the list's length did.
		if d := w.UserDelta(u); d != m.sent[u] || d.Received != ov.Len()-m.b.Len(u) {
			t.Fatalf("%s: user %d delta %+v, model %+v, list moved by %d", step, u, d, m.sent[u], ov.Len()-m.b.Len(u))
		}
		for x := int64(1); x <= m.b.users; x++ {
			if got, want := w.Status(u, x), m.status(u, x); got != want {
				t.Fatalf("%s: status(%d→%d) = %q, model %q", step, u, x, got, want)
			}
			if w.IsConnection(u, x) != m.conns[undirected(u, x)] {
				t.Fatalf("%s: is_connection(%d, %d) disagrees with the model", step, u, x)
			}
		}
	}
}

// runSequence plays actions decoded from data against a Hub and the model.
func runSequence(t *testing.T, seed uint64, data []byte, checkEvery int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	users := int64(7)
	b := newFakeBase(rng, users)
	f := fakeRenderer{b}
	m := newModel(b)
	h := NewHub(NewMemory(0), b, Clock{Start: 1_000_000, Step: 1_000_000})
	for k := 0; k+2 < len(data); k += 3 {
		by := int64(data[k]%byte(users)) + 1
		a := Actions[int(data[k+1])%len(Actions)]
		user := int64(data[k+2]%byte(users+1)) + 1 // users+1 does not exist
		want := m.do(by, a, user)
		out, ref, err := h.Do(t.Context(), "s", by, a, user)
		if err != nil {
			t.Fatal(err)
		}
		got := out.Status
		if ref != nil {
			got = ref.Status
		}
		step := fmt.Sprintf("step %d: %d %s %d", k/3, by, a, user)
		if got != want {
			t.Fatalf("%s: status %d, model %d (%v)", step, got, want, ref)
		}
		if out.Noop { // the model counts every call; the hub logs only changes
			m.seq--
		}
		if ref != nil {
			m.seq--
		}
		if checkEvery > 0 && (k/3)%checkEvery == 0 {
			check(t, rng, m, h, "s", f, step)
		}
	}
	check(t, rng, m, h, "s", f, "end")
	// Replaying the log into a fresh World gives the same world.
	h2 := NewHub(h.Store(), b, Clock{Start: 1_000_000, Step: 1_000_000})
	check(t, rng, m, h2, "s", f, "replayed")
}

func TestTransitionsAgainstModel(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		data := make([]byte, 3*400)
		for k := range data {
			data[k] = byte(rng.IntN(256))
		}
		// Bias towards actions that succeed: accept/reject what exists.
		runSequence(t, seed, data, 7)
	}
}

func FuzzTransitions(f *testing.F) {
	f.Add(uint64(1), []byte{1, 3, 2, 2, 0, 1, 1, 1, 2, 2, 4, 1, 1, 0, 2})
	f.Add(uint64(9), []byte{0, 3, 1, 1, 3, 0, 0, 4, 1, 1, 0, 0, 0, 5, 1})
	f.Fuzz(func(t *testing.T, seed uint64, data []byte) {
		if len(data) > 3*300 {
			data = data[:3*300]
		}
		runSequence(t, seed, data, 1)
	})
}

func TestKthKept(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 3))
	for round := 0; round < 200; round++ {
		n := int64(rng.IntN(60))
		var removed []int64
		var kept []int64
		for i := int64(0); i < n; i++ {
			if rng.IntN(3) == 0 {
				removed = append(removed, i)
			} else {
				kept = append(kept, i)
			}
		}
		for k, want := range kept {
			if got := kthKept(removed, int64(k)); got != want {
				t.Fatalf("removed %v: kthKept(%d) = %d, want %d", removed, k, got, want)
			}
		}
	}
}

func TestRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	b := &fakeBase{users: 3, lists: map[int64][]int64{1: {2}}, rejected: map[pair]bool{}, viewed: map[pair]bool{}}
	h := NewHub(NewMemory(0), b, Clock{Start: 1, Step: 1})
	ctx := context.Background()
	for _, c := range []struct {
		name       string
		by, user   int64
		a          Action
		status     int
		detail     string
		logChanges bool
	}{
		{"unknown user", 1, 99, Accept, http.StatusNotFound, DetailNotFound, false},
		{"yourself", 1, 1, Request, http.StatusBadRequest, DetailSelf, false},
		{"no such request", 1, 3, Accept, http.StatusBadRequest, DetailNoRequest, false},
		{"someone else's request", 3, 2, Accept, http.StatusBadRequest, DetailNoRequest, false},
		{"accept", 1, 2, Accept, http.StatusOK, "", true},
		{"accept again", 1, 2, Accept, http.StatusBadRequest, DetailConnected, false},
		{"request a connection", 2, 1, Request, http.StatusBadRequest, DetailConnected, false},
		{"remove", 2, 1, Remove, http.StatusOK, "", true},
		{"remove again", 2, 1, Remove, http.StatusBadRequest, DetailNotConnected, false},
	} {
		before, _ := h.Log(ctx, "s")
		out, ref, err := h.Do(ctx, "s", c.by, c.a, c.user)
		if err != nil {
			t.Fatal(err)
		}
		after, _ := h.Log(ctx, "s")
		got, detail := out.Status, ""
		if ref != nil {
			got, detail = ref.Status, ref.Detail
		}
		if got != c.status || detail != c.detail || (len(after.Entries) != len(before.Entries)) != c.logChanges {
			t.Fatalf("%s: %d %q, log %d → %d entries", c.name, got, detail, len(before.Entries), len(after.Entries))
		}
	}
}

func TestMemoryCap(t *testing.T) {
	t.Parallel()
	b := &fakeBase{users: 50, lists: map[int64][]int64{}, rejected: map[pair]bool{}, viewed: map[pair]bool{}}
	h := NewHub(NewMemory(3), b, Clock{Start: 1, Step: 1})
	for u := int64(2); u <= 4; u++ {
		if _, ref, err := h.Do(t.Context(), "a", 1, Request, u); err != nil || ref != nil {
			t.Fatalf("request %d: %v %v", u, ref, err)
		}
	}
	_, _, err := h.Do(t.Context(), "b", 1, Request, 5)
	var full *FullError
	if !errors.As(err, &full) || full.Max != 3 {
		t.Fatalf("fourth transition: %v, want a FullError with Max 3", err)
	}
	if err := h.Reset(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	if _, ref, err := h.Do(t.Context(), "b", 1, Request, 5); err != nil || ref != nil {
		t.Fatalf("after a reset: %v %v", ref, err)
	}
}
