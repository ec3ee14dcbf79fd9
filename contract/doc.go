// Package contract replays the OpenAPI document against a deployment of the connection
// requests API, proves its pagination consistent and reports for people and for CI.
//
// # Cases
//
// New walks doc.Paths for GET operations and derives every case from them and from Django
// REST Framework's LimitOffsetPagination rules (package fixtures): an operation with limit
// and offset query parameters and a {count, next, previous, results} answer is paginated;
// the default and maximum page sizes are the limit parameter's default and maximum; a
// single path parameter takes the user id; a bearer security requirement brings the
// authentication cases; declared 403 and 404 answers bring the other-user and
// unknown-user cases. The first paginated, secured operation with a user id (by path) is
// the primary one and gets the full battery:
//
//	default-page       no query: the reference page (its count is the list's)
//	walk               follow next from the first page to the end (--max-pages)
//	walk-back          follow previous from the last page to the first
//	limit-1, limit-default, limit-max (the large page), offset-end, offset-before-end, offset-past-end
//	limit-above-max, limit-zero, limit-negative, limit-text, offset-negative, offset-text
//	                   probes the spec forbids: production reads them leniently (Config.Strict: 400)
//	no-token, wrong-scheme, bad-token, unknown-user, other-user
//
// Every other operation gets its default page and its negative cases; the self path
// (no user parameter, items with to_user) also gets self-list: it must list the caller's
// (Config.Me) requests, as the seed path does.
//
// # Generated requests
//
// With Config.Generate, the fixed cases are followed by generated ones (generate.go):
// requests drawn per GET operation from (Seed, operation, i), judged by every property
// that applies (generatedChecks, page-consistent), each (operation, check)'s first
// failure shrunk to a minimal request (shrink.go), every new one stored in Config.Corpus
// (corpus.go) and the corpus replayed first on later runs. docs/contract-generate.md
// documents the flags, the properties and the corpus format.
//
// # Checks
//
// Check names are stable (checks.go, Checks, Describe): the response checks on every
// answer (transport, timeout, body-size, redirect, server-error, status, content-type,
// json, schema, headers, latency), the case checks (auth, not-found, forbidden,
// lenient-params), the page checks (page-size, page-next-null, page-previous-null,
// page-links, page-order, page-owner, page-count-stable, self-list), the walk checks
// (page-walk, page-sum, page-no-duplicates, page-no-missing, page-previous-items) and the
// generated check page-consistent. Each check has one
// job: a check whose premise another check already failed is skipped with the reason,
// not failed again, so a report names the break rather than its echoes. Bodies are
// validated with kin-openapi's openapi3filter.ValidateResponse, formats included.
//
// # Safety
//
// Only GET, HEAD and OPTIONS are sent; each request has a timeout covering its body, a
// body size limit, bounded concurrency and rate. Redirects and next/previous links are
// followed only on the target's scheme and host, so the token never leaves it, and the
// token is scrubbed from every message (a hostile target may echo it back). A walk keeps
// one 8-byte key per item (its id, or a hash of sender and creation time), never bodies.
//
// # Reports
//
// Run returns a Report: one Result per (case, check), each failure with its request,
// JSON path, expected and actual values and a curl line with the token elided as
// $CONNREQ_TOKEN. WriteText, WriteJSON and WriteJUnit render it; Report.Err maps it to
// the exit codes of connreq contract: nil (0), *ChecksFailedError (1), *UnreachableError
// (3); New returns a *ConfigError (2) for a bad Config or spec.
package contract
