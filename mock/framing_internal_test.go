package mock

import (
	"regexp"
	"testing"
)

func TestHidesFraming(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value string
		want  bool
	}{
		{name: "folded Content-Length", value: "1 Content-Length: 40", want: true},
		{name: "folded Transfer-Encoding, tab, lower case", value: "1\ttransfer-encoding : chunked", want: true},
		{name: "at the start", value: "Content-Length:0", want: true},
		{name: "after another colon", value: "a: b Transfer-Encoding: chunked", want: true},
		{name: "plain value", value: "Mozilla/5.0 (X11; Linux x86_64)", want: false},
		{name: "URL", value: "http://localhost:5173/transfer-encoding", want: false},
		{name: "glued to a word", value: "my-content-length: 5", want: false},
		{name: "no colon", value: "content-length 5", want: false},
		{name: "empty", value: "", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := hidesFraming(tc.value); got != tc.want {
				t.Errorf("hidesFraming(%q) = %v, want %v", tc.value, got, tc.want)
			}
		})
	}
}

// BenchmarkHidesFraming measures the guard's per-request work on the header values a
// browser sends (headerLimit calls hidesFraming once per value, in its size loop).
func BenchmarkHidesFraming(b *testing.B) {
	values := []string{
		"application/json, text/plain, */*",
		"gzip, deflate, br, zstd",
		"en-GB,en;q=0.9,it;q=0.8",
		"Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl",
		"http://localhost:5173",
		"http://localhost:5173/requests",
		"cors",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
	}
	for b.Loop() {
		for _, v := range values {
			if hidesFraming(v) {
				b.Fatal("false positive")
			}
		}
	}
}

// framingField is the reference hidesFraming must agree with: a framing field name, at
// the start or after a space or tab, then optional spaces or tabs and a colon (ASCII
// case-insensitive: the value is lowered first, ASCII only, as field names compare).
var framingField = regexp.MustCompile(`(?:^|[ \t])(?:content-length|transfer-encoding)[ \t]*:`)

// FuzzHidesFraming checks hidesFraming against the regular expression on any value.
func FuzzHidesFraming(f *testing.F) {
	for _, seed := range []string{"1 Content-Length: 40", "a\tTRANSFER-ENCODING\t:chunked", "http://x:1/content-length:",
		"my-content-length: 5", "content-length", "tranſfer-encoding:", "Content-Length :"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if got, want := hidesFraming(v), framingField.MatchString(asciiLower(v)); got != want {
			t.Errorf("hidesFraming(%q) = %v, the reference says %v", v, got, want)
		}
	})
}

// asciiLower lowers ASCII letters only, as HTTP field names compare.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
