package contract_test

import (
	"testing"

	"github.com/connreq/connreq/contract"
	"github.com/connreq/connreq/mock"
)

// BenchmarkGenerate1000 is a run with --generate 1000 against the project's mock (user
// 42, a JWT for 42): the fixed cases, then 1,000 generated requests per GET operation.
func BenchmarkGenerate1000(b *testing.B) {
	ts := startMock(b, mock.Config{})
	benchRun(b, ts.URL, contract.Config{Token: jwtFor("42"), User: "42", Generate: 1000, Seed: 1})
}
