package contract

import (
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/connreq/connreq/fixtures"
)

// Defaults of the Config fields whose zero value means "use the default".
const (
	DefaultUnknownUser = "0" // never a Django AutoField primary key
	DefaultMaxPages    = 1000
	DefaultTimeout     = 10 * time.Second
	DefaultConcurrency = 4
	DefaultMaxLatency  = 2 * time.Second
	DefaultMaxBody     = 10 << 20 // 10 MiB
)

// Limits of the Config fields.
const (
	maxConcurrency = 64
	maxMaxBody     = 1 << 30
	maxIDLength    = 20 // the spec's maxLength of the id path parameter
)

// Config configures a Runner. Its zero value is invalid only because Target, Token and
// User have no default; every other zero field takes the default documented on it.
type Config struct {
	// Target is the deployment's base URL (scheme://host[:port][/prefix]); the spec's
	// paths are appended to it. Required.
	Target string
	// Token is the bearer token of User. Required. It is sent only to Target's host and
	// never printed, logged or written to a report.
	Token string
	// User is the id (digits) whose list the positive cases read. Required.
	User string
	// OtherUser, when set, is a user whose list Token's user may not read: the
	// other-user case expects 403.
	OtherUser string
	// UnknownUser is an id no user has: the unknown-user case expects 404 (zero: "0").
	UnknownUser string
	// LinkBase, when set, is the scheme://host[/prefix] the deployment puts in next and
	// previous instead of Target's (a deployment behind a proxy that knows its public
	// URL). Links starting with it are followed on Target.
	LinkBase string
	// MaxPages bounds each walk (zero: 1000 pages).
	MaxPages int
	// WalkLimit, when positive, starts the walk at ?limit=WalkLimit instead of at the
	// default page.
	WalkLimit int
	// Timeout bounds each request, body included (zero: 10s).
	Timeout time.Duration
	// Concurrency bounds the requests in flight (zero: 4).
	Concurrency int
	// Rate bounds the requests started per second (zero: no bound, or DefaultGenerateRate
	// for a generated run against a target that is not on loopback).
	Rate float64
	// MaxLatency is the latency check's limit (zero: 2s).
	MaxLatency time.Duration
	// MaxBody is the largest body read, in bytes (zero: 10 MiB).
	MaxBody int64
	// Insecure skips TLS certificate verification.
	Insecure bool
	// CACert is a PEM file of extra root certificates to trust.
	CACert string
	// Checks selects checks by name: empty runs all, "a,b" only a and b, "-a" all but a.
	Checks []string
	// Strict expects requests that break the spec's parameter rules (limit 0, abc, above
	// the maximum, a negative offset) to be rejected with 400, as `connreq serve --strict`
	// does, instead of read leniently as production does.
	Strict bool
	// Progress, when set, receives a progress line rewritten in place (a terminal).
	Progress io.Writer
	// Logger, when set, receives one debug record per request (never the token).
	Logger *slog.Logger

	// Baseline, when set, is a second deployment (an http or https base URL) or a
	// recording directory (connreq record): every request is also answered by it and the
	// two answers are diffed (check baseline-diff).
	Baseline string
	// BaselineToken is the bearer token sent to a Baseline URL (zero: Token).
	BaselineToken string
	// Diff is how answers are compared with the baseline: "exact" (zero value: values) or
	// "shape" (keys, types and nullability only).
	Diff string
	// Ignore lists body paths left out of the baseline diff (see the path syntax in
	// ignore.go), e.g. "results[].viewed".
	Ignore []string

	// Me is the caller's user id: the owner of the self path's list (zero: User).
	Me string
	// Generate, when positive, adds that many generated requests per GET operation after
	// the fixed cases (docs/contract-generate.md).
	Generate int
	// Budget bounds the generation phase; it ends at Generate requests or Budget,
	// whichever comes first (zero: 60s).
	Budget time.Duration
	// Seed drives every random choice of the generation: the same seed against the same
	// deployment sends the same requests and writes the same report.
	Seed uint64
	// Corpus, when set, is a directory of failing minimal requests: replayed first, and
	// every new failure found by generation is added to it.
	Corpus string
	// ReplayFailure, when set, re-runs the one failing request with this case id (from
	// Corpus, or found again by generating with the same Seed and Generate).
	ReplayFailure string
}

// settings is a validated Config with its defaults applied.
type settings struct {
	Config
	target   *url.URL
	linkBase string // "" or scheme://host/prefix without trailing slash
	roots    *x509.CertPool
	checks   checkSet
	// The baseline: a URL (baseURL) or a loaded recording (baseRec); diff options.
	baseURL *url.URL
	baseRec *fixtures.Recording
	diff    diffOptions
}

