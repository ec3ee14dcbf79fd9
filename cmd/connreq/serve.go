package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
	"github.com/connreq/connreq/state"
)

// loadCatalogue returns the shipped scenarios with those of dir (if any) added or
// replacing them by name.
func loadCatalogue(doc *openapi3.T, dir string) (*fixtures.Catalogue, error) {
	cat, err := fixtures.ShippedScenarios(doc)
	if err != nil || dir == "" {
		return cat, err
	}
	user, err := fixtures.LoadScenarios(doc, dir)
	if err != nil {
		return nil, err
	}
	return cat.With(user)
}

// loadPreferences returns the shipped preferences with those of file (if any) laid over
// them; a bad file is a *fixtures.LoadError listing every problem.
func loadPreferences(file string) (*fixtures.Preferences, error) {
	prefs, err := fixtures.ShippedPreferences()
	if err != nil || file == "" {
		return prefs, err
	}
	return fixtures.LoadPreferences(prefs, file)
}

// serveFlags are the flags of connreq serve.
type serveFlags struct {
	addr, spec, now, tz, tokens, jwtSecret, publicURL, corsOrigin, logFormat, logLevel string
	fixtures, replay, replayFallback, preferences, state, cpuProfile                   string
	stateMax                                                                           int64
	seed                                                                               uint64
	defaultLimit, maxLimit, journalSize                                                int
	me                                                                                 int64
	strict, friendship, admin                                                          bool
	shutdownTimeout                                                                    time.Duration
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "addr", "127.0.0.1:4010", "listen `address` (host:port; port 0 picks a free one)")
	fs.StringVar(&f.spec, "spec", "", "OpenAPI `file` to serve (default: the embedded openapi.yaml)")
	fs.Uint64Var(&f.seed, "seed", 0, "data set `seed`: the same seed gives the same bytes")
	fs.StringVar(&f.now, "now", mock.DefaultNow().Format(time.RFC3339), "clock anchor of the fake data (RFC 3339 `time`)")
	fs.StringVar(&f.tz, "tz", "UTC", "server time `zone` for date-times (IANA name, e.g. Europe/Rome)")
	fs.IntVar(&f.defaultLimit, "default-limit", 20, "page size when limit is absent or invalid")
	fs.IntVar(&f.maxLimit, "max-limit", 100, "largest page size; larger limits are capped")
	fs.BoolVar(&f.strict, "strict", false, "contract-strict mode: 400 for any request that breaks the spec")
	fs.StringVar(&f.tokens, "tokens", "", "YAML/JSON `file` mapping token → {user_id, staff}; other tokens get 401")
	fs.StringVar(&f.jwtSecret, "jwt-secret", "", "HS256 `secret`: verify JWT signatures and expiry")
	fs.Int64Var(&f.me, "me", 0, "caller's user `id` on the self path when the token names nobody (0: 1, or with --replay the recorded user)")
	fs.BoolVar(&f.friendship, "friendship", true, "community in friendship mode (false: lists answer 403)")
	fs.StringVar(&f.publicURL, "public-url", "", "public base `URL` for links when behind a proxy (e.g. https://api.example.com)")
	fs.StringVar(&f.corsOrigin, "cors-origin", "*", "allowed browser `origins`, comma-separated; * echoes any, off disables CORS")
	fs.StringVar(&f.logFormat, "log-format", "text", "access log `format`: text or json")
	fs.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn or error (warn hides the access log)")
	fs.StringVar(&f.fixtures, "fixtures", "", "`directory` of scenario files (YAML/JSON) that add to or replace shipped scenarios by name; SIGHUP reloads it")
	fs.StringVar(&f.preferences, "preferences", "", "YAML/JSON `file` of community preferences (\"section.name\": value) laid over the shipped ones; SIGHUP reloads it")
	fs.IntVar(&f.journalSize, "journal-size", mock.DefaultJournalSize, "requests kept by /__connreq/requests (0 turns the journal off)")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long in-flight requests may take to finish on SIGINT/SIGTERM")
	fs.StringVar(&f.replay, "replay", "", "recording `directory` (connreq record) whose answers are served for the requests it holds")
	fs.StringVar(&f.replayFallback, "replay-fallback", mock.ReplayFallback404, "what a request the recording lacks gets with --replay: `404` (naming the closest recorded requests) or generate")
	fs.StringVar(&f.state, "state", "memory", "where the connection-request lifecycle's transitions live: `memory`, off (actions change nothing), or redis://HOST:PORT/DB (shared by replicas)")
	fs.Int64Var(&f.stateMax, "state-max", state.DefaultMax, "most transitions held (per server in memory, across replicas in Redis); past it actions answer 503")
	fs.BoolVar(&f.admin, "admin", true, "serve connreq's own /__connreq/ endpoints (false: they answer 404 and the journal is off)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the whole run to `file` (go tool pprof; docs/performance.md)")
}

