package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestSetRuntimeDefaults checks the default soft memory limit and GC percent, and that
// GOMEMLIMIT and GOGC override them. Not parallel: both are the process's.
func TestSetRuntimeDefaults(t *testing.T) {
	orig := debug.SetMemoryLimit(-1)
	origGC := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetMemoryLimit(orig); debug.SetGCPercent(origGC) })
	for _, tc := range []struct {
		name, env string
		want      int
	}{
		{name: "GOGC unset: the default", env: "", want: defaultGCPercent},
		{name: "GOGC set: left to the runtime", env: "150", want: 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			setRuntimeDefaults(func(k string) string {
				if k == "GOGC" {
					return tc.env
				}
				return ""
			})
			if got := debug.SetGCPercent(100); got != tc.want {
				t.Errorf("GC percent %d, want %d", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name, env string
		want      int64
	}{
		{name: "unset: the default", env: "", want: defaultMemoryLimit},
		{name: "set: left to the runtime", env: "off", want: math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetMemoryLimit(math.MaxInt64)
			setRuntimeDefaults(func(k string) string {
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
