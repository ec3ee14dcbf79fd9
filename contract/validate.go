package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// uriScheme is RFC 3986's scheme, the part an absolute URI must start with.
var uriScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// validationOptions are kin-openapi's options for body and header validation. Format
// validation is on: kin-openapi checks date and date-time itself; uri, email, uuid and
// the IP formats are added per validation, so no global kin-openapi table is touched.
func validationOptions() (body, headers *openapi3filter.Options) {
	formats := openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
		"uri":   openapi3.NewCallbackValidator(validateURI),
		"email": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail),
		"uuid":  openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122),
		"ipv4":  openapi3.NewIPValidator(true),
		"ipv6":  openapi3.NewIPValidator(false),
	})
	schemaOpts := []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation(), formats}
	body = &openapi3filter.Options{
		MultiError:              true,
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: schemaOpts,
	}
	headers = &openapi3filter.Options{
		ExcludeResponseBody:     true,
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: schemaOpts,
	}
	return body, headers
}

// validateURI accepts an absolute URI (RFC 3986: a scheme, then no spaces or controls).
func validateURI(s string) error {
	if !uriScheme.MatchString(s) {
		return errors.New("not an absolute URI (no scheme)")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return errors.New("not a URI: contains spaces or control characters")
	}
	if _, err := url.Parse(s); err != nil {
		return fmt.Errorf("not a URI: %w", err)
	}
	return nil
}

// responseChecks runs the response checks on ex. want is the status the status check
// requires (0: any declared status). It returns true when the answer is a 200 with a
// well-formed JSON body, ready for the page checks.
func (rn *run) responseChecks(cr *caseResult, ex *exchange, want int) bool {
	transport := []Check{CheckTransport, CheckTimeout, CheckBodySize, CheckRedirect}
	rest := []Check{CheckServerError, CheckStatus, CheckContentType, CheckJSON, CheckSchema, CheckHeaders, CheckLatency}
	if ex.failed != "" {
		msg := ex.err.Error()
		switch ex.failed {
		case CheckTransport:
			msg = "no complete answer: " + msg
		case CheckRedirect:
			msg = "redirect not followed: " + msg + " (redirects are followed only on the target's scheme and host, and the token is never sent elsewhere)"
		}
		cr.fail(ex.failed, rn.failure(ex, "", "", "", msg))
		for _, c := range append(transport, rest...) {
			if c != ex.failed {
				cr.skip(c, "no answer (see "+string(ex.failed)+")")
			}
		}
		return false
	}
	for _, c := range transport {
		cr.pass(c)
	}

	if limit := rn.r.s.MaxLatency; ex.latency > limit {
		took := roundDuration(ex.latency)
		cr.fail(CheckLatency, rn.failure(ex, "", "≤ "+limit.String(), took,
			fmt.Sprintf("the answer took %s, more than --max-latency %s", took, limit)))
	} else {
		cr.pass(CheckLatency)
	}

	if ex.status >= 500 {
		cr.fail(CheckServerError, rn.failure(ex, "status", "not 5xx", fmt.Sprintf("%d, body %q", ex.status, printable(ex.body, 120)),
			fmt.Sprintf("the server failed: %d %s", ex.status, http.StatusText(ex.status))))
		for _, c := range []Check{CheckStatus, CheckContentType, CheckJSON, CheckSchema, CheckHeaders} {
			cr.skip(c, "5xx answer (see server-error)")
		}
		return false
	}
	cr.pass(CheckServerError)

	op := cr.tc.op
	ref := op.route.Operation.Responses.Status(ex.status)
	if ref == nil {
		ref = op.route.Operation.Responses.Default()
	}
	declared := ref != nil && ref.Value != nil
	switch {
	case want != 0 && ex.status != want:
		msg := fmt.Sprintf("this case asks for a page: the answer must be %d, got %d %s", want, ex.status, http.StatusText(ex.status))
		if body := printable(ex.body, 120); body != "" {
			msg += fmt.Sprintf(" (body %q)", body)
		}
		cr.fail(CheckStatus, rn.failure(ex, "status", fmt.Sprint(want), fmt.Sprint(ex.status), msg))
	case !declared:
		cr.fail(CheckStatus, rn.failure(ex, "status", "one of "+strings.Join(declaredStatuses(op), ", "), fmt.Sprint(ex.status),
			fmt.Sprintf("status %d is not declared for GET %s", ex.status, op.path)))
	default:
		cr.pass(CheckStatus)
	}
	if !declared {
		for _, c := range []Check{CheckContentType, CheckJSON, CheckSchema, CheckHeaders} {
			cr.skip(c, fmt.Sprintf("status %d is not declared in the spec: nothing to compare with", ex.status))
		}
		return false
	}
	resp := ref.Value

	rn.checkHeaders(cr, ex)

	if len(resp.Content) == 0 {
		cr.pass(CheckContentType)
		for _, c := range []Check{CheckJSON, CheckSchema} {
			cr.skip(c, fmt.Sprintf("the spec declares no body for status %d", ex.status))
		}
		return false
	}
	ct := ex.header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	declaredTypes := make([]string, 0, len(resp.Content))
	for k := range resp.Content {
		declaredTypes = append(declaredTypes, k)
	}
	sort.Strings(declaredTypes)
	switch {
	case err != nil || resp.Content.Get(mt) == nil:
		actual := ct
		if ct == "" {
			actual = "(no Content-Type)"
		}
		cr.fail(CheckContentType, rn.failure(ex, "Content-Type", strings.Join(declaredTypes, " or "), actual,
			fmt.Sprintf("Content-Type of a %d answer must be one the spec declares", ex.status)))
	case isJSONMediaType(mt) && params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8"):
		cr.fail(CheckContentType, rn.failure(ex, "Content-Type", "charset utf-8 (or none)", ct,
			"JSON must be UTF-8 (RFC 8259)"))
	default:
		cr.pass(CheckContentType)
	}

	jsonType := ""
	for _, k := range declaredTypes {
		if isJSONMediaType(k) {
			jsonType = k
			break
		}
	}
	if jsonType == "" {
		for _, c := range []Check{CheckJSON, CheckSchema} {
			cr.skip(c, fmt.Sprintf("the spec declares no JSON body for status %d", ex.status))
		}
		return false
	}
	if err := checkJSON(ex.body); err != nil {
		cr.fail(CheckJSON, rn.failure(ex, "$", "JSON", fmt.Sprintf("%q", printable(ex.body, 80)),
			"the body is not well-formed JSON: "+err.Error()))
		cr.skip(CheckSchema, "the body is not JSON (see json)")
		return false
	}
	cr.pass(CheckJSON)
	rn.checkSchema(cr, ex, jsonType)
	return ex.status == http.StatusOK
}

