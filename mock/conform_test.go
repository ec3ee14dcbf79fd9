package mock_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/connreq/connreq/mock"
)

// TestResponsesConformToSpec sends every kind of request the mock answers on an API path
// and validates each answer (status declared, headers, body schema with formats) with
// kin-openapi's own router, independent of the mock's routing.
func TestResponsesConformToSpec(t *testing.T) {
	t.Parallel()
	doc := mustDoc(t)
	doc.Servers = openapi3.Servers{{URL: "http://mock.test"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	uriFormat := openapi3.WithStringFormatValidator("uri", openapi3.NewCallbackValidator(func(s string) error {
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return io.ErrUnexpectedEOF
		}
		return nil
	}))
	servers := map[string]*httptestServer{
		"faithful":      newTestServer(t, mock.Config{}),
		"strict":        newTestServer(t, mock.Config{Strict: true}),
		"no-friendship": newTestServer(t, mock.Config{NoFriendship: true}),
		"rome":          newTestServer(t, mock.Config{Location: mustLoc(t, "Europe/Rome"), Seed: 3}),
	}
	paths := []string{
		seedPath, seedPath + "?limit=100", seedPath + "?limit=3&offset=7", seedPath + "?offset=100000",
		seedPath + "?limit=abc&offset=-1", "/api/v2/user/x/connection/requests/", "/api/v2/user/0/connection/requests/",
		"/api/v2/user/42/connection_requests/?limit=1", "/api/v2/user/connection/requests/?limit=2",
		"/api/v2/dynamic_preference/", "/api/v2/dynamic_preference/?limit=1&offset=1&search=conn",
	}
	headers := []map[string]string{auth(), nil, {"Authorization": "Bearer bad@token"}, {"Authorization": "Basic x"}}
	n := 0
	for name, ts := range servers {
		for _, p := range paths {
			for _, h := range headers {
				got := do(t, ts, http.MethodGet, p, h)
				req, _ := http.NewRequest(http.MethodGet, "http://mock.test"+p, nil)
				route, params, err := router.FindRoute(req)
				if err != nil {
					t.Fatalf("kin-openapi router: %s: %v", p, err)
				}
				in := &openapi3filter.ResponseValidationInput{
					RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
					Status:                 got.status,
					Header:                 got.header,
					Body:                   io.NopCloser(bytes.NewReader(got.body)),
					Options: &openapi3filter.Options{
						IncludeResponseStatus:   true,
						MultiError:              true,
						SchemaValidationOptions: []openapi3.SchemaValidationOption{uriFormat, openapi3.EnableFormatValidation()},
					},
				}
				if err := openapi3filter.ValidateResponse(t.Context(), in); err != nil {
					t.Errorf("%s GET %s (auth %q): %d does not conform: %v\n%.300s", name, p, h["Authorization"], got.status, err, got.body)
				}
				n++
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d answers validated", n)
	}
}
