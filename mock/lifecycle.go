package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/getkin/kin-openapi/routers"

	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/state"
)

// The connection-request lifecycle (docs/state.md): actions recorded by package state,
// and the reads they change. The Server only glues HTTP to a state.Hub.

// maxActionBody bounds the (ignored) body of an action.
const maxActionBody = 64 << 10

// stateBase is the generated world as package state sees it: every user id Django's
// AutoField can hold exists (but the reserved unknown-user ids), and each owner's list
// is generated, or its reserved scenario's.
type stateBase struct{ s *Server }

func (b stateBase) scenario(user int64) *fixtures.Scenario {
	return b.s.scenarios.Load().cat.ByID(user)
}

// Exists implements state.Base.
func (b stateBase) Exists(user int64) bool {
	if user < 1 || user > maxUserID {
		return false
	}
	sc := b.scenario(user)
	return sc == nil || sc.Error == nil || sc.Error.Status != http.StatusNotFound
}

// list is owner's base list length and shape.
func (b stateBase) list(owner int64) (int64, *fixtures.Shape) {
	if sc := b.scenario(owner); sc != nil {
		if sc.Error != nil {
			return 0, nil
		}
		return min(sc.Count, fixtures.MaxItems), &sc.Shape
	}
	return b.s.gen.Count(owner), nil
}

// Len implements state.Base.
func (b stateBase) Len(owner int64) int64 { n, _ := b.list(owner); return n }

// IndexOf implements state.Base.
func (b stateBase) IndexOf(owner, sender int64) (int64, bool) {
	return b.s.gen.IndexOf(owner, sender, b.Len(owner))
}

// Flags implements state.Base.
func (b stateBase) Flags(owner, i int64) (bool, bool) {
	_, shape := b.list(owner)
	return b.s.gen.ItemFlags(owner, i, shape)
}

// newState builds the hub (nil with Config.StateOff) and the base world.
func (s *Server) newState() {
	base := stateBase{s}
	clock := state.Clock{Start: s.cfg.Now.UnixMicro(), Step: int64(time.Second / time.Microsecond)}
	s.stateOff = state.NewWorld(base, clock)
	if s.cfg.StateOff {
		return
	}
	st := s.cfg.State
	if st == nil {
		st = state.NewMemory(s.cfg.StateMax)
	}
	s.hub = state.NewHub(st, base, clock)
}

// session is the state session a request names (Prefer: session=NAME), else the default.
func session(p *prefs) string {
	if p.session != "" {
		return p.session
	}
	return state.DefaultSession
}

// stateError answers a store that cannot serve: 503 with the reason.
func (s *Server) stateError(w http.ResponseWriter, r *http.Request, err error) {
	detail := "State store unavailable: " + err.Error()
	var full *state.FullError
	switch {
	case errors.As(err, &full):
		detail = "State full: " + full.Error()
	case errors.Is(err, state.ErrUnavailable):
		detail = err.Error() + ". The mock answers again as soon as the store is back."
		detail = string(bytes.ToUpper([]byte(detail[:1]))) + detail[1:]
	}
	if r.Context().Err() == nil { // a client that went away is not news
		s.cfg.Logger.Warn("state store", "path", r.URL.Path, "error", err.Error())
	}
	writeError(w, &apiError{status: http.StatusServiceUnavailable, detail: detail})
}

// view returns the World of the request's session, in step with the store; ok is false
// when the answer (503) is written. With --state off it returns nil: the generated world.
func (s *Server) view(w http.ResponseWriter, r *http.Request, p *prefs) (*state.View, bool) {
	if s.hub == nil {
		return nil, true
	}
	v, err := s.hub.View(r.Context(), session(p))
	if err != nil {
		s.stateError(w, r, err)
		return nil, false
	}
	return v, true
}

// overlaid serves owner's list base (shaped by shape; generated when its items are the
// generator's) as the request's session has changed it.
func (s *Server) overlaid(w http.ResponseWriter, r *http.Request, q fixtures.Query, p *prefs, base fixtures.List, owner int64, shape *fixtures.Shape, generated bool,
	serve func(fixtures.List), f fixtures.Faults) {
	v, ok := s.view(w, r, p)
	if !ok {
		return
	}
	if v == nil || !v.World().Changed() {
		if v != nil {
			v.Release()
		}
		serve(base)
		return
	}
	list := fixtures.List(v.Overlay(base, owner, s.gen, shape, generated))
	if f.IsZero() {
		defer v.Release()
		serve(list)
		return
	}
	// Faults may hold the answer for minutes: render the window now and let writers in.
	win := s.pager.Window(q)
	start, end := win.Bounds(list.Len())
	fixed, err := renderWindow(list, start, end)
	v.Release()
	if err != nil {
		panic(fmt.Errorf("render overlay of user %d: %w", owner, err)) // a bug
	}
	serve(fixed)
}

