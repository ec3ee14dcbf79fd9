//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Raw request builders of the catalogue. Every request names Host hostile.test, so the
// links in the answers are predictable.
const (
	hostileToken = "hostile-secret-token-1" // must never reach the log
	seedTarget   = "/api/v2/user/1/connection/requests/"
)

// rq builds "METHOD target HTTP/1.1" with Host and the given header lines.
func rq(method, target string, header ...string) []byte {
	var b strings.Builder
	b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: hostile.test\r\n")
	for _, h := range header {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// authed is a GET of target with a valid Bearer token and the given header lines.
func authed(target string, header ...string) []byte {
	return rq(http.MethodGet, target, append([]string{"Authorization: Bearer " + hostileToken}, header...)...)
}

// line is one raw request line with its header and no Host (HTTP/1.0 and Host tests).
func line(s string, header ...string) []byte {
	return []byte(s + "\r\n" + strings.Join(append(header, ""), "\r\n") + "\r\n")
}

func cat(parts ...[]byte) []byte { return slices.Concat(parts...) }

// hostileCase is one row of the catalogue.
type hostileCase struct {
	name   string
	strict bool   // send to the --strict server
	raw    []byte // bytes written, in one write
	// want is the status of each answer, in order; empty: the server must close the
	// connection cleanly without answering.
	want []int
	// head marks answers to HEAD (no body follows the header).
	head bool
	// notJSON, when set, says why an answer is not a JSON body: net/http answered before the
	// handler, or the status has no body by definition. Every other answer must be
	// Content-Type application/json with a valid JSON body.
	notJSON string
	// allow5xx, when set, says why a 5xx is the right answer (only ever net/http's own).
	allow5xx string
	// halfClose shuts the write side after raw (an unfinished request, then EOF).
	halfClose bool
	// wantClose: the server must close the connection after the answers.
	wantClose bool
	// detail is the "detail" of the (last) JSON answer, when set.
	detail string
	// check makes further assertions on the answers.
	check func(t *testing.T, a []rawAnswer)
}

// results asserts the number of items of a page.
func results(n int) func(*testing.T, []rawAnswer) {
	return func(t *testing.T, a []rawAnswer) {
		t.Helper()
		last := a[len(a)-1]
		var p struct {
			Results []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(last.body, &p); err != nil || p.Results == nil {
			t.Fatalf("not a page: %v: %.200s", err, last.body)
		}
		if len(p.Results) != n {
			t.Errorf("%d results, want %d", len(p.Results), n)
		}
	}
}

// links asserts the next and previous links of a page ("" for null).
func links(next, previous string) func(*testing.T, []rawAnswer) {
	return func(t *testing.T, a []rawAnswer) {
		t.Helper()
		var p struct {
			Next     *string `json:"next"`
			Previous *string `json:"previous"`
		}
		if err := json.Unmarshal(a[len(a)-1].body, &p); err != nil {
			t.Fatal(err)
		}
		deref := func(s *string) string {
			if s == nil {
				return ""
			}
			return *s
		}
		if got := deref(p.Next); got != next {
			t.Errorf("next %q, want %q", got, next)
		}
		if got := deref(p.Previous); got != previous {
			t.Errorf("previous %q, want %q", got, previous)
		}
	}
}

// header asserts a header of the last answer.
func header(name, want string) func(*testing.T, []rawAnswer) {
	return func(t *testing.T, a []rawAnswer) {
		t.Helper()
		if got := a[len(a)-1].header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

func all(checks ...func(*testing.T, []rawAnswer)) func(*testing.T, []rawAnswer) {
	return func(t *testing.T, a []rawAnswer) {
		t.Helper()
		for _, c := range checks {
			c(t, a)
		}
	}
}

// Why some answers are not JSON: written by net/http before any connreq code runs.
const (
	byNetHTTP400      = "net/http rejects a malformed request itself: plain-text 400, connection closed"
	byNetHTTP431      = "past the 2 MiB hard limit net/http answers a plain-text 431 itself (connreq answers JSON 431 up to it)"
	byNetHTTP417      = "net/http answers an Expect other than 100-continue with a bodiless 417 itself"
	byNetHTTP505      = "net/http answers a request line of HTTP major version ≥ 2 with a plain-text 505 itself"
	byNetHTTP501      = "net/http answers an unknown Transfer-Encoding with a plain-text 501 itself (RFC 9112 §6.1)"
	byNetHTTP501Twice = "net/http answers a repeated Transfer-Encoding field with a plain-text 501 itself"
	byNetHTTPStar     = "net/http answers OPTIONS * itself: 200 with an empty body"
	bySlashRedir      = "Django's APPEND_SLASH 301 has an empty body too"
	byPreflight204    = "a CORS preflight answer is 204: no body by definition"
)

// hostileCatalogue is the table: odd or malformed requests and the answer each must get.
// Statuses follow what production (Django REST Framework behind a WSGI server) answers and
// design §4; where net/http answers before the mock, its answer is asserted as such.
func hostileCatalogue() []hostileCase {
	get := http.MethodGet
	ok := []int{200}
	bigToken := strings.Repeat("t", 10_000)
	maxToken := strings.Repeat("t", 8192)
	longURL := seedTarget + "?q=" + strings.Repeat("x", 64<<10)
	underURL := seedTarget + "?q=" + strings.Repeat("x", 60<<10)
	repeated := make([]string, 100)
	for i := range repeated {
		repeated[i] = "limit=" + strconv.Itoa(i+1)
	}
	manyHeaders := make([]string, 10_000)
	for i := range manyHeaders {
		manyHeaders[i] = fmt.Sprintf("X-Hostile-%05d: v", i)
	}
	someHeaders := slices.Repeat([]string{"X-A: 1"}, 3000)
	base := "http://hostile.test" + seedTarget
	smuggled := authed(seedTarget + "?limit=2") // the request a smuggling attempt hides
	return []hostileCase{
		// Numbers and query strings (faithful: lenient as DRF; strict: 400 naming the field).
		{name: "limit huge", raw: authed(seedTarget + "?limit=99999999999999999999"), want: ok, check: results(100)},
		{name: "limit negative", raw: authed(seedTarget + "?limit=-5"), want: ok, check: results(20)},
		{name: "limit 1e309", raw: authed(seedTarget + "?limit=1e309"), want: ok, check: results(20)},
		{name: "limit float", raw: authed(seedTarget + "?limit=3.5"), want: ok, check: results(20)},
		{name: "limit with leading space", raw: authed(seedTarget + "?limit=%205"), want: ok, check: results(5)},
		{name: "limit Arabic-Indic digit", raw: authed(seedTarget + "?limit=%D9%A3"), want: ok, check: results(3)},
		{name: "limit %00", raw: authed(seedTarget + "?limit=%00"), want: ok, check: results(20)},
		{name: "limit 5%00", raw: authed(seedTarget + "?limit=5%00"), want: ok, check: results(20)},
		{name: "limit %ff", raw: authed(seedTarget + "?limit=%ff"), want: ok, check: results(20)},
		{name: "limit raw 0xff", raw: authed(seedTarget + "?limit=\xff"), want: ok, check: results(20)},
		{name: "limit raw NUL", raw: authed(seedTarget + "?limit=\x00"), want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		{name: "offset 10^23", raw: authed(seedTarget + "?offset=99999999999999999999999"), want: ok,
			check: all(results(0), links("", base+"?limit=20&offset=99999999999999999999979"))},
		{name: "offset negative", raw: authed(seedTarget + "?offset=-1&limit=2"), want: ok, check: links(base+"?limit=2&offset=2", "")},
		{name: "offset hex", raw: authed(seedTarget + "?offset=0x10&limit=2"), want: ok, check: links(base+"?limit=2&offset=2", "")},
		{name: "bad percent escape", raw: authed(seedTarget + "?limit=%zz&x=%"), want: ok, check: results(20)},
		{name: "100 repeated limits, last wins", raw: authed(seedTarget + "?" + strings.Join(repeated, "&")), want: ok, check: results(100)},
		{name: "1001 query fields", raw: authed(seedTarget + "?" + strings.Repeat("a=1&", 1001)), want: []int{400},
			detail: "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS."},
		{name: "token in query is accepted", raw: authed(seedTarget + "?token=secret-query-token&limit=1"), want: ok, check: results(1)},
		{name: "strict limit 1e309", strict: true, raw: authed(seedTarget + "?limit=1e309"), want: []int{400}, detail: "Invalid request parameters."},
		{name: "strict limit %00", strict: true, raw: authed(seedTarget + "?limit=%00"), want: []int{400}, detail: "Invalid request parameters."},
		{name: "strict offset 10^23", strict: true, raw: authed(seedTarget + "?offset=99999999999999999999999"), want: []int{400}, detail: "Invalid request parameters."},
		{name: "strict id %ff", strict: true, raw: authed("/api/v2/user/%ff/connection/requests/"), want: []int{400}, detail: "Invalid request parameters."},
		{name: "strict id raw 0xff", strict: true, raw: authed("/api/v2/user/\xff\xfe/connection/requests/"), want: []int{400}, detail: "Invalid request parameters."},

		// Paths.
		{name: "id %00", raw: authed("/api/v2/user/1%00/connection/requests/"), want: []int{404}, detail: "Not found."},
		{name: "id raw NUL", raw: authed("/api/v2/user/1\x00/connection/requests/"), want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		{name: "id %ff", raw: authed("/api/v2/user/%ff/connection/requests/"), want: []int{404}, detail: "Not found."},
		{name: "id raw 0xff", raw: authed("/api/v2/user/\xff/connection/requests/"), want: []int{404}, detail: "Not found."},
		{name: "id 10^20", raw: authed("/api/v2/user/99999999999999999999/connection/requests/"), want: []int{404}, detail: "Not found."},
		{name: "id negative", raw: authed("/api/v2/user/-1/connection/requests/"), want: []int{404}, detail: "Not found."},
		// WSGI decodes %2F into PATH_INFO, so Django routes this as the plain path.
		{name: "encoded slash between segments", raw: authed("/api/v2/user/1%2Fconnection/requests/?limit=1"), want: ok, check: results(1)},
		{name: "encoded slash inside id", raw: authed("/api/v2/user/1%2F2/connection/requests/"), want: []int{404}, detail: "Not found."},
		// Django resolves the path as sent: no cleaning, no redirect.
		{name: "dot segments", raw: authed("/api/v2/user/2/../1/connection/requests/"), want: []int{404}, detail: "Not found."},
		{name: "encoded dot segments", raw: authed("/api/v2/user/2/%2e%2e/1/connection/requests/"), want: []int{404}, detail: "Not found."},
		{name: "double slashes", raw: authed("//api/v2//user/1/connection/requests/"), want: []int{404}, detail: "Not found."},
		{name: "fragment in target", raw: authed(seedTarget + "#frag"), want: []int{404}, detail: "Not found."},
		{name: "no trailing slash", raw: authed("/api/v2/user/1/connection/requests?limit=2"), want: []int{301}, notJSON: bySlashRedir,
			check: header("Location", "/api/v2/user/1/connection/requests/?limit=2")},
		{name: "64 KiB URL", raw: authed(longURL), want: []int{414}, detail: "Request-URI too long.", wantClose: true},
		{name: "60 KiB URL", raw: authed(underURL), want: ok, check: results(20)},
		{name: "unknown path", raw: authed("/api/v3/everything/"), want: []int{404}, detail: "Not found."},

		// Header fields.
		{name: "1 MiB header", raw: authed(seedTarget, "X-Big: "+strings.Repeat("b", 1<<20)), want: []int{431},
			detail: "Request header fields too large.", wantClose: true},
		{name: "2.5 MiB header", raw: authed(seedTarget, "X-Big: "+strings.Repeat("b", 5<<19)), want: []int{431},
			notJSON: byNetHTTP431, wantClose: true},
		{name: "10,000 header fields", raw: authed(seedTarget, manyHeaders...), want: []int{431},
			detail: "Request header fields too large.", wantClose: true},
		{name: "3,000 header fields under 64 KiB", raw: authed(seedTarget+"?limit=1", someHeaders...), want: ok, check: results(1)},
		{name: "NUL in a header value", raw: authed(seedTarget, "X-A: a\x00b"), want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		{name: "space in a header name", raw: authed(seedTarget, "X Bad: 1"), want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		{name: "header line without colon", raw: authed(seedTarget, "NoColonHere"), want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		// RFC 9112 §5.2 lets a server unfold obs-fold instead of rejecting it: net/http does.
		{name: "obsolete line folding", raw: authed(seedTarget+"?limit=1", "X-A: a", " folded"), want: ok, check: results(1)},
		{name: "two different Content-Lengths", raw: authed(seedTarget, "Content-Length: 1", "Content-Length: 2"), want: []int{400},
			notJSON: byNetHTTP400, wantClose: true},
		{name: "Transfer-Encoding gzip", raw: authed(seedTarget, "Transfer-Encoding: gzip"), want: []int{501},
			notJSON: byNetHTTP501, allow5xx: byNetHTTP501, wantClose: true},
		{name: "bare LF line ends", raw: []byte("GET " + seedTarget + "?limit=1 HTTP/1.1\nHost: hostile.test\nAuthorization: Bearer t\n\n"),
			want: ok, check: results(1)},
		{name: "Range is ignored", raw: authed(seedTarget+"?limit=1", "Range: bytes=0-10"), want: ok, check: results(1)},

		// Authorization.
		{name: "Authorization empty", raw: rq(get, seedTarget, "Authorization: "), want: []int{401},
			detail: "Authentication credentials were not provided.", check: header("WWW-Authenticate", `Bearer realm="api"`)},
		{name: "Authorization Bearer alone", raw: rq(get, seedTarget, "Authorization: Bearer"), want: []int{401},
			detail: "Authorization header must contain two space-delimited values"},
		{name: "Authorization three parts", raw: rq(get, seedTarget, "Authorization: Bearer  a b"), want: []int{401},
			detail: "Authorization header must contain two space-delimited values"},
		{name: "Authorization double space", raw: rq(get, seedTarget+"?limit=1", "Authorization: Bearer  a"), want: ok, check: results(1)},
		{name: "Authorization Basic", raw: rq(get, seedTarget, "Authorization: Basic x"), want: []int{401},
			detail: "Authentication credentials were not provided."},
		{name: "Authorization non-ASCII token", raw: rq(get, seedTarget, "Authorization: Bearer tökén"), want: []int{401},
			detail: "Given token not valid for any token type"},
		{name: "Authorization invalid UTF-8 token", raw: rq(get, seedTarget, "Authorization: Bearer \xff\xfe"), want: []int{401},
			detail: "Given token not valid for any token type"},
		{name: "Authorization 10 KB token", raw: rq(get, seedTarget, "Authorization: Bearer "+bigToken), want: []int{401},
			detail: "Given token not valid for any token type"},
		{name: "Authorization 8 KiB token", raw: rq(get, seedTarget+"?limit=1", "Authorization: Bearer "+maxToken), want: ok, check: results(1)},
		// WSGI servers join repeated fields with ",": "Bearer a,Bearer b" splits in three.
		{name: "Authorization twice", raw: rq(get, seedTarget, "Authorization: Bearer a", "Authorization: Bearer b"), want: []int{401},
			detail: "Authorization header must contain two space-delimited values"},

		// Methods.
		{name: "POST", raw: cat(rq(http.MethodPost, seedTarget, "Content-Length: 2", "Content-Type: application/json"), []byte("{}")),
			want: []int{405}, detail: `Method "POST" not allowed.`, check: header("Allow", "GET, HEAD, OPTIONS")},
		{name: "PUT", raw: rq(http.MethodPut, seedTarget, "Content-Length: 0"), want: []int{405}, detail: `Method "PUT" not allowed.`,
			check: header("Allow", "GET, HEAD, OPTIONS")},
		{name: "DELETE", raw: rq(http.MethodDelete, seedTarget), want: []int{405}, detail: `Method "DELETE" not allowed.`},
		{name: "PATCH", raw: cat(rq(http.MethodPatch, seedTarget, "Content-Length: 2"), []byte("{}")), want: []int{405},
			detail: `Method "PATCH" not allowed.`},
		{name: "TRACE", raw: rq(http.MethodTrace, seedTarget), want: []int{405}, detail: `Method "TRACE" not allowed.`},
		{name: "CONNECT to a path", raw: rq(http.MethodConnect, seedTarget), want: []int{405}, detail: `Method "CONNECT" not allowed.`},
		{name: "CONNECT authority-form", raw: line("CONNECT example.com:443 HTTP/1.1", "Host: example.com:443"), want: []int{404}, detail: "Not found."},
		{name: "made-up method", raw: rq("FROBNICATE", seedTarget), want: []int{405}, detail: `Method "FROBNICATE" not allowed.`,
			check: header("Allow", "GET, HEAD, OPTIONS")},
		{name: "lowercase method", raw: rq("get", seedTarget), want: []int{405}, detail: `Method "get" not allowed.`},
		{name: "10 KB method", raw: rq(strings.Repeat("M", 10_000), seedTarget), want: []int{405}},
		{name: "method with a bad character", raw: rq("G(T", seedTarget), want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		{name: "HEAD", raw: rq(http.MethodHead, seedTarget, "Authorization: Bearer t"), want: ok, head: true,
			check: header("Content-Type", "application/json")},
		{name: "OPTIONS", raw: rq(http.MethodOptions, seedTarget), want: ok, check: header("Allow", "GET, HEAD, OPTIONS")},
		{name: "OPTIONS *", raw: rq(http.MethodOptions, "*"), want: ok, notJSON: byNetHTTPStar},
		{name: "CORS preflight", raw: rq(http.MethodOptions, seedTarget, "Origin: http://app.test", "Access-Control-Request-Method: GET",
			"Access-Control-Request-Headers: authorization, prefer"), want: []int{204}, notJSON: byPreflight204,
			check: header("Access-Control-Allow-Headers", "authorization, prefer")},

		// Expect.
		{name: "GET with Expect 100-continue", raw: authed(seedTarget+"?limit=1", "Expect: 100-continue"), want: ok, check: results(1)},
		{name: "POST with Expect 100-continue, body withheld", raw: rq(http.MethodPost, seedTarget, "Content-Length: 5", "Expect: 100-continue"),
			want: []int{405}, detail: `Method "POST" not allowed.`},
		{name: "unknown Expect", raw: authed(seedTarget, "Expect: teapot"), want: []int{417}, notJSON: byNetHTTP417, wantClose: true},

		// Request line, version, Host.
		{name: "HTTP/1.0 without Host", raw: line("GET "+seedTarget+"?limit=1 HTTP/1.0", "Authorization: Bearer t"), want: ok,
			check: func(t *testing.T, a []rawAnswer) {
				var p struct{ Next string }
				if err := json.Unmarshal(a[0].body, &p); err != nil || !strings.HasPrefix(p.Next, "http://127.0.0.1:") {
					t.Errorf("next %q (%v): want the server's own address, as Django's SERVER_NAME fallback", p.Next, err)
				}
			}},
		{name: "HTTP/1.1 without Host", raw: line("GET "+seedTarget+" HTTP/1.1", "Authorization: Bearer t"), want: []int{400},
			notJSON: byNetHTTP400, wantClose: true},
		{name: "two Host fields", raw: authed(seedTarget, "Host: other.test"), want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		{name: "Host with a space", raw: line("GET "+seedTarget+" HTTP/1.1", "Host: a b"), want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		{name: "Host with a quote", raw: line("GET "+seedTarget+" HTTP/1.1", `Host: a"b`), want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		{name: "absolute-form target wins over Host", raw: authed("http://absolute.test" + seedTarget + "?limit=2"), want: ok,
			check: links("http://absolute.test"+seedTarget+"?limit=2&offset=2", "")},
		{name: "bad version", raw: line("GET "+seedTarget+" HTTP/1.x", "Host: h"), want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		{name: "HTTP/2.0 request line", raw: line("GET "+seedTarget+" HTTP/2.0", "Host: h"), want: []int{505},
			notJSON: byNetHTTP505, allow5xx: byNetHTTP505, wantClose: true},
		// Without h2c, net/http hands PRI * to the handler once and closes the connection.
		{name: "HTTP/2 connection preface", raw: []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), want: []int{404}, detail: "Not found.", wantClose: true},
		{name: "no version", raw: line("GET "+seedTarget, "Host: h"), want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		{name: "two spaces in the request line", raw: line("GET  "+seedTarget+" HTTP/1.1", "Host: h"), want: []int{400},
			notJSON: byNetHTTP400, wantClose: true},
		{name: "TLS ClientHello on the plain port", raw: []byte("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + strings.Repeat("\x00", 64)),
			want: []int{400}, notJSON: byNetHTTP400, wantClose: true, halfClose: true},
		{name: "unfinished request, then EOF", raw: []byte("GET " + seedTarget + " HTTP/1.1\r\nHost: h\r\nX-A: 1"), halfClose: true,
			want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		{name: "nothing, then EOF", raw: nil, halfClose: true},

		// Connections.
		{name: "three pipelined requests", raw: cat(authed(seedTarget+"?limit=1"), authed(seedTarget+"?limit=2"), authed(seedTarget+"?limit=3")),
			want: []int{200, 200, 200}, check: func(t *testing.T, a []rawAnswer) {
				for i := range a {
					results(i+1)(t, a[:i+1])
				}
			}},
		{name: "pipelined garbage stops the line", raw: cat(authed(seedTarget+"?limit=1"), []byte("GARBAGE\r\n\r\n"), authed(seedTarget)),
			want: []int{200, 400}, notJSON: "the second answer: " + byNetHTTP400, wantClose: true},
		{name: "GET with a body, then another request", raw: cat(authed(seedTarget+"?limit=1", "Content-Length: 10"), []byte("0123456789"),
			authed(seedTarget+"?limit=2")), want: []int{200, 200}, check: results(2)},
		// Request smuggling (RFC 9112 §6.3, §11.2). net/http drops the Content-Length of a
		// chunked request and the Transfer-Encoding of an HTTP/1.0 one without a trace, so
		// the mock answers every chunked request (and every HTTP/1.0 one with a body) and
		// closes the connection: the pipelined request behind it is never answered.
		{name: "chunked GET body with trailer, then another request", raw: cat(authed(seedTarget+"?limit=1", "Transfer-Encoding: chunked"),
			[]byte("5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n"), authed(seedTarget+"?limit=2")), want: ok, wantClose: true, check: results(1)},
		{name: "smuggling: Content-Length and chunked together", raw: cat(authed(seedTarget+"?limit=1", "Content-Length: 4", "Transfer-Encoding: chunked"),
			[]byte("0\r\n\r\n"), authed(seedTarget+"?limit=2")), want: ok, wantClose: true, check: results(1)},
		{name: "smuggling: CL.TE, Content-Length covers the second request", raw: cat(authed(seedTarget+"?limit=1",
			"Content-Length: "+strconv.Itoa(5+len(smuggled)), "Transfer-Encoding: chunked"), []byte("0\r\n\r\n"), smuggled),
			want: ok, wantClose: true, check: results(1)},
		{name: "smuggling: TE.CL, the chunk holds the second request", raw: cat(authed(seedTarget+"?limit=1", "Content-Length: 3", "Transfer-Encoding: chunked"),
			[]byte(strconv.FormatInt(int64(len(smuggled)), 16)+"\r\n"), smuggled, []byte("\r\n0\r\n\r\n"), smuggled),
			want: ok, wantClose: true, check: results(1)},
		{name: "smuggling: Transfer-Encoding by obs-fold", raw: cat(authed(seedTarget+"?limit=1", "Transfer-Encoding:", " chunked", "Content-Length: 5"),
			[]byte("0\r\n\r\n"), smuggled), want: ok, wantClose: true, check: results(1)},
		{name: "smuggling: Transfer-Encoding Chunked after a tab", raw: cat(authed(seedTarget+"?limit=1", "Transfer-Encoding:\tChunked", "Content-Length: 5"),
			[]byte("0\r\n\r\n"), smuggled), want: ok, wantClose: true, check: results(1)},
		{name: "smuggling: Content-Length hidden by obs-fold", raw: cat(authed(seedTarget+"?limit=1", "X-A: 1", " Content-Length: "+strconv.Itoa(len(smuggled))),
			smuggled), want: []int{400}, wantClose: true,
			detail: "Ambiguous message framing: the X-A header field hides a Content-Length or Transfer-Encoding field (obs-fold, RFC 9112 §5.2); the connection is closed."},
		{name: "smuggling: Transfer-Encoding hidden by obs-fold", raw: cat(authed(seedTarget+"?limit=1", "X-A: 1", "\ttransfer-encoding: chunked"),
			[]byte("0\r\n\r\n"), smuggled), want: []int{400}, wantClose: true,
			detail: "Ambiguous message framing: the X-A header field hides a Content-Length or Transfer-Encoding field (obs-fold, RFC 9112 §5.2); the connection is closed."},
		{name: "smuggling: HTTP/1.0 keep-alive, chunked and Content-Length", raw: cat(line("GET "+seedTarget+"?limit=1 HTTP/1.0",
			"Connection: keep-alive", "Authorization: Bearer t", "Transfer-Encoding: chunked", "Content-Length: 5"), []byte("0\r\n\r\n"), smuggled),
			want: ok, wantClose: true, check: results(1)},
		{name: "smuggling: Transfer-Encoding gzip, chunked", raw: cat(authed(seedTarget, "Transfer-Encoding: gzip, chunked"), []byte("0\r\n\r\n"), smuggled),
			want: []int{501}, notJSON: byNetHTTP501, allow5xx: byNetHTTP501, wantClose: true},
		{name: "smuggling: Transfer-Encoding chunked, identity", raw: cat(authed(seedTarget, "Transfer-Encoding: chunked, identity", "Content-Length: 5"),
			[]byte("0\r\n\r\n"), smuggled), want: []int{501}, notJSON: byNetHTTP501, allow5xx: byNetHTTP501, wantClose: true},
		{name: "smuggling: Transfer-Encoding twice", raw: cat(authed(seedTarget, "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
			[]byte("0\r\n\r\n"), smuggled), want: []int{501}, notJSON: byNetHTTP501Twice, allow5xx: byNetHTTP501Twice, wantClose: true},
		{name: "smuggling: space before the colon", raw: cat(authed(seedTarget, "Transfer-Encoding : chunked"), []byte("0\r\n\r\n"), smuggled),
			want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		{name: "smuggling: Content-Length with a sign", raw: cat(authed(seedTarget, "Content-Length: +5"), []byte("hello"), smuggled),
			want: []int{400}, notJSON: byNetHTTP400, wantClose: true},
		// The same Content-Length twice frames one way only (RFC 9110 §8.6): both answered.
		{name: "same Content-Length twice, then another request", raw: cat(authed(seedTarget+"?limit=1", "Content-Length: 5", "Content-Length: 5"),
			[]byte("hello"), authed(seedTarget+"?limit=2")), want: []int{200, 200}, check: results(2)},
		// The body is never read (kin-openapi would read it all); net/http then closes
		// rather than drain more than 256 KiB.
		{name: "huge Content-Length, no body", raw: authed(seedTarget+"?limit=1", "Content-Length: 99999999999"), want: ok, wantClose: true},
		{name: "1 MiB of a 1 GiB GET body", raw: cat(authed(seedTarget+"?limit=1", "Content-Length: 1073741824"), bytes.Repeat([]byte("b"), 1<<20)),
			want: ok, wantClose: true, check: results(1)},
		{name: "Connection close", raw: authed(seedTarget+"?limit=1", "Connection: close"), want: ok, wantClose: true},

		// Prefer (RFC 7240) gone wrong.
		{name: "Prefer delay too long", raw: authed(seedTarget, "Prefer: delay=999999h"), want: []int{400}},
		{name: "Prefer code out of range", raw: authed(seedTarget, "Prefer: code=999"), want: []int{400}},
		{name: "Prefer scenario path", raw: authed(seedTarget, "Prefer: scenario=../../etc/passwd"), want: []int{400}},
		{name: "Prefer drip zero bytes", raw: authed(seedTarget, "Prefer: fault=drip; bytes=0"), want: []int{400}},
		{name: "Prefer invalid UTF-8", raw: authed(seedTarget, "Prefer: scenario=\xff\xfe"), want: []int{400}},
		{name: "Prefer unknown preference ignored", raw: authed(seedTarget+"?limit=1", "Prefer: respond-async, wait=10"), want: ok, check: results(1)},
	}
}

// TestHostileCatalogue sends every catalogue request over raw TCP to the built binary (a
// faithful and a --strict server), then checks that the server still answers, logged no
// panic and never logged a token, and stops cleanly on SIGTERM.
func TestHostileCatalogue(t *testing.T) {
	t.Parallel()
	faithful := startServe(t, false)
	strict := startServe(t, false, "--strict")
	rows := hostileCatalogue()
	if len(rows) < 60 {
		t.Fatalf("catalogue has %d rows, want at least 60", len(rows))
	}
	t.Logf("catalogue: %d requests", len(rows))
	// The exchanges run 16 at a time (each waits a little for stray bytes); the answers
	// are then checked row by row.
	results := make([]hostileResult, len(rows))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, tc := range rows {
		srv := faithful
		if tc.strict {
			srv = strict
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = sendHostile(srv.addr, tc)
		})
	}
	wg.Wait()
	t.Run("catalogue", func(t *testing.T) {
		for i, tc := range rows {
			t.Run(tc.name, func(t *testing.T) { checkHostile(t, tc, results[i]) })
		}
	})

	for _, srv := range []*serveProc{faithful, strict} {
		status, body, err := freshGet(srv.addr, seedTarget+"?limit=2", "Authorization: Bearer t")
		if err != nil || status != http.StatusOK || !json.Valid(body) {
			t.Errorf("after the catalogue: status %d, err %v, body %.200s", status, err, body)
		}
		if code, took := srv.terminate(15 * time.Second); code != 0 {
			t.Errorf("exit code %d after SIGTERM (%v):\n%s", code, took, srv.log.text())
		}
		srv.checkLog(t)
		log := srv.log.text()
		for _, secret := range []string{hostileToken, "secret-query-token", strings.Repeat("t", 64)} {
			if strings.Contains(log, secret) {
				t.Errorf("the log contains %.40q", secret)
			}
		}
		if !strings.Contains(log, `"msg":"request"`) {
			t.Errorf("no access log lines: the log check proves nothing:\n%.500s", log)
		}
	}
}

// hostileResult is what the server did with one row's request.
type hostileResult struct {
	answers []rawAnswer
	closed  bool
	extra   []byte
	err     error
}

// sendHostile sends one row's request and collects the answers.
func sendHostile(addr string, tc hostileCase) hostileResult {
	methods := make([]string, len(tc.want))
	for i := range methods {
		methods[i] = http.MethodGet
		if tc.head {
			methods[i] = http.MethodHead
		}
	}
	linger := 150 * time.Millisecond
	if tc.wantClose || len(tc.want) == 0 {
		linger = 5 * time.Second // a close comes at once; waiting longer only proves it never came
	}
	var r hostileResult
	r.answers, r.closed, r.extra, r.err = exchange(addr, tc.raw, methods, tc.halfClose, 20*time.Second, linger)
	return r
}

// checkHostile checks one row's answers.
func checkHostile(t *testing.T, tc hostileCase, r hostileResult) {
	answers, closed, extra := r.answers, r.closed, r.extra
	if r.err != nil {
		t.Fatalf("%v (answers so far: %d)", r.err, len(answers))
	}
	if len(extra) > 0 {
		t.Errorf("%d bytes nobody asked for: %.200q", len(extra), extra)
	}
	if len(tc.want) == 0 && !closed {
		t.Errorf("want a clean close without an answer; the connection stayed open")
	}
	if tc.wantClose && !closed {
		t.Errorf("the server kept the connection open, want it closed")
	}
	for i, a := range answers {
		if a.status != tc.want[i] {
			t.Errorf("answer %d: status %d, want %d; body %.200q", i+1, a.status, tc.want[i], a.body)
			continue
		}
		if a.status >= 500 && tc.allow5xx == "" {
			t.Errorf("answer %d: status %d: the mock must never answer 5xx to bad input", i+1, a.status)
		}
		isJSON := strings.HasPrefix(a.header.Get("Content-Type"), "application/json") && (tc.head || json.Valid(a.body))
		// A row with notJSON documents net/http's (or a bodiless) answer; its other answers
		// (a pipelined 200 before it, say) are the mock's and must be JSON.
		wantJSON := tc.notJSON == "" || i < len(answers)-1
		switch {
		case wantJSON && !isJSON:
			t.Errorf("answer %d: status %d, Content-Type %q, body %.200q: want JSON", i+1, a.status, a.header.Get("Content-Type"), a.body)
		case !wantJSON && isJSON:
			t.Errorf("answer %d is JSON, but the row says %q: update the row", i+1, tc.notJSON)
		}
		if tc.head && len(a.body) != 0 {
			t.Errorf("HEAD answer with a %d-byte body", len(a.body))
		}
	}
	if tc.detail != "" && len(answers) > 0 {
		var e struct {
			Detail string `json:"detail"`
		}
		last := answers[len(answers)-1]
		if err := json.Unmarshal(last.body, &e); err != nil || e.Detail != tc.detail {
			t.Errorf("detail %q (%v), want %q", e.Detail, err, tc.detail)
		}
	}
	if tc.check != nil && len(answers) == len(tc.want) && len(answers) > 0 {
		tc.check(t, answers)
	}
}