// normalize applies the defaults and validates every field, reporting each problem as
// "field: rule (got value)". The token's value is never part of a message.
func (c Config) normalize() (*settings, error) {
	var problems []string
	bad := func(field, rule string, got any) {
		problems = append(problems, fmt.Sprintf("%s: %s (got %v)", field, rule, got))
	}
	s := &settings{Config: c}

	if c.Target == "" {
		bad("Target", "required: the deployment's base URL", `""`)
	} else {
		s.target = baseURL("Target", c.Target, "must be an absolute http or https URL", "Token", bad)
	}

	switch {
	case c.Token == "":
		bad("Token", "required: the bearer token of User", `""`)
	case strings.ContainsFunc(c.Token, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		bad("Token", "must not contain spaces or control characters", fmt.Sprintf("%d characters", len(c.Token)))
	}

	checkID := func(field, v string, required bool) {
		if v == "" {
			if required {
				bad(field, "required: a user id (digits)", `""`)
			}
			return
		}
		if len(v) > maxIDLength || strings.Trim(v, "0123456789") != "" {
			bad(field, fmt.Sprintf("must be a user id of 1 to %d digits", maxIDLength), fmt.Sprintf("%q", v))
		}
	}
	if s.UnknownUser == "" {
		s.UnknownUser = DefaultUnknownUser
	}
	checkID("User", c.User, true)
	checkID("OtherUser", c.OtherUser, false)
	checkID("UnknownUser", s.UnknownUser, false)
	if c.User != "" && c.OtherUser == c.User {
		bad("OtherUser", "must differ from User", fmt.Sprintf("%q", c.OtherUser))
	}
	if c.User != "" && s.UnknownUser == c.User {
		bad("UnknownUser", "must differ from User", fmt.Sprintf("%q", s.UnknownUser))
	}

	if c.LinkBase != "" {
		u, err := url.Parse(c.LinkBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.Fragment != "" {
			bad("LinkBase", "must be an absolute http or https URL without credentials, query or fragment", quoteRedacted(c.LinkBase))
		} else {
			s.linkBase = strings.TrimSuffix(u.Scheme+"://"+u.Host+u.EscapedPath(), "/")
		}
	}

	defInt := func(field string, v *int, def, min, max int) {
		switch {
		case *v == 0:
			*v = def
		case *v < min || *v > max:
			bad(field, fmt.Sprintf("must be between %d and %d", min, max), *v)
		}
	}
	defInt("MaxPages", &s.MaxPages, DefaultMaxPages, 1, 1_000_000)
	defInt("Concurrency", &s.Concurrency, DefaultConcurrency, 1, maxConcurrency)
	if c.WalkLimit < 0 {
		bad("WalkLimit", "must be ≥ 0 (0: start at the default page)", c.WalkLimit)
	}
	defDur := func(field string, v *time.Duration, def time.Duration) {
		switch {
		case *v == 0:
			*v = def
		case *v < 0:
			bad(field, "must be positive", v.String())
		}
	}
	defDur("Timeout", &s.Timeout, DefaultTimeout)
	defDur("MaxLatency", &s.MaxLatency, DefaultMaxLatency)
	if c.Rate < 0 || c.Rate != c.Rate {
		bad("Rate", "must be ≥ 0 requests per second (0: no bound)", c.Rate)
	}
	switch {
	case s.MaxBody == 0:
		s.MaxBody = DefaultMaxBody
	case s.MaxBody < 0 || s.MaxBody > maxMaxBody:
		bad("MaxBody", fmt.Sprintf("must be between 1 and %d bytes", maxMaxBody), s.MaxBody)
	}

	if c.Insecure && c.CACert != "" {
		bad("Insecure", "cannot be combined with CACert", true)
	}
	if c.CACert != "" {
		pem, err := os.ReadFile(c.CACert)
		switch {
		case err != nil:
			bad("CACert", "must be a readable PEM file", fmt.Sprintf("%q: %v", c.CACert, err))
		default:
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				bad("CACert", "must hold at least one PEM certificate", fmt.Sprintf("%q", c.CACert))
			}
			s.roots = pool
		}
	}

	checks, err := selectChecks(c.Checks)
	if err != nil {
		bad("Checks", err.Error()+"; see connreq contract -h for the names", fmt.Sprintf("%q", strings.Join(c.Checks, ",")))
	}
	s.checks = checks
	s.normalizeBaseline(bad)
	s.normalizeGenerate(bad)

	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if len(problems) > 0 {
		if c.Token != "" {
			for i, p := range problems {
				problems[i] = scrub(p, c.Token)
			}
		}
		return nil, &ConfigError{Problems: problems}
	}
	return s, nil
}

// baseURL parses a deployment's base URL (Target, Baseline): http or https with a host, no
// credentials (they go in tokenField), no query or fragment; the path without its trailing
// slash. A bad one is reported under field, with notAbsolute as the rule for a URL that
// is not absolute http(s), and gives nil.
func baseURL(field, raw, notAbsolute, tokenField string, bad func(field, rule string, got any)) *url.URL {
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		bad(field, notAbsolute, quoteRedacted(raw))
	case u.User != nil:
		bad(field, "must not carry credentials (use "+tokenField+")", quoteRedacted(raw))
	case u.RawQuery != "" || u.Fragment != "":
		bad(field, "must not have a query or fragment", quoteRedacted(raw))
	default:
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = ""
		return u
	}
	return nil
}

// quoteRedacted quotes a URL for an error message with its user information replaced.
func quoteRedacted(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = url.User("REDACTED")
		return fmt.Sprintf("%q", u.String())
	}
	return fmt.Sprintf("%q", raw)
}
