package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/fixtures"
)

// diffCmp compares differences, whose fields are unexported.
var diffCmp = cmp.AllowUnexported(difference{})

// diffIgnores parses --ignore paths for a test.
func diffIgnores(t testing.TB, paths ...string) []ignorePattern {
	t.Helper()
	var out []ignorePattern
	for _, s := range paths {
		p, err := parseIgnore(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// diffNullableAt is a fake nullable: the paths listed (as pathString renders them).
func diffNullableAt(paths ...string) func([]step) bool {
	return func(p []step) bool {
		s := pathString(p)
		for _, q := range paths {
			if q == s {
				return true
			}
		}
		return false
	}
}

func TestParseDiffMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    diffMode
		wantErr string
	}{
		{name: "default", in: "", want: diffExact},
		{name: "exact", in: "exact", want: diffExact},
		{name: "shape", in: "shape", want: diffShape},
		{name: "unknown", in: "values", wantErr: `unknown diff mode "values": want exact or shape`},
		{name: "case", in: "Shape", wantErr: `unknown diff mode "Shape": want exact or shape`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseDiffMode(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("parseDiffMode(%q) error = %v, want %s", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseDiffMode(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if tt.in != "" && got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

// diffCase is one diffJSON table row.
type diffCase struct {
	name     string
	baseline string
	target   string
	ignore   []string
	nullable func([]step) bool
	max      int
	want     []difference
	wantMore int
}

func runDiffCases(t *testing.T, mode diffMode, tests []diffCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := diffOptions{mode: mode, ignore: diffIgnores(t, tt.ignore...), nullable: tt.nullable, max: tt.max}
			got, more, err := diffJSON([]byte(tt.baseline), []byte(tt.target), o)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, diffCmp); diff != "" {
				t.Errorf("differences (-want +got):\n%s", diff)
			}
			if more != tt.wantMore {
				t.Errorf("more = %d, want %d", more, tt.wantMore)
			}
		})
	}
}

func TestDiffExact(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	runDiffCases(t, diffExact, []diffCase{
		{name: "equal, keys in another order", baseline: `{"a":1,"b":[true,null,"s"],"c":{}}`, target: ` {"c":{},"b":[true,null,"s"],"a":1} `},
		{name: "changed value", baseline: `{"a":1,"b":"x"}`, target: `{"a":1,"b":"y"}`,
			want: []difference{{path: "$.b", baseline: `"x"`, target: `"y"`, message: "values differ"}}},
		{name: "changed boolean", baseline: `{"a":true}`, target: `{"a":false}`,
			want: []difference{{path: "$.a", baseline: `true`, target: `false`, message: "values differ"}}},
		{name: "key only in the target", baseline: `{"a":1}`, target: `{"a":1,"c":{"d":[1]}}`,
			want: []difference{{path: "$.c", baseline: absent, target: `{"d":[1]}`, message: "key only in the target"}}},
		{name: "key only in the baseline", baseline: `{"a":1,"c":null}`, target: `{"a":1}`,
			want: []difference{{path: "$.c", baseline: `null`, target: absent, message: "key only in the baseline"}}},
		{name: "type differs", baseline: `{"a":"1"}`, target: `{"a":1}`,
			want: []difference{{path: "$.a", baseline: `"1"`, target: `1`, message: "type differs: string in the baseline, number in the target"}}},
		{name: "null and a value", baseline: `{"a":null}`, target: `{"a":"x"}`,
			want: []difference{{path: "$.a", baseline: `null`, target: `"x"`, message: "type differs: null in the baseline, string in the target"}}},
		{name: "object and array, not compared further", baseline: `{"a":{"b":1}}`, target: `{"a":[1]}`,
			want: []difference{{path: "$.a", baseline: `{"b":1}`, target: `[1]`, message: "type differs: object in the baseline, array in the target"}}},
		{name: "root type", baseline: `[]`, target: `{}`,
			want: []difference{{path: "$", baseline: `[]`, target: `{}`, message: "type differs: array in the baseline, object in the target"}}},
		{name: "root null", baseline: `null`, target: `0`,
			want: []difference{{path: "$", baseline: `null`, target: `0`, message: "type differs: null in the baseline, number in the target"}}},
		{name: "root scalar", baseline: `"a"`, target: `"b"`,
			want: []difference{{path: "$", baseline: `"a"`, target: `"b"`, message: "values differ"}}},
		{name: "root nulls", baseline: `null`, target: `null`},
		{name: "array shorter, common prefix compared", baseline: `{"r":[1,2,3]}`, target: `{"r":[1,5]}`,
			want: []difference{
				{path: "$.r", baseline: `[1,2,3]`, target: `[1,5]`, message: "array length 3 in the baseline, 2 in the target"},
				{path: "$.r[1]", baseline: `2`, target: `5`, message: "values differ"},
			}},
		{name: "array longer, no element past the end", baseline: `{"r":[1]}`, target: `{"r":[1,2,3,4]}`,
			want: []difference{{path: "$.r", baseline: `[1]`, target: `[1,2,3,4]`, message: "array length 1 in the baseline, 4 in the target"}}},
		{name: "arrays index by index, not realigned", baseline: `[1,2,3]`, target: `[2,3]`,
			want: []difference{
				{path: "$", baseline: `[1,2,3]`, target: `[2,3]`, message: "array length 3 in the baseline, 2 in the target"},
				{path: "$[0]", baseline: `1`, target: `2`, message: "values differ"},
				{path: "$[1]", baseline: `2`, target: `3`, message: "values differ"},
			}},
		{name: "empty and non-empty array", baseline: `{"r":[]}`, target: `{"r":[{}]}`,
			want: []difference{{path: "$.r", baseline: `[]`, target: `[{}]`, message: "array length 0 in the baseline, 1 in the target"}}},
		{name: "nested arrays", baseline: `[[1,2],[3]]`, target: `[[1,2],[4,5]]`,
			want: []difference{
				{path: "$[1]", baseline: `[3]`, target: `[4,5]`, message: "array length 1 in the baseline, 2 in the target"},
				{path: "$[1][0]", baseline: `3`, target: `4`, message: "values differ"},
			}},
		{name: "document order", baseline: `{"b":{"y":1,"x":1},"a":[0,0,0],"c":1}`, target: `{"c":2,"a":[0,1,2],"b":{"x":2,"y":2}}`,
			want: []difference{
				{path: "$.a[1]", baseline: `0`, target: `1`, message: "values differ"},
				{path: "$.a[2]", baseline: `0`, target: `2`, message: "values differ"},
				{path: "$.b.x", baseline: `1`, target: `2`, message: "values differ"},
				{path: "$.b.y", baseline: `1`, target: `2`, message: "values differ"},
				{path: "$.c", baseline: `1`, target: `2`, message: "values differ"},
			}},
		{name: "keys that are not identifiers", baseline: `{"a b":1,"3":1,"":1}`, target: `{"a b":2,"3":2,"":2}`,
			want: []difference{
				{path: `$[""]`, baseline: `1`, target: `2`, message: "values differ"},
				{path: `$["3"]`, baseline: `1`, target: `2`, message: "values differ"},
				{path: `$["a b"]`, baseline: `1`, target: `2`, message: "values differ"},
			}},
		{name: "numbers by decimal value", baseline: `[1, 1.0, 1e2, -0, 0.5, 1.50e3, 123456789012345678901234567890]`,
			target: `[1.000, 1, 100, 0, 5e-1, 1500, 123456789012345678901234567890.0]`},
		{name: "big integers exactly", baseline: `{"id":9007199254740993}`, target: `{"id":9007199254740992}`,
			want: []difference{{path: "$.id", baseline: `9007199254740993`, target: `9007199254740992`, message: "values differ"}}},
		{name: "numbers as written in reports", baseline: `[1.10, 2]`, target: `[1.2, 2.00]`,
			want: []difference{{path: "$[0]", baseline: `1.10`, target: `1.2`, message: "values differ"}}},
		{name: "huge exponents as written", baseline: `[1e1234567890123456, 1e123456789012345]`, target: `[10e1234567890123455, 10e123456789012344]`,
			want: []difference{{path: "$[0]", baseline: `1e1234567890123456`, target: `10e1234567890123455`, message: "values differ"}}},
		{name: "links without scheme and host",
			baseline: `{"next":"https://demo.example.com/api/v2/user/7/connection/requests/?limit=20&offset=40","previous":"https://demo.example.com/api/v2/user/7/connection/requests/?limit=20"}`,
			target:   `{"next":"http://127.0.0.1:8080/api/v2/user/7/connection/requests/?limit=20&offset=40","previous":"//other/api/v2/user/7/connection/requests/?limit=20"}`},
		{name: "links differ in the query",
			baseline: `{"next":"https://a.example/x/?limit=20&offset=40"}`,
			target:   `{"next":"https://b.example/x/?limit=20&offset=41"}`,
			want: []difference{{path: "$.next", baseline: `"https://a.example/x/?limit=20&offset=40"`, target: `"https://b.example/x/?limit=20&offset=41"`,
				message: "links differ beyond scheme and host"}}},
		{name: "links differ in the path",
			baseline: `{"previous":"https://a.example/api/x/?limit=20"}`,
			target:   `{"previous":"https://a.example/x/?limit=20"}`,
			want: []difference{{path: "$.previous", baseline: `"https://a.example/api/x/?limit=20"`, target: `"https://a.example/x/?limit=20"`,
				message: "links differ beyond scheme and host"}}},
		{name: "link and null", baseline: `{"next":"https://a.example/x"}`, target: `{"next":null}`,
			want: []difference{{path: "$.next", baseline: `"https://a.example/x"`, target: `null`, message: "type differs: string in the baseline, null in the target"}}},
		{name: "only top-level links", baseline: `{"results":[{"next":"https://a.example/x"}],"website":"https://a.example/x"}`,
			target: `{"results":[{"next":"https://b.example/x"}],"website":"https://b.example/x"}`,
			want: []difference{
				{path: "$.results[0].next", baseline: `"https://a.example/x"`, target: `"https://b.example/x"`, message: "values differ"},
				{path: "$.website", baseline: `"https://a.example/x"`, target: `"https://b.example/x"`, message: "values differ"},
			}},
		{name: "ignore any index", baseline: `{"results":[{"id":1,"viewed":null},{"id":2,"viewed":"a"}]}`,
			target: `{"results":[{"id":1,"viewed":"b"},{"id":3}]}`, ignore: []string{"results[].viewed"},
			want: []difference{{path: "$.results[1].id", baseline: `2`, target: `3`, message: "values differ"}}},
		{name: "ignore one index", baseline: `{"r":[{"v":1},{"v":1}]}`, target: `{"r":[{"v":2},{"v":2}]}`, ignore: []string{"r[0].v"},
			want: []difference{{path: "$.r[1].v", baseline: `1`, target: `2`, message: "values differ"}}},
		{name: "ignore any depth", baseline: `{"a":{"avatar":1,"b":[{"avatar":1}]},"avatar":1}`, target: `{"a":{"avatar":2,"b":[{"avatar":2}]},"avatar":2}`,
			ignore: []string{"**.avatar"}},
		{name: "ignore a key on one side only", baseline: `{"a":1,"b":1}`, target: `{"a":1}`, ignore: []string{"b"}},
		{name: "ignore an array, length included", baseline: `{"r":[1,2],"n":1}`, target: `{"r":[3],"n":2}`, ignore: []string{"r"},
			want: []difference{{path: "$.n", baseline: `1`, target: `2`, message: "values differ"}}},
		{name: "ignore the elements, not the length", baseline: `{"r":[1,2]}`, target: `{"r":[3]}`, ignore: []string{"r[]"},
			want: []difference{{path: "$.r", baseline: `[1,2]`, target: `[3]`, message: "array length 2 in the baseline, 1 in the target"}}},
		{name: "ignore a link", baseline: `{"next":"https://a/x?offset=1"}`, target: `{"next":"https://a/x?offset=2"}`, ignore: []string{"$.next"}},
		{name: "ignore everything", baseline: `{"a":1}`, target: `[2]`, ignore: []string{"**"}},
		{name: "ignore a quoted key", baseline: `{"a b":1}`, target: `{"a b":2}`, ignore: []string{`["a b"]`}},
		{name: "several patterns", baseline: `{"a":1,"b":1,"c":1}`, target: `{"a":2,"b":2,"c":2}`, ignore: []string{"a", "c"},
			want: []difference{{path: "$.b", baseline: `1`, target: `2`, message: "values differ"}}},
		{name: "long values truncated", baseline: `{"s":"` + long + `"}`, target: `{"s":"y"}`,
			want: []difference{{path: "$.s", baseline: `"` + long[:maxValueLen-1] + "… (302 bytes)", target: `"y"`, message: "values differ"}}},
		{name: "no HTML escaping in arrays", baseline: `{"r":["?a=1&b=2",["<"]]}`, target: `{"r":[]}`,
			want: []difference{{path: "$.r", baseline: `["?a=1&b=2",["<"]]`, target: `[]`, message: "array length 2 in the baseline, 0 in the target"}}},
		{name: "no HTML escaping", baseline: `{"s":"<a&b>"}`, target: `{"s":"\u003ca&b>!"}`,
			want: []difference{{path: "$.s", baseline: `"<a&b>"`, target: `"<a&b>!"`, message: "values differ"}}},
		{name: "at most max, the rest counted", baseline: `{"a":1,"b":1,"c":1,"d":1,"e":1}`, target: `{"a":2,"b":2,"c":2,"d":2,"e":2}`, max: 2,
			want: []difference{
				{path: "$.a", baseline: `1`, target: `2`, message: "values differ"},
				{path: "$.b", baseline: `1`, target: `2`, message: "values differ"},
			}, wantMore: 3},
		{name: "at most max, lengths counted too", baseline: `{"a":[1],"b":[1],"c":[1]}`, target: `{"a":[],"b":[],"c":[]}`, max: 1,
			want: []difference{{path: "$.a", baseline: `[1]`, target: `[]`, message: "array length 1 in the baseline, 0 in the target"}}, wantMore: 2},
		{name: "nullable is for shape mode only", baseline: `{"a":null}`, target: `{"a":1}`, nullable: diffNullableAt("$.a"),
			want: []difference{{path: "$.a", baseline: `null`, target: `1`, message: "type differs: null in the baseline, number in the target"}}},
	})
}

func TestDiffExactDefaultMax(t *testing.T) {
	t.Parallel()
	var b, tg strings.Builder
	b.WriteString("[")
	tg.WriteString("[")
	for i := range 70 {
		if i > 0 {
			b.WriteString(",")
			tg.WriteString(",")
		}
		fmt.Fprint(&b, i)
		fmt.Fprint(&tg, i+1)
	}
	b.WriteString("]")
	tg.WriteString("]")
	got, more, err := diffJSON([]byte(b.String()), []byte(tg.String()), diffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != defaultMaxDiffs || more != 70-defaultMaxDiffs {
		t.Fatalf("got %d differences and %d more, want %d and %d", len(got), more, defaultMaxDiffs, 70-defaultMaxDiffs)
	}
	if got[49].path != "$[49]" {
		t.Errorf("last kept difference at %s, want $[49]", got[49].path)
	}
}

func TestDiffShape(t *testing.T) {
	t.Parallel()
	runDiffCases(t, diffShape, []diffCase{
		{name: "different values, same shape", baseline: `{"a":1,"b":"x","c":true,"d":{"e":[1]}}`, target: `{"a":2.5,"b":"","c":false,"d":{"e":[7]}}`},
		{name: "different lengths", baseline: `{"r":[{"a":1},{"a":2},{"a":3}]}`, target: `{"r":[{"a":9}]}`},
		{name: "empty array matches any", baseline: `{"r":[]}`, target: `{"r":[{"a":[1,{"b":null}]}]}`},
		{name: "type differs", baseline: `{"a":1}`, target: `{"a":"x"}`,
			want: []difference{{path: "$.a", baseline: "number", target: "string", message: "type differs: number in the baseline, string in the target"}}},
		{name: "type differs in an element", baseline: `{"r":[{"a":1},{"a":2}]}`, target: `{"r":[{"a":1},{"a":"2"}]}`,
			want: []difference{{path: "$.r[].a", baseline: "number", target: "string or number", message: "type differs: number in the baseline, string or number in the target"}}},
		{name: "root type", baseline: `[]`, target: `{}`,
			want: []difference{{path: "$", baseline: "array", target: "object", message: "type differs: array in the baseline, object in the target"}}},
		{name: "not nullable", baseline: `{"a":null}`, target: `{"a":"x"}`,
			want: []difference{{path: "$.a", baseline: "null", target: "string", message: "not nullable here: null in the baseline, string in the target"}}},
		{name: "not nullable, some elements", baseline: `{"r":[{"v":null},{"v":"x"}]}`, target: `{"r":[{"v":"y"}]}`,
			want: []difference{{path: "$.r[].v", baseline: "string or null", target: "string", message: "not nullable here: string or null in the baseline, string in the target"}}},
		{name: "nullable", baseline: `{"a":null}`, target: `{"a":"x"}`, nullable: diffNullableAt("$.a")},
		{name: "nullable, some elements", baseline: `{"r":[{"v":null},{"v":"x"}]}`, target: `{"r":[{"v":"y"}]}`, nullable: diffNullableAt("$.r[].v")},
		{name: "nullable object", baseline: `{"u":null}`, target: `{"u":{"k":1}}`, nullable: diffNullableAt("$.u")},
		{name: "nullable object, keys still compared", baseline: `{"u":[{"k":1},null]}`, target: `{"u":[{"k":"1"}]}`, nullable: diffNullableAt("$.u[]"),
			want: []difference{{path: "$.u[].k", baseline: "number", target: "string", message: "type differs: number in the baseline, string in the target"}}},
		{name: "nullable, but another type", baseline: `{"a":null,"b":1}`, target: `{"a":"x","b":"y"}`, nullable: diffNullableAt("$.a", "$.b"),
			want: []difference{{path: "$.b", baseline: "number", target: "string", message: "type differs: number in the baseline, string in the target"}}},
		{name: "nullable elsewhere", baseline: `{"a":null}`, target: `{"a":"x"}`, nullable: diffNullableAt("$.b"),
			want: []difference{{path: "$.a", baseline: "null", target: "string", message: "not nullable here: null in the baseline, string in the target"}}},
		{name: "key only in the target", baseline: `{"r":[{"a":1}]}`, target: `{"r":[{"a":1,"b":{"c":2}}]}`,
			want: []difference{{path: "$.r[].b", baseline: absent, target: "object", message: "key only in the target"}}},
		{name: "key only in the baseline", baseline: `{"a":1,"b":null}`, target: `{"a":1}`,
			want: []difference{{path: "$.b", baseline: "null", target: absent, message: "key only in the baseline"}}},
		{name: "key in some elements only", baseline: `{"r":[{"a":1},{"a":1,"b":2}]}`, target: `{"r":[{"a":1,"b":2}]}`},
		{name: "nested arrays merged", baseline: `[[1],[2,3],[]]`, target: `[[4,5,6]]`},
		{name: "nested arrays, element type", baseline: `[[1],[2]]`, target: `[[true]]`,
			want: []difference{{path: "$[][]", baseline: "number", target: "boolean", message: "type differs: number in the baseline, boolean in the target"}}},
		{name: "document order", baseline: `{"b":1,"a":{"y":1,"x":1}}`, target: `{"a":{"x":"1","y":"1"},"b":"1"}`,
			want: []difference{
				{path: "$.a.x", baseline: "number", target: "string", message: "type differs: number in the baseline, string in the target"},
				{path: "$.a.y", baseline: "number", target: "string", message: "type differs: number in the baseline, string in the target"},
				{path: "$.b", baseline: "number", target: "string", message: "type differs: number in the baseline, string in the target"},
			}},
		{name: "ignore the merged element path", baseline: `{"results":[{"viewed":null}]}`, target: `{"results":[{"viewed":"x","extra":1}]}`,
			ignore: []string{"results[].viewed", "results[*].extra"}},
		{name: "an index never matches the merged element", baseline: `{"r":[{"v":1}]}`, target: `{"r":[{"v":"1"}]}`, ignore: []string{"r[0].v"},
			want: []difference{{path: "$.r[].v", baseline: "number", target: "string", message: "type differs: number in the baseline, string in the target"}}},
		{name: "ignore any depth", baseline: `{"a":{"avatar":1},"r":[{"avatar":1}]}`, target: `{"a":{"avatar":"1"},"r":[{"avatar":null}]}`, ignore: []string{"**.avatar"}},
		{name: "ignore a key on one side only", baseline: `{"a":1,"b":1}`, target: `{"a":1}`, ignore: []string{"b"}},
		{name: "at most max", baseline: `{"a":1,"b":1,"c":1}`, target: `{"a":"","b":"","c":""}`, max: 1,
			want: []difference{{path: "$.a", baseline: "number", target: "string", message: "type differs: number in the baseline, string in the target"}}, wantMore: 2},
	})
}

func TestDiffErrors(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	tests := []struct {
		name     string
		baseline string
		target   string
		side     string
		want     string
	}{
		{name: "empty baseline", baseline: "", target: "{}", side: "baseline", want: "baseline body is not JSON: unexpected EOF"},
		{name: "truncated target", baseline: "{}", target: `{"a":`, side: "target", want: "target body is not JSON: unexpected EOF"},
		{name: "not JSON", baseline: "<html>", target: "{}", side: "baseline", want: "baseline body is not JSON: invalid character '<' looking for beginning of value"},
		{name: "trailing data", baseline: "{}", target: "{} {}", side: "target", want: "target body is not JSON: data after the JSON value"},
		{name: "trailing bracket", baseline: "[1]]", target: "[]", side: "baseline", want: "baseline body is not JSON: data after the JSON value"},
		{name: "deep baseline", baseline: deep, target: "[]", side: "baseline", want: "baseline body is not JSON: nested deeper than 1000 levels"},
		{name: "deep target", baseline: "[]", target: strings.Repeat(`{"a":`, 1001) + "1" + strings.Repeat("}", 1001), side: "target",
			want: "target body is not JSON: nested deeper than 1000 levels"},
		{name: "deep and unclosed", baseline: "{}", target: strings.Repeat("[", 100_000), side: "target", want: "target body is not JSON: nested deeper than 1000 levels"},
	}
	for _, tt := range tests {
		for _, mode := range []diffMode{diffExact, diffShape} {
			t.Run(tt.name+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				diffs, more, err := diffJSON([]byte(tt.baseline), []byte(tt.target), diffOptions{mode: mode})
				if err == nil {
					t.Fatalf("no error; differences %v, %d more", diffs, more)
				}
				if err.Error() != tt.want {
					t.Errorf("error\n got: %v\nwant: %s", err, tt.want)
				}
				var nj *notJSONError
				if !errors.As(err, &nj) || nj.side != tt.side {
					t.Errorf("error %#v, want a *notJSONError for the %s", err, tt.side)
				}
			})
		}
	}
}

// TestDiffRecovers: a panic inside the comparison (here in the caller's nullable) is an
// error, not a crash.
func TestDiffRecovers(t *testing.T) {
	t.Parallel()
	o := diffOptions{mode: diffShape, nullable: func([]step) bool { panic("boom") }}
	diffs, more, err := diffJSON([]byte(`{"a":null}`), []byte(`{"a":1}`), o)
	if err == nil || !strings.Contains(err.Error(), "internal error: boom") || diffs != nil || more != 0 {
		t.Fatalf("got %v, %d, %v; want an internal error", diffs, more, err)
	}
}

func TestDiffDeepNesting(t *testing.T) {
	t.Parallel()
	nest := func(leaf string, depth int) string {
		return strings.Repeat(`{"a":[`, depth/2) + leaf + strings.Repeat(`]}`, depth/2)
	}
	x, y := nest("1", maxDiffDepth), nest("2", maxDiffDepth)
	for _, mode := range []diffMode{diffExact, diffShape} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			got, _, err := diffJSON([]byte(x), []byte(x), diffOptions{mode: mode})
			if err != nil || len(got) != 0 {
				t.Fatalf("a body against itself: %v, %v", got, err)
			}
			got, _, err = diffJSON([]byte(x), []byte(y), diffOptions{mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			if mode == diffShape {
				if len(got) != 0 {
					t.Fatalf("shape: %v", got)
				}
				return
			}
			want := "$" + strings.Repeat(".a[0]", maxDiffDepth/2)
			if len(got) != 1 || got[0].path != want || got[0].baseline != "1" || got[0].target != "2" {
				t.Fatalf("got %+v, want one difference at the leaf", got)
			}
		})
	}
}

func TestNumberKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "integer", in: "1500", want: "+15e4"},
		{name: "fraction and exponent", in: "1.50e3", want: "+15e4"},
		{name: "capital E and plus", in: "15E+2", want: "+15e4"},
		{name: "small", in: "0.015", want: "+15e-1"},
		{name: "negative exponent", in: "-15e-3", want: "-15e-1"},
		{name: "zero", in: "0", want: "0"},
		{name: "negative zero", in: "-0.0e7", want: "0"},
		{name: "exponent with zeros", in: "1e0000000000000000000002", want: "+1e3"},
		{name: "huge exponent", in: "1e1234567890123456", want: "=1e1234567890123456"},
		{name: "big integer", in: "123456789012345678901234567890", want: "+12345678901234567890123456789e30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := numberKey(json.Number(tt.in)); got != tt.want {
				t.Errorf("numberKey(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestDiffStripOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want linkPath
	}{
		{name: "https", in: "https://demo.example.com/api/x/?limit=20&offset=40#f", want: "/api/x/?limit=20&offset=40#f"},
		{name: "port and user", in: "http://u:p@127.0.0.1:8080/x", want: "/x"},
		{name: "query only", in: "https://h?limit=1", want: "?limit=1"},
		{name: "no path", in: "https://h", want: ""},
		{name: "scheme-relative", in: "//h/x", want: "/x"},
		{name: "relative", in: "/api/x?y", want: "/api/x?y"},
		{name: "not a scheme", in: "1a://h/x", want: "1a://h/x"},
		{name: "not a URL", in: "hello", want: "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := stripOrigin(tt.in); got != tt.want {
				t.Errorf("stripOrigin(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// diffPage is a generated 200 body: items [start, start+limit) of owner's list, with links
// on host.
func diffPage(t testing.TB, g *fixtures.Generator, owner, start, limit int64, host string) []byte {
	t.Helper()
	count := g.Count(owner)
	base := fmt.Sprintf("https://%s/api/v2/user/%d/connection/requests/", host, owner)
	next := fmt.Sprintf("%s?limit=%d&offset=%d", base, limit, start+limit)
	prev := fmt.Sprintf("%s?limit=%d", base, limit)
	if start-limit > 0 {
		prev += fmt.Sprintf("&offset=%d", start-limit)
	}
	return g.AppendPage(nil, owner, count, start, start+limit, next, prev, start+limit < count, start > 0)
}

// diffPageOwner is a user with at least n items.
func diffPageOwner(t testing.TB, g *fixtures.Generator, n int64) int64 {
	t.Helper()
	for owner := int64(1); owner < 10_000; owner++ {
		if g.Count(owner) >= n {
			return owner
		}
	}
	t.Fatalf("no user with %d items", n)
	return 0
}

// diffSpecNullable is a nullable built from the spec, as the runner does: it walks the page
// schema along the path (properties for keys, items for indexes and []).
func diffSpecNullable(t testing.TB) func([]step) bool {
	t.Helper()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Find("/api/v2/user/{id}/connection/requests/").Get
	root := op.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
	return func(path []step) bool {
		s := root
		for _, st := range path {
			var next *openapi3.SchemaRef
			if st.isKey() {
				next = s.Properties[st.key]
			} else {
				next = s.Items
			}
			if next == nil || next.Value == nil {
				return false
			}
			s = next.Value
		}
		return s.Nullable
	}
}

func TestDiffPages(t *testing.T) {
	t.Parallel()
	g, err := fixtures.NewGenerator(fixtures.Config{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	owner := diffPageOwner(t, g, 50)
	first := diffPage(t, g, owner, 0, 20, "demo.example.com")

	t.Run("same page, other host", func(t *testing.T) {
		t.Parallel()
		got, more, err := diffJSON(first, diffPage(t, g, owner, 0, 20, "127.0.0.1:8080"), diffOptions{})
		if err != nil || len(got) != 0 || more != 0 {
			t.Fatalf("got %v, %d more, %v; want no difference", got, more, err)
		}
	})

	t.Run("one changed field, at exactly its path", func(t *testing.T) {
		t.Parallel()
		var v map[string]any
		dec := json.NewDecoder(strings.NewReader(string(first)))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		item := v["results"].([]any)[3].(map[string]any)["from_user"].(map[string]any)
		old := item["username"]
		item["username"] = "someone.else"
		changed, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, more, err := diffJSON(first, changed, diffOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := []difference{{path: "$.results[3].from_user.username", baseline: diffValue(old), target: `"someone.else"`, message: "values differ"}}
		if diff := cmp.Diff(want, got, diffCmp); diff != "" || more != 0 {
			t.Errorf("differences (-want +got):\n%s\nmore: %d", diff, more)
		}
		got, _, err = diffJSON(first, changed, diffOptions{ignore: diffIgnores(t, "results[].from_user.username")})
		if err != nil || len(got) != 0 {
			t.Errorf("ignored: %v, %v", got, err)
		}
	})

	t.Run("next page, exact", func(t *testing.T) {
		t.Parallel()
		got, more, err := diffJSON(first, diffPage(t, g, owner, 20, 20, "demo.example.com"), diffOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got)+more < 20 {
			t.Fatalf("two pages differ in %d places only: %v", len(got)+more, got)
		}
		if got[0].path != "$.next" || got[1].path != "$.previous" {
			t.Errorf("first differences at %s, %s; want $.next, $.previous", got[0].path, got[1].path)
		}
	})

	t.Run("other pages, shape", func(t *testing.T) {
		t.Parallel()
		nullable := diffSpecNullable(t)
		others := [][]byte{
			diffPage(t, g, owner, 20, 20, "127.0.0.1:8080"),
			diffPage(t, g, owner, 0, 1, "demo.example.com"),
			diffPage(t, g, owner, 30, 17, "demo.example.com"),
			diffPage(t, g, diffPageOwner(t, g, 200), 100, 50, "demo.example.com"),
			diffPage(t, g, owner, 0, 0, "demo.example.com"), // no result: matches any
		}
		for i, other := range others {
			got, more, err := diffJSON(first, other, diffOptions{mode: diffShape, nullable: nullable})
			if err != nil || len(got) != 0 || more != 0 {
				t.Errorf("page %d: got %v, %d more, %v; want no difference", i, got, more, err)
			}
		}
		// Without the spec's nullability, a value null on one page only is a difference.
		got, _, _ := diffJSON(first, others[3], diffOptions{mode: diffShape})
		for _, d := range got {
			if !strings.HasPrefix(d.message, "not nullable here: ") {
				t.Errorf("without nullable: %+v", d)
			}
		}
	})
}

// FuzzDiffJSON: diffJSON never panics (a recovered panic would be an error that is not
// a *notJSONError), a valid body has no difference with itself, and the differences are
// as many one way as the other.
func FuzzDiffJSON(f *testing.F) {
	f.Add([]byte(`{"count":2,"next":"https://a/x?offset=2","results":[{"a":1},{"a":null}]}`), []byte(`{"count":3,"next":"http://b/x?offset=2","results":[{"a":"1"}]}`), false)
	f.Add([]byte(`[1,2,[3]]`), []byte(`[1.0,[2],3,4]`), true)
	f.Add([]byte(`{"n":null,"b":[{}]}`), []byte(`{"n":{"x":[]},"b":[]}`), true)
	f.Add([]byte(`{`), []byte(`{}`), false)
	nullable := func(p []step) bool {
		return len(p) > 0 && p[len(p)-1].isKey() && strings.HasPrefix(p[len(p)-1].key, "n")
	}
	ign := diffIgnores(f, "results[].viewed", "**.n", "a[1]")
	f.Fuzz(func(t *testing.T, a, b []byte, shape bool) {
		o := diffOptions{nullable: nullable, max: 5}
		if shape {
			o.mode = diffShape
		}
		if len(a)%2 == 1 {
			o.ignore = ign
		}
		check := func(err error) {
			t.Helper()
			var nj *notJSONError
			if err != nil && !errors.As(err, &nj) {
				t.Fatalf("unexpected error: %v", err)
			}
		}
		ab, abMore, abErr := diffJSON(a, b, o)
		check(abErr)
		ba, baMore, baErr := diffJSON(b, a, o)
		check(baErr)
		if (abErr == nil) != (baErr == nil) {
			t.Fatalf("errors not symmetric: %v / %v", abErr, baErr)
		}
		if abErr == nil && len(ab)+abMore != len(ba)+baMore {
			t.Fatalf("%d differences one way, %d the other:\n%v\n%v", len(ab)+abMore, len(ba)+baMore, ab, ba)
		}
		for _, x := range [][]byte{a, b} {
			same, more, err := diffJSON(x, x, o)
			check(err)
			if err == nil && (len(same) != 0 || more != 0) {
				t.Fatalf("%q against itself: %v, %d more", x, same, more)
			}
		}
	})
}

// BenchmarkDiffPage20 diffs two 20-item pages: in exact mode the same page from two hosts
// with results[].viewed ignored (the common baseline case), in shape mode two different
// pages.
func BenchmarkDiffPage20(b *testing.B) {
	g, err := fixtures.NewGenerator(fixtures.Config{})
	if err != nil {
		b.Fatal(err)
	}
	owner := diffPageOwner(b, g, 40)
	x := diffPage(b, g, owner, 0, 20, "demo.example.com")
	bench := func(b *testing.B, y []byte, o diffOptions) {
		b.SetBytes(int64(len(x) + len(y)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := diffJSON(x, y, o); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("exact", func(b *testing.B) {
		bench(b, diffPage(b, g, owner, 0, 20, "127.0.0.1:8080"), diffOptions{ignore: diffIgnores(b, "results[].viewed")})
	})
	b.Run("shape", func(b *testing.B) {
		bench(b, diffPage(b, g, owner, 20, 20, "demo.example.com"), diffOptions{mode: diffShape, nullable: diffSpecNullable(b)})
	})
}
