package state

import (
	"context"
	"fmt"
	"testing"

	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/internal/redistest"
)

// hugeBase is one owner (7) with 10^9 generated requests, everyone else with the
// generator's own lists: the worst case for an overlay.
type hugeBase struct{ g *fixtures.Generator }

const hugeOwner, hugeLen = 7, 1_000_000_000

func (b hugeBase) Exists(u int64) bool { return u >= 1 && u <= fixtures.MaxUserID }
func (b hugeBase) Len(o int64) int64 {
	if o == hugeOwner {
		return hugeLen
	}
	return b.g.Count(o)
}
func (b hugeBase) IndexOf(o, s int64) (int64, bool) { return b.g.IndexOf(o, s, b.Len(o)) }
func (b hugeBase) Flags(o, i int64) (bool, bool)    { return b.g.ItemFlags(o, i, nil) }

type hugeList struct{ g *fixtures.Generator }

func (l hugeList) Len() int64      { return hugeLen }
func (l hugeList) Version() string { return "huge" }
func (l hugeList) AppendItems(dst []byte, s, e int64) ([]byte, error) {
	return l.g.AppendItems(dst, hugeOwner, hugeLen, s, e, nil), nil
}

// hugeHub returns a Hub whose session "s" holds n transitions on the huge list: accepts
// and rejects spread over the whole list, and new requests at its top.
func hugeHub(b *testing.B, st Store, n int) (*Hub, fixtures.List, *fixtures.Generator) {
	b.Helper()
	g, err := fixtures.NewGenerator(fixtures.Config{})
	if err != nil {
		b.Fatal(err)
	}
	h := NewHub(st, hugeBase{g}, Clock{Start: 1, Step: 1_000_000})
	ctx := context.Background()
	for k := 0; k < n; k++ {
		var out Outcome
		var ref *Refusal
		switch k % 3 {
		case 0: // accept a request spread over the list
			i := int64(k) * (hugeLen / int64(n+1))
			out, ref, err = h.Do(ctx, "s", hugeOwner, Accept, g.SenderOf(hugeOwner, i))
		case 1:
			i := int64(k)*(hugeLen/int64(n+1)) + 1
			out, ref, err = h.Do(ctx, "s", hugeOwner, Reject, g.SenderOf(hugeOwner, i))
		default: // a new request from a user outside the list's first part
			out, ref, err = h.Do(ctx, "s", int64(2_000_000_000-k), Request, hugeOwner)
		}
		if err != nil || (ref != nil && ref.Detail != DetailRejected) {
			b.Fatalf("transition %d: %v %v %v", k, out, ref, err)
		}
	}
	return h, hugeList{g}, g
}

// BenchmarkOverlayHugePage renders a 20-item window of the 10^9-item list with 0, 1,000
// and 10,000 transitions: the middle, and the last page.
func BenchmarkOverlayHugePage(b *testing.B) {
	for _, n := range []int{0, 1000, 10000} {
		h, base, g := hugeHub(b, NewMemory(1_000_000), n)
		for _, where := range []struct {
			name  string
			start int64
		}{{"middle", hugeLen / 2}, {"last", -20}} {
			b.Run(fmt.Sprintf("transitions-%d/%s", n, where.name), func(b *testing.B) {
				buf := make([]byte, 0, 64<<10)
				for b.Loop() {
					v, err := h.View(context.Background(), "s")
					if err != nil {
						b.Fatal(err)
					}
					ov := v.Overlay(base, hugeOwner, g, nil, true)
					start := where.start
					if start < 0 {
						start = ov.Len() + start
					}
					if buf, err = ov.AppendItems(buf[:0], start, start+20); err != nil {
						b.Fatal(err)
					}
					v.Release()
				}
			})
		}
	}
}

// BenchmarkDo measures one action (a request, then its cancel) in memory and in Redis.
func BenchmarkDo(b *testing.B) {
	g, err := fixtures.NewGenerator(fixtures.Config{})
	if err != nil {
		b.Fatal(err)
	}
	stores := map[string]func(b *testing.B) Store{
		"memory": func(*testing.B) Store { return NewMemory(1 << 40) },
		"redis": func(b *testing.B) Store {
			srv := redistest.Start(b)
			st, err := NewRedis(srv.URL(), 1<<40)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			return st
		},
	}
	for _, name := range []string{"memory", "redis"} {
		b.Run(name, func(b *testing.B) {
			h := NewHub(stores[name](b), hugeBase{g}, Clock{Start: 1, Step: 1})
			ctx := context.Background()
			k := 0
			for b.Loop() {
				a := Request
				if k%2 == 1 {
					a = CancelRequest
				}
				if _, ref, err := h.Do(ctx, "s", 1, a, 2); err != nil || ref != nil {
					b.Fatalf("%s: %v %v", a, ref, err)
				}
				k++
			}
		})
	}
}

// BenchmarkViewRedis measures the per-read cost of staying in step with Redis (one
// pipelined round trip) with 1,000 transitions in the log.
func BenchmarkViewRedis(b *testing.B) {
	srv := redistest.Start(b)
	st, err := NewRedis(srv.URL(), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	h, _, _ := hugeHub(b, st, 1000)
	for b.Loop() {
		v, err := h.View(context.Background(), "s")
		if err != nil {
			b.Fatal(err)
		}
		v.Release()
	}
}
