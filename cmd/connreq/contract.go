package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/contract"
)

// contractFlags are the flags of connreq contract; each is also CONNREQ_<NAME>.
type contractFlags struct {
	target, token, tokenFile, user, spec, otherUser, unknownUser, linkBase string
	junit, json, caCert, checks                                            string
	me, seed, corpus, replayFailure                                        string
	generate                                                               int
	budget                                                                 time.Duration
	baseline, baselineToken, diff                                          string
	ignore                                                                 stringList
	maxPages, walkLimit, concurrency                                       int
	maxBody                                                                int64
	rate                                                                   float64
	timeout, maxLatency                                                    time.Duration
	insecure, strict, verbose, listChecks                                  bool
}

func (f *contractFlags) register(fs *flag.FlagSet) {
	f.registerTarget(fs)
	fs.StringVar(&f.junit, "junit", "", "write a JUnit XML report to `file`")
	fs.StringVar(&f.json, "json", "", "write a JSON report to `file`")
	fs.StringVar(&f.checks, "checks", "", "comma-separated `names` of the checks to run; -name,-name runs all but those (see --list-checks)")
	fs.BoolVar(&f.listChecks, "list-checks", false, "print the check names and exit")
	f.registerBaseline(fs)
	f.registerGenerate(fs)
}

// registerGenerate adds the flags of generated contract testing (docs/contract-generate.md).
func (f *contractFlags) registerGenerate(fs *flag.FlagSet) {
	fs.IntVar(&f.generate, "generate", 0, "after the fixed cases, send `N` requests generated from the spec per GET operation, shrink each failure")
	fs.DurationVar(&f.budget, "budget", contract.DefaultBudget, "most time the generated requests take (whichever of --generate and --budget ends first)")
	fs.StringVar(&f.seed, "seed", "", "`number` that drives the generation (default: a random one, printed in the report)")
	fs.StringVar(&f.corpus, "corpus", "", "`dir` of failing minimal requests: replayed first on every run, new failures added (commit it)")
	fs.StringVar(&f.replayFailure, "replay-failure", "", "re-run only the failing case `id` a report printed (from --corpus, or with the run's --seed and --generate)")
}

// registerTarget adds the flags that say what to call and how (shared with record).
func (f *contractFlags) registerTarget(fs *flag.FlagSet) {
	fs.StringVar(&f.target, "target", "", "base `URL` of the deployment to check (required), e.g. https://demo.selfcommunity.com")
	fs.StringVar(&f.token, "token", "", "bearer `token` of --user (required; prefer CONNREQ_TOKEN or --token-file): never printed or written")
	fs.StringVar(&f.tokenFile, "token-file", "", "read the token from the first line of `file`")
	fs.StringVar(&f.user, "user", "", "user `id` whose connection requests the token may read (required)")
	fs.StringVar(&f.spec, "spec", "", "OpenAPI `file` (default: the embedded openapi.yaml)")
	fs.StringVar(&f.me, "me", "", "the caller's user `id`: the owner of the self path's list (default: --user)")
	fs.StringVar(&f.otherUser, "other-user", "", "another user's `id`: their list must answer 403")
	fs.StringVar(&f.unknownUser, "unknown-user", contract.DefaultUnknownUser, "a user `id` nobody has: its list must answer 404")
	fs.StringVar(&f.linkBase, "link-base", "", "`URL` (scheme://host) the deployment writes in next/previous when it differs from --target (behind a proxy)")
	fs.IntVar(&f.maxPages, "max-pages", contract.DefaultMaxPages, "most pages one walk follows")
	fs.IntVar(&f.walkLimit, "walk-limit", 0, "start the walk at ?limit=`N` (0: at the default page)")
	fs.DurationVar(&f.timeout, "timeout", contract.DefaultTimeout, "per-request timeout, body included")
	fs.IntVar(&f.concurrency, "concurrency", contract.DefaultConcurrency, "most requests in flight")
	fs.Float64Var(&f.rate, "rate", 0, "most requests started per second (0: no bound; 20 for --generate against a target that is not on loopback)")
	fs.DurationVar(&f.maxLatency, "max-latency", contract.DefaultMaxLatency, "slowest answer the latency check accepts")
	fs.Int64Var(&f.maxBody, "max-body", contract.DefaultMaxBody, "largest response body read, in `bytes`")
	fs.BoolVar(&f.insecure, "insecure", false, "skip TLS certificate verification")
	fs.StringVar(&f.caCert, "ca-cert", "", "PEM `file` of extra root certificates to trust")
	fs.BoolVar(&f.strict, "strict", false, "expect 400 for limit/offset values the spec forbids (as connreq serve --strict answers) instead of production's leniency")
	fs.BoolVar(&f.verbose, "verbose", false, "log every request to stderr and list skipped checks in the report")
}

