package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/connreq/connreq/fixtures"
)

// RecordOptions says where and how Runner.Record writes a recording.
type RecordOptions struct {
	// Dir is the recording directory: created, or replaced when it holds a recording.
	Dir string
	// Anonymize replaces personal data with deterministic fakes before anything is written.
	Anonymize bool
	// AnonymizeSeed picks the fakes (zero is a valid seed).
	AnonymizeSeed uint64
	// MaxItems bounds the items of the recorded list stored (0: all of them).
	MaxItems int64
	// NoCollection records the exchanges only (format 2 without a collection).
	NoCollection bool
}

// Recorded summarises a recording.
type Recorded struct {
	Dir       string
	Exchanges int      // distinct requests written
	Flagged   []string // "file: problem" for each answer a check found wrong
	Report    *Report  // the contract run the recording was made with
	// Collection is the recorded list (nil when none was recorded); Entry says how.
	Collection *fixtures.Collection
	Entry      *fixtures.CollectionEntry
	// CollectTime is how long walking the list took (all attempts).
	CollectTime time.Duration
}

// tapped is one exchange seen by the tap, in the order Record writes them.
type tapped struct {
	caseIdx, seq int
	tc           *testCase
	req          fixtures.RecordedRequest
	resp         fixtures.RecordedResponse
	reqLine      string // as in Failure.Request, to attach the run's failures
}

