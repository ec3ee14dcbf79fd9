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
// which a proxy may read as a field of its own) is refused with a 400 and a close.
func (s *Server) framingGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name := hiddenFramingField(r.Header); name != "" {
			w.Header().Set("Connection", "close")
			writeError(w, errAmbiguousFraming(name))
			return
		}
		if len(r.TransferEncoding) > 0 || (r.ContentLength != 0 && !r.ProtoAtLeast(1, 1)) {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// hiddenFramingField returns the name of a header field whose value holds
// "Content-Length:" or "Transfer-Encoding:" after a space (how net/http joins an obs-fold
// line), the first in sorted order so the answer is deterministic; "" if none does.
func hiddenFramingField(h http.Header) string {
	found := ""
	for name, vs := range h {
		for _, v := range vs {
			if hidesFraming(v) && (found == "" || name < found) {
				found = name
			}
		}
	}
	return found
}

// hidesFraming reports whether v contains a framing field name followed by a colon, at
// the start of v or after a space or tab.
func hidesFraming(v string) bool {
	for rest := v; ; {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return false
		}
		head := strings.TrimRight(rest[:i], " \t")
		for _, f := range [...]string{"content-length", "transfer-encoding"} {
			if len(head) >= len(f) && strings.EqualFold(head[len(head)-len(f):], f) {
				if j := len(head) - len(f); j == 0 || head[j-1] == ' ' || head[j-1] == '\t' {
					return true
				}
			}
		}
		rest = rest[i+1:]
	}
}
