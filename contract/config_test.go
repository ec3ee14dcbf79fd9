package contract_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/contract"
)

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := contract.Config{Target: "http://127.0.0.1:4010", Token: "secret-token", User: "42"}
	tests := []struct {
		name string
		edit func(c *contract.Config)
		want []string // each a substring of one problem; none: valid
	}{
		{name: "minimal", edit: func(*contract.Config) {}},
		{name: "everything", edit: func(c *contract.Config) {
			*c = contract.Config{Target: "https://demo.example.com/prefix/", Token: "t", User: "1", OtherUser: "2", UnknownUser: "99",
				LinkBase: "https://public.example.com", MaxPages: 5, WalkLimit: 100, Timeout: time.Second, Concurrency: 8,
				Rate: 2.5, MaxLatency: time.Second, MaxBody: 1 << 20, Insecure: true, Checks: []string{"-latency"}, Strict: true}
		}},
		{name: "nothing", edit: func(c *contract.Config) { *c = contract.Config{} }, want: []string{
			`Target: required: the deployment's base URL (got "")`, `Token: required`, `User: required`}},
		{name: "bad target", edit: func(c *contract.Config) { c.Target = "localhost:4010" },
			want: []string{`Target: must be an absolute http or https URL (got "localhost:4010")`}},
		{name: "target with query", edit: func(c *contract.Config) { c.Target = "http://h/?x=1" }, want: []string{"must not have a query"}},
		{name: "target with credentials", edit: func(c *contract.Config) { c.Target = "http://bob:hunter2@h/" },
			want: []string{`Target: must not carry credentials (use Token) (got "http://REDACTED@h/")`}},
		{name: "token with a space", edit: func(c *contract.Config) { c.Token = "two words" },
			want: []string{"Token: must not contain spaces or control characters (got 9 characters)"}},
		{name: "user not digits", edit: func(c *contract.Config) { c.User = "42a" }, want: []string{`User: must be a user id of 1 to 20 digits (got "42a")`}},
		{name: "other user is the user", edit: func(c *contract.Config) { c.OtherUser = "42" }, want: []string{`OtherUser: must differ from User`}},
		{name: "unknown user is the user", edit: func(c *contract.Config) { c.UnknownUser = "42" }, want: []string{`UnknownUser: must differ from User`}},
		{name: "numbers out of range", edit: func(c *contract.Config) {
			c.MaxPages, c.Concurrency, c.WalkLimit, c.Rate, c.MaxBody = -1, 1000, -5, -1, -3
			c.Timeout, c.MaxLatency = -time.Second, -time.Millisecond
		}, want: []string{
			"MaxPages: must be between 1 and 1000000 (got -1)", "Concurrency: must be between 1 and 64 (got 1000)",
			"WalkLimit: must be ≥ 0", "Rate: must be ≥ 0", "MaxBody: must be between 1 and", "Timeout: must be positive (got -1s)",
			"MaxLatency: must be positive (got -1ms)"}},
		{name: "bad link base", edit: func(c *contract.Config) { c.LinkBase = "/relative" }, want: []string{"LinkBase: must be an absolute"}},
		{name: "insecure and a CA", edit: func(c *contract.Config) { c.Insecure, c.CACert = true, notPEM },
			want: []string{"Insecure: cannot be combined with CACert", "CACert: must hold at least one PEM certificate"}},
		{name: "missing CA file", edit: func(c *contract.Config) { c.CACert = "/nonexistent/ca.pem" }, want: []string{"CACert: must be a readable PEM file"}},
		{name: "unknown check", edit: func(c *contract.Config) { c.Checks = []string{"status", "vibes"} }, want: []string{`unknown check "vibes"`}},
		{name: "mixed check selection", edit: func(c *contract.Config) { c.Checks = []string{"status", "-schema"} }, want: []string{"mixes included and excluded"}},
		{name: "token never echoed", edit: func(c *contract.Config) { c.Token = "secret-token"; c.Target = "http://h/?t=secret-token" },
			want: []string{"[REDACTED]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := ok
			tt.edit(&cfg)
			_, err := contract.New(doc, cfg)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			var ce *contract.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, contract.ErrConfig) || ce.ExitCode() != 2 {
				t.Fatalf("New error = %v, want a *ConfigError", err)
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(ce.Problems, func(p string) bool { return strings.Contains(p, w) }) {
					t.Errorf("no problem contains %q; problems:\n%s", w, strings.Join(ce.Problems, "\n"))
				}
			}
			if cfg.Token != "" && strings.Contains(err.Error(), cfg.Token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

// The cases come from the spec: the operations, their parameters and statuses.
func TestCasesFromSpec(t *testing.T) {
	t.Parallel()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	r, err := contract.New(doc, contract.Config{Target: "http://h", Token: "t", User: "42", OtherUser: "7"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"getUserConnectionRequests/default-page", "getUserConnectionRequests/walk", "getUserConnectionRequests/walk-back", "getUserConnectionRequests/limit-1", "getUserConnectionRequests/limit-default", "getUserConnectionRequests/limit-max", "getUserConnectionRequests/offset-end", "getUserConnectionRequests/offset-before-end", "getUserConnectionRequests/offset-past-end", "getUserConnectionRequests/limit-above-max", "getUserConnectionRequests/limit-zero", "getUserConnectionRequests/limit-negative", "getUserConnectionRequests/limit-text", "getUserConnectionRequests/offset-negative", "getUserConnectionRequests/offset-text", "getUserConnectionRequests/no-token", "getUserConnectionRequests/wrong-scheme", "getUserConnectionRequests/bad-token", "getUserConnectionRequests/unknown-user", "getUserConnectionRequests/other-user",
		"listDynamicPreferences/default-page",
		"listFeatures/default-page",
		"getMyConnectionRequests/default-page", "getMyConnectionRequests/self-list", "getMyConnectionRequests/no-token", "getMyConnectionRequests/wrong-scheme", "getMyConnectionRequests/bad-token",
		// The lifecycle reads (docs/state.md): {id} is the other user, so no other-user case.
		"getMyConnectionRequestsSent/default-page", "getMyConnectionRequestsSent/no-token", "getMyConnectionRequestsSent/wrong-scheme", "getMyConnectionRequestsSent/bad-token",
		"listHiddenUserIds/default", "listHiddenUserIds/no-token", "listHiddenUserIds/wrong-scheme", "listHiddenUserIds/bad-token",
		"getCurrentUser/default", "getCurrentUser/no-token", "getCurrentUser/wrong-scheme", "getCurrentUser/bad-token",
		"getUserConnectionRequestsAlias/default-page", "getUserConnectionRequestsAlias/no-token", "getUserConnectionRequestsAlias/wrong-scheme", "getUserConnectionRequestsAlias/bad-token", "getUserConnectionRequestsAlias/unknown-user", "getUserConnectionRequestsAlias/other-user",
		"checkUserConnectionStatus/default", "checkUserConnectionStatus/no-token", "checkUserConnectionStatus/wrong-scheme", "checkUserConnectionStatus/bad-token", "checkUserConnectionStatus/unknown-user",
		"checkUserConnection/default", "checkUserConnection/no-token", "checkUserConnection/wrong-scheme", "checkUserConnection/bad-token", "checkUserConnection/unknown-user",
		"getUserSettings/default", "getUserSettings/no-token", "getUserSettings/wrong-scheme", "getUserSettings/bad-token", "getUserSettings/unknown-user", "getUserSettings/other-user",
	}
	if got := r.Cases(); !slices.Equal(got, want) {
		t.Errorf("cases:\n got %q\nwant %q", got, want)
	}

	// A spec whose limit says default 5, maximum 7: the probes follow it.
	yaml := strings.NewReplacer("default: 20\n      example: 20", "default: 5\n      example: 5", "maximum: 100\n", "maximum: 7\n").Replace(string(connreq.SpecYAML()))
	path := filepath.Join(t.TempDir(), "small.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	small, _, err := connreq.LoadSpec(path)
	if err != nil {
		t.Fatal(err)
	}
	f := &fake{}
	ts := f.server(t)
	r, err = contract.New(small, contract.Config{Target: ts.URL, Token: fakeToken, User: "42", Checks: []string{"lenient-params", "page-size"}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// The fake paginates with DRF's 20/100, so a runner that follows the spec's 5/7
	// must see every page the wrong size.
	if got := failedChecks(rep); !slices.Equal(got, []string{"lenient-params", "page-size"}) {
		t.Errorf("failed checks = %v, want the sizes to differ from the spec's limits\n%s", got, textOf(t, rep))
	}
	for _, res := range rep.Results {
		if res.Check != contract.CheckPageSize && res.Check != contract.CheckLenientParams {
			t.Errorf("%s ran although --checks selected page-size and lenient-params only", res.Check)
		}
	}
}

// --checks with exclusions drops those checks from every case.
func TestChecksExcluded(t *testing.T) {
	t.Parallel()
	f := &fake{noChallenge: true} // breaks headers only
	rep := runAgainst(t, f.server(t).URL, contract.Config{Checks: []string{"-headers", "-latency"}})
	if err := rep.Err(); err != nil {
		t.Errorf("with headers excluded the run should pass: %v\n%s", err, textOf(t, rep))
	}
	for _, res := range rep.Results {
		if res.Check == contract.CheckHeaders || res.Check == contract.CheckLatency {
			t.Fatalf("excluded check %s reported", res.Check)
		}
	}
}

// Walking from ?limit=N and links written with a public base URL.
func TestWalkLimitAndLinkBase(t *testing.T) {
	t.Parallel()
	const public = "https://api.example.com"
	f := &fake{count: 230, links: func(base string, p *fakePage) (string, string, bool, bool) {
		i := strings.Index(base, "/api/")
		return fixturesLinks(public+base[i:], p)
	}}
	ts := f.server(t)
	rep := runAgainst(t, ts.URL, contract.Config{WalkLimit: 100, LinkBase: public})
	if err := rep.Err(); err != nil {
		t.Fatalf("%v\n%s", err, textOf(t, rep))
	}
	// 3 pages forward at limit 100, 2 back.
	for _, res := range rep.Results {
		if res.Case == "getUserConnectionRequests/walk" && res.Check == contract.CheckPageNextNull && res.Evaluations != 3 {
			t.Errorf("the walk saw %d pages, want 3", res.Evaluations)
		}
		if res.Case == "getUserConnectionRequests/walk-back" && res.Check == contract.CheckPageNextNull && res.Evaluations != 2 {
			t.Errorf("the back walk saw %d pages, want 2", res.Evaluations)
		}
	}
	// Without LinkBase the same links point elsewhere: the walk must not follow them.
	rep = runAgainst(t, ts.URL, contract.Config{WalkLimit: 100})
	if got := failedChecks(rep); !slices.Contains(got, "page-walk") || !slices.Contains(got, "page-links") {
		t.Errorf("failed checks = %v, want page-walk and page-links", got)
	}
}
