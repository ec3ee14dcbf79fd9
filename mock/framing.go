package mock

import (
	"net/http"
	"strings"
)

// framingGuard keeps a request whose body framing is ambiguous from smuggling another one
// in behind it (RFC 9112 §6.3, §11.2): a proxy in front of the mock that frames the
// bytes differently from net/http would otherwise see its second request answered as
// part of the first, or the other way round.
//
// net/http has already rejected what it can (unknown or repeated Transfer-Encoding: 501;
// differing Content-Lengths: 400; both close the connection), but what it accepts it
// normalises without a trace: a chunked request loses its Content-Length header, and an
// HTTP/1.0 request loses its Transfer-Encoding. So the guard cannot tell "Content-Length
// and chunked" from "chunked" alone, and treats every chunked request, and every HTTP/1.0
// request with a body, as possibly smuggled: it is answered, then the connection closes
// (Connection: close), so no byte after it is ever read as a request. A header value
// that hides a framing field (an obs-fold line net/http joined into the value above it,
// which a proxy may read as a field of its own) is refused with a 400 and a close by
// headerLimit, which walks the header fields anyway.
func (s *Server) framingGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TransferEncoding) > 0 || (r.ContentLength != 0 && !r.ProtoAtLeast(1, 1)) {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// hidesFraming reports whether v contains a framing field name followed by a colon, at
// the start of v or after a space or tab. It runs on every header value of every request,
// so a colon is only looked at closely when the letter before it ends a framing name.
func hidesFraming(v string) bool {
	for i := 0; ; {
		j := strings.IndexByte(v[i:], ':')
		if j < 0 {
			return false
		}
		end := i + j
		i = end + 1
		for end > 0 && (v[end-1] == ' ' || v[end-1] == '\t') {
			end--
		}
		if end == 0 {
			continue
		}
		switch v[end-1] | 0x20 { // ASCII lower case
		case 'h':
			if endsWithField(v, end, "content-length") {
				return true
			}
		case 'g':
			if endsWithField(v, end, "transfer-encoding") {
				return true
			}
		}
	}
}

// endsWithField reports whether v[:end] ends with name (any case) as a word of its own.
func endsWithField(v string, end int, name string) bool {
	start := end - len(name)
	return start >= 0 && strings.EqualFold(v[start:end], name) && (start == 0 || v[start-1] == ' ' || v[start-1] == '\t')
}
