package state

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Store keeps the transition log of every session: in memory (Memory) or in Redis
// (Redis), shared by mock replicas. A log lives in an epoch: Reset ends it, and the
// next append starts a new one, so a replica holding a materialised World notices a
// reset even when the new log has grown as long as the old one.
type Store interface {
	// Since returns session's log after its first from transitions when the store is
	// still at epoch; otherwise (a reset, or a first read) the whole log and its epoch.
	// An empty log has epoch 0.
	Since(ctx context.Context, session string, epoch uint64, from int64) (Log, error)
	// Append appends t if session's log is at epoch with t.Seq-1 transitions, else
	// fails with ErrConflict; past the cap it fails with a *FullError. It returns the
	// log's epoch (a new one when the log was empty).
	Append(ctx context.Context, session string, epoch uint64, t Transition) (uint64, error)
	// Reset forgets session's log; an empty session resets every session.
	Reset(ctx context.Context, session string) error
	// Sessions lists the sessions that have transitions, sorted.
	Sessions(ctx context.Context) ([]string, error)
	// Close releases the store's connections.
	Close() error
}

// Log is a part of a session's transition log.
type Log struct {
	Epoch uint64
	// From is how many transitions precede Entries: 0 when Entries is the whole log.
	From    int64
	Entries []Transition
}

// ErrConflict is Append's answer when the log moved on since the caller read it.
var ErrConflict = errors.New("state: the transition log moved on")

// ErrUnavailable matches the errors of a store that cannot be reached (Redis down).
var ErrUnavailable = errors.New("state store unavailable")

// FullError is Append's answer past the cap on transitions.
type FullError struct{ Max int64 }

// Error implements error.
func (e *FullError) Error() string {
	return fmt.Sprintf("the mock holds its maximum of %d transitions (--state-max); DELETE /__connreq/state to reset", e.Max)
}

// DefaultMax is the default cap on transitions a server (or a Redis) holds.
const DefaultMax = 100_000

// Memory is the in-memory Store, the default: a server's own sessions. It belongs to one
// Hub, whose reads then need no call to it.
type Memory struct {
	mu        sync.Mutex
	max       int64
	total     int64
	lastEpoch uint64
	logs      map[string]*memLog
}

type memLog struct {
	epoch   uint64
	entries []Transition // append-only within an epoch: a slice handed out stays valid
}

// NewMemory returns an empty Memory store holding at most max transitions (0: DefaultMax).
func NewMemory(max int64) *Memory {
	if max <= 0 {
		max = DefaultMax
	}
	return &Memory{max: max, logs: map[string]*memLog{}}
}

// Since implements Store.
func (m *Memory) Since(_ context.Context, session string, epoch uint64, from int64) (Log, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.logs[session]
	if l == nil {
		return Log{}, nil
	}
	if l.epoch != epoch || from > int64(len(l.entries)) {
		return Log{Epoch: l.epoch, Entries: l.entries[:len(l.entries):len(l.entries)]}, nil
	}
	return Log{Epoch: l.epoch, From: from, Entries: l.entries[from:len(l.entries):len(l.entries)]}, nil
}

// Append implements Store.
func (m *Memory) Append(_ context.Context, session string, epoch uint64, t Transition) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.logs[session]
	var cur uint64
	var n int64
	if l != nil {
		cur, n = l.epoch, int64(len(l.entries))
	}
	if cur != epoch || n != t.Seq-1 {
		return cur, ErrConflict
	}
	if m.total >= m.max {
		return cur, &FullError{Max: m.max}
	}
	if l == nil {
		m.lastEpoch++
		l = &memLog{epoch: m.lastEpoch}
		m.logs[session] = l
	}
	l.entries = append(l.entries, t)
	m.total++
	return l.epoch, nil
}

// Reset implements Store.
func (m *Memory) Reset(_ context.Context, session string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if session == "" {
		m.logs = map[string]*memLog{}
		m.total = 0
		return nil
	}
	if l := m.logs[session]; l != nil {
		m.total -= int64(len(l.entries))
		delete(m.logs, session)
	}
	return nil
}

// Sessions implements Store.
func (m *Memory) Sessions(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.logs))
	for name := range m.logs {
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

// Close implements Store.
func (m *Memory) Close() error { return nil }

// local marks Memory as a store of this process: one Hub writes it.
func (m *Memory) local() {}

// Max is the cap on transitions.
func (m *Memory) Max() int64 { return m.max }