// config turns the flags into a mock.Config, naming the flag of each bad value.
func (f *serveFlags) config(stderr io.Writer) (mock.Config, error) {
	cfg := mock.Config{
		Seed:         f.seed,
		DefaultLimit: f.defaultLimit,
		MaxLimit:     f.maxLimit,
		Strict:       f.strict,
		Me:           f.me,
		NoFriendship: !f.friendship,
		NoAdmin:      !f.admin,
		PublicURL:    f.publicURL,
		JournalSize:  f.journalSize,
	}
	if f.journalSize == 0 {
		cfg.JournalSize = -1
	}
	if f.journalSize < 0 {
		return cfg, usagef("--journal-size: must be ≥ 0 (got %d)", f.journalSize)
	}
	now, err := time.Parse(time.RFC3339Nano, f.now)
	if err != nil {
		return cfg, usagef("--now: must be an RFC 3339 time like 2025-06-01T12:00:00Z (got %q)", f.now)
	}
	cfg.Now = now
	loc, err := time.LoadLocation(f.tz)
	if err != nil {
		return cfg, usagef("--tz: unknown time zone %q", f.tz)
	}
	cfg.Location = loc
	if f.defaultLimit < 1 {
		return cfg, usagef("--default-limit: must be ≥ 1 (got %d)", f.defaultLimit)
	}
	if f.maxLimit < 1 {
		return cfg, usagef("--max-limit: must be ≥ 1 (got %d)", f.maxLimit)
	}
	if f.jwtSecret != "" {
		cfg.JWTSecret = []byte(f.jwtSecret)
	}
	if f.tokens != "" {
		toks, err := mock.LoadTokens(f.tokens)
		if err != nil {
			return cfg, usageError{fmt.Errorf("--tokens: %w", err)}
		}
		cfg.Tokens = toks
	}
	if f.corsOrigin != "" && f.corsOrigin != "*" {
		for _, o := range strings.Split(f.corsOrigin, ",") {
			if o = strings.TrimSpace(o); o != "" {
				cfg.CORSOrigins = append(cfg.CORSOrigins, o)
			}
		}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return cfg, usagef("--log-level: must be debug, info, warn or error (got %q)", f.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch f.logFormat {
	case "text":
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, opts))
	case "json":
		cfg.Logger = slog.New(slog.NewJSONHandler(stderr, opts))
	default:
		return cfg, usagef("--log-format: must be text or json (got %q)", f.logFormat)
	}
	switch {
	case f.replayFallback != mock.ReplayFallback404 && f.replayFallback != mock.ReplayFallbackGenerate:
		return cfg, usagef("--replay-fallback: must be %s or %s (got %q)", mock.ReplayFallback404, mock.ReplayFallbackGenerate, f.replayFallback)
	}
	if f.stateMax < 1 {
		return cfg, usagef("--state-max: must be ≥ 1 (got %d)", f.stateMax)
	}
	switch {
	case f.state == "memory":
		cfg.StateMax = f.stateMax
	case f.state == "off":
		cfg.StateOff = true
	case strings.HasPrefix(f.state, "redis://"):
		st, err := state.NewRedis(f.state, f.stateMax)
		if err != nil {
			return cfg, usagef("--state: %v", err)
		}
		cfg.State = st
	default:
		return cfg, usagef("--state: must be memory, off or redis://HOST:PORT/DB (got %q)", f.state)
	}
	if f.shutdownTimeout <= 0 {
		return cfg, usagef("--shutdown-timeout: must be positive (got %s)", f.shutdownTimeout)
	}
	return cfg, nil
}

