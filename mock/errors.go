package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// apiError is one answer of the closed catalogue below; writeError renders it.
type apiError struct {
	status int
	detail string
	// allow is the Allow header of a 405.
	allow string
	// location is the Location header of a 301.
	location string
	// problems are the strict-mode parameter errors of a 400.
	problems []paramProblem
}

// paramProblem is one broken rule in a strict-mode 400.
type paramProblem struct {
	Code    string `json:"code"`
	Field   string `json:"field"`
	In      string `json:"in"`
	Rule    string `json:"rule"`
	Value   string `json:"value"`
	Message string `json:"message"`
}

// The catalogue: DRF's own messages, so clients see what production sends.
const (
	detailNotAuthenticated = "Authentication credentials were not provided."
	detailBadHeader        = "Authorization header must contain two space-delimited values"
	detailBadToken         = "Given token not valid for any token type"
	detailForbidden        = "You do not have permission to perform this action."
	detailNotFound         = "Not found."
	detailInvalidRequest   = "Invalid request parameters."
	detailServerError      = "A server error occurred."
	detailCORSForbidden    = "CORS: this origin is not allowed by --cors-origin."
	detailTooManyFields    = "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS."
	detailHeaderTooLarge   = "Request header fields too large."
	detailURITooLong       = "Request-URI too long."
	// detailAmbiguousFraming has the name of the header field that hides a framing field.
	detailAmbiguousFraming = "Ambiguous message framing: the %s header field hides a Content-Length or Transfer-Encoding field (obs-fold, RFC 9112 §5.2); the connection is closed."
)

func errNotAuthenticated() *apiError { return &apiError{status: 401, detail: detailNotAuthenticated} }
func errBadAuthHeader() *apiError    { return &apiError{status: 401, detail: detailBadHeader} }
func errBadToken() *apiError         { return &apiError{status: 401, detail: detailBadToken} }
func errForbidden() *apiError        { return &apiError{status: 403, detail: detailForbidden} }
func errNotFound() *apiError         { return &apiError{status: 404, detail: detailNotFound} }
func errServer() *apiError           { return &apiError{status: 500, detail: detailServerError} }
func errTooManyFields() *apiError    { return &apiError{status: 400, detail: detailTooManyFields} }
func errHeaderTooLarge() *apiError   { return &apiError{status: 431, detail: detailHeaderTooLarge} }
func errURITooLong() *apiError       { return &apiError{status: 414, detail: detailURITooLong} }

// errAmbiguousFraming is the 400 of a request whose framing a proxy could read otherwise.
func errAmbiguousFraming(field string) *apiError {
	return &apiError{status: 400, detail: fmt.Sprintf(detailAmbiguousFraming, truncate(field, 64))}
}

func errMethodNotAllowed(method, allow string) *apiError {
	return &apiError{status: 405, detail: "Method \"" + method + "\" not allowed.", allow: allow}
}

// errBadPrefer is a 400 for a Prefer header connreq cannot honour; detail says what is valid.
func errBadPrefer(detail string) *apiError {
	return &apiError{status: 400, detail: "Prefer: " + detail}
}

// errStatus is the DRF answer of any error status (Prefer: code=NNN, scenario errors).
func errStatus(status int, detail string) *apiError {
	switch {
	case detail != "":
	case status == http.StatusUnauthorized:
		detail = detailNotAuthenticated
	case status == http.StatusForbidden:
		detail = detailForbidden
	case status == http.StatusNotFound:
		detail = detailNotFound
	case status == http.StatusInternalServerError:
		detail = detailServerError
	default:
		detail = http.StatusText(status) + "."
	}
	return &apiError{status: status, detail: detail}
}

func errInvalid(problems []paramProblem) *apiError {
	return &apiError{status: 400, detail: detailInvalidRequest, problems: problems}
}

// errorBody is the JSON of every error: DRF's {"detail"}, plus "errors" in strict mode.
type errorBody struct {
	Detail string         `json:"detail"`
	Errors []paramProblem `json:"errors,omitempty"`
}

// writeError writes e as JSON with the headers its status needs.
func writeError(w http.ResponseWriter, e *apiError) {
	body := e.headers(w)
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// headers sets the headers of e on w and returns its body.
func (e *apiError) headers(w http.ResponseWriter) []byte {
	h := w.Header()
	switch e.status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="api"`)
	case http.StatusMethodNotAllowed:
		h.Set("Allow", e.allow)
	case http.StatusMovedPermanently:
		h.Set("Location", e.location)
	}
	body, err := json.Marshal(errorBody{Detail: e.detail, Errors: e.problems})
	if err != nil {
		body = []byte(`{"detail":"` + detailServerError + `"}`)
	}
	h.Set("Content-Type", "application/json")
	varyAccept(h)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return body
}

// truncate shortens a received value for an error message, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// joinMethods renders an Allow header value.
func joinMethods(methods []string) string { return strings.Join(methods, ", ") }
