package mock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/state"
)

// Server is the mock: build it with New, serve Handler() or call Serve.
type Server struct {
	cfg      Config
	doc      *openapi3.T
	gen      *fixtures.Generator
	pager    fixtures.Pager
	routes   []*route
	opts     *openapi3filter.Options       // kin-openapi options for the mode
	plans    map[*routers.Route]*checkPlan // validate's fast path, by operation
	fast     *fastRouter                   // nil when the spec's templates are left to mux
	handler  http.Handler
	cache    *pageCache
	bufs     sync.Pool    // *[]byte page buffers
	writers  sync.Pool    // *statusWriter for the access log
	journal  *journal     // nil when Config.JournalSize < 0
	replay   *replaySet   // nil without Config.Replay
	hub      *state.Hub   // the lifecycle's state; nil with Config.StateOff
	stateOff *state.World // the generated world, for Check with --state off
	version  string       // connreq's own, for /__connreq/health

	scenarios     atomic.Pointer[scenarioSet]
	setGeneration atomic.Uint64
	prefs         atomic.Pointer[prefSet]

	// Boot endpoint bodies, rendered once (boot.go).
	featureRows  [][]byte
	featureFull  []byte
	settingsBody []byte
	hiddenBody   []byte
}

// New validates cfg and builds the routes of doc; errors name each bad field.
func New(doc *openapi3.T, cfg Config) (*Server, error) {
	if doc == nil {
		return nil, errors.New("new mock: nil OpenAPI document")
	}
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, fmt.Errorf("new mock: %w", err)
	}
	gen, err := fixtures.NewGenerator(fixtures.Config{Seed: cfg.Seed, Now: cfg.Now, Location: cfg.Location})
	if err != nil {
		return nil, fmt.Errorf("new mock: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		doc:     doc,
		gen:     gen,
		pager:   fixtures.Pager{DefaultLimit: cfg.DefaultLimit, MaxLimit: cfg.MaxLimit},
		cache:   newPageCache(),
		version: connreq.BuildInfo().String(),
	}
	s.journal = newJournal(cfg.JournalSize)
	cat := cfg.Scenarios
	if cat == nil {
		if cat, err = fixtures.ShippedScenarios(doc); err != nil {
			return nil, fmt.Errorf("new mock: %w", err)
		}
	}
	s.SetScenarios(cat)
	if err := s.SetPreferences(cfg.Preferences); err != nil {
		return nil, fmt.Errorf("new mock: %w", err)
	}
	s.featureRows, s.featureFull = featureRows()
	s.settingsBody, s.hiddenBody = []byte(userSettings), []byte(hiddenUserIDs)
	s.newState()
	s.opts = s.validatorOptions()
	routes, err := s.buildRoutes()
	if err != nil {
		return nil, fmt.Errorf("new mock: %w", err)
	}
	s.routes = routes
	s.plans = s.newCheckPlans()
	if cfg.Replay != nil {
		if s.replay, err = s.newReplaySet(cfg.Replay, cfg.ReplayFallback); err != nil {
			return nil, fmt.Errorf("new mock: %w", err)
		}
	}
	s.handler = chain(s.newRouter(), s.recoverer, s.observe, s.framingGuard, s.headerLimit, s.cors)
	return s, nil
}

// Handler returns the whole handler chain (recovery, access log, CORS, router).
func (s *Server) Handler() http.Handler { return s.handler }

// Timeouts and limits of the HTTP server started by Serve.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10 // answered 431 JSON by the headerLimit middleware
	hardHeaderBytes   = 2 << 20  // net/http's own limit (plain-text 431) past that
)

// Serve answers on ln until ctx is cancelled, then shuts down gracefully: in-flight
// requests finish (up to shutdownTimeout) before Serve returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener, shutdownTimeout time.Duration) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    hardHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.cfg.Logger.Info("shutting down", "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	return nil
}
