package state

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
)

// DefaultSession is the session of a request that names none.
const DefaultSession = "default"

// sessionName is what a session key may be: safe in a Redis key and a header.
var sessionName = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,64}$`)

// ValidSession reports whether name can be a session key: 1 to 64 of A-Z a-z 0-9 . _ ~ -.
func ValidSession(name string) bool { return sessionName.MatchString(name) }

// maxCachedSessions bounds the materialised Worlds a Hub keeps; past it one is
// dropped, to be rebuilt from the store when used again.
const maxCachedSessions = 1024

// Hub materialises each session's log from a Store into a World, keeps it in step with
// the store (one Since per read: one Redis round trip) and records actions with an
// optimistic append, so replicas sharing a store agree on every log.
type Hub struct {
	store Store
	local bool // the store is this process's own (Memory): only this Hub writes to it
	base  Base
	clock Clock

	mu       sync.RWMutex
	sessions map[string]*session
}

type session struct {
	name    string
	mu      sync.RWMutex
	epoch   uint64
	w       *World
	synced  bool   // with a local store: w holds the whole log, and only Do moves it
	version string // "+name@epoch.seq", for page cache keys
}

// settle records that s.w or s.epoch changed.
func (s *session) settle() {
	s.version = "+" + s.name + "@" + strconv.FormatUint(s.epoch, 10) + "." + strconv.FormatInt(s.w.seq, 10)
}

// localStore is implemented by stores that live in this process (Memory): reads need no
// round trip to stay in step, since every write goes through the one Hub.
type localStore interface{ local() }

// NewHub returns a Hub over store for base, whose transitions take clock's times.
func NewHub(store Store, base Base, clock Clock) *Hub {
	_, local := store.(localStore)
	return &Hub{store: store, local: local, base: base, clock: clock, sessions: map[string]*session{}}
}

// Store returns the hub's store.
func (h *Hub) Store() Store { return h.store }

func (h *Hub) session(name string) *session {
	h.mu.RLock()
	s := h.sessions[name]
	h.mu.RUnlock()
	if s != nil {
		return s
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s = h.sessions[name]
	if s == nil {
		if len(h.sessions) >= maxCachedSessions {
			for k := range h.sessions {
				delete(h.sessions, k)
				break
			}
		}
		s = &session{name: name, w: NewWorld(h.base, h.clock)}
		s.settle()
		h.sessions[name] = s
	}
	return s
}

// sync brings s up to the store's log.
func (h *Hub) sync(ctx context.Context, name string, s *session) error {
	s.mu.RLock()
	epoch, seq, synced := s.epoch, s.w.seq, s.synced
	s.mu.RUnlock()
	if synced {
		return nil
	}
	log, err := h.store.Since(ctx, name, epoch, seq)
	if err != nil {
		return err
	}
	if log.Epoch == epoch && len(log.Entries) == 0 && !h.local {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.settle()
	if h.local {
		s.synced = true
	}
	if log.Epoch != s.epoch {
		if log.From != 0 {
			return nil // a partial log of another epoch: the next read fetches it whole
		}
		s.epoch, s.w = log.Epoch, NewWorld(h.base, h.clock)
	}
	if log.From > s.w.seq {
		return nil // cannot happen within an epoch; the next read catches up
	}
	for _, t := range log.Entries {
		if t.Seq <= s.w.seq {
			continue
		}
		if err := s.w.Apply(t); err != nil {
			return fmt.Errorf("session %s: %w", name, err)
		}
	}
	return nil
}

// View is a read-locked World of one session; Release it when the answer is written.
type View struct {
	s *session
	w *World
}

// View returns session name's World, in step with the store.
func (h *Hub) View(ctx context.Context, name string) (*View, error) {
	s := h.session(name)
	if err := h.sync(ctx, name, s); err != nil {
		return nil, err
	}
	s.mu.RLock()
	return &View{s: s, w: s.w}, nil
}

// Release ends the view.
func (v *View) Release() { v.s.mu.RUnlock() }

// World returns the view's World (read only).
func (v *View) World() *World { return v.w }

// Version names the session and its log position ("+name@epoch.seq"), for page cache
// keys.
func (v *View) Version() string { return v.s.version }

// maxAttempts bounds the optimistic retries of Do when replicas race.
const maxAttempts = 64

// ErrBusy is Do's answer when other writers kept winning the race for the log.
var ErrBusy = errors.New("state: the session's log kept moving; try again")

// Do performs action a by caller by on user in session name: production's refusal, or
// the outcome after the transition is in the store (and the session's World).
func (h *Hub) Do(ctx context.Context, name string, by int64, a Action, user int64) (Outcome, *Refusal, error) {
	s := h.session(name)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if err := h.sync(ctx, name, s); err != nil {
			return Outcome{}, nil, err
		}
		out, ref, err := h.try(ctx, name, s, by, a, user)
		if errors.Is(err, ErrConflict) {
			continue
		}
		return out, ref, err
	}
	return Outcome{}, nil, ErrBusy
}

func (h *Hub) try(ctx context.Context, name string, s *session, by int64, a Action, user int64) (Outcome, *Refusal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, ref := s.w.Check(by, a, user)
	if ref != nil || out.Noop {
		return out, ref, nil
	}
	t := Transition{Seq: s.w.seq + 1, Action: a, By: by, User: user}
	epoch, err := h.store.Append(ctx, name, s.epoch, t)
	if err != nil {
		return Outcome{}, nil, err
	}
	if epoch != s.epoch { // the log was empty: a new epoch starts
		s.epoch = epoch
	}
	if err := s.w.Apply(t); err != nil {
		return Outcome{}, nil, err
	}
	s.settle()
	return out, nil, nil
}

// Reset forgets session name's transitions ("" for every session).
func (h *Hub) Reset(ctx context.Context, name string) error {
	if err := h.store.Reset(ctx, name); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if name == "" {
		h.sessions = map[string]*session{}
	} else {
		delete(h.sessions, name)
	}
	return nil
}

// Log returns session name's whole log and epoch.
func (h *Hub) Log(ctx context.Context, name string) (Log, error) {
	return h.store.Since(ctx, name, ^uint64(0), 0)
}