// registerBaseline adds the baseline diff flags.
func (f *contractFlags) registerBaseline(fs *flag.FlagSet) {
	fs.StringVar(&f.baseline, "baseline", "", "another deployment's base `URL`, or a recording directory: every answer is diffed with its answer (check baseline-diff)")
	fs.StringVar(&f.baselineToken, "baseline-token", "", "bearer `token` for a --baseline URL; required when its host is not --target's (--token is never sent to another host)")
	fs.StringVar(&f.diff, "diff", "exact", "baseline comparison `mode`: exact (values) or shape (keys, types, nullability)")
	fs.Var(&f.ignore, "ignore", "body `path` left out of the baseline diff, e.g. 'results[].viewed' (repeatable; comma-separated in CONNREQ_IGNORE)")
}

// stringList is a repeatable string flag; a value with commas adds each item.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

// Set adds the comma-separated items of v.
func (l *stringList) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

// config turns the flags into a contract.Config.
func (f *contractFlags) config(e env) (contract.Config, error) {
	cfg := contract.Config{
		Target:      f.target,
		Token:       f.token,
		User:        f.user,
		OtherUser:   f.otherUser,
		UnknownUser: f.unknownUser,
		LinkBase:    f.linkBase,
		MaxPages:    f.maxPages,
		WalkLimit:   f.walkLimit,
		Timeout:     f.timeout,
		Concurrency: f.concurrency,
		Rate:        f.rate,
		MaxLatency:  f.maxLatency,
		MaxBody:     f.maxBody,
		Insecure:    f.insecure,
		CACert:      f.caCert,
		Strict:      f.strict,
	}
	cfg.Me, cfg.Generate, cfg.Budget, cfg.Corpus, cfg.ReplayFailure = f.me, f.generate, f.budget, f.corpus, f.replayFailure
	if f.seed != "" {
		n, err := strconv.ParseUint(f.seed, 10, 64)
		if err != nil {
			return cfg, usagef("--seed: must be a number from 0 to %d (got %q)", uint64(math.MaxUint64), f.seed)
		}
		cfg.Seed = n
	} else {
		cfg.Seed = rand.Uint64() // printed in the report, so the run can be repeated
	}
	if f.seed == "" && f.replayFailure != "" && f.corpus == "" {
		return cfg, usagef("--replay-failure without --corpus needs the --seed (and --generate) of the run that found the case")
	}
	// --baseline-token alone is not an error: CI may export CONNREQ_BASELINE_TOKEN for the
	// jobs that diff and run others without a baseline.
	if f.baseline == "" && (len(f.ignore) > 0 || (f.diff != "" && f.diff != "exact")) {
		return cfg, usagef("--diff and --ignore need --baseline URL|DIR")
	}
	if f.baseline != "" {
		cfg.Baseline, cfg.BaselineToken, cfg.Diff, cfg.Ignore = f.baseline, f.baselineToken, f.diff, f.ignore
	}
	if f.tokenFile != "" {
		if f.token != "" {
			return cfg, usagef("--token and --token-file: give only one")
		}
		data, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return cfg, usagef("--token-file: %v", err)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		cfg.Token = strings.TrimSpace(line)
	}
	for _, r := range []struct{ flag, path string }{{"--junit", f.junit}, {"--json", f.json}} {
		if r.path == "" {
			continue
		}
		// Fail before the run, not after it, when a report cannot be written.
		if fi, err := os.Stat(filepath.Dir(r.path)); err != nil || !fi.IsDir() {
			return cfg, usagef("%s: the directory of %q does not exist", r.flag, r.path)
		}
	}
	for _, c := range strings.Split(f.checks, ",") {
		if c = strings.TrimSpace(c); c != "" {
			cfg.Checks = append(cfg.Checks, c)
		}
	}
	var missing []string
	for _, m := range []struct{ flag, v string }{{"--target", cfg.Target}, {"--token", cfg.Token}, {"--user", cfg.User}} {
		if m.v == "" {
			missing = append(missing, m.flag)
		}
	}
	if len(missing) > 0 {
		return cfg, usagef("missing %s (or CONNREQ_%s)", strings.Join(missing, ", "),
			strings.ToUpper(strings.TrimPrefix(missing[0], "--")))
	}
	if stderrIsTerminal(e) {
		cfg.Progress = e.stderr
	}
	if f.verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return cfg, nil
}

