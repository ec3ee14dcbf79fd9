package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/connreq/connreq"
)

// Exit codes, shared by every subcommand (README "Exit codes").
const (
	exitOK          = 0 // success; for contract: every check passed
	exitFailed      = 1 // contract: at least one check failed
	exitUsage       = 2 // usage, spec or configuration error
	exitUnreachable = 3 // contract: the target cannot be reached
)

// env gives a subcommand its process context without touching os.*.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// command is one subcommand: its name, a one-line summary and its entry point.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

// usageError is a bad command line or configuration: exit 2 with a hint.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// usagef builds a usageError.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitCoder lets a package error choose its own exit code (e.g. failed checks → 1).
type exitCoder interface{ ExitCode() int }

func commands() []command {
	return []command{
		{name: "serve", summary: "serve the mock API built from the spec", run: runServe},
		{name: "contract", summary: "check a deployment against the spec", run: runContract},
		{name: "record", summary: "record a deployment's answers for replay and diff", run: runRecord},
		{name: "lint", summary: "validate a spec (and fixtures) as serve would load them", run: runLint},
		{name: "health", summary: "check that a running mock answers (exit 0 or 1)", run: runHealth},
		{name: "version", summary: "print the version, revision and Go version", run: runVersion},
	}
}

// run is main without os.*: it returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		printUsage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(stderr, c.name, c.run(ctx, e, args[1:]))
		}
	}
	fmt.Fprintf(stderr, "connreq: unknown command %q\n", args[0])
	printUsage(stderr)
	return exitUsage
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: connreq <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'connreq <command> -h' for the flags of a command. Every flag can also be set")
	fmt.Fprintln(w, "as an environment variable CONNREQ_<NAME> (e.g. --max-limit → CONNREQ_MAX_LIMIT).")
}

// exitCode maps an error to the process exit code, printing it once.
func exitCode(stderr io.Writer, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ec exitCoder
	if errors.As(err, &ec) {
		if code := ec.ExitCode(); code == exitFailed {
			// The report already said which checks failed.
			return code
		}
		fmt.Fprintf(stderr, "connreq %s: %v\n", name, err)
		return ec.ExitCode()
	}
	fmt.Fprintf(stderr, "connreq %s: %v\n", name, err)
	if _, ok := errors.AsType[usageError](err); ok {
		fmt.Fprintf(stderr, "Run 'connreq %s -h' for usage.\n", name)
		return exitUsage
	}
	if errors.Is(err, connreq.ErrSpec) {
		return exitUsage
	}
	return exitUsage
}

// newFlagSet returns a FlagSet that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("connreq "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage of connreq %s:\n", name)
		fs.PrintDefaults()
		if doc := referenceDoc(name); doc != "" {
			fmt.Fprintf(stderr, "\nReference: %s (in the connreq repository); every flag can also be set as CONNREQ_<NAME>.\n", doc)
		}
	}
	return fs
}

// referenceDoc is the docs/ page of a subcommand.
func referenceDoc(name string) string {
	switch name {
	case "serve":
		return "docs/serve.md, docs/scenarios.md, docs/official-client.md, docs/record-replay.md (--replay)"
	case "contract":
		return "docs/contract.md, docs/record-replay.md (--baseline)"
	case "record":
		return "docs/record-replay.md, docs/recordings.md"
	case "lint":
		return "docs/scenarios.md, docs/official-client.md (--preferences)"
	}
	return ""
}

// envName is the environment variable for a flag: CONNREQ_ + upper snake case.
func envName(flagName string) string {
	return "CONNREQ_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags applies CONNREQ_<NAME> variables, then the command line (which wins).
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	sort.Strings(names)
	for _, name := range names {
		if v := getenv(envName(name)); v != "" {
			if err := fs.Set(name, v); err != nil {
				return usagef("%s=%q: %v", envName(name), v, err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
