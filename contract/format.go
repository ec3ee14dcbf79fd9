package contract

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// redacted replaces the token wherever a message might carry it (a hostile target can
// echo the Authorization header back in a body or a Location).
const redacted = "[REDACTED]"

// maxValueLen bounds expected and actual values in reports, in bytes.
const maxValueLen = 240

// truncate shortens s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// printable makes a body excerpt safe for a one-line report: invalid UTF-8 and control
// characters are escaped.
func printable(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	s := strconv.Quote(string(b))
	return s[1 : len(s)-1]
}

// jsonValue renders a decoded JSON value for a report, truncated.
func jsonValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return truncate(string(b), maxValueLen)
}

// quoteJSON renders a string as a JSON string literal, truncated.
func quoteJSON(s string) string {
	return truncate(strconv.Quote(s), maxValueLen)
}

// jsonPath renders a JSON pointer's segments as $.a.b[3].c.
func jsonPath(segs ...string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range segs {
		if _, err := strconv.Atoi(s); err == nil {
			b.WriteString("[" + s + "]")
			continue
		}
		if isIdent(s) {
			b.WriteString("." + s)
			continue
		}
		b.WriteString("[" + strconv.Quote(s) + "]")
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// curlLine is a command that reproduces a request, with the token elided as
// $CONNREQ_TOKEN (expanded by the shell, so the line runs as is).
func curlLine(r request, insecure bool, caCert string) string {
	var b strings.Builder
	b.WriteString("curl -sS -i")
	if insecure {
		b.WriteString(" -k")
	}
	if caCert != "" {
		b.WriteString(" --cacert " + shellQuote(caCert))
	}
	switch r.method {
	case "GET", "":
	case "HEAD":
		b.WriteString(" -I")
	default:
		b.WriteString(" -X " + r.method)
	}
	switch r.accept {
	case "":
		b.WriteString(" -H 'Accept: application/json'")
	case acceptNone:
		b.WriteString(" -H 'Accept:'") // curl's way of sending no Accept header
	default:
		b.WriteString(" -H " + shellQuote("Accept: "+r.accept))
	}
	switch r.auth {
	case authBearer:
		b.WriteString(` -H "Authorization: Bearer $CONNREQ_TOKEN"`)
	case authWrongScheme:
		b.WriteString(` -H "Authorization: Token $CONNREQ_TOKEN"`)
	case authBadToken:
		b.WriteString(" -H " + shellQuote("Authorization: Bearer "+badToken))
	case authBasic:
		b.WriteString(" -H " + shellQuote("Authorization: Basic "+basicCredentials))
	case authBearerEmpty:
		b.WriteString(" -H 'Authorization: Bearer'")
	}
	b.WriteString(" " + shellQuote(r.url))
	return b.String()
}

// scrub replaces the token in s with [REDACTED]: every occurrence of a token of
// minScrubAll bytes or more; of a shorter one, every whole occurrence, not flanked by token
// characters (see isTokenChar), so that a short token never mangles the words
// that happen to contain it while the token itself, wherever a server echoes it, goes.
func scrub(s, token string) string {
	if token == "" || !strings.Contains(s, token) {
		return s
	}
	if len(token) >= minScrubAll {
		return strings.ReplaceAll(s, token, redacted)
	}
	var b strings.Builder
	from := 0 // s[:from] is written
	for at := 0; ; {
		i := strings.Index(s[at:], token)
		if i < 0 {
			break
		}
		start, end := at+i, at+i+len(token)
		if (start == 0 || !isTokenChar(s[start-1])) && (end == len(s) || !isTokenChar(s[end])) {
			b.WriteString(s[from:start])
			b.WriteString(redacted)
			from = end
		}
		at = start + 1
	}
	b.WriteString(s[from:])
	return b.String()
}

// minScrubAll is the token length from which every occurrence is scrubbed, glued to other
// characters or not: no word of a body contains a real token by chance.
const minScrubAll = 8

// isTokenChar reports whether c continues a word of a bearer token: RFC 6750 token68
// characters except '/' and '=', which also separate path segments and query values
// (…/<token>, ?access_token=<token>), so that an echoed token is found there too.
func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == '+'
}
