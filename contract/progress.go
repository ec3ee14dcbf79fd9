package contract

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressEvery throttles the progress line.
const progressEvery = 100 * time.Millisecond

// progress keeps one status line up to date on a terminal: cases done, requests sent
// and the case running. It shows names only, never URLs or credentials.
type progress struct {
	w        io.Writer
	mu       sync.Mutex
	total    int
	finished int
	requests int
	current  string
	last     time.Time
	shown    bool
}

// newProgress returns nil (a no-op) when w is nil.
func newProgress(w io.Writer, total int) *progress {
	if w == nil {
		return nil
	}
	return &progress{w: w, total: total}
}

func (p *progress) request(name string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	p.current = name
	p.render(false)
}

func (p *progress) caseDone(string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished++
	p.render(p.finished == p.total)
}

// generated shows the generation phase: requests done of all, failures, time left of
// the budget.
func (p *progress) generated(done, total, failures int, left time.Duration) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < progressEvery && done != total {
		return
	}
	p.last = now
	p.shown = true
	fmt.Fprintf(p.w, "\r\x1b[Kconnreq contract: generated %d/%d requests · %d failures · %s left", done, total, failures, max(left, 0).Round(time.Second))
}

// done erases the line.
func (p *progress) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

func (p *progress) render(force bool) {
	now := time.Now()
	if !force && now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	p.shown = true
	fmt.Fprintf(p.w, "\r\x1b[Kconnreq contract: %d/%d cases · %d requests · %s", min(p.finished, p.total), p.total, p.requests, p.current)
}