// window is one rendered window of a list, served as the list itself.
type window struct {
	n, start, end int64
	items         []byte
	version       string
}

func renderWindow(l fixtures.List, start, end int64) (*window, error) {
	items, err := l.AppendItems(nil, start, end)
	return &window{n: l.Len(), start: start, end: end, items: items, version: l.Version()}, err
}

func (w *window) Len() int64      { return w.n }
func (w *window) Version() string { return w.version }
func (w *window) AppendItems(dst []byte, start, end int64) ([]byte, error) {
	if start != w.start || end != w.end {
		return dst, fmt.Errorf("window [%d, %d) asked of a rendered [%d, %d)", start, end, w.start, w.end)
	}
	return append(dst, w.items...), nil
}

// caller is the acting user: the token's, else --me.
func (s *Server) actor(who caller) int64 {
	if who.userID != 0 {
		return who.userID
	}
	return s.cfg.Me
}

// checkActionBody accepts no body, or a JSON object (ignored) of at most maxActionBody bytes.
func checkActionBody(r *http.Request) *apiError {
	if r.ContentLength > maxActionBody {
		return errBodyTooLarge()
	}
	if r.Body == nil { // a server request always has one; a handler called directly may not
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxActionBody+1))
	if err != nil {
		return &apiError{status: http.StatusBadRequest, detail: "Cannot read the request body: " + err.Error()}
	}
	if len(body) > maxActionBody {
		return errBodyTooLarge()
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return &apiError{status: http.StatusBadRequest, detail: fmt.Sprintf(
			"Unsupported media type %q in request: send no body, or a JSON object with Content-Type: application/json.", truncate(ct, 64))}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		reason := "not a JSON object"
		if err != nil {
			reason = err.Error()
		}
		return &apiError{status: http.StatusBadRequest, detail: "JSON parse error - " + truncate(reason, 120)}
	}
	return nil
}

func errBodyTooLarge() *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge, detail: "Request body too large (limit " + strconv.Itoa(maxActionBody) + " bytes)."}
}

// serveAction performs a lifecycle action (POST …/connection/{action}/, …/mark_seen/).
func (s *Server) serveAction(w http.ResponseWriter, r *http.Request, rt *route, vars map[string]string, who caller, p *prefs) {
	if s.cfg.NoFriendship {
		writeError(w, errForbidden())
		return
	}
	if aerr := checkActionBody(r); aerr != nil {
		writeError(w, aerr)
		return
	}
	user, ok := parseUserID(vars["id"])
	if !ok {
		writeError(w, errNotFound())
		return
	}
	by := s.actor(who)
	var out state.Outcome
	var ref *state.Refusal
	if s.hub == nil {
		out, ref = s.stateOff.Check(by, rt.action, user)
	} else {
		var err error
		if out, ref, err = s.hub.Do(r.Context(), session(p), by, rt.action, user); err != nil {
			s.stateError(w, r, err)
			return
		}
	}
	if ref != nil {
		writeError(w, &apiError{status: ref.Status, detail: ref.Detail})
		return
	}
	if p.delay > 0 && !waitToWrite(r.Context(), w, delayOf(p.faults(), "prefer", r)) {
		return
	}
	if out.Status == http.StatusNoContent {
		w.Header().Set("Vary", "Accept")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, out.Status, statusBody(out.ConnectionStatus))
}

// statusBody is {"connection_status": status or null}.
func statusBody(status string) []byte {
	if status == "" {
		return []byte(`{"connection_status":null}`)
	}
	return []byte(`{"connection_status":"` + status + `"}`)
}

// serveStateRead answers the reads that only the state knows: is_connection,
// connection_status and the caller's sent list.
func (s *Server) serveStateRead(w http.ResponseWriter, r *http.Request, rt *route, q fixtures.Query, vars map[string]string, who caller, p *prefs) {
	if s.cfg.NoFriendship {
		writeError(w, errForbidden())
		return
	}
	by := s.actor(who)
	var user int64
	if rt.hasID {
		id, ok := parseUserID(vars["id"])
		if !ok || !(stateBase{s}).Exists(id) {
			writeError(w, errNotFound())
			return
		}
		user = id
	}
	v, ok := s.view(w, r, p)
	if !ok {
		return
	}
	world := s.stateOff
	if v != nil {
		defer v.Release()
		world = v.World()
	}
	switch rt.kind {
	case kindIsConnection:
		body := []byte(`{"is_connection":false}`)
		if world.IsConnection(by, user) {
			body = []byte(`{"is_connection":true}`)
		}
		writeJSON(w, http.StatusOK, body)
	case kindConnectionStatus:
		writeJSON(w, http.StatusOK, statusBody(world.Status(by, user)))
	case kindSent:
		var list fixtures.List = emptyList{}
		if v != nil {
			list = v.Sent(by, s.gen)
		}
		s.servePage(w, r, q, list, by, p.faults(), "prefer", nil)
	}
}

