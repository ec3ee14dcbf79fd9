package mock

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/connreq/connreq/fixtures"
)

// checkPlan is what an operation's validation depends on, read from the spec once, for
// the fast path of validate: a request whose every checked value is one the plan can
// accept by itself gets the verdict kin-openapi would give (the caller, or the
// authenticator's 401), without kin-openapi. Anything else (a value the plan does not
// accept, a parameter or security shape it does not model) goes to kin-openapi, whose
// answer stands. FuzzFastValidate checks both paths answer alike, byte for byte.
type checkPlan struct {
	auth   bool         // kin-openapi calls the authenticator once (one requirement, one scheme)
	params []paramCheck // the parameters kin-openapi checks, in the mode's set
}

// paramCheck is one parameter the fast path can accept.
type paramCheck struct {
	name     string
	in       string // openapi3.ParameterInPath or openapi3.ParameterInQuery
	required bool
	digits   bool  // a string of ASCII digits (pattern ^[0-9]+$), at most maxLen of them
	maxLen   int   // digits: the schema's maxLength, -1 for none
	min, max int64 // !digits: an integer in [min, max]
}

// fastSchemaKey reports whether a fast-path parameter's schema may carry keyword k: the
// rest (formats, enums, nullable, exclusive bounds, …) send the operation to kin-openapi.
func fastSchemaKey(k string) bool {
	switch k {
	case "type", "pattern", "maxLength", "minimum", "maximum", "default", "example", "description", "title":
		return true
	}
	return false
}

// newCheckPlans builds the fast path's plan of every operation it can model.
func (s *Server) newCheckPlans() map[*routers.Route]*checkPlan {
	plans := map[*routers.Route]*checkPlan{}
	for _, rt := range s.routes {
		for _, op := range rt.ops {
			if _, done := plans[op]; done {
				continue
			}
			if p := s.newCheckPlan(op); p != nil {
				plans[op] = p
			}
		}
	}
	return plans
}

// newCheckPlan reads op as kin-openapi's ValidateRequest walks it; nil when the fast
// path cannot model it.
func (s *Server) newCheckPlan(op *routers.Route) *checkPlan {
	plan := &checkPlan{}
	sec := op.Operation.Security
	if sec == nil {
		sec = &op.Spec.Security
	}
	switch {
	case len(*sec) == 0, len(*sec) == 1 && len((*sec)[0]) == 0:
		// No requirement, or one empty one: kin-openapi never calls the authenticator.
	case len(*sec) == 1 && len((*sec)[0]) == 1:
		for name := range (*sec)[0] {
			if op.Spec.Components == nil || op.Spec.Components.SecuritySchemes[name] == nil ||
				op.Spec.Components.SecuritySchemes[name].Value == nil {
				return nil // kin-openapi answers "not declared" without calling it
			}
		}
		plan.auth = true
	default:
		return nil
	}
	var params []*openapi3.Parameter
	for _, ref := range op.PathItem.Parameters {
		if ref.Value == nil {
			return nil
		}
		if op.Operation.Parameters != nil && op.Operation.Parameters.GetByInAndName(ref.Value.In, ref.Value.Name) != nil {
			continue
		}
		params = append(params, ref.Value)
	}
	for _, ref := range op.Operation.Parameters {
		if ref.Value == nil {
			return nil
		}
		params = append(params, ref.Value)
	}
	for _, p := range params {
		if p.In == openapi3.ParameterInQuery && !s.cfg.Strict {
			continue // ExcludeRequestQueryParams
		}
		pc, ok := newParamCheck(p)
		if !ok {
			return nil
		}
		plan.params = append(plan.params, pc)
	}
	return plan
}

// newParamCheck models p when it is a plain path or query parameter of one of the two
// shapes the spec uses: a digit string, or a bounded integer.
func newParamCheck(p *openapi3.Parameter) (paramCheck, bool) {
	if p.In != openapi3.ParameterInPath && p.In != openapi3.ParameterInQuery ||
		p.Content != nil || p.Style != "" || p.Explode != nil || p.AllowEmptyValue || p.AllowReserved ||
		p.Schema == nil || p.Schema.Value == nil {
		return paramCheck{}, false
	}
	sc := p.Schema.Value
	raw, err := json.Marshal(sc)
	if err != nil {
		return paramCheck{}, false
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(raw, &keys) != nil {
		return paramCheck{}, false
	}
	for k := range keys {
		if !fastSchemaKey(k) {
			return paramCheck{}, false
		}
	}
	pc := paramCheck{name: p.Name, in: p.In, required: p.Required, maxLen: -1}
	switch {
	case sc.Type.Is(openapi3.TypeString) && (sc.Pattern == `^[0-9]+$` || sc.Pattern == `^\d+$`) &&
		sc.Min == nil && sc.Max == nil:
		pc.digits = true
		if sc.MaxLength != nil {
			pc.maxLen = int(min(*sc.MaxLength, 1<<20))
		}
	case sc.Type.Is(openapi3.TypeInteger) && sc.Pattern == "" && sc.MaxLength == nil:
		pc.min, pc.max = -1<<53, 1<<53
		if sc.Min != nil {
			if *sc.Min != float64(int64(*sc.Min)) || *sc.Min < -1<<53 || *sc.Min > 1<<53 {
				return paramCheck{}, false
			}
			pc.min = int64(*sc.Min)
		}
		if sc.Max != nil {
			if *sc.Max != float64(int64(*sc.Max)) || *sc.Max < -1<<53 || *sc.Max > 1<<53 {
				return paramCheck{}, false
			}
			pc.max = int64(*sc.Max)
		}
	default:
		return paramCheck{}, false
	}
	return pc, true
}

// accepts reports whether raw certainly passes kin-openapi's check of the parameter. A
// false is no verdict: the request goes to kin-openapi.
func (pc *paramCheck) accepts(raw string) bool {
	if len(raw) > 15 && !pc.digits || !fixtures.IsDigits(raw) {
		return false
	}
	if pc.digits {
		return pc.maxLen < 0 || len(raw) <= pc.maxLen
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	return err == nil && n >= pc.min && n <= pc.max
}

// check is the fast path of validate. ok false means no verdict: ask kin-openapi.
func (plan *checkPlan) check(s *Server, r *http.Request, q fixtures.Query, vars map[string]string) (who caller, aerr *apiError, ok bool) {
	if plan.auth {
		// As the AuthenticationFunc reads it (validatorOptions); 401 comes first.
		if who, aerr = s.authenticate(authorization(r.Header)); aerr != nil {
			return caller{}, aerr, true
		}
	}
	for i := range plan.params {
		pc := &plan.params[i]
		if pc.in == openapi3.ParameterInPath {
			if raw, found := vars[pc.name]; !found || !pc.accepts(raw) {
				return caller{}, nil, false
			}
			continue
		}
		// Strict query: at most once (strictQueryProblems), and a value kin-openapi takes.
		n, last := 0, ""
		for _, kv := range q {
			if kv.Key == pc.name {
				n, last = n+1, kv.Value
			}
		}
		switch {
		case n == 0 && !pc.required:
		case n == 1 && pc.accepts(last):
		default:
			return caller{}, nil, false
		}
	}
	return who, nil, true
}

// authorization is the Authorization header as the authenticator reads it: repeated
// fields joined with "," (as WSGI servers do for HTTP_AUTHORIZATION).
func authorization(h http.Header) string {
	v := h["Authorization"]
	if len(v) == 1 {
		return v[0]
	}
	return strings.Join(v, ",")
}