// checkJSON reports whether body is exactly one JSON value.
func checkJSON(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("the body is empty")
	}
	if json.Valid(body) {
		return nil // the common case, without building the value
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("%v at byte %d", se, se.Offset)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return errors.New("unexpected end of the body (truncated?)")
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value at byte %d", dec.InputOffset())
	}
	return nil
}

// validationInput builds kin-openapi's input for ex on route.
func validationInput(op *operation, ex *exchange, header http.Header, opts *openapi3filter.Options, body bool) *openapi3filter.ResponseValidationInput {
	req, err := http.NewRequest(http.MethodGet, ex.req.url, nil)
	if err != nil {
		req = &http.Request{Method: http.MethodGet, URL: &url.URL{}, Header: http.Header{}}
	}
	route := op.route
	if body {
		route = op.bodyRoute
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: opts},
		Status:                 ex.status,
		Header:                 header,
		Options:                opts,
	}
	in.SetBodyBytes(ex.body)
	return in
}

// checkSchema validates the body against the response schema with kin-openapi's
// ValidateResponse, on a copy of the operation without response headers so that only the
// body is judged (headers are the headers check's).
func (rn *run) checkSchema(cr *caseResult, ex *exchange, jsonType string) {
	if rn.validatePage(cr, ex) {
		return // a page, validated item by item (validate_items.go)
	}
	h := http.Header{"Content-Type": {jsonType}}
	err := openapi3filter.ValidateResponse(context.Background(), validationInput(cr.tc.op, ex, h, rn.r.opts, true))
	if err == nil {
		cr.pass(CheckSchema)
		return
	}
	for _, is := range schemaIssues(err) {
		cr.fail(CheckSchema, rn.failure(ex, is.path, is.expected, is.actual, is.msg))
	}
}

