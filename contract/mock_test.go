package contract_test

import (
	"encoding/base64"
	"net/http/httptest"
	"testing"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/contract"
	"github.com/connreq/connreq/mock"
)

// startMock serves the project's own mock over httptest.
func startMock(t testing.TB, cfg mock.Config) *httptest.Server {
	t.Helper()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mock.New(doc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// jwtFor is a simplejwt-shaped access token for user (signature not verified by a mock
// without --jwt-secret): the mock takes the caller from its user_id, so another user's
// list answers 403.
func jwtFor(user string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc([]byte(`{"token_type":"access","user_id":`+user+`,"jti":"c0ffee","iat":1748779200,"exp":4102444800}`)) + "." +
		enc([]byte("not-a-real-signature"))
}

// The runner passes every check against the project's own mock, in both modes.
func TestRunnerAgainstMock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		strict bool
	}{
		{name: "faithful"},
		{name: "strict", strict: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startMock(t, mock.Config{Strict: tt.strict})
			// The baseline is a second instance: same seed, same answers, so baseline-diff
			// runs (and passes) with the other checks.
			base := startMock(t, mock.Config{Strict: tt.strict})
			// A short generated run too, so that the generated checks (page-consistent) run.
			rep := runAgainst(t, ts.URL, contract.Config{Token: jwtFor("42"), User: "42", OtherUser: "7", Strict: tt.strict, Baseline: base.URL, BaselineToken: jwtFor("42"), Generate: 60, Seed: 3})
			if err := rep.Err(); err != nil {
				t.Fatalf("%v\n%s", err, textOf(t, rep))
			}
			for _, tot := range rep.ByCheck() {
				if tot.Passed == 0 {
					t.Errorf("%s never passed against the mock", tot.Check)
				}
			}
			if n := len(rep.ByCheck()); n != len(contract.Checks()) {
				t.Errorf("%d checks ran, want all %d", n, len(contract.Checks()))
			}
		})
	}
}

// An opaque token against the zero-configuration mock: the caller is the path's user.
func TestRunnerAgainstMockOpaqueToken(t *testing.T) {
	t.Parallel()
	ts := startMock(t, mock.Config{})
	rep := runAgainst(t, ts.URL, contract.Config{Token: "opaque-token-0123456789", User: "1"})
	if err := rep.Err(); err != nil {
		t.Fatalf("%v\n%s", err, textOf(t, rep))
	}
}
