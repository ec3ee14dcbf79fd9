// Command connreq mocks and contract-tests the SelfCommunity "Get User's Connection
// Requests" API from one OpenAPI document (the embedded openapi.yaml by default).
//
// Usage:
//
//	connreq serve    [--addr 127.0.0.1:4010] [--strict] [--seed N] [--tokens FILE] [--preferences FILE] ...
//	connreq contract --target URL --token TOKEN --user ID [--junit FILE] [--json FILE] [--baseline URL|DIR] ...
//	connreq contract ... --generate N [--budget 60s] [--seed S] [--me ID] [--corpus DIR] [--replay-failure ID]
//	connreq record   --target URL --token TOKEN --user ID --out DIR [--anonymize] [--max-items N]
//	connreq serve    --replay DIR [--replay-fallback 404|generate]
//	connreq serve    --state memory|off|redis://HOST:PORT/DB [--state-max N]
//	connreq lint     [--spec FILE] [--fixtures DIR] [--preferences FILE]
//	connreq health   [--url http://127.0.0.1:4010/__connreq/health] [--timeout 3s]
//	connreq version  [--json]
//
// Every flag can also be set as CONNREQ_<NAME> (upper case, "-" → "_"); the command
// line wins.
//
// Exit codes:
//
//	0  success (contract: every check passed; record: recorded)
//	1  contract: at least one check failed; health: the mock did not answer healthy
//	2  usage, spec or configuration error
//	3  contract, record: the target cannot be reached
//
// Release builds may stamp the version with -ldflags "-X github.com/connreq/connreq.version=v1.2.3
// -X github.com/connreq/connreq.revision=SHA"; otherwise it comes from the Go toolchain's
// build information (module version, VCS revision, modified flag).
//
// The newcomer's two commands (README): "go run ./cmd/connreq serve" and
// "go test -race ./...".
package main
