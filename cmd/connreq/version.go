package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/connreq/connreq"
)

// runVersion prints the module version, the VCS revision and state, and the Go version
// (runtime/debug.ReadBuildInfo; release builds may override with -ldflags -X); --json
// prints the same as one JSON object.
func runVersion(_ context.Context, e env, args []string) error {
	fs := newFlagSet("version", e.stderr)
	asJSON := fs.Bool("json", false, "print a JSON object: version, revision, time, modified, go, platform")
	if err := parseFlags(fs, args, e.getenv); err != nil {
		return err
	}
	b := connreq.BuildInfo()
	if *asJSON {
		out, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("encode version: %w", err)
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", out)
		return err
	}
	revision := b.Revision
	if revision == "" {
		revision = "unknown"
	}
	if b.Time != "" {
		revision += " (" + b.Time + ")"
	}
	_, err := fmt.Fprintf(e.stdout, "connreq %s\nrevision  %s\nmodified  %t\ngo        %s %s\n",
		b, revision, b.Modified, b.GoVersion, b.Platform)
	return err
}
