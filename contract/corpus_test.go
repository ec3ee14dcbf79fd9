package contract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connreq/connreq"
)

// specOps are the operations of the embedded spec.
func specOps(t testing.TB) []*operation {
	t.Helper()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	ops, err := planOperations(doc)
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

const goodEntry = `{
  "format": "connreq-corpus/1",
  "id": "g65eb5df050cc",
  "check": "server-error",
  "operation": "getUserConnectionRequests",
  "request": "GET /api/v2/user/9223372036854775808/connection/requests/",
  "path_value": "9223372036854775808",
  "query": "",
  "auth": "bearer",
  "accept": "",
  "seed": 1
}
`

// A bad corpus file is rejected with the JSON path and the rule it breaks.
func TestParseCorpusEntry(t *testing.T) {
	t.Parallel()
	ops := specOps(t)
	tests := []struct {
		name, edit, with string
		wantErr          string
	}{
		{name: "good"},
		{name: "bad format", edit: `"connreq-corpus/1"`, with: `"connreq-corpus/9"`, wantErr: `/format: must be "connreq-corpus/1"`},
		{name: "bad id", edit: `"g65eb5df050cc"`, with: `"42"`, wantErr: "/id: must be g and 12 hex digits"},
		{name: "unknown check", edit: `"server-error"`, with: `"vibes"`, wantErr: `/check: unknown check "vibes"`},
		{name: "unknown operation", edit: `"getUserConnectionRequests"`, with: `"gone"`, wantErr: `/operation: the spec has no GET operation "gone"`},
		{name: "unknown auth", edit: `"bearer"`, with: `"cookie"`, wantErr: "/auth: must be one of bearer, none"},
		{name: "raw space in the query", edit: `"query": ""`, with: `"query": "a b"`, wantErr: "/query: must be escaped"},
		{name: "broken escape", edit: `"query": ""`, with: `"query": "a=%zz"`, wantErr: "/query: not a valid escaped value"},
		{name: "slash in the path value", edit: `"9223372036854775808"`, with: `"1/2"`, wantErr: "/path_value: must be one escaped path segment"},
		{name: "path value without a path parameter", edit: `"getUserConnectionRequests"`, with: `"getMyConnectionRequests"`, wantErr: "/path_value: operation getMyConnectionRequests has no path parameter"},
		{name: "unknown field", edit: `"seed": 1`, with: `"seed": 1, "token": "x"`, wantErr: `unknown field "token"`},
		{name: "two objects", edit: "}\n", with: "}\n{}", wantErr: "data after the JSON object"},
		{name: "control character in accept", edit: `"accept": ""`, with: `"accept": "a\u0001"`, wantErr: "/accept: must be a header value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := goodEntry
			if tt.edit != "" {
				if !strings.Contains(data, tt.edit) {
					t.Fatalf("the entry has no %q", tt.edit)
				}
				data = strings.Replace(data, tt.edit, tt.with, 1)
			}
			e, err := parseCorpusEntry([]byte(data), ops)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if e.g.path != "9223372036854775808" || e.g.op.name != "getUserConnectionRequests" || e.g.auth != authBearer {
					t.Errorf("parsed %+v", e.g)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// A corpus file is written the way it is read back, and its name must be its id.
func TestCorpusRoundTrip(t *testing.T) {
	t.Parallel()
	ops := specOps(t)
	dir := t.TempDir()
	g := genReq{op: ops[0], path: "18446744073709551616", query: "x=&limit=%EF%BC", auth: authBasic, accept: acceptNone}
	for _, op := range ops {
		if op.name == "getUserConnectionRequests" {
			g.op = op
		}
	}
	e := newCorpusEntry(CheckServerError, g, 7)
	added, err := writeCorpus(dir, []*corpusEntry{e}, "secret-token-xyz")
	if err != nil || len(added) != 1 {
		t.Fatalf("writeCorpus: %v, %v", added, err)
	}
	// A second write of the same case leaves the file alone.
	if again, err := writeCorpus(dir, []*corpusEntry{e}, "secret-token-xyz"); err != nil || len(again) != 0 {
		t.Fatalf("second write: %v, %v", again, err)
	}
	loaded, err := loadCorpus(dir, ops)
	if err != nil || len(loaded) != 1 {
		t.Fatalf("loadCorpus: %v, %v", loaded, err)
	}
	got := loaded[0].g
	if got != g {
		t.Errorf("read back %+v, want %+v", got, g)
	}
	if caseID(CheckServerError, got) != e.ID {
		t.Errorf("the id changed on the way: %s, want %s", caseID(CheckServerError, got), e.ID)
	}
	// A file whose name is not its id is refused.
	data, _ := os.ReadFile(filepath.Join(dir, e.ID+".json"))
	if err := os.WriteFile(filepath.Join(dir, "renamed.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadCorpus(dir, ops); err == nil || !strings.Contains(err.Error(), "renamed.json") {
		t.Errorf("loadCorpus with a renamed file: %v", err)
	}
	// An entry that would hold the token is not written.
	bad := newCorpusEntry(CheckServerError, genReq{op: g.op, path: "42", query: "q=secret-token-xyz", auth: authBearer}, 7)
	if _, err := writeCorpus(t.TempDir(), []*corpusEntry{bad}, "secret-token-xyz"); err == nil {
		t.Error("an entry holding the token was written")
	}
}

// Any bytes either parse into an entry that writes and reads back the same, or give an
// error; never a panic.
func FuzzCorpusEntry(f *testing.F) {
	ops := specOps(f)
	f.Add([]byte(goodEntry))
	f.Add([]byte(`{"format":"connreq-corpus/1","id":"g000000000000","check":"page-links","operation":"getMyConnectionRequests","request":"","path_value":"","query":"x=&a=%C3%BC","auth":"none","accept":"-","seed":0}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := parseCorpusEntry(data, ops)
		if err != nil {
			return
		}
		again := newCorpusEntry(e.Check, e.g, e.Seed)
		out, err := encodeCorpusEntry(again)
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseCorpusEntry(out, ops)
		if err != nil {
			t.Fatalf("a written entry does not read back: %v\n%s", err, out)
		}
		if back.g != e.g {
			t.Fatalf("read back %+v, want %+v", back.g, e.g)
		}
	})
}

// A generated run against a host that is not on loopback is rate-limited unless --rate
// says otherwise.
func TestGenerateDefaultRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target string
		rate   float64
		gen    int
		want   float64
	}{
		{name: "remote, generated", target: "https://staging.example.org", gen: 10, want: DefaultGenerateRate},
		{name: "remote, explicit rate", target: "https://staging.example.org", gen: 10, rate: 5, want: 5},
		{name: "remote, fixed cases only", target: "https://staging.example.org", want: 0},
		{name: "loopback", target: "http://127.0.0.1:4010", gen: 10, want: 0},
		{name: "localhost", target: "http://localhost:4010", gen: 10, want: 0},
		{name: "IPv6 loopback", target: "http://[::1]:4010", gen: 10, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Config{Target: tt.target, Token: "tok-123456789", User: "42", Generate: tt.gen, Rate: tt.rate}.normalize()
			if err != nil {
				t.Fatal(err)
			}
			if s.Rate != tt.want {
				t.Errorf("Rate = %v, want %v", s.Rate, tt.want)
			}
		})
	}
}
