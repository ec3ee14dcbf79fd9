package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/connreq/connreq/contract"
)

// recordFlags are the flags of connreq record: the contract runner's target flags, plus
// where to write and whether to anonymise.
type recordFlags struct {
	contractFlags
	out           string
	anonymize     bool
	anonymizeSeed uint64
	maxItems      int64
	noCollection  bool
}

// runRecord replays the contract cases against a deployment and writes every exchange
// into a recording directory. Exit 0 when recorded (answers that failed a check are
// flagged in the index, not dropped), 2 for usage or configuration, 3 when unreachable.
func runRecord(ctx context.Context, e env, args []string) error {
	var f recordFlags
	fs := newFlagSet("record", e.stderr)
	f.registerTarget(fs)
	fs.StringVar(&f.out, "out", "", "recording `directory` to write (created; a previous recording there is replaced; anything else is refused)")
	fs.BoolVar(&f.anonymize, "anonymize", false, "replace personal data (names, bios, locations, coordinates, avatar/cover/website URLs, birth dates) with deterministic fakes")
	fs.Uint64Var(&f.anonymizeSeed, "anonymize-seed", 0, "`seed` of the anonymised fakes")
	fs.Int64Var(&f.maxItems, "max-items", 0, "store at most `N` items of the recorded list (0: the whole list, up to 1,000,000 items and 1 GiB); the index says so when it bit")
	fs.BoolVar(&f.noCollection, "no-collection", false, "record the exchanges only, not the whole list (a replay then answers the recorded requests only)")
	fs.Usage = func() { recordUsage(fs) }
	if err := parseFlags(fs, args, e.getenv); err != nil {
		return err
	}
	if f.out == "" {
		return usagef("missing --out (or CONNREQ_OUT): the recording directory")
	}
	if f.maxItems < 0 {
		return usagef("--max-items: must be 0 (no bound) or positive (got %d)", f.maxItems)
	}
	runner, err := f.runner(e)
	if err != nil {
		return err
	}
	rec, err := runner.Record(ctx, contract.RecordOptions{Dir: f.out, Anonymize: f.anonymize, AnonymizeSeed: f.anonymizeSeed, MaxItems: f.maxItems, NoCollection: f.noCollection})
	if err != nil {
		return err
	}
	anon := ""
	if f.anonymize {
		anon = ", anonymised"
	}
	fmt.Fprintf(e.stdout, "recorded %d exchanges from %s into %s%s (%d requests, %s)\n",
		rec.Exchanges, rec.Report.Target, rec.Dir, anon, rec.Report.Requests, rec.Report.Duration.Round(1e6))
	if c, en := rec.Collection, rec.Entry; c != nil {
		cut := ""
		if en.MaxItems > 0 {
			cut = fmt.Sprintf(", cut by --max-items %d", en.MaxItems)
			if f.maxItems == 0 {
				cut = fmt.Sprintf(", cut at %d items (the bound without --max-items)", en.MaxItems)
			}
		}
		fmt.Fprintf(e.stdout, "recorded user %d's list: %d of %d items at limit %d into %s%s (%s; %.0f bytes per item in memory)\n",
			c.Owner, c.Stored(), c.Count, en.Limit, en.File, cut, rec.CollectTime.Round(time.Millisecond), float64(c.Bytes())/float64(max(c.Stored(), 1)))
	}
	if len(rec.Flagged) > 0 {
		fmt.Fprintf(e.stdout, "%d problems flagged in %s/index.json (the answers are recorded as they came):\n", len(rec.Flagged), rec.Dir)
		for _, p := range rec.Flagged {
			fmt.Fprintf(e.stdout, "  %s\n", p)
		}
	}
	return nil
}

// recordUsage prints the flags and exit codes of record.
func recordUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintln(w, "usage: connreq record --target URL --token TOKEN --user ID --out DIR [--anonymize] [flags]")
	fmt.Fprintln(w, "\nSends the contract runner's requests to a deployment and writes each answer (status,")
	fmt.Fprintln(w, "Content-Type, WWW-Authenticate, Allow, pretty JSON body) to DIR/exchanges/, listed in")
	fmt.Fprintln(w, "DIR/index.json, then walks the user's list at the largest limit and stores it whole in")
	fmt.Fprintln(w, "DIR/collections/ (any window of it replays). The token, Authorization and cookies never")
	fmt.Fprintln(w, "reach the disk. Serve it with")
	fmt.Fprintln(w, "connreq serve --replay DIR, or diff against it with connreq contract --baseline DIR.")
	fmt.Fprintln(w, "Every flag can also be set as CONNREQ_<NAME>.")
	fmt.Fprintln(w, "\nflags:")
	fs.PrintDefaults()
	fmt.Fprintln(w, "\nexit codes: 0 recorded (check failures are flagged in the index) · 2 usage, spec or configuration error · 3 target unreachable")
}
