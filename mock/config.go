package mock

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/state"
)

// DefaultNow is the clock anchor of the fake data when Config.Now is zero.
func DefaultNow() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }

// Config configures a Server; its zero value serves the faithful mock with the defaults.
type Config struct {
	// Seed selects the fake data set; the same seed gives the same bytes.
	Seed uint64
	// Now is the clock anchor of the fake data (zero: 2025-06-01T12:00:00Z).
	Now time.Time
	// Location is the server's time zone for date-times (nil: UTC).
	Location *time.Location
	// DefaultLimit is the page size when limit is absent or invalid (zero: 20).
	DefaultLimit int
	// MaxLimit caps limit silently (zero: 100).
	MaxLimit int
	// Strict answers 400 to any request that breaks the spec instead of being lenient.
	Strict bool
	// Tokens, when non-nil, is the only set of accepted tokens (token → identity).
	Tokens map[string]Identity
	// JWTSecret, when set, verifies the HS256 signature and expiry of JWT tokens.
	JWTSecret []byte
	// Me is the caller on the self path when the token names nobody (zero: 1).
	Me int64
	// NoFriendship puts the community out of friendship mode: lists answer 403.
	NoFriendship bool
	// PublicURL, when set, replaces the request's scheme and host in links (behind a proxy).
	PublicURL string
	// CORSOrigins lists the allowed browser origins; empty allows any (echoed), "off" disables CORS.
	CORSOrigins []string
	// Logger receives the access log (nil: discard).
	Logger *slog.Logger
	// Clock gives wall time for token expiry checks only (nil: time.Now).
	Clock func() time.Time
	// SpecYAML is served at /__connreq/openapi.yaml (nil: not served).
	SpecYAML []byte
	// Scenarios are the named edge cases served by reserved user id and Prefer: scenario
	// (nil: the shipped catalogue, fixtures.ShippedScenarios).
	Scenarios *fixtures.Catalogue
	// Preferences are the community preferences of /api/v2/dynamic_preference/ (nil: the
	// shipped catalogue, fixtures.ShippedPreferences); the friendship switches follow
	// NoFriendship whatever they say.
	Preferences *fixtures.Preferences
	// JournalSize is how many requests /__connreq/requests keeps (0: 1000; negative: none).
	JournalSize int
	// Replay, when set, is a recording (connreq record) whose answers are served for the
	// requests it holds, after the usual validation and authentication.
	Replay *fixtures.Recording
	// ReplayFallback is what a request with no recording gets: "404" (zero value) or
	// "generate" (the generated answer).
	ReplayFallback string
	// State keeps the transitions of the connection-request lifecycle (nil: in memory,
	// state.NewMemory(StateMax)); a state.Redis shares them between replicas.
	State state.Store
	// StateMax caps the transitions the in-memory store holds (0: state.DefaultMax).
	StateMax int64
	// StateOff answers every lifecycle action as production would, changing nothing.
	StateOff bool
	// NoAdmin leaves every /__connreq/ path unregistered, so they answer the JSON 404 of any
	// unknown path (for a mock reachable by others). The journal, unreadable then, is off.
	NoAdmin bool
}

// maxJournalSize bounds the journal's memory (a few hundred bytes a request).
const maxJournalSize = 1_000_000

// Identity is who a token stands for.
type Identity struct {
	UserID int64 `json:"user_id" yaml:"user_id"`
	Staff  bool  `json:"staff" yaml:"staff"`
}

// ConfigError lists every invalid Config field.
type ConfigError struct{ Problems []string }

// Error implements error.
func (e *ConfigError) Error() string {
	return "invalid configuration: " + strings.Join(e.Problems, "; ")
}

// ErrConfig matches any ConfigError with errors.Is.
var ErrConfig = errors.New("invalid configuration")

// Is reports that a ConfigError is an ErrConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// normalize applies defaults and validates, reporting each bad field as "field: rule (got value)".
func (c Config) normalize() (Config, error) {
	var problems []string
	bad := func(field, rule string, got any) {
		problems = append(problems, fmt.Sprintf("%s: %s (got %v)", field, rule, got))
	}
	if c.Now.IsZero() {
		c.Now = DefaultNow()
	}
	if c.Now.Year() < 1971 || c.Now.Year() > 9000 {
		bad("Now", "must be between 1971 and 9000", c.Now.Format(time.RFC3339))
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.DefaultLimit == 0 {
		c.DefaultLimit = 20
	}
	if c.MaxLimit == 0 {
		c.MaxLimit = 100
	}
	if c.DefaultLimit < 1 {
		bad("DefaultLimit", "must be ≥ 1", c.DefaultLimit)
	}
	if c.MaxLimit < 1 || c.MaxLimit > 10000 {
		bad("MaxLimit", "must be between 1 and 10000", c.MaxLimit)
	}
	if c.DefaultLimit > c.MaxLimit && c.MaxLimit >= 1 {
		bad("DefaultLimit", fmt.Sprintf("must be ≤ MaxLimit %d", c.MaxLimit), c.DefaultLimit)
	}
	if c.Me == 0 {
		c.Me = 1
		if c.Replay != nil {
			// A replay's self path is the recorded user's, as it was for the token recorded.
			if id, err := strconv.ParseInt(c.Replay.User, 10, 64); err == nil && id >= 1 && id <= maxUserID {
				c.Me = id
			}
		}
	}
	if c.Me < 1 || c.Me > maxUserID {
		bad("Me", fmt.Sprintf("must be a user id between 1 and %d", maxUserID), c.Me)
	}
	for tok, id := range c.Tokens {
		if !validToken(tok) {
			problems = append(problems, "Tokens: a token is not a well-formed bearer token (token68 characters)")
		}
		if id.UserID < 1 || id.UserID > maxUserID {
			// Never print the token itself.
			bad("Tokens[…].user_id", fmt.Sprintf("must be between 1 and %d", maxUserID), id.UserID)
		}
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		switch {
		case err != nil:
			bad("PublicURL", "must be an absolute http(s) URL", c.PublicURL)
		case u.Scheme != "http" && u.Scheme != "https", u.Host == "", u.RawQuery != "", u.Fragment != "":
			bad("PublicURL", "must be an absolute http(s) URL without query or fragment", c.PublicURL)
		default:
			c.PublicURL = strings.TrimSuffix(u.Scheme+"://"+u.Host+u.EscapedPath(), "/")
		}
	}
	for _, o := range c.CORSOrigins {
		if o == "off" || o == "*" {
			if len(c.CORSOrigins) > 1 {
				bad("CORSOrigins", `"off" and "*" must stand alone`, strings.Join(c.CORSOrigins, ","))
			}
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("CORSOrigins", "each origin must look like scheme://host[:port]", o)
		}
	}
	if c.JournalSize == 0 {
		c.JournalSize = DefaultJournalSize
	}
	if c.JournalSize > maxJournalSize {
		bad("JournalSize", fmt.Sprintf("must be at most %d", maxJournalSize), c.JournalSize)
	}
	if c.NoAdmin {
		c.JournalSize = -1 // nothing could read it
	}
	if c.StateMax < 0 {
		bad("StateMax", "must be ≥ 0", c.StateMax)
	}
	if c.StateOff && c.State != nil {
		bad("State", "must be nil with StateOff", "a store")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if len(problems) > 0 {
		return c, &ConfigError{Problems: problems}
	}
	return c, nil
}
