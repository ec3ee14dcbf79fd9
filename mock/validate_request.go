package mock

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/connreq/connreq/fixtures"
)

// authState carries the authenticator's verdict out of kin-openapi's AuthenticationFunc.
type authState struct {
	who caller
	err *apiError
}

type authStateKey struct{}

// errAuthFailed is what the AuthenticationFunc returns to kin-openapi; the detail is in authState.
var errAuthFailed = errors.New("authentication failed")

// validatorOptions builds the kin-openapi options for the server's mode: strict checks
// every parameter; faithful skips query parameters (production is lenient with them).
func (s *Server) validatorOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		MultiError:                true,
		SkipSettingDefaults:       true,
		ExcludeRequestBody:        true,
		ExcludeRequestQueryParams: !s.cfg.Strict,
		AuthenticationFunc: func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
			st, _ := ctx.Value(authStateKey{}).(*authState)
			if st == nil {
				return errAuthFailed
			}
			// Repeated fields are joined with "," as WSGI servers do for HTTP_AUTHORIZATION, so
			// two Bearer headers are one malformed value there and here, never the first one.
			st.who, st.err = s.authenticate(strings.Join(in.RequestValidationInput.Request.Header.Values("Authorization"), ","))
			if st.err != nil {
				return errAuthFailed
			}
			return nil
		},
	}
}

// validate runs kin-openapi on the matched route and maps its verdict onto the error
// catalogue: 401 first (as DRF authenticates first), then the path id (404 faithful,
// 400 strict), then, in strict mode, every broken query rule in one 400. A request the
// operation's checkPlan can judge by itself skips kin-openapi (validate_fast.go).
func (s *Server) validate(r *http.Request, op *routers.Route, q fixtures.Query, vars map[string]string) (caller, *apiError) {
	if plan := s.plans[op]; plan != nil {
		if who, aerr, ok := plan.check(s, r, q, vars); ok {
			return who, aerr
		}
	}
	return s.validateSlow(r, op, q, vars)
}

// validateSlow is validate through kin-openapi, for every request.
func (s *Server) validateSlow(r *http.Request, op *routers.Route, q fixtures.Query, vars map[string]string) (caller, *apiError) {
	st := &authState{}
	ctx := context.WithValue(r.Context(), authStateKey{}, st)
	// kin-openapi's security check reads the whole request body into memory, without
	// limit, before calling the AuthenticationFunc (ExcludeRequestBody does not stop it).
	// No operation here takes a body: hide it, so a GET that declares gigabytes costs
	// nothing, and one whose body never comes is answered at once.
	vr := r.WithContext(r.Context())
	vr.Body, vr.GetBody, vr.ContentLength = http.NoBody, nil, 0
	input := &openapi3filter.RequestValidationInput{
		Request:     vr,
		PathParams:  vars,
		QueryParams: lastValues(q),
		Route:       op,
		Options:     s.opts,
	}
	err := openapi3filter.ValidateRequest(ctx, input)
	if st.err != nil {
		return caller{}, st.err
	}
	var problems []paramProblem
	reported := map[string]bool{}
	for _, e := range flatten(err) {
		var re *openapi3filter.RequestError
		if !errors.As(e, &re) || re.Parameter == nil {
			var se *openapi3filter.SecurityRequirementsError
			if errors.As(e, &se) {
				return caller{}, errBadToken()
			}
			continue
		}
		p := re.Parameter
		if p.In == openapi3.ParameterInPath && !s.cfg.Strict {
			return caller{}, errNotFound()
		}
		raw := vars[p.Name]
		if p.In == openapi3.ParameterInQuery {
			raw, _ = q.Get(p.Name)
		}
		problems = append(problems, problem(p, raw, describe(re)))
		reported[p.In+"/"+p.Name] = true
	}
	if s.cfg.Strict {
		problems = append(problems, s.strictQueryProblems(op, q, reported)...)
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Field < problems[j].Field })
		return caller{}, errInvalid(problems)
	}
	return st.who, nil
}

// strictQueryProblems adds what kin-openapi lets through but the spec still forbids:
// integers written any other way than plain decimal ("+5", " 5", "", "1_0"), and
// parameters given more than once (production silently takes the last).
func (s *Server) strictQueryProblems(op *routers.Route, q fixtures.Query, reported map[string]bool) []paramProblem {
	var out []paramProblem
	for _, ref := range op.Operation.Parameters {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInQuery || reported["query/"+p.Name] {
			continue
		}
		vals := queryAll(q, p.Name)
		if len(vals) == 0 {
			continue
		}
		last := vals[len(vals)-1]
		switch {
		case len(vals) > 1:
			out = append(out, problem(p, last, fmt.Sprintf("must appear at most once (got %d values)", len(vals))))
		case p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type.Is(openapi3.TypeInteger) && !plainInteger(last):
			out = append(out, problem(p, last, "must be a plain decimal integer"))
		}
	}
	return out
}

// plainInteger reports whether s is -?[0-9]+.
func plainInteger(s string) bool { return fixtures.IsDigits(strings.TrimPrefix(s, "-")) }

// problem builds one strict-mode error entry; the value is truncated to 64 bytes.
func problem(p *openapi3.Parameter, raw, rule string) paramProblem {
	v := truncate(raw, 64)
	return paramProblem{
		Code:    "invalid",
		Field:   p.Name,
		In:      p.In,
		Rule:    rule,
		Value:   v,
		Message: fmt.Sprintf("%s parameter %q %s (got %q)", p.In, p.Name, rule, v),
	}
}

// describe turns a kin-openapi parameter error into a short rule.
func describe(re *openapi3filter.RequestError) string {
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) && se.Schema != nil {
		sc := se.Schema
		switch se.SchemaField {
		case "minimum":
			if sc.Min != nil {
				return fmt.Sprintf("must be ≥ %g", *sc.Min)
			}
		case "maximum":
			if sc.Max != nil {
				return fmt.Sprintf("must be ≤ %g", *sc.Max)
			}
		case "pattern":
			return fmt.Sprintf("must match %s", sc.Pattern)
		case "maxLength":
			return fmt.Sprintf("must be at most %d characters", sc.MaxLength)
		}
		return se.Reason
	}
	var pe *openapi3filter.ParseError
	if errors.As(re.Err, &pe) {
		if re.Parameter.Schema != nil && re.Parameter.Schema.Value != nil && re.Parameter.Schema.Value.Type.Is(openapi3.TypeInteger) {
			return "must be an integer"
		}
		return pe.Reason
	}
	if re.Reason != "" {
		return re.Reason
	}
	if re.Err != nil {
		return re.Err.Error()
	}
	return "is invalid"
}

// flatten unrolls kin-openapi's MultiError.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	// Only a top-level MultiError is unrolled: a RequestError wraps its own MultiError
	// of schema errors, and must stay whole so the parameter is known.
	if me, ok := err.(openapi3.MultiError); ok {
		var out []error
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// lastValues gives kin-openapi the values production uses: the last of each key.
func lastValues(q fixtures.Query) url.Values {
	if len(q) == 0 {
		return url.Values{}
	}
	v := make(url.Values, len(q))
	for _, kv := range q {
		v[kv.Key] = []string{kv.Value}
	}
	return v
}

// queryAll returns every value of key, in order.
func queryAll(q fixtures.Query, key string) []string {
	var out []string
	for _, kv := range q {
		if kv.Key == key {
			out = append(out, kv.Value)
		}
	}
	return out
}
