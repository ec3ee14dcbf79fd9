package mock

import (
	"hash/maphash"
	"sync"
)

// pageKey is everything a page body depends on besides the server's fixed config.
type pageKey struct {
	variant          string // scenario or other data-set selector; "" for generated data
	owner            int64
	count            int64
	start, end       int64
	next, prev       string
	hasNext, hasPrev bool
}

// Cache geometry: 16 shards × 16 slots, bodies up to 64 KiB: at most 16 MiB.
const (
	cacheShards   = 16
	cacheSlots    = 16
	cacheMaxBytes = 64 << 10
)

// pageCache is a small direct-mapped cache of encoded page bodies. A page is admitted
// on its second miss in a row for the same slot, so traffic that never repeats (every
// request a new user or offset) costs no allocation. Stored bodies are never mutated.
type pageCache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	mu    sync.Mutex
	slots [cacheSlots]cacheSlot
}

type cacheSlot struct {
	key      pageKey
	body     []byte
	lastMiss uint64 // hash of the last key that missed here
}

func newPageCache() *pageCache { return &pageCache{seed: maphash.MakeSeed()} }

func (c *pageCache) hash(k *pageKey) uint64 {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(k.variant)
	h.WriteString(k.next)
	h.WriteString(k.prev)
	var b [32]byte
	put := func(off int, v int64) {
		for i := 0; i < 8; i++ {
			b[off+i] = byte(v >> (8 * i))
		}
	}
	put(0, k.owner)
	put(8, k.count)
	put(16, k.start)
	put(24, k.end)
	_, _ = h.Write(b[:])
	return h.Sum64()
}

func (c *pageCache) slot(h uint64) (*cacheShard, int) {
	return &c.shards[h%cacheShards], int((h / cacheShards) % cacheSlots)
}

// get returns the cached body for k, or nil and the hash to pass to put.
func (c *pageCache) get(k *pageKey) ([]byte, uint64) {
	h := c.hash(k)
	sh, i := c.slot(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if s := &sh.slots[i]; s.body != nil && s.key == *k {
		return s.body, h
	}
	return nil, h
}

// put offers body for k after a miss; it is copied only on a repeated miss.
func (c *pageCache) put(k *pageKey, h uint64, body []byte) {
	if len(body) > cacheMaxBytes {
		return
	}
	sh, i := c.slot(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s := &sh.slots[i]
	if s.lastMiss != h {
		s.lastMiss = h
		return
	}
	s.key = *k
	s.body = append([]byte(nil), body...)
}
