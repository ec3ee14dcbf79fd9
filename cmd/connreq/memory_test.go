package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestSetMemoryLimit checks the default soft memory limit and that GOMEMLIMIT overrides it.
// Not parallel: the limit is the process's.
func TestSetMemoryLimit(t *testing.T) {
	orig := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(orig) })
	for _, tc := range []struct {
		name, env string
		want      int64
	}{
		{name: "unset: the default", env: "", want: defaultMemoryLimit},
		{name: "set: left to the runtime", env: "off", want: math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetMemoryLimit(math.MaxInt64)
			setMemoryLimit(func(k string) string {
				if k == "GOMEMLIMIT" {
					return tc.env
				}
				return ""
			})
			if got := debug.SetMemoryLimit(-1); got != tc.want {
				t.Errorf("memory limit %d, want %d", got, tc.want)
			}
		})
	}
}
