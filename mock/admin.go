package mock

import (
	"net/http"
	"runtime"

	"github.com/gorilla/mux"
)

// adminPrefix is where connreq's own endpoints live; the API never uses it.
const adminPrefix = "/__connreq"

// registerAdmin adds /__connreq/health, /scenarios, /requests and /openapi.yaml.
func (s *Server) registerAdmin(r *mux.Router) {
	r.Handle("/health", getOnly(func(w http.ResponseWriter, _ *http.Request) {
		// goroutines lets a test (or an operator) see that clients that went away left
		// nothing running behind them.
		health, _ := marshalCompact(map[string]any{"status": "ok", "strict": s.cfg.Strict, "friendship": !s.cfg.NoFriendship,
			"goroutines": runtime.NumGoroutine()})
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
