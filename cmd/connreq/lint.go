package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/fixtures"
)

// runLint loads a spec, and the scenario fixtures, exactly as serve does; a bad fixture
// set is reported one problem a line, all at once.
func runLint(_ context.Context, e env, args []string) error {
	fs := newFlagSet("lint", e.stderr)
	spec := fs.String("spec", "", "OpenAPI `file` to check (default: the embedded openapi.yaml)")
	dir := fs.String("fixtures", "", "`directory` of scenario files to validate against the spec, with the shipped ones")
	prefFile := fs.String("preferences", "", "preferences `file` to validate (as serve --preferences reads it)")
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
	if _, err := fmt.Fprintf(e.stdout, "%s: OK (OpenAPI %s, %d paths)\n", name, doc.OpenAPI, doc.Paths.Len()); err != nil {
		return err
	}
	cat, err := loadCatalogue(doc, *dir)
	if err != nil {
		return problemsError(e, err)
	}
	where := "shipped scenarios"
	if *dir != "" {
		where = "shipped scenarios and " + *dir
	}
	if _, err = fmt.Fprintf(e.stdout, "%s: OK (%d scenarios)\n", where, cat.Len()); err != nil || *prefFile == "" {
		return err
	}
	prefs, err := loadPreferences(*prefFile)
	if err != nil {
		return problemsError(e, err)
	}
	_, err = fmt.Fprintf(e.stdout, "%s: OK (%d preferences)\n", *prefFile, len(prefs.All()))
	return err
}

// problemsError prints a *fixtures.LoadError one problem a line and turns it into exit 2;
// other errors pass through.
func problemsError(e env, err error) error {
	le, ok := errors.AsType[*fixtures.LoadError](err)
	if !ok {
		return err
	}
	for _, p := range le.Problems {
		fmt.Fprintln(e.stderr, p.String())
	}
	return fixtureError{n: len(le.Problems)}
}

// fixtureError is a fixture set with problems, already printed one a line: exit 2.
type fixtureError struct{ n int }

func (f fixtureError) Error() string { return fmt.Sprintf("%d problem(s) in the fixtures", f.n) }
func (f fixtureError) ExitCode() int { return exitUsage }
