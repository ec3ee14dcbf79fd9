package main

import "runtime/debug"

// defaultMemoryLimit is the soft memory limit (runtime/debug.SetMemoryLimit) of the connreq
// process when GOMEMLIMIT is not set. Serving 2,000 keep-alive clients, the mock holds about
// 35 MiB live (mostly net/http's buffers, 8 KiB a connection), yet without a limit the Go
// runtime lets its RSS reach ~130 MiB before handing freed memory back; with this one it
// stays near 110 MiB at the same throughput (figures in cmd/connreq/load_test.go). The limit
// is soft: past it the GC works harder (capped at half the CPU) and nothing fails.
const defaultMemoryLimit = 96 << 20

// setMemoryLimit applies defaultMemoryLimit unless GOMEMLIMIT is set: the runtime has then
// read it already (GOMEMLIMIT=off removes every limit).
func setMemoryLimit(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
