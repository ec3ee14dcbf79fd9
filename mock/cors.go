package mock

import (
	"net/http"
	"strings"
)

// Headers connreq lets a browser send and read.
const (
	corsAllowMethods  = "GET, HEAD, POST, DELETE, OPTIONS"
	corsExposeHeaders = "WWW-Authenticate, Allow, Location, Content-Length"
	corsMaxAge        = "600"
)

// originAllowed applies --cors-origin: empty or "*" allows any origin, "off" none.
func (s *Server) originAllowed(origin string) bool {
	if len(s.cfg.CORSOrigins) == 0 {
		return true
	}
	for _, o := range s.cfg.CORSOrigins {
		switch {
		case o == "*":
			return true
		case o == "off":
			return false
		case strings.EqualFold(strings.TrimSuffix(o, "/"), origin):
			return true
		}
	}
	return false
}

// cors answers preflights with 204 and adds CORS headers to every answer for an allowed
// Origin. The Origin is echoed (never "*"), so credentials work.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if !s.originAllowed(origin) {
			if preflight {
				writeError(w, &apiError{status: http.StatusForbidden, detail: detailCORSForbidden})
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		if !preflight {
			h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
			next.ServeHTTP(w, r)
			return
		}
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Methods", corsAllowMethods)
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" && validHeaderList(req) {
			h.Set("Access-Control-Allow-Headers", req)
		} else {
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, Prefer")
		}
		h.Set("Access-Control-Max-Age", corsMaxAge)
		w.WriteHeader(http.StatusNoContent)
	})
}

// validHeaderList reports whether v is a comma-separated list of header-name tokens, so
// nothing odd is echoed back.
func validHeaderList(v string) bool {
	if len(v) > 1024 {
		return false
	}
	for _, part := range strings.Split(v, ",") {
		name := strings.TrimSpace(part)
		if name == "" {
			return false
		}
		for i := 0; i < len(name); i++ {
			c := name[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
				return false
			}
		}
	}
	return true
}

// varyAcceptOnly is the Vary value of an answer without CORS; shared by every answer and
// never written to (varyAccept hands it out with its capacity cut to its length).
var varyAcceptOnly = []string{"Accept"}

// varyAccept adds Accept to the Vary header of a JSON answer, keeping what is there:
// the CORS middleware has already put Origin in it for a browser's request, and a shared
// cache must not serve one origin's answer to another (design §4).
func varyAccept(h http.Header) {
	v := h["Vary"]
	for _, x := range v {
		if x == "Accept" {
			return
		}
	}
	if len(v) == 0 {
		h["Vary"] = varyAcceptOnly[:1:1] // shared: a later append copies (cap 1)
		return
	}
	h["Vary"] = append(v[:len(v):len(v)], "Accept")
}