// emptyList is the sent list of the generated world.
type emptyList struct{}

func (emptyList) Len() int64                                         { return 0 }
func (emptyList) Version() string                                    { return "sent" }
func (emptyList) AppendItems(dst []byte, _, _ int64) ([]byte, error) { return dst, nil }

// serveState answers GET (the session's transitions) and DELETE (reset) on
// /__connreq/state. The session is ?session=NAME or Prefer: session=NAME; DELETE with
// ?all=true resets every session.
func (s *Server) serveState(w http.ResponseWriter, r *http.Request) {
	name := state.DefaultSession
	if v := r.URL.Query().Get("session"); v != "" {
		name = v
	} else if lines := r.Header["Prefer"]; len(lines) > 0 {
		p, err := parsePrefer(lines)
		if err != nil {
			writeError(w, errBadPrefer(err.Error()))
			return
		}
		if p.session != "" {
			name = p.session
		}
	}
	if !state.ValidSession(name) {
		writeError(w, &apiError{status: http.StatusBadRequest, detail: fmt.Sprintf("session must be 1 to 64 of A-Z a-z 0-9 . _ ~ - (got %q)", truncate(name, 64))})
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.writeStateLog(w, r, name)
	case http.MethodDelete:
		if s.hub == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		all := r.URL.Query().Get("all")
		if all != "" && all != "true" && all != "1" {
			writeError(w, &apiError{status: http.StatusBadRequest, detail: fmt.Sprintf("all must be true or 1 (got %q)", truncate(all, 64))})
			return
		}
		target := name
		if all != "" {
			target = ""
		}
		if err := s.hub.Reset(r.Context(), target); err != nil {
			s.stateError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, errMethodNotAllowed(r.Method, "GET, HEAD, DELETE"))
	}
}

// stateTransition is one entry of GET /__connreq/state.
type stateTransition struct {
	state.Transition
	At string `json:"at"`
}

func (s *Server) writeStateLog(w http.ResponseWriter, r *http.Request, name string) {
	out := struct {
		Store       string            `json:"store"`
		Session     string            `json:"session"`
		Max         int64             `json:"max"`
		Count       int               `json:"count"`
		Transitions []stateTransition `json:"transitions"`
		Sessions    []string          `json:"sessions"`
	}{Store: "off", Session: name, Transitions: []stateTransition{}, Sessions: []string{}}
	if s.hub != nil {
		st := s.hub.Store()
		out.Store = "memory"
		if _, ok := st.(*state.Redis); ok {
			out.Store = "redis"
		}
		if m, ok := st.(interface{ Max() int64 }); ok {
			out.Max = m.Max()
		}
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		log, err := s.hub.Log(ctx, name)
		if err != nil {
			s.stateError(w, r, err)
			return
		}
		clock := state.Clock{Start: s.cfg.Now.UnixMicro(), Step: int64(time.Second / time.Microsecond)}
		for _, t := range log.Entries {
			at := fixtures.FormatTime(time.UnixMicro(clock.At(t.Seq)), s.cfg.Location)
			out.Transitions = append(out.Transitions, stateTransition{Transition: t, At: at})
		}
		out.Count = len(log.Entries)
		if out.Sessions, err = st.Sessions(ctx); err != nil {
			s.stateError(w, r, err)
			return
		}
	}
	body, _ := marshalCompact(out)
	writeJSON(w, http.StatusOK, body)
}

// routeAction reads an operation's x-connreq-action.
func routeAction(op *routers.Route) (state.Action, error) {
	v, ok := op.Operation.Extensions["x-connreq-action"].(string)
	if !ok {
		return "", fmt.Errorf("%s %s: no x-connreq-action naming the lifecycle action", op.Method, op.Path)
	}
	for _, a := range state.Actions {
		if string(a) == v {
			return a, nil
		}
	}
	return "", fmt.Errorf("%s %s: x-connreq-action %q is not one of %v", op.Method, op.Path, v, state.Actions)
}
