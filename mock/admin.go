package mock

import (
	"fmt"
	"net/http"
	"runtime"

	"github.com/gorilla/mux"

	"github.com/connreq/connreq/console"
)

// adminPrefix is where connreq's own endpoints live; the API never uses it.
const adminPrefix = "/__connreq"

// registerAdmin adds /__connreq/health, /scenarios, /requests, /openapi.yaml and the QA
// console: its page at /__connreq/ and its files beside it (/__connreq/console.js, ...).
func (s *Server) registerAdmin(r *mux.Router) {
	r.Handle("/health", getOnly(func(w http.ResponseWriter, _ *http.Request) {
		// goroutines lets a test (or an operator) see that clients that went away left
		// nothing running behind them.
		health, _ := marshalCompact(map[string]any{"status": "ok", "version": s.version, "strict": s.cfg.Strict,
			"friendship": !s.cfg.NoFriendship, "goroutines": runtime.NumGoroutine()})
		writeJSON(w, http.StatusOK, health)
	}))
	r.Handle("/scenarios", getOnly(s.serveScenarios))
	r.Handle("/requests", http.HandlerFunc(s.serveJournal))
	r.Handle("/state", http.HandlerFunc(s.serveState))
	r.Handle("/openapi.yaml", getOnly(func(w http.ResponseWriter, _ *http.Request) {
		if s.cfg.SpecYAML == nil {
			writeError(w, errNotFound())
			return
		}
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(s.cfg.SpecYAML)
	}))
	qa, err := console.New()
	if err != nil {
		// The files are embedded at build time: only a broken build gets here.
		panic(fmt.Sprintf("mock: %v", err))
	}
	// getOnly: a wrong method gets the admin area's JSON 405, as on every other admin path.
	files := http.StripPrefix(adminPrefix, qa)
	for _, p := range qa.Paths() {
		r.Handle(p, getOnly(files.ServeHTTP))
	}
	// A page at /__connreq (no slash) would resolve its relative URLs one level up.
	r.Handle("", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loc := adminPrefix + "/"
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, errMethodNotAllowed(r.Method, "GET, HEAD"))
			return
		}
		w.Header().Set("Location", loc)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusMovedPermanently)
	}))
}

// getOnly answers GET and HEAD with f and anything else with 405.
func getOnly(f http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, errMethodNotAllowed(r.Method, "GET, HEAD"))
			return
		}
		f(w, r)
	})
}
