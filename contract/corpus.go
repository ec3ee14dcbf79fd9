package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// corpusFormat names the version of the corpus file format (docs/contract-generate.md).
const corpusFormat = "connreq-corpus/1"

// maxCorpusFile bounds a corpus file's size: an entry is a few hundred bytes.
const maxCorpusFile = 64 << 10

// corpusEntry is one file of a corpus directory, <id>.json: a failing minimal request and
// the check it failed. It holds no credentials and nothing about the target, so the
// folder can be committed and replayed against any deployment.
type corpusEntry struct {
	Format    string `json:"format"`
	ID        string `json:"id"`
	Check     Check  `json:"check"`
	Operation string `json:"operation"`
	// Request is the request line, for people reading the file or its diff; it is
	// derived from the fields below and not read back.
	Request   string `json:"request"`
	PathValue string `json:"path_value"`
	Query     string `json:"query"`
	Auth      string `json:"auth"`
	Accept    string `json:"accept"`
	Seed      uint64 `json:"seed"`

	file string
	g    genReq
}

// parseCorpusEntry reads one corpus file against the operations of the spec.
func parseCorpusEntry(data []byte, ops []*operation) (*corpusEntry, error) {
	if len(data) > maxCorpusFile {
		return nil, fmt.Errorf("larger than %s", formatBytes(maxCorpusFile))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e corpusEntry
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("not a corpus entry: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	switch {
	case e.Format != corpusFormat:
		return nil, fmt.Errorf("/format: must be %q (got %q)", corpusFormat, e.Format)
	case !validCaseID(e.ID):
		return nil, fmt.Errorf("/id: must be g and 12 hex digits (got %q)", truncate(e.ID, 40))
	case Describe(e.Check) == "":
		return nil, fmt.Errorf("/check: unknown check %q", truncate(string(e.Check), 40))
	}
	for _, op := range ops {
		if op.name == e.Operation {
			e.g.op = op
		}
	}
	if e.g.op == nil {
		return nil, fmt.Errorf("/operation: the spec has no GET operation %q (delete the file if the operation is gone)", truncate(e.Operation, 80))
	}
	mode, ok := parseGenAuthName(e.Auth)
	if !ok {
		names := make([]string, len(authNames()))
		for i, a := range authNames() {
			names[i] = a.name
		}
		return nil, fmt.Errorf("/auth: must be one of %s (got %q)", strings.Join(names, ", "), truncate(e.Auth, 40))
	}
	e.g.auth = mode
	if err := wireCheck(e.Query, true); err != nil {
		return nil, fmt.Errorf("/query: %w", err)
	}
	if e.g.op.userParam == "" && e.PathValue != "" {
		return nil, fmt.Errorf("/path_value: operation %s has no path parameter (got %q)", e.Operation, truncate(e.PathValue, 40))
	}
	if e.g.op.userParam != "" {
		if err := wireCheck(e.PathValue, false); err != nil {
			return nil, fmt.Errorf("/path_value: %w", err)
		}
	}
	if strings.ContainsFunc(e.Accept, func(r rune) bool { return r < ' ' || r == 0x7f }) || len(e.Accept) > 200 {
		return nil, fmt.Errorf("/accept: must be a header value of at most 200 characters (got %q)", truncate(e.Accept, 40))
	}
	e.g.path, e.g.query, e.g.accept = e.PathValue, e.Query, e.Accept
	return &e, nil
}

// wireCheck accepts an escaped URL part: no spaces, controls, '#' or a broken %XX escape;
// in a path value no '/', '?'.
func wireCheck(s string, query bool) error {
	if len(s) > 8<<10 {
		return fmt.Errorf("longer than 8 KiB (%d bytes)", len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c <= ' ' || c >= 0x7f || c == '#':
			return fmt.Errorf("must be escaped (byte %d is %q)", i, c)
		case !query && (c == '/' || c == '?'):
			return fmt.Errorf("must be one escaped path segment (byte %d is %q)", i, c)
		}
	}
	var err error
	if query {
		_, err = url.ParseQuery(s)
	} else {
		_, err = url.PathUnescape(s)
	}
	if err != nil {
		return fmt.Errorf("not a valid escaped value: %v", err)
	}
	return nil
}

// loadCorpus reads every <id>.json of dir, in name order. A missing directory is an
// empty corpus (the first failure creates it).
func loadCorpus(dir string, ops []*operation) ([]*corpusEntry, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	sort.Strings(names)
	var out []*corpusEntry
	var problems []string
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err == nil {
			var e *corpusEntry
			if e, err = parseCorpusEntry(data, ops); err == nil {
				if want := e.ID + ".json"; filepath.Base(name) != want {
					err = fmt.Errorf("/id: %s holds case %s: the file must be named %s", filepath.Base(name), e.ID, want)
				} else {
					e.file = name
					out = append(out, e)
					continue
				}
			}
		}
		problems = append(problems, fmt.Sprintf("%s: %v", name, err))
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return out, nil
}

// encodeCorpusEntry renders an entry: indented, fields in a fixed order, one trailing
// newline, so that a corpus diffs well in git.
func encodeCorpusEntry(e *corpusEntry) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// newCorpusEntry describes a finding for the corpus.
func newCorpusEntry(c Check, g genReq, seed uint64) *corpusEntry {
	line := g.op.path
	if g.op.userParam != "" {
		line = strings.ReplaceAll(line, "{"+g.op.userParam+"}", g.path)
	}
	if g.query != "" {
		line += "?" + g.query
	}
	return &corpusEntry{
		Format: corpusFormat, ID: caseID(c, g), Check: c, Operation: g.op.name,
		Request: "GET " + line, PathValue: g.path, Query: g.query, Auth: genAuthName(g.auth), Accept: g.accept, Seed: seed,
		g: g,
	}
}

// writeCorpus adds every new finding to dir (an existing file is left as it is: the
// first seed that found a case stays in its file). It returns the ids written.
func writeCorpus(dir string, entries []*corpusEntry, token string) ([]string, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	var added []string
	for _, e := range entries {
		name := filepath.Join(dir, e.ID+".json")
		if _, err := os.Stat(name); err == nil {
			continue
		}
		data, err := encodeCorpusEntry(e)
		if err != nil {
			return added, fmt.Errorf("corpus: encode %s: %w", e.ID, err)
		}
		if token != "" && bytes.Contains(data, []byte(token)) {
			return added, fmt.Errorf("corpus: entry %s would hold the token: not written", e.ID)
		}
		tmp, err := os.CreateTemp(dir, "."+e.ID+".*")
		if err != nil {
			return added, fmt.Errorf("corpus: %w", err)
		}
		_, werr := tmp.Write(data)
		cerr := tmp.Close()
		if werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Chmod(tmp.Name(), 0o644)
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), name)
		}
		if werr != nil {
			os.Remove(tmp.Name())
			return added, fmt.Errorf("corpus: write %s: %w", name, werr)
		}
		added = append(added, e.ID)
	}
	return added, nil
}
