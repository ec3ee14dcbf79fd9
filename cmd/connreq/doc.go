// Command connreq mocks and contract-tests the SelfCommunity "Get User's Connection
// Requests" API from one OpenAPI document (the embedded openapi.yaml by default).
//
// Usage:
//
//	connreq serve    [--addr 127.0.0.1:4010] [--strict] [--seed N] [--tokens FILE] ...
//	connreq contract --target URL --token TOKEN --user ID [--junit FILE] [--json FILE] [--baseline URL|DIR] ...
//	connreq contract ... --generate N [--budget 60s] [--seed S] [--me ID] [--corpus DIR] [--replay-failure ID]
//	connreq record   --target URL --token TOKEN --user ID --out DIR [--anonymize]
//	connreq serve    --replay DIR [--replay-fallback 404|generate]
//	connreq lint     [--spec FILE]
//	connreq version
//
// Every flag can also be set as CONNREQ_<NAME> (upper case, "-" → "_"); the command
// line wins.
//
// Exit codes:
//
//	0  success (contract: every check passed; record: recorded)
//	1  contract: at least one check failed
//	2  usage, spec or configuration error
//	3  contract, record: the target cannot be reached
//
// The newcomer's two commands (README): "go run ./cmd/connreq serve" and
// "go test -race ./...".
package main
