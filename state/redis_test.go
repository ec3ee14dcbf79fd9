package state

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/connreq/connreq/internal/redistest"
)

// twoReplicas returns two Hubs over one real Redis, as two mock replicas have.
func twoReplicas(t *testing.T, srv *redistest.Server, b Base) (*Hub, *Hub) {
	t.Helper()
	var hubs [2]*Hub
	for k := range hubs {
		st, err := NewRedis(srv.URL(), 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		hubs[k] = NewHub(st, b, Clock{Start: 1_000_000, Step: 1_000_000})
	}
	return hubs[0], hubs[1]
}

func TestRedisReplicasShareOneWorld(t *testing.T) {
	srv := redistest.Start(t)
	b := &fakeBase{users: 5, lists: map[int64][]int64{1: {2, 3, 4}}, rejected: map[pair]bool{}, viewed: map[pair]bool{}}
	f := fakeRenderer{b}
	a, c := twoReplicas(t, srv, b)
	ctx := t.Context()

	// An accept answered by one replica is seen by the next read on the other.
	if out, ref, err := a.Do(ctx, "s", 1, Accept, 3); err != nil || ref != nil || out.Status != 200 {
		t.Fatalf("accept on A: %+v %v %v", out, ref, err)
	}
	lenOn := func(h *Hub) int64 {
		v, err := h.View(ctx, "s")
		if err != nil {
			t.Fatal(err)
		}
		defer v.Release()
		return v.Overlay(baseList{f, 1}, 1, f, nil, true).Len()
	}
	if n := lenOn(c); n != 2 {
		t.Fatalf("list on B after accept on A: %d items, want 2", n)
	}
	// B's world refuses what A's change made impossible.
	if _, ref, err := c.Do(ctx, "s", 1, Accept, 3); err != nil || ref == nil || ref.Detail != DetailConnected {
		t.Fatalf("second accept on B: %v %v", ref, err)
	}
	// Writes race: both replicas append in turn, and both see both.
	if _, ref, err := c.Do(ctx, "s", 1, Reject, 2); err != nil || ref != nil {
		t.Fatalf("reject on B: %v %v", ref, err)
	}
	if _, ref, err := a.Do(ctx, "s", 1, CancelReject, 2); err != nil || ref != nil {
		t.Fatalf("cancel_reject on A of B's reject: %v %v", ref, err)
	}
	la, _ := a.Log(ctx, "s")
	lc, _ := c.Log(ctx, "s")
	if len(la.Entries) != 3 || len(lc.Entries) != 3 || la.Epoch != lc.Epoch {
		t.Fatalf("logs: A %d entries epoch %d, B %d entries epoch %d", len(la.Entries), la.Epoch, len(lc.Entries), lc.Epoch)
	}
	// A reset on one is a reset on the other, even once the new log outgrows the old.
	if err := a.Reset(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []int64{1, 2, 3, 4} {
		if _, ref, err := a.Do(ctx, "s", 5, Request, u); err != nil || ref != nil {
			t.Fatalf("request after reset: %v %v", ref, err)
		}
	}
	// 1's list on B: the generated 3 (the accept of 3 is forgotten) and 5's new request.
	if n := lenOn(c); n != 4 {
		t.Fatalf("list on B after a reset on A: %d items, want 4", n)
	}
	// Sessions stay apart.
	if n := func() int64 {
		v, _ := c.View(ctx, "other")
		defer v.Release()
		return v.Sent(5, f).Len()
	}(); n != 0 {
		t.Fatalf("session other sees %d sent requests of session s", n)
	}
	names, err := a.Store().Sessions(ctx)
	if err != nil || len(names) != 1 || names[0] != "s" {
		t.Fatalf("sessions: %v %v", names, err)
	}
}

func TestRedisDownThenBack(t *testing.T) {
	srv := redistest.Start(t)
	b := &fakeBase{users: 5, lists: map[int64][]int64{1: {2, 3, 4}}, rejected: map[pair]bool{}, viewed: map[pair]bool{}}
	a, c := twoReplicas(t, srv, b)
	ctx := t.Context()
	if _, ref, err := a.Do(ctx, "s", 1, Accept, 3); err != nil || ref != nil {
		t.Fatalf("accept: %v %v", ref, err)
	}
	srv.Stop()
	if _, _, err := a.Do(ctx, "s", 1, Accept, 2); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("write with Redis down: %v, want ErrUnavailable", err)
	}
	if _, err := c.View(ctx, "s"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("read with Redis down: %v, want ErrUnavailable", err)
	}
	// Redis comes back empty (no persistence): both replicas see the generated world, and
	// a new log never passes for the old one.
	srv.Restart()
	for _, u := range []int64{2, 4} {
		if _, ref, err := c.Do(ctx, "s", 1, Accept, u); err != nil || ref != nil {
			t.Fatalf("accept %d after Redis came back: %v %v", u, ref, err)
		}
	}
	v, err := a.View(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	defer v.Release()
	// Replica A held a log of 1 transition (accept 3); the new one has 2 (accept 2, 4):
	// A must rebuild, so 3 is pending again.
	if got := v.World().Status(1, 3); got != "received_connection_request" {
		t.Fatalf("A's status of 3 after Redis restarted: %q", got)
	}
	if !v.World().IsConnection(1, 2) || !v.World().IsConnection(1, 4) {
		t.Fatal("A does not see B's accepts after Redis restarted")
	}
}

// TestRedisConcurrentWriters races writers on two replicas: every action lands exactly
// once, and both replicas end with the same world.
func TestRedisConcurrentWriters(t *testing.T) {
	srv := redistest.Start(t)
	b := &fakeBase{users: 1000, lists: map[int64][]int64{1: {2, 3}}, rejected: map[pair]bool{}, viewed: map[pair]bool{}}
	f := fakeRenderer{b}
	a, c := twoReplicas(t, srv, b)
	const writers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers*each)
	for k, h := range []*Hub{a, c} {
		for g := 0; g < writers; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					by := int64(10 + (k*writers+g)*each + i) // a distinct sender for every request
					if _, ref, err := h.Do(t.Context(), "s", by, Request, 1); err != nil || ref != nil {
						errs <- fmt.Errorf("request by %d: %v %v", by, ref, err)
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var lists [2]string
	for k, h := range []*Hub{a, c} {
		v, err := h.View(t.Context(), "s")
		if err != nil {
			t.Fatal(err)
		}
		ov := v.Overlay(baseList{f, 1}, 1, f, nil, true)
		if ov.Len() != 2+2*writers*each {
			t.Fatalf("replica %d: user 1 has %d requests, want %d", k, ov.Len(), 2+2*writers*each)
		}
		got, _ := ov.AppendItems(nil, 0, ov.Len())
		lists[k] = string(got)
		v.Release()
	}
	if lists[0] != lists[1] {
		t.Fatal("the two replicas disagree on user 1's list")
	}
}