// Record replays the contract cases against the target, exactly as Run does, and writes
// every distinct exchange into opts.Dir: the Authorization header, cookies and the token
// never reach the disk. Answers that fail a check are written too, flagged in the index.
// The error is an *UnreachableError when the target cannot be reached, a *ConfigError
// when the directory cannot be used; failed checks alone are not an error.
func (r *Runner) Record(ctx context.Context, opts RecordOptions) (*Recorded, error) {
	if opts.Dir == "" {
		return nil, &ConfigError{Problems: []string{`Out: required: the recording directory (got "")`}}
	}
	caseIdx := map[*testCase]int{}
	for i, tc := range r.cases {
		caseIdx[tc] = i
	}
	var (
		mu   sync.Mutex
		seqs = map[*testCase]int{}
		all  []tapped
	)
	token := r.s.Token
	tap := func(tc *testCase, ex *exchange) {
		path, query := r.relative(ex.req.url)
		t := tapped{
			tc:      tc,
			req:     fixtures.RecordedRequest{Method: ex.req.method, Path: path, Query: query, Auth: authName(ex.req.auth)},
			reqLine: scrub(ex.req.method+" "+ex.req.url, token),
		}
		i, known := caseIdx[tc]
		if !known {
			i = len(r.cases) // a case the report does not list (the back walk's stand-in)
		}
		t.caseIdx = i
		t.resp = recordedResponse(ex, token)
		mu.Lock()
		seqs[tc]++
		t.seq = seqs[tc]
		all = append(all, t)
		mu.Unlock()
	}
	rep, err := r.run(ctx, tap)
	if err != nil {
		return &Recorded{Dir: opts.Dir, Report: rep}, err
	}

	problems := map[string][]string{}
	for _, res := range rep.Results {
		for _, f := range res.Failures {
			msg := string(res.Check) + ": " + f.Message
			if f.Path != "" && f.Path != "status" {
				msg += " (at " + f.Path + ")"
			}
			problems[f.Request] = appendUnique(problems[f.Request], msg)
		}
	}

	sort.SliceStable(all, func(i, j int) bool {
		if all[i].caseIdx != all[j].caseIdx {
			return all[i].caseIdx < all[j].caseIdx
		}
		return all[i].seq < all[j].seq
	})
	var anon *fixtures.Anonymizer
	if opts.Anonymize {
		anon = fixtures.NewAnonymizer(opts.AnonymizeSeed)
	}
	rec := &fixtures.Recording{
		Spec:       fixtures.RecordingSpec{Title: rep.Spec.Title, Version: rep.Spec.Version},
		Target:     rep.Target,
		LinkBase:   r.s.linkBase,
		User:       r.s.User,
		Anonymized: opts.Anonymize,
		Connreq:    rep.Connreq,
	}
	seen := map[fixtures.RecordedRequest]bool{}
	out := &Recorded{Dir: opts.Dir, Report: rep}
	for _, t := range all {
		if seen[t.req] {
			continue // the back walk asks again for pages the walk recorded
		}
		seen[t.req] = true
		if anon != nil && len(t.resp.Body) > 0 {
			body, err := anon.Body(t.resp.Body)
			if err != nil {
				return out, fmt.Errorf("record: anonymize %s %s: %w", t.req.Method, t.req.Path, err)
			}
			t.resp.Body = body
		}
		name := t.tc.fullName()
		if t.seq > 1 {
			name = fmt.Sprintf("%s-%d", name, t.seq)
		}
		file := fixtures.ExchangeFile(len(rec.Entries)+1, name)
		entry := fixtures.IndexEntry{
			File: file, Case: t.tc.fullName(),
			Method: t.req.Method, Path: t.req.Path, Query: t.req.Query, Auth: t.req.Auth,
			Status: t.resp.Status, Problems: problems[t.reqLine],
		}
		if t.resp.Error != "" {
			entry.Problems = appendUnique(entry.Problems, "no answer: "+t.resp.Error)
		}
		for _, p := range entry.Problems {
			out.Flagged = append(out.Flagged, file+": "+p)
		}
		rec.Entries = append(rec.Entries, entry)
		rec.Exchanges = append(rec.Exchanges, fixtures.Exchange{Request: t.req, Response: t.resp})
	}
	out.Exchanges = len(rec.Entries)
	if !opts.NoCollection {
		start := time.Now()
		en, coll, err := r.collect(ctx, rec, r.listPaths(rec, nil), opts.MaxItems, anon)
		out.CollectTime = time.Since(start)
		var skipped *notRecorded
		switch {
		case errors.As(err, &skipped):
			out.Flagged = append(out.Flagged, fixtures.RecordingCollections+": "+skipped.Error())
		case err != nil:
			return out, err
		}
		if coll != nil {
			en.Paths = r.listPaths(rec, coll)
			rec.Collections = append(rec.Collections, *en)
			rec.Lists = append(rec.Lists, coll)
			out.Collection, out.Entry = coll, en
			for _, p := range en.Problems {
				out.Flagged = append(out.Flagged, en.File+": "+p)
			}
		}
	}
	if err := fixtures.WriteRecording(opts.Dir, rec); err != nil {
		return out, &ConfigError{Problems: []string{"Out: " + err.Error()}}
	}
	return out, nil
}

// recordedResponse reduces an exchange's answer to what a recording keeps, with the token
// scrubbed from everything (a server may echo it).
func recordedResponse(ex *exchange, token string) fixtures.RecordedResponse {
	var resp fixtures.RecordedResponse
	if ex.failed != "" {
		resp.Error = scrub(string(ex.failed)+": "+ex.err.Error(), token)
		if ex.status == 0 {
			return resp
		}
	}
	resp.Status = ex.status
	for k, v := range ex.header {
		if name := fixtures.CanonicalHeader(k); name != "" && len(v) > 0 {
			if resp.Headers == nil {
				resp.Headers = map[string]string{}
			}
			resp.Headers[name] = scrub(strings.Join(v, ", "), token)
		}
	}
	body := ex.body
	if token != "" && bytes.Contains(body, []byte(token)) {
		body = []byte(scrub(string(body), token))
	}
	switch {
	case len(body) == 0:
	case json.Valid(body):
		var c bytes.Buffer
		if err := json.Compact(&c, body); err == nil {
			resp.Body = c.Bytes()
		}
	default:
		text := string(body)
		resp.BodyText = &text
	}
	return resp
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
