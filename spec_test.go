package connreq_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connreq/connreq"
)

func TestLoadEmbedded(t *testing.T) {
	t.Parallel()
	doc, err := connreq.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, p := range []string{
		"/api/v2/user/{id}/connection/requests/",
		"/api/v2/user/{id}/connection_requests/",
		"/api/v2/user/connection/requests/",
		"/api/v2/dynamic_preference/",
	} {
		if doc.Paths.Find(p) == nil {
			t.Errorf("path %s missing from the embedded spec", p)
		}
	}
	for _, name := range []string{"User", "Tag", "ConnectionRequest", "PaginatedConnectionRequestList", "Error"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("schema %s missing", name)
		}
	}
}

func TestLoadFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		path string
		want string
	}{
		{name: "missing file", path: filepath.Join(dir, "nope.yaml"), want: "no such file"},
		{name: "not yaml", path: write("bad.yaml", "openapi: [\n"), want: "parse"},
		{name: "invalid document", path: write("invalid.yaml", "openapi: 3.0.3\ninfo: {}\npaths: {}\n"), want: "validate"},
		{name: "no paths", path: write("empty.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"), want: "no paths"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := connreq.LoadFile(tc.path)
			if err == nil {
				t.Fatal("LoadFile succeeded, want an error")
			}
			if !errors.Is(err, connreq.ErrSpec) {
				t.Errorf("error %v is not ErrSpec", err)
			}
			if !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name the file %s and the reason %q", err, tc.path, tc.want)
			}
		})
	}
}

func TestLoadSpecDefault(t *testing.T) {
	t.Parallel()
	_, data, err := connreq.LoadSpec("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "openapi: 3.0.3") {
		t.Errorf("LoadSpec(\"\") bytes start %q", string(data[:20]))
	}
}
