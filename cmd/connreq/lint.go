package main

import (
	"context"
	"fmt"

	"github.com/connreq/connreq"
)

// runLint loads a spec exactly as serve does and reports the first problem.
func runLint(_ context.Context, e env, args []string) error {
	fs := newFlagSet("lint", e.stderr)
	spec := fs.String("spec", "", "OpenAPI `file` to check (default: the embedded openapi.yaml)")
	if err := parseFlags(fs, args, e.getenv); err != nil {
		return err
	}
	doc, _, err := connreq.LoadSpec(*spec)
	if err != nil {
		return err
	}
	name := *spec
	if name == "" {
		name = "embedded openapi.yaml"
	}
	_, err = fmt.Fprintf(e.stdout, "%s: OK (OpenAPI %s, %d paths)\n", name, doc.OpenAPI, doc.Paths.Len())
	return err
}
