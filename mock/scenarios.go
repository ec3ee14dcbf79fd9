package mock

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/connreq/connreq/fixtures"
)

// scenarioSet is the catalogue being served and the per-scenario state. SetScenarios
// swaps it whole, so a request sees one set from start to end.
type scenarioSet struct {
	cat    *fixtures.Catalogue
	states map[*fixtures.Scenario]*scenarioState
}

// scenarioState is the mutable part of a served scenario.
type scenarioState struct {
	variant string        // the page cache's key for the scenario's data, unique per set
	calls   atomic.Uint64 // calls so far, for faults that strike every N-th call
}

// generation numbers the sets a Server installs, so a reloaded scenario never reuses a
// cached page of its predecessor.
func (s *Server) newScenarioSet(cat *fixtures.Catalogue) *scenarioSet {
	gen := s.setGeneration.Add(1)
	set := &scenarioSet{cat: cat, states: make(map[*fixtures.Scenario]*scenarioState, cat.Len())}
	for _, sc := range cat.All() {
		set.states[sc] = &scenarioState{variant: sc.Name + "@" + strconv.FormatUint(gen, 10)}
	}
	return set
}

// SetScenarios replaces the scenarios served, atomically: requests in flight finish with the
// old set. A nil catalogue serves none.
func (s *Server) SetScenarios(cat *fixtures.Catalogue) {
	if cat == nil {
		cat = &fixtures.Catalogue{}
	}
	s.scenarios.Store(s.newScenarioSet(cat))
}

// Scenarios returns the catalogue being served.
func (s *Server) Scenarios() *fixtures.Catalogue { return s.scenarios.Load().cat }

// pickScenario returns the scenario of a request: the one Prefer names, else the one
// reserved for owner, else nil.
func (set *scenarioSet) pick(p *prefs, owner int64) (*fixtures.Scenario, *apiError) {
	if p.scenario != "" {
		sc := set.cat.Lookup(p.scenario)
		if sc == nil {
			return nil, errBadPrefer(fmt.Sprintf("unknown scenario %q; valid scenarios: %s", p.scenario, strings.Join(set.cat.Names(), ", ")))
		}
		return sc, nil
	}
	return set.cat.ByID(owner), nil
}

// flaky returns the function that says whether this call of sc is one its status fault
// strikes: every Every-th call, counted per scenario.
func (set *scenarioSet) flaky(sc *fixtures.Scenario) func() bool {
	st := set.states[sc]
	every := uint64(max(sc.Faults.Every, 1))
	return func() bool { return st.calls.Add(1)%every == 0 }
}

// scenarioInfo is one entry of /__connreq/scenarios.
type scenarioInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	ID          int64    `json:"id"`
	ExampleURL  string   `json:"example_url"`
	Prefer      string   `json:"prefer"`
	Count       *int64   `json:"count"`
	Status      int      `json:"status"`
	Faults      []string `json:"faults"`
	Source      string   `json:"source"`
}

// serveScenarios lists the scenarios with an example URL on this server.
func (s *Server) serveScenarios(w http.ResponseWriter, r *http.Request) {
	base := s.origin(r)
	list := []scenarioInfo{}
	for _, sc := range s.scenarios.Load().cat.All() {
		info := scenarioInfo{
			Name:        sc.Name,
			Description: sc.Description,
			ID:          sc.ID,
			ExampleURL:  base + "/api/v2/user/" + strconv.FormatInt(sc.ID, 10) + "/connection/requests/",
			Prefer:      "scenario=" + sc.Name,
			Status:      http.StatusOK,
			Faults:      append([]string{}, sc.Faults.Names()...),
			Source:      sc.Source,
		}
		if sc.Error != nil {
			info.Status = sc.Error.Status
		} else {
			n := sc.Count
			info.Count = &n
		}
		list = append(list, info)
	}
	body, err := marshalCompact(map[string]any{"count": len(list), "scenarios": list})
	if err != nil {
		panic(err)
	}
	writeJSON(w, http.StatusOK, body)
}
