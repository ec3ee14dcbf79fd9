package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// step is one step of a path into a JSON value: an object key, an array index, or, in
// shape mode (where the elements of an array are merged into one shape), every element
// of an array at once.
type step struct {
	key   string // the object key, when index == keyIndex
	index int    // keyIndex for a key; >= 0 an array index; anyIndex every element
}

// Values of step.index that are not array indexes.
const (
	keyIndex = -1 // the step is the object key step.key ("" is a valid key)
	anyIndex = -2 // every element of an array: shape mode's merged element, written []
)

// keyStep is the step into an object's key k.
func keyStep(k string) step { return step{key: k, index: keyIndex} }

// indexStep is the step into an array's element i (i >= 0).
func indexStep(i int) step { return step{index: i} }

// elemStep is the step into every element of an array (shape mode).
func elemStep() step { return step{index: anyIndex} }

// isKey reports whether s is an object key.
func (s step) isKey() bool { return s.index == keyIndex }

// pathString renders a path as $.results[3].viewed: identifier keys after a dot, other
// keys as a JSON string in brackets ($["a b"], $["3"]), indexes as [3], every element as
// []. The text is itself a valid --ignore path.
func pathString(path []step) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range path {
		switch {
		case s.isKey() && isIdent(s.key):
			b.WriteByte('.')
			b.WriteString(s.key)
		case s.isKey():
			b.WriteByte('[')
			b.WriteString(quoteKey(s.key))
			b.WriteByte(']')
		case s.index == anyIndex:
			b.WriteString("[]")
		default:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		}
	}
	return b.String()
}

