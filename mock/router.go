package mock

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/gorilla/mux"

	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/state"
)

// routeKind says which pure function answers an operation; it is derived from the
// operation's 200 response schema, never from a hand-written list of URLs.
type routeKind int

const (
	kindExample          routeKind = iota // serve the spec's 200 example
	kindConnections                       // a page of ConnectionRequest
	kindPreferences                       // a page of DynamicPreference
	kindFeatures                          // a page of Feature
	kindMe                                // the caller's User (a path without {id})
	kindSettings                          // a user's UserSettings
	kindHiddenIDs                         // the caller's HiddenUserIds
	kindSent                              // the caller's sent requests (x-connreq-read: requests_sent)
	kindIsConnection                      // {"is_connection"} (x-connreq-read: is_connection)
	kindConnectionStatus                  // {"connection_status"} (x-connreq-read: connection_status)
)

// route is one spec path with its operations, as mux serves it.
type route struct {
	path    string                    // the spec's path template
	ops     map[string]*routers.Route // by method (GET, plus HEAD served as GET)
	kind    routeKind
	hasID   bool         // the path has an {id} parameter naming the list owner
	allow   string       // the Allow header value
	example []byte       // kindExample: the 200 example body
	action  state.Action // POST: the lifecycle action (x-connreq-action)
	// pager pages the lists of kindPreferences and kindFeatures, from the spec's limit
	// parameter (the connection request lists use Config's DefaultLimit and MaxLimit).
	pager fixtures.Pager
}

// buildRoutes walks doc.Paths and derives one route per path.
func (s *Server) buildRoutes() ([]*route, error) {
	var out []*route
	for _, path := range s.doc.Paths.InMatchingOrder() {
		item := s.doc.Paths.Value(path)
		rt := &route{path: path, ops: map[string]*routers.Route{}, hasID: strings.Contains(path, "{id}")}
		methods := []string{}
		for method, op := range item.Operations() {
			rt.ops[method] = &routers.Route{Spec: s.doc, Path: path, PathItem: item, Method: method, Operation: op}
			methods = append(methods, method)
		}
		if len(methods) == 0 {
			continue
		}
		if post, ok := rt.ops[http.MethodPost]; ok {
			a, err := routeAction(post)
			if err != nil {
				return nil, fmt.Errorf("route: %w", err)
			}
			rt.action = a
		}
		if get, ok := rt.ops[http.MethodGet]; ok {
			rt.ops[http.MethodHead] = get
			methods = append(methods, http.MethodHead)
			kind, example, err := classify(path, get.Operation)
			if err != nil {
				return nil, fmt.Errorf("route GET %s: %w", path, err)
			}
			rt.kind, rt.example = kind, example
			rt.pager = fixtures.LimitPager(limitParam(get.Operation))
		}
		methods = append(methods, http.MethodOptions)
		sort.Slice(methods, func(i, j int) bool { return methodRank(methods[i]) < methodRank(methods[j]) })
		rt.allow = joinMethods(methods)
		out = append(out, rt)
	}
	return out, nil
}

// limitParam is op's limit query parameter, nil when it has none.
func limitParam(op *openapi3.Operation) *openapi3.Parameter {
	for _, ref := range op.Parameters {
		if p := ref.Value; p != nil && p.In == openapi3.ParameterInQuery && p.Name == "limit" {
			return p
		}
	}
	return nil
}

// methodRank orders the Allow header as Django does: GET, HEAD, OPTIONS first.
func methodRank(m string) string {
	switch m {
	case http.MethodGet:
		return "0"
	case http.MethodHead:
		return "1"
	case http.MethodOptions:
		return "2"
	}
	return "3" + m
}

