package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// runVersion prints the module version (or "devel") and the Go version.
func runVersion(_ context.Context, e env, args []string) error {
	fs := newFlagSet("version", e.stderr)
	if err := parseFlags(fs, args, e.getenv); err != nil {
		return err
	}
	version, goVersion := "devel", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 && version == "devel" {
				version = "devel+" + s.Value[:12]
			}
		}
	}
	_, err := fmt.Fprintf(e.stdout, "connreq %s (%s)\n", version, goVersion)
	return err
}