// runner builds the contract runner the flags describe, on the spec of --spec.
func (f *contractFlags) runner(e env) (*contract.Runner, error) {
	cfg, err := f.config(e)
	if err != nil {
		return nil, err
	}
	doc, _, err := connreq.LoadSpec(f.spec)
	if err != nil {
		return nil, err
	}
	return contract.New(doc, cfg)
}

// runContract checks a deployment against the spec and reports. It returns nil when
// every check passed, a *contract.ChecksFailedError (exit 1) when one failed, a
// *contract.UnreachableError (exit 3) when the target cannot be reached, and a usage,
// spec or configuration error (exit 2) otherwise.
func runContract(ctx context.Context, e env, args []string) error {
	var f contractFlags
	fs := newFlagSet("contract", e.stderr)
	f.register(fs)
	fs.Usage = func() { contractUsage(fs) }
	if err := parseFlags(fs, args, e.getenv); err != nil {
		return err
	}
	if f.listChecks {
		for _, c := range contract.Checks() {
			fmt.Fprintf(e.stdout, "%-20s %s\n", c, contract.Describe(c))
		}
		return nil
	}
	runner, err := f.runner(e)
	if err != nil {
		return err
	}
	rep, runErr := runner.Run(ctx)
	if rep == nil {
		return runErr
	}
	color := stdoutIsTerminal(e) && e.getenv("NO_COLOR") == "" && e.getenv("TERM") != "dumb"
	if err := rep.WriteText(e.stdout, contract.TextOptions{Color: color, Verbose: f.verbose}); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := writeReportFile(f.junit, rep.WriteJUnit); err != nil {
		return usageError{fmt.Errorf("--junit: %w", err)}
	}
	if err := writeReportFile(f.json, rep.WriteJSON); err != nil {
		return usageError{fmt.Errorf("--json: %w", err)}
	}
	if runErr != nil {
		return runErr
	}
	return rep.Err()
}

// writeReportFile writes a report to path (nothing when path is empty), through a
// temporary file renamed into place so that CI never reads half a report.
func writeReportFile(path string, write func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// contractUsage prints the flags, the checks and the exit codes.
func contractUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintln(w, "usage: connreq contract --target URL --token TOKEN --user ID [flags]")
	fmt.Fprintln(w, "\nReplays the cases derived from the spec against a deployment, walks its pagination")
	fmt.Fprintln(w, "and checks every answer. Every flag can also be set as CONNREQ_<NAME>.")
	fmt.Fprintln(w, "\nflags:")
	fs.PrintDefaults()
	fmt.Fprintln(w, "\nchecks:")
	for _, c := range contract.Checks() {
		fmt.Fprintf(w, "  %-20s %s\n", c, contract.Describe(c))
	}
	fmt.Fprintln(w, "\nexit codes: 0 all checks passed · 1 a check failed · 2 usage, spec or configuration error · 3 target unreachable")
}

// stdoutIsTerminal and stderrIsTerminal report whether the writers are terminals
// (character devices); injected writers in tests never are.
func stdoutIsTerminal(e env) bool { return isCharDevice(e.stdout) }
func stderrIsTerminal(e env) bool { return isCharDevice(e.stderr) }

func isCharDevice(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