// quoteKey writes k as a JSON string literal (not a Go one: --ignore reads JSON escapes),
// without escaping <, > and &.
func quoteKey(k string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(k); err != nil {
		return strconv.Quote(k) // unreachable: every Go string encodes
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// segKind is the kind of one segment of an --ignore path.
type segKind uint8

const (
	segKey      segKind = iota // a literal key: name or ["any key"]
	segAnyKey                  // *: any single key
	segIndex                   // [N]: array index N
	segAnyIndex                // [] or [*]: any array index
	segAnyPath                 // **: zero or more steps of any kind
)

// segment is one segment of an --ignore path.
type segment struct {
	kind  segKind
	key   string // segKey
	index int    // segIndex
}

// ignorePattern is a parsed --ignore path; see parseIgnore for the syntax.
type ignorePattern struct {
	segs []segment
	raw  string // as given on the command line
}

// ignoreError is a malformed --ignore path: what was expected at which byte offset.
type ignoreError struct {
	path string // the path as given
	pos  int    // byte offset of the offending character (len(path) at the end); -1: none
	msg  string // what was expected, e.g. `expected "]", "*", an index or a quoted key`
}

// Error implements error: --ignore "results[.x": position 8: expected ....
func (e *ignoreError) Error() string {
	if e.pos < 0 {
		return fmt.Sprintf("--ignore %q: %s", e.path, e.msg)
	}
	return fmt.Sprintf("--ignore %q: position %d: %s", e.path, e.pos, e.msg)
}

// Messages of ignoreError.
const (
	msgEmpty      = "empty path"
	msgWantKey    = `expected a key, "*" or "**" (write an index as [0] and any other key as ["key"])`
	msgWantSep    = `expected "." or "["`
	msgWantInside = `expected "]", "*", an index or a quoted key`
	msgWantClose  = `expected "]"`
	msgBigIndex   = "index too large"
	msgZeroLead   = "index with a leading zero"
	msgBadQuote   = "unterminated quoted key"
)

// parseIgnore parses one --ignore path. The syntax:
//
//   - An optional leading "$" or "$." (the root; "$" alone is not a path).
//   - Then segments. A key segment is preceded by "." except at the very start; a bracket
//     segment follows the previous one directly (results[0], not results.[0]).
//   - name: the object key name, an identifier [A-Za-z_][A-Za-z0-9_]*.
//   - ["any key"]: any key, as a JSON string literal (JSON escapes: \" \\ \/ \b \f \n \r
//     \t \uXXXX); ["*"] is the literal key *.
//   - *: any single key (not an array index).
//   - **: zero or more steps of any kind (keys or indexes).
//   - [] or [*]: any array index; in shape mode also the merged element of an array.
//   - [N]: array index N, a decimal without leading zeros. In shape mode the elements of
//     an array are merged, so [N] never matches there: write [].
//
// A pattern matches whole paths from the root (count matches $.count, not
// $.results[0].count: write **.count), and the value at a matching path is left out with
// everything inside it. Examples: results[].viewed, count, results[0].from_user.avatar,
// **.avatar, $.next, $["weird key"][*].
//
// Errors are *ignoreError values whose text gives the byte offset (from 0) of the
// offending character and what was expected there:
//
//	--ignore "results[.x": position 8: expected "]", "*", an index or a quoted key
func parseIgnore(s string) (ignorePattern, error) {
	p := ignorePattern{raw: s}
	fail := func(pos int, msg string) (ignorePattern, error) {
		return ignorePattern{}, &ignoreError{path: s, pos: pos, msg: msg}
	}
	i := 0
	first := true // the next segment may omit its leading "."
	if strings.HasPrefix(s, "$") {
		i, first = 1, false // "$.a" and "$[0]" read on as ".a" and "[0]" after a segment
	}
	if i == len(s) {
		return ignorePattern{}, &ignoreError{path: s, pos: -1, msg: msgEmpty}
	}
	for i < len(s) {
		switch c := s[i]; {
		case c == '[':
			seg, next, pos, msg := parseBracket(s, i)
			if msg != "" {
				return fail(pos, msg)
			}
			p.segs = append(p.segs, seg)
			i = next
		case c == '.' && !first:
			i++
			seg, next, ok := parseWord(s, i)
			if !ok {
				return fail(i, msgWantKey)
			}
			p.segs = append(p.segs, seg)
			i = next
		case first:
			seg, next, ok := parseWord(s, i)
			if !ok {
				return fail(i, msgWantKey)
			}
			p.segs = append(p.segs, seg)
			i = next
		default:
			return fail(i, msgWantSep)
		}
		first = false
	}
	return p, nil
}

// parseWord reads an identifier, "*" or "**" at s[i:].
func parseWord(s string, i int) (segment, int, bool) {
	if strings.HasPrefix(s[i:], "**") {
		return segment{kind: segAnyPath}, i + 2, true
	}
	if strings.HasPrefix(s[i:], "*") {
		return segment{kind: segAnyKey}, i + 1, true
	}
	j := i
	for j < len(s) && (s[j] == '_' || 'a' <= s[j] && s[j] <= 'z' || 'A' <= s[j] && s[j] <= 'Z' || j > i && '0' <= s[j] && s[j] <= '9') {
		j++
	}
	if j == i {
		return segment{}, i, false
	}
	return segment{kind: segKey, key: s[i:j]}, j, true
}

// parseBracket reads a bracket segment at s[i:] (s[i] == '['). On failure msg says what
// was expected at pos.
func parseBracket(s string, i int) (seg segment, next, pos int, msg string) {
	i++ // [
	if i == len(s) {
		return seg, 0, i, msgWantInside
	}
	switch c := s[i]; {
	case c == ']':
		return segment{kind: segAnyIndex}, i + 1, 0, ""
	case c == '*':
		i++
		seg = segment{kind: segAnyIndex}
	case '0' <= c && c <= '9':
		j := i
		for j < len(s) && '0' <= s[j] && s[j] <= '9' {
			j++
		}
		if c == '0' && j > i+1 {
			return seg, 0, i, msgZeroLead
		}
		n, err := strconv.Atoi(s[i:j])
		if err != nil {
			return seg, 0, i, msgBigIndex
		}
		seg, i = segment{kind: segIndex, index: n}, j
	case c == '"':
		j := i + 1
		for j < len(s) && s[j] != '"' {
			if s[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(s) {
			return seg, 0, i, msgBadQuote
		}
		var key string
		if err := json.Unmarshal([]byte(s[i:j+1]), &key); err != nil {
			return seg, 0, i, "invalid quoted key: " + strings.TrimPrefix(err.Error(), "json: ")
		}
		seg, i = segment{kind: segKey, key: key}, j+1
	default:
		return seg, 0, i, msgWantInside
	}
	if i == len(s) || s[i] != ']' {
		return segment{}, 0, i, msgWantClose
	}
	return seg, i + 1, 0, ""
}

// String renders p in canonical form (no "$", [] for any index, quoted keys only when
// they are not identifiers); parseIgnore reads it back to the same pattern.
func (p ignorePattern) String() string {
	var b strings.Builder
	for n, g := range p.segs {
		dot := "."
		if n == 0 {
			dot = ""
		}
		switch g.kind {
		case segKey:
			if isIdent(g.key) {
				b.WriteString(dot + g.key)
			} else {
				b.WriteString("[" + quoteKey(g.key) + "]")
			}
		case segAnyKey:
			b.WriteString(dot + "*")
		case segAnyPath:
			b.WriteString(dot + "**")
		case segAnyIndex:
			b.WriteString("[]")
		case segIndex:
			b.WriteString("[" + strconv.Itoa(g.index) + "]")
		}
	}
	return b.String()
}

// matches reports whether path, from the root of the body, is matched by p. A pattern
// matches a path exactly: results[].viewed matches $.results[3].viewed but not
// $.results[3] or $.results[3].viewed.at (that value is ignored with its parent anyway).
func (p ignorePattern) matches(path []step) bool {
	// Glob matching with ** as the star: on a mismatch, backtrack to the last ** and let
	// it swallow one more step. Linear in practice, O(len(segs)*len(path)) at worst,
	// and without allocation.
	si, pi := 0, 0
	star, starPath := -1, 0
	for pi < len(path) {
		switch {
		case si < len(p.segs) && p.segs[si].kind == segAnyPath:
			star, starPath = si, pi
			si++
		case si < len(p.segs) && p.segs[si].matchStep(path[pi]):
			si++
			pi++
		case star >= 0:
			starPath++
			si, pi = star+1, starPath
		default:
			return false
		}
	}
	for si < len(p.segs) && p.segs[si].kind == segAnyPath {
		si++
	}
	return si == len(p.segs)
}

// matchStep reports whether the single-step segment g matches s.
func (g segment) matchStep(s step) bool {
	switch g.kind {
	case segKey:
		return s.isKey() && s.key == g.key
	case segAnyKey:
		return s.isKey()
	case segIndex:
		return s.index == g.index // never keyIndex or anyIndex: g.index >= 0
	case segAnyIndex:
		return !s.isKey()
	}
	return false
}

// ignoredBy reports whether any of pats matches path.
func ignoredBy(pats []ignorePattern, path []step) bool {
	for _, p := range pats {
		if p.matches(path) {
			return true
		}
	}
	return false
}
