package state

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Store in Redis, so several mock replicas share one world: an accept answered
// by one is seen by the next request to any. Each session's log is a Redis list whose
// first element names its epoch; reads cost one pipelined round trip (the epoch and the
// new transitions), writes one script that appends only if the log is where the writer
// read it, and enforces the cap on transitions across sessions.
type Redis struct {
	c      *redis.Client
	addr   string
	prefix string
	max    int64
}

// Redis keys, under the prefix.
const (
	keyLog      = "log:"     // + session: the list [g:<epoch>, transition...]
	keyTotal    = "total"    // transitions held across sessions
	keySessions = "sessions" // set of session names with a log
)

// NewRedis connects to the Redis of url (redis://HOST:PORT/DB), under key prefix
// "connreq:state:", holding at most max transitions (0: DefaultMax). It does not
// reach Redis: an unreachable one gives ErrUnavailable on use, and use resumes when it
// comes back.
func NewRedis(url string, max int64) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis URL %q: %w (want redis://HOST:PORT/DB)", url, err)
	}
	opt.DialTimeout = time.Second
	opt.ReadTimeout = time.Second
	opt.WriteTimeout = time.Second
	opt.MaxRetries = -1 // an append must never run twice; the next request retries
	opt.DialerRetries = 1
	opt.DisableIdentity = true
	if max <= 0 {
		max = DefaultMax
	}
	return &Redis{c: redis.NewClient(opt), addr: opt.Addr, prefix: "connreq:state:", max: max}, nil
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.c.Ping(ctx).Err(); err != nil {
		return r.unavailable(err)
	}
	return nil
}

func (r *Redis) unavailable(err error) error {
	return fmt.Errorf("%w: redis at %s: %v", ErrUnavailable, r.addr, err)
}

// parseEpoch reads a log's first element, "g:<epoch>".
func parseEpoch(s string) (uint64, error) {
	e, err := strconv.ParseUint(strings.TrimPrefix(s, "g:"), 10, 64)
	if err != nil || !strings.HasPrefix(s, "g:") || e == 0 {
		return 0, fmt.Errorf("redis log head %q: want g:<epoch>", s)
	}
	return e, nil
}

// newEpoch draws a log's epoch: random, so a Redis restarted without its data never
// repeats an epoch a replica still holds; below 2^53, exact in Lua's numbers.
func newEpoch() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])>>11 | 1
}

// Since implements Store.
func (r *Redis) Since(ctx context.Context, session string, epoch uint64, from int64) (Log, error) {
	key := r.prefix + keyLog + session
	// MULTI/EXEC: no reset and regrowth of the log can fall between the two reads; still
	// one round trip.
	pipe := r.c.TxPipeline()
	head := pipe.LIndex(ctx, key, 0)
	rest := pipe.LRange(ctx, key, from+1, -1)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Log{}, r.unavailable(err)
	}
	h, err := head.Result()
	if errors.Is(err, redis.Nil) {
		return Log{}, nil
	}
	if err != nil {
		return Log{}, r.unavailable(err)
	}
	cur, err := parseEpoch(h)
	if err != nil {
		return Log{}, err
	}
	raw := rest.Val()
	log := Log{Epoch: cur, From: from}
	if cur != epoch && from != 0 {
		if raw, err = r.c.LRange(ctx, key, 1, -1).Result(); err != nil {
			return Log{}, r.unavailable(err)
		}
		log.From = 0
	}
	if cur != epoch {
		log.From = 0
	}
	log.Entries = make([]Transition, 0, len(raw))
	for _, s := range raw {
		t, err := decodeTransition([]byte(s))
		if err != nil {
			return Log{}, err
		}
		log.Entries = append(log.Entries, t)
	}
	return log, nil
}

// appendScript appends ARGV[3] to the log KEYS[1] if it is at epoch ARGV[1] with ARGV[2]
// transitions and fewer than ARGV[4] transitions are held: {1, epoch}, {-1, epoch} on a
// conflict, {-2, epoch} when full.
var appendScript = redis.NewScript(`
local len = redis.call('LLEN', KEYS[1])
local epoch = 0
if len > 0 then epoch = tonumber(string.sub(redis.call('LINDEX', KEYS[1], 0), 3)) end
local n = 0
if len > 0 then n = len - 1 end
if epoch ~= tonumber(ARGV[1]) or n ~= tonumber(ARGV[2]) then return {-1, epoch} end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[4]) then return {-2, epoch} end
if len == 0 then
  epoch = tonumber(ARGV[6])
  redis.call('RPUSH', KEYS[1], 'g:' .. ARGV[6])
  redis.call('SADD', KEYS[4], ARGV[5])
end
redis.call('RPUSH', KEYS[1], ARGV[3])
redis.call('INCR', KEYS[3])
return {1, epoch}
`)

// Append implements Store.
func (r *Redis) Append(ctx context.Context, session string, epoch uint64, t Transition) (uint64, error) {
	keys := []string{r.prefix + keyLog + session, r.prefix + keyLog + session, r.prefix + keyTotal, r.prefix + keySessions}
	res, err := appendScript.Run(ctx, r.c, keys, epoch, t.Seq-1, t.encode(), r.max, session, newEpoch()).Int64Slice()
	if err != nil {
		return 0, r.unavailable(err)
	}
	if len(res) != 2 {
		return 0, fmt.Errorf("redis append: unexpected answer %v", res)
	}
	switch res[0] {
	case -1:
		return uint64(res[1]), ErrConflict
	case -2:
		return uint64(res[1]), &FullError{Max: r.max}
	}
	return uint64(res[1]), nil
}

// resetScript deletes the log KEYS[1] of session ARGV[1], or every session's log (named
// ARGV[2] .. name) when ARGV[1] is empty, keeping the total right.
var resetScript = redis.NewScript(`
if ARGV[1] ~= '' then
  local len = redis.call('LLEN', KEYS[1])
  if len > 0 then
    redis.call('DECRBY', KEYS[2], len - 1)
    redis.call('DEL', KEYS[1])
  end
  redis.call('SREM', KEYS[3], ARGV[1])
  return len
end
local names = redis.call('SMEMBERS', KEYS[3])
for _, name in ipairs(names) do redis.call('DEL', ARGV[2] .. name) end
redis.call('DEL', KEYS[3])
redis.call('SET', KEYS[2], 0)
return #names
`)

// Reset implements Store.
func (r *Redis) Reset(ctx context.Context, session string) error {
	keys := []string{r.prefix + keyLog + session, r.prefix + keyTotal, r.prefix + keySessions}
	if err := resetScript.Run(ctx, r.c, keys, session, r.prefix+keyLog).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return r.unavailable(err)
	}
	return nil
}

// Sessions implements Store.
func (r *Redis) Sessions(ctx context.Context) ([]string, error) {
	names, err := r.c.SMembers(ctx, r.prefix+keySessions).Result()
	if err != nil {
		return nil, r.unavailable(err)
	}
	sort.Strings(names)
	return names, nil
}

// Close implements Store.
func (r *Redis) Close() error { return r.c.Close() }

// Max is the cap on transitions across sessions.
func (r *Redis) Max() int64 { return r.max }