// runServe starts the mock and blocks until ctx is cancelled (SIGINT/SIGTERM).
func runServe(ctx context.Context, e env, args []string) error {
	var f serveFlags
	fs := newFlagSet("serve", e.stderr)
	f.register(fs)
	if err := parseFlags(fs, args, e.getenv); err != nil {
		return err
	}
	cfg, err := f.config(e.stderr)
	if cfg.State != nil {
		defer cfg.State.Close()
	}
	if err != nil {
		return err
	}
	if rs, ok := cfg.State.(*state.Redis); ok {
		if err := rs.Ping(ctx); err != nil {
			cfg.Logger.Warn("state store not reachable yet: lifecycle actions and lists answer 503 until it is", "error", err.Error())
		}
	}
	doc, specYAML, err := connreq.LoadSpec(f.spec)
	if err != nil {
		return err
	}
	cfg.SpecYAML = specYAML
	if f.replay != "" {
		// Loaded whole against the spec before anything starts: a bad file is exit 2. The
		// collections live in memory: the soft memory limit grows by what they take (three
		// times their files while loading, then their size).
		raiseMemoryLimit(e.getenv, 3*collectionFileBytes(f.replay))
		rec, err := fixtures.LoadRecordingFor(doc, f.replay)
		if err != nil {
			return usageError{fmt.Errorf("--replay: cannot load the recording:\n%w", err)}
		}
		var held int64
		for _, c := range rec.Lists {
			held += c.Bytes()
		}
		if held > 0 {
			raiseMemoryLimit(e.getenv, held+held/4)
			debug.FreeOSMemory() // the load's garbage: file text and decoded items
		}
		cfg.Replay, cfg.ReplayFallback = rec, f.replayFallback
		for i, c := range rec.Lists {
			cfg.Logger.Info("replay collection", "user", c.Owner, "count", c.Count, "stored", c.Stored(), "paths", strings.Join(rec.Collections[i].Paths, " "))
		}
	}
	cat, err := loadCatalogue(doc, f.fixtures)
	if err != nil {
		return err
	}
	cfg.Scenarios = cat
	if cfg.Preferences, err = loadPreferences(f.preferences); err != nil {
		return err
	}
	srv, err := mock.New(doc, cfg)
	if err != nil {
		return usageError{err}
	}
	if f.fixtures != "" || f.preferences != "" {
		stop := reloadOnHUP(ctx, cfg.Logger, func() error {
			var errs []error
			if f.fixtures != "" {
				if cat, err := loadCatalogue(doc, f.fixtures); err != nil {
					errs = append(errs, fmt.Errorf("--fixtures %s (the previous scenarios keep serving):\n%w", f.fixtures, err))
				} else {
					srv.SetScenarios(cat)
					cfg.Logger.Info("fixtures reloaded", "dir", f.fixtures, "scenarios", cat.Len())
				}
			}
			if f.preferences != "" {
				prefs, err := loadPreferences(f.preferences)
				if err == nil {
					err = srv.SetPreferences(prefs)
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("--preferences %s (the previous preferences keep serving):\n%w", f.preferences, err))
				} else {
					cfg.Logger.Info("preferences reloaded", "file", f.preferences, "preferences", len(prefs.All()))
				}
			}
			return errors.Join(errs...)
		})
		defer stop()
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return usagef("--addr: cannot listen on %s: %v", f.addr, err)
	}
	mode := "faithful"
	if f.strict {
		mode = "strict"
	}
	if f.replay != "" {
		mode += ", replay " + f.replay
	}
	stateName := f.state
	if strings.HasPrefix(stateName, "redis://") {
		stateName = "redis"
	}
	cfg.Logger.Info("connreq serving", "url", "http://"+ln.Addr().String(), "mode", mode, "state", stateName,
		"seed", strconv.FormatUint(f.seed, 10), "example", "http://"+ln.Addr().String()+"/api/v2/user/1/connection/requests/")
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			_ = ln.Close()
			return usagef("--cpuprofile: %v", err)
		}
		defer stop()
	}
	return srv.Serve(ctx, ln, f.shutdownTimeout)
}

// startCPUProfile profiles the process into file until the returned stop is called.
func startCPUProfile(file string) (stop func(), err error) {
	out, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		_ = out.Close()
		return nil, fmt.Errorf("start profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = out.Close()
	}, nil
}