// classify picks the answer of a GET operation from its 200 response.
func classify(path string, op *openapi3.Operation) (routeKind, []byte, error) {
	resp := op.Responses.Status(http.StatusOK)
	if resp == nil || resp.Value == nil {
		return 0, nil, fmt.Errorf("no 200 response declared")
	}
	switch op.Extensions["x-connreq-read"] {
	case "requests_sent":
		return kindSent, nil, nil
	case "is_connection":
		return kindIsConnection, nil, nil
	case "connection_status":
		return kindConnectionStatus, nil, nil
	case nil:
	default:
		return 0, nil, fmt.Errorf("x-connreq-read %v: want requests_sent, is_connection or connection_status", op.Extensions["x-connreq-read"])
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return 0, nil, fmt.Errorf("200 response has no application/json schema")
	}
	switch {
	case strings.HasSuffix(mt.Schema.Ref, "/PaginatedConnectionRequestList"):
		return kindConnections, nil, nil
	case strings.HasSuffix(mt.Schema.Ref, "/PaginatedDynamicPreferenceList"):
		return kindPreferences, nil, nil
	case strings.HasSuffix(mt.Schema.Ref, "/PaginatedFeatureList"):
		return kindFeatures, nil, nil
	case strings.HasSuffix(mt.Schema.Ref, "/UserSettings"):
		return kindSettings, nil, nil
	case strings.HasSuffix(mt.Schema.Ref, "/HiddenUserIds"):
		return kindHiddenIDs, nil, nil
	case strings.HasSuffix(mt.Schema.Ref, "/User") && !strings.Contains(path, "{"):
		return kindMe, nil, nil
	}
	if mt.Example == nil {
		return 0, nil, fmt.Errorf("200 schema %q is not one connreq generates and it has no example", mt.Schema.Ref)
	}
	body, err := marshalCompact(mt.Example)
	if err != nil {
		return 0, nil, fmt.Errorf("200 example: %w", err)
	}
	return kindExample, body, nil
}

// newRouter registers the admin area, every spec route, the slash-less redirects,
// and the JSON 404 for everything else.
func (s *Server) newRouter() http.Handler {
	// SkipClean: Django resolves the path as sent, so "//api/v2//…", "/a/../b" and an
	// authority-form CONNECT are 404s there. gorilla/mux would instead 301 them to a cleaned
	// path (bodiless, and "//host/" — a protocol-relative redirect — for CONNECT host:port).
	r := mux.NewRouter().SkipClean(true)
	if !s.cfg.NoAdmin {
		s.registerAdmin(r.PathPrefix(adminPrefix).Subrouter())
	}
	for _, rt := range s.routes {
		r.Handle(rt.path, s.routeHandler(rt))
		if slashless := strings.TrimSuffix(rt.path, "/"); slashless != rt.path && slashless != "" {
			r.Handle(slashless, http.HandlerFunc(appendSlash))
		}
	}
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, errNotFound())
	})
	return s.newFastRouter(r)
}

// appendSlash answers like Django's CommonMiddleware with APPEND_SLASH: 301 to the
// slash URL, query kept.
func appendSlash(w http.ResponseWriter, r *http.Request) {
	loc := djangoPath(r.URL.Path) + "/"
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusMovedPermanently)
}

// routeHandler serves rt when mux routes a request to it (the fast router bypasses mux
// for most requests, and calls serveRoute itself).
func (s *Server) routeHandler(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serveRoute(w, r, rt, mux.Vars(r))
	})
}

// serveRoute dispatches by method: spec operations, OPTIONS metadata, else 405.
func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt *route, vars map[string]string) {
	op, ok := rt.ops[r.Method]
	switch {
	case ok:
		s.serveOperation(w, r, rt, op, vars)
	case r.Method == http.MethodOptions:
		s.serveOptions(w, rt)
	default:
		writeError(w, errMethodNotAllowed(r.Method, rt.allow))
	}
}

// serveOptions answers a plain (non-preflight) OPTIONS like DRF's metadata view.
func (s *Server) serveOptions(w http.ResponseWriter, rt *route) {
	name := rt.path
	if get, ok := rt.ops[http.MethodGet]; ok && get.Operation.Summary != "" {
		name = get.Operation.Summary
	}
	meta := map[string]any{
		"name":     name,
		"renders":  []string{"application/json"},
		"parses":   []string{"application/json"},
		"allow":    rt.allow,
		"spec_url": adminPrefix + "/openapi.yaml",
	}
	if s.cfg.NoAdmin {
		delete(meta, "spec_url") // not served
	}
	body, _ := marshalCompact(meta)
	h := w.Header()
	h.Set("Allow", rt.allow)
	writeJSON(w, http.StatusOK, body)
}
