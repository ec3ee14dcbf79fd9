package mock

import (
	"net/http"
	"strings"
	"sync"

	"github.com/gorilla/mux"
)

// template is a spec path compiled for matching without regular expressions: literal
// parts and {name} variables, as gorilla/mux reads it (a variable is [^/]+).
type template struct {
	lits  []string // lits[i] precedes vars[i]; the last literal ends the path
	names []string // the variables, in order
}

// compileTemplate splits path into literals and variables. ok is false when the path has
// a variable mux would read differently from "[^/]+ up to the next / or the end" (a
// custom pattern, a variable not followed by / or the end, unbalanced braces): such a
// router is left to mux.
func compileTemplate(path string) (template, bool) {
	var t template
	rest := path
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			if strings.IndexByte(rest, '}') >= 0 {
				return template{}, false
			}
			t.lits = append(t.lits, rest)
			return t, true
		}
		j := strings.IndexByte(rest, '}')
		if j < i {
			return template{}, false
		}
		name := rest[i+1 : j]
		if name == "" || strings.ContainsAny(name, "{:") {
			return template{}, false
		}
		if j+1 < len(rest) && rest[j+1] != '/' {
			return template{}, false
		}
		if strings.IndexByte(rest[:i], '}') >= 0 {
			return template{}, false
		}
		t.lits = append(t.lits, rest[:i])
		t.names = append(t.names, name)
		rest = rest[j+1:]
	}
}

// match reports whether path matches t, with the variables' values appended to vals.
// A variable ends at the next '/' (its literal follows with one) and is never empty,
// which is exactly mux's ^lit(?P<v0>[^/]+)lit…$.
func (t *template) match(path string, vals []string) ([]string, bool) {
	// The last literal ends every match: checking it first rejects most templates at once.
	if !strings.HasSuffix(path, t.lits[len(t.lits)-1]) {
		return vals, false
	}
	for i, lit := range t.lits {
		if !strings.HasPrefix(path, lit) {
			return vals, false
		}
		path = path[len(lit):]
		if i == len(t.names) {
			break
		}
		end := strings.IndexByte(path, '/')
		if end < 0 {
			end = len(path)
		}
		if end == 0 {
			return vals, false
		}
		vals = append(vals, path[:end])
		path = path[end:]
	}
	return vals, path == ""
}

// fastRoute is one entry of the fast router, in mux's registration order.
type fastRoute struct {
	tpl   template
	route *route // nil: the slash-less redirect, left to mux
}

// fastRouter answers requests for the spec's routes without gorilla/mux, whose regular
// expressions, vars map and two request copies (WithContext) are most of the routing
// cost. It walks the same templates in the same order as the mux router it fronts and
// takes a request only when the first match is a spec route; everything else (the admin
// area, the slash-less redirects, 404s) goes to mux unchanged. FuzzFastPath checks that
// the server answers arbitrary requests as its twin without the fast paths does.
type fastRouter struct {
	s      *Server
	routes []fastRoute
	// bySlashes[n] lists, in order, the routes whose templates hold n slashes: a variable
	// holds none, so a path matches only templates with as many slashes as it has, and the
	// first match within its bucket is the first match overall.
	bySlashes [][]*fastRoute
	admin     bool // the admin area is registered first: its prefix goes to mux
	mux       http.Handler
	// vars recycles the path variables' maps: serveRoute and what it calls read them and
	// keep nothing of them (strings are copied out), so a map serves again once it returns.
	vars sync.Pool
}

// newFastRouter fronts m with the fast router, or returns m when a template cannot be
// compiled.
func (s *Server) newFastRouter(m *mux.Router) http.Handler {
	fr := &fastRouter{s: s, admin: !s.cfg.NoAdmin, mux: m}
	for _, rt := range s.routes {
		tpl, ok := compileTemplate(rt.path)
		if !ok {
			return m
		}
		if len(tpl.names) > maxFastVars {
			return m
		}
		fr.routes = append(fr.routes, fastRoute{tpl: tpl, route: rt})
		if slashless := strings.TrimSuffix(rt.path, "/"); slashless != rt.path && slashless != "" {
			tpl, ok := compileTemplate(slashless)
			if !ok {
				return m
			}
			fr.routes = append(fr.routes, fastRoute{tpl: tpl})
		}
	}
	for i := range fr.routes {
		f := &fr.routes[i]
		n := 0
		for _, lit := range f.tpl.lits {
			n += strings.Count(lit, "/")
		}
		for len(fr.bySlashes) <= n {
			fr.bySlashes = append(fr.bySlashes, nil)
		}
		fr.bySlashes[n] = append(fr.bySlashes[n], f)
	}
	s.fast = fr
	return fr
}

// maxFastVars bounds the variables of a template the fast router takes.
const maxFastVars = 4

// lookup returns the fast route mux would give path to (nil when mux would give it to
// something else), with its variables' values appended to vals.
func (fr *fastRouter) lookup(path string, vals []string) (*fastRoute, []string) {
	if fr.admin && strings.HasPrefix(path, adminPrefix) {
		return nil, vals
	}
	n := strings.Count(path, "/")
	if n >= len(fr.bySlashes) {
		return nil, vals
	}
	for _, f := range fr.bySlashes[n] {
		got, ok := f.tpl.match(path, vals)
		if !ok {
			continue
		}
		if f.route == nil {
			return nil, vals
		}
		return f, got
	}
	return nil, vals
}

func (fr *fastRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var stack [maxFastVars]string
	f, vals := fr.lookup(r.URL.Path, stack[:0])
	if f == nil {
		fr.mux.ServeHTTP(w, r)
		return
	}
	vars, _ := fr.vars.Get().(map[string]string)
	if vars == nil {
		vars = make(map[string]string, maxFastVars)
	}
	for j, name := range f.tpl.names {
		vars[name] = vals[j]
	}
	fr.s.serveRoute(w, r, f.route, vars)
	clear(vars)
	fr.vars.Put(vars)
}
