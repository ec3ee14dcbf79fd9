package main

import (
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/connreq/connreq/fixtures"
)

// defaultMemoryLimit is the soft memory limit (runtime/debug.SetMemoryLimit) of the connreq
// process when GOMEMLIMIT is not set. Serving 2,000 keep-alive clients, the mock holds about
// 35 MiB live (mostly net/http's buffers, 8 KiB a connection), yet without a limit the Go
// runtime lets its RSS reach ~130 MiB before handing freed memory back; with this one it
// stays near 110 MiB at the same throughput (figures in cmd/connreq/load_test.go). The limit
// is soft: past it the GC works harder (capped at half the CPU) and nothing fails.
const defaultMemoryLimit = 96 << 20

// defaultGCPercent is the GC's growth target (GOGC) when GOGC is not set. The mock's live
// heap is small (3 MiB serving one client: the spec, the value pools) while net/http
// allocates about 2.5 KiB a request, so at GOGC=100 the collector ran some 40 times a second
// under load and took about 1 µs of CPU a request more than a plain handler's (GODEBUG=
// gctrace=1, docs/performance.md). At 200 it runs half as often per request and the peak RSS under
// .ci/load stays below issue 2's 64 MiB (400 halves the GC's cost again but reaches 78 MiB);
// the soft memory limit above still bounds the heap.
const defaultGCPercent = 200

// setRuntimeDefaults applies defaultMemoryLimit unless GOMEMLIMIT is set, and defaultGCPercent
// unless GOGC is set: the runtime has then read them already (GOMEMLIMIT=off removes every
// limit, GOGC=off the growth target).
func setRuntimeDefaults(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}

// raiseMemoryLimit lifts the soft limit to defaultMemoryLimit plus extra bytes (a replay's
// recorded collections are held in memory: under the default limit the GC would run without
// pause), unless GOMEMLIMIT is set.
func raiseMemoryLimit(getenv func(string) string, extra int64) {
	if getenv("GOMEMLIMIT") == "" && extra > 0 {
		debug.SetMemoryLimit(defaultMemoryLimit + extra)
	}
}

// collectionFileBytes is the size of the collection files of the recording in dir (0 when
// there are none or they cannot be listed: loading reports that).
func collectionFileBytes(dir string) int64 {
	entries, err := os.ReadDir(filepath.Join(dir, fixtures.RecordingCollections))
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n
}
