package contract

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseIgnore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string    // String(), canonical
		segs []segment // checked when not nil
	}{
		{name: "README example", in: "results[].viewed", want: "results[].viewed",
			segs: []segment{{kind: segKey, key: "results"}, {kind: segAnyIndex}, {kind: segKey, key: "viewed"}}},
		{name: "star index", in: "results[*].viewed", want: "results[].viewed"},
		{name: "one key", in: "count", want: "count", segs: []segment{{kind: segKey, key: "count"}}},
		{name: "root dot", in: "$.next", want: "next", segs: []segment{{kind: segKey, key: "next"}}},
		{name: "root bracket", in: "$[0]", want: "[0]", segs: []segment{{kind: segIndex, index: 0}}},
		{name: "index", in: "results[0].from_user.avatar", want: "results[0].from_user.avatar",
			segs: []segment{{kind: segKey, key: "results"}, {kind: segIndex, index: 0}, {kind: segKey, key: "from_user"}, {kind: segKey, key: "avatar"}}},
		{name: "large index", in: "a[1234567]", want: "a[1234567]", segs: []segment{{kind: segKey, key: "a"}, {kind: segIndex, index: 1234567}}},
		{name: "any depth", in: "**.avatar", want: "**.avatar", segs: []segment{{kind: segAnyPath}, {kind: segKey, key: "avatar"}}},
		{name: "any depth alone", in: "$.**", want: "**", segs: []segment{{kind: segAnyPath}}},
		{name: "any key", in: "a.*.b", want: "a.*.b", segs: []segment{{kind: segKey, key: "a"}, {kind: segAnyKey}, {kind: segKey, key: "b"}}},
		{name: "any index after any depth", in: "**[]", want: "**[]"},
		{name: "quoted key", in: `$["a b"].c`, want: `["a b"].c`, segs: []segment{{kind: segKey, key: "a b"}, {kind: segKey, key: "c"}}},
		{name: "quoted identifier", in: `["ident"]`, want: "ident"},
		{name: "quoted star is a key", in: `["*"]`, want: `["*"]`, segs: []segment{{kind: segKey, key: "*"}}},
		{name: "quoted digits are a key", in: `a["3"]`, want: `a["3"]`, segs: []segment{{kind: segKey, key: "a"}, {kind: segKey, key: "3"}}},
		{name: "empty key", in: `[""]`, want: `[""]`, segs: []segment{{kind: segKey, key: ""}}},
		{name: "JSON escapes", in: `["\u00e9t\u00e9\n\/"]`, want: `["été\n/"]`, segs: []segment{{kind: segKey, key: "été\n/"}}},
		{name: "escaped quote", in: `["a\"b"]`, want: `["a\"b"]`, segs: []segment{{kind: segKey, key: `a"b`}}},
		{name: "no HTML escaping", in: `["<&>"]`, want: `["<&>"]`},
		{name: "underscore and digits", in: "_x9.y_", want: "_x9.y_"},
		{name: "bracket chain", in: "a[0][1][]", want: "a[0][1][]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := parseIgnore(tt.in)
			if err != nil {
				t.Fatalf("parseIgnore(%q): %v", tt.in, err)
			}
			if got := p.String(); got != tt.want {
				t.Errorf("parseIgnore(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
			if p.raw != tt.in {
				t.Errorf("raw = %q, want %q", p.raw, tt.in)
			}
			if tt.segs != nil {
				if diff := cmp.Diff(tt.segs, p.segs, cmp.AllowUnexported(segment{})); diff != "" {
					t.Errorf("segments (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestParseIgnoreErrors(t *testing.T) {
	t.Parallel()
	const (
		wantKey    = `expected a key, "*" or "**" (write an index as [0] and any other key as ["key"])`
		wantInside = `expected "]", "*", an index or a quoted key`
	)
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "empty", in: "", want: `--ignore "": empty path`},
		{name: "root alone", in: "$", want: `--ignore "$": empty path`},
		{name: "root dot alone", in: "$.", want: `--ignore "$.": position 2: ` + wantKey},
		{name: "unclosed bracket", in: "results[.x", want: `--ignore "results[.x": position 8: ` + wantInside},
		{name: "bracket at the end", in: "results[", want: `--ignore "results[": position 8: ` + wantInside},
		{name: "index not closed", in: "results[0", want: `--ignore "results[0": position 9: expected "]"`},
		{name: "star not closed", in: "[*", want: `--ignore "[*": position 2: expected "]"`},
		{name: "text after quoted key", in: `["a"x]`, want: `--ignore "[\"a\"x]": position 4: expected "]"`},
		{name: "leading zero", in: "results[01]", want: `--ignore "results[01]": position 8: index with a leading zero`},
		{name: "negative index", in: "results[-1]", want: `--ignore "results[-1]": position 8: ` + wantInside},
		{name: "index too large", in: "results[99999999999999999999]", want: `--ignore "results[99999999999999999999]": position 8: index too large`},
		{name: "trailing dot", in: "results.", want: `--ignore "results.": position 8: ` + wantKey},
		{name: "double dot", in: "results..x", want: `--ignore "results..x": position 8: ` + wantKey},
		{name: "leading dot", in: ".count", want: `--ignore ".count": position 0: ` + wantKey},
		{name: "digit key", in: "results.0", want: `--ignore "results.0": position 8: ` + wantKey},
		{name: "digit first", in: "0abc", want: `--ignore "0abc": position 0: ` + wantKey},
		{name: "space", in: "a b", want: `--ignore "a b": position 1: expected "." or "["`},
		{name: "root then key", in: "$x", want: `--ignore "$x": position 1: expected "." or "["`},
		{name: "three stars", in: "a.***", want: `--ignore "a.***": position 4: expected "." or "["`},
		{name: "key after bracket", in: "a[]b", want: `--ignore "a[]b": position 3: expected "." or "["`},
		{name: "dot before bracket", in: "a.[0]", want: `--ignore "a.[0]": position 2: ` + wantKey},
		{name: "unterminated quote", in: `["a`, want: `--ignore "[\"a": position 1: unterminated quoted key`},
		{name: "escaped closing quote", in: `["a\"]`, want: `--ignore "[\"a\\\"]": position 1: unterminated quoted key`},
		{name: "bad escape", in: `["\x"]`, want: `--ignore "[\"\\x\"]": position 1: invalid quoted key: invalid character 'x' in string escape code`},
		{name: "single quotes", in: `['a']`, want: `--ignore "['a']": position 1: ` + wantInside},
		{name: "non-ASCII identifier", in: "café", want: `--ignore "café": position 3: expected "." or "["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := parseIgnore(tt.in)
			if err == nil {
				t.Fatalf("parseIgnore(%q) = %v, want an error", tt.in, p)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("parseIgnore(%q) error\n got: %s\nwant: %s", tt.in, got, tt.want)
			}
			var ie *ignoreError
			if !errors.As(err, &ie) || ie.path != tt.in {
				t.Errorf("error %#v is not an *ignoreError for %q", err, tt.in)
			}
		})
	}
}

func TestIgnoreMatches(t *testing.T) {
	t.Parallel()
	k, i, e := keyStep, indexStep, elemStep()
	tests := []struct {
		name    string
		pattern string
		path    []step
		want    bool
	}{
		{name: "any index", pattern: "results[].viewed", path: []step{k("results"), i(3), k("viewed")}, want: true},
		{name: "any index, merged element", pattern: "results[].viewed", path: []step{k("results"), e, k("viewed")}, want: true},
		{name: "any index, first element", pattern: "results[*].viewed", path: []step{k("results"), i(0), k("viewed")}, want: true},
		{name: "prefix only", pattern: "results[].viewed", path: []step{k("results"), i(3)}},
		{name: "longer path", pattern: "results[].viewed", path: []step{k("results"), i(3), k("viewed"), k("at")}},
		{name: "other key", pattern: "results[].viewed", path: []step{k("other"), i(3), k("viewed")}},
		{name: "any index is not a key", pattern: "results[].viewed", path: []step{k("results"), k("0"), k("viewed")}},
		{name: "index", pattern: "results[0].from_user.avatar", path: []step{k("results"), i(0), k("from_user"), k("avatar")}, want: true},
		{name: "other index", pattern: "results[0].from_user.avatar", path: []step{k("results"), i(1), k("from_user"), k("avatar")}},
		{name: "index never matches merged", pattern: "results[0].from_user.avatar", path: []step{k("results"), e, k("from_user"), k("avatar")}},
		{name: "key", pattern: "count", path: []step{k("count")}, want: true},
		{name: "key, root", pattern: "count", path: nil},
		{name: "key, case", pattern: "count", path: []step{k("Count")}},
		{name: "rooted", pattern: "$.next", path: []step{k("next")}, want: true},
		{name: "any depth, top", pattern: "**.avatar", path: []step{k("avatar")}, want: true},
		{name: "any depth, deep", pattern: "**.avatar", path: []step{k("results"), i(0), k("from_user"), k("avatar")}, want: true},
		{name: "any depth, below", pattern: "**.avatar", path: []step{k("results"), i(0), k("avatar"), k("x")}},
		{name: "any depth alone, root", pattern: "**", path: nil, want: true},
		{name: "any depth alone, deep", pattern: "**", path: []step{k("a"), i(1), e}, want: true},
		{name: "any depth twice", pattern: "**.**.x", path: []step{k("a"), k("b"), k("x")}, want: true},
		{name: "any depth twice, zero", pattern: "**.**.x", path: []step{k("x")}, want: true},
		{name: "any depth between", pattern: "a.**.b.**.c", path: []step{k("a"), k("x"), k("b"), i(2), k("z"), k("c")}, want: true},
		{name: "any depth between, order", pattern: "a.**.b.**.c", path: []step{k("a"), k("c"), k("b")}},
		{name: "any depth backtracks", pattern: "**.a.b", path: []step{k("a"), k("a"), k("b")}, want: true},
		{name: "any depth then index", pattern: "**[]", path: []step{k("a"), i(0)}, want: true},
		{name: "any depth then index, key", pattern: "**[]", path: []step{k("a")}},
		{name: "any key", pattern: "*", path: []step{k("a")}, want: true},
		{name: "any key, index", pattern: "*", path: []step{i(0)}},
		{name: "any key, root", pattern: "*", path: nil},
		{name: "any key, middle", pattern: "a.*.c", path: []step{k("a"), k("b"), k("c")}, want: true},
		{name: "any key, middle index", pattern: "a.*.c", path: []step{k("a"), i(0), k("c")}},
		{name: "any key, empty key", pattern: "*", path: []step{k("")}, want: true},
		{name: "quoted", pattern: `["a b"]`, path: []step{k("a b")}, want: true},
		{name: "quoted star", pattern: `["*"]`, path: []step{k("*")}, want: true},
		{name: "quoted star, other key", pattern: `["*"]`, path: []step{k("x")}},
		{name: "quoted empty", pattern: `[""]`, path: []step{k("")}, want: true},
		{name: "root index", pattern: "[2]", path: []step{i(2)}, want: true},
		{name: "root index, other", pattern: "[2]", path: []step{i(20)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := parseIgnore(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.matches(tt.path); got != tt.want {
				t.Errorf("%q matches %s = %v, want %v", tt.pattern, pathString(tt.path), got, tt.want)
			}
		})
	}
}

func TestPathString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path []step
		want string
	}{
		{name: "root", path: nil, want: "$"},
		{name: "keys and index", path: []step{keyStep("results"), indexStep(3), keyStep("viewed")}, want: "$.results[3].viewed"},
		{name: "merged element", path: []step{keyStep("results"), elemStep(), keyStep("viewed")}, want: "$.results[].viewed"},
		{name: "quoted", path: []step{keyStep("a b"), keyStep("3"), keyStep(""), keyStep(`"<&>`)}, want: `$["a b"]["3"][""]["\"<&>"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := pathString(tt.path)
			if got != tt.want {
				t.Errorf("pathString = %s, want %s", got, tt.want)
			}
			// A rendered path is an --ignore path that matches it.
			if len(tt.path) > 0 {
				p, err := parseIgnore(got)
				if err != nil {
					t.Fatalf("parseIgnore(%s): %v", got, err)
				}
				if !p.matches(tt.path) {
					t.Errorf("%s does not match its own path", got)
				}
			}
		})
	}
}

// FuzzParseIgnore: parseIgnore never panics, fails with an *ignoreError pointing inside
// the input, and a parsed pattern's String() parses back to the same pattern.
func FuzzParseIgnore(f *testing.F) {
	for _, s := range []string{"results[].viewed", "count", "$.next", "**.avatar", `$["a b"][*].c`, "results[.x", "a[01]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseIgnore(s)
		if err != nil {
			var ie *ignoreError
			if !errors.As(err, &ie) {
				t.Fatalf("parseIgnore(%q): error %T, want *ignoreError", s, err)
			}
			if ie.pos < -1 || ie.pos > len(s) {
				t.Fatalf("parseIgnore(%q): position %d outside the input", s, ie.pos)
			}
			return
		}
		if len(p.segs) == 0 {
			t.Fatalf("parseIgnore(%q): no segments and no error", s)
		}
		canon := p.String()
		q, err := parseIgnore(canon)
		if err != nil {
			t.Fatalf("parseIgnore(%q).String() = %q does not parse: %v", s, canon, err)
		}
		if diff := cmp.Diff(p.segs, q.segs, cmp.AllowUnexported(segment{})); diff != "" {
			t.Fatalf("%q → %q: segments differ (-first +second):\n%s", s, canon, diff)
		}
		if q.String() != canon {
			t.Fatalf("%q → %q → %q", s, canon, q.String())
		}
	})
}