// checkHeaders validates the declared response headers with ValidateResponse.
func (rn *run) checkHeaders(cr *caseResult, ex *exchange) {
	err := openapi3filter.ValidateResponse(context.Background(), validationInput(cr.tc.op, ex, ex.header, rn.r.hdrOpts, false))
	if err == nil {
		cr.pass(CheckHeaders)
		return
	}
	var re *openapi3filter.ResponseError
	msg := err.Error()
	if errors.As(err, &re) && re.Reason != "" {
		msg = re.Reason
		if re.Err != nil {
			msg += ": " + firstLine(re.Err.Error())
		}
	}
	var names []string
	for k := range ex.header {
		names = append(names, k)
	}
	sort.Strings(names)
	cr.fail(CheckHeaders, rn.failure(ex, "headers", "the headers the spec declares for "+fmt.Sprint(ex.status),
		strings.Join(names, ", "), msg))
}

// schemaIssue is one schema violation, ready for a Failure.
type schemaIssue struct {
	path, expected, actual, msg string
}

// maxSchemaIssues bounds the violations reported per answer.
const maxSchemaIssues = 10

// schemaIssues flattens kin-openapi's error into violations with JSON paths.
func schemaIssues(err error) []schemaIssue {
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) && re.Err != nil {
		err = re.Err
	}
	var out []schemaIssue
	eachSchemaError(err, func(se *openapi3.SchemaError, e error) {
		if se == nil {
			out = append(out, schemaIssue{path: "$", msg: "does not match the schema: " + firstLine(e.Error())})
			return
		}
		out = append(out, schemaIssue{
			path:     jsonPath(se.JSONPointer()...),
			expected: schemaRule(se),
			actual:   jsonValue(se.Value),
			msg:      "does not match the schema: " + firstLine(se.Reason),
		})
	})
	return out
}

// eachSchemaError calls f for each leaf of kin-openapi's error tree (MultiErrors opened),
// at most maxSchemaIssues times: with the *SchemaError, or with nil and the leaf when it
// is another error.
func eachSchemaError(err error, f func(se *openapi3.SchemaError, leaf error)) {
	n := 0
	var walk func(error)
	walk = func(e error) {
		if n >= maxSchemaIssues {
			return
		}
		var me openapi3.MultiError
		if errors.As(e, &me) {
			for _, sub := range me {
				walk(sub)
			}
			return
		}
		n++
		var se *openapi3.SchemaError
		if errors.As(e, &se) {
			f(se, e)
			return
		}
		f(nil, e)
	}
	walk(err)
}

// schemaRule describes the schema rule a value broke.
func schemaRule(se *openapi3.SchemaError) string {
	s := se.Schema
	if s == nil {
		return se.SchemaField
	}
	switch se.SchemaField {
	case "type":
		t := "?"
		if s.Type != nil {
			t = strings.Join(s.Type.Slice(), " or ")
		}
		if s.Nullable {
			t += " or null"
		}
		return "type " + t
	case "enum":
		return "one of " + jsonValue(s.Enum)
	case "format":
		return "format " + s.Format
	case "pattern":
		return "pattern " + s.Pattern
	case "required":
		return "required properties " + strings.Join(s.Required, ", ")
	case "minimum":
		if s.Min != nil {
			return fmt.Sprintf("≥ %g", *s.Min)
		}
	case "maximum":
		if s.Max != nil {
			return fmt.Sprintf("≤ %g", *s.Max)
		}
	case "nullable":
		return "not null"
	}
	return "schema rule " + se.SchemaField
}

// firstLine keeps the first line of a message (kin-openapi appends schema dumps).
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// declaredStatuses lists the statuses an operation declares, sorted.
func declaredStatuses(op *operation) []string {
	keys := op.route.Operation.Responses.Keys()
	sort.Strings(keys)
	return keys
}

// roundDuration renders a latency to a useful precision: µs below a millisecond.
func roundDuration(d time.Duration) string {
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
