package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/connreq/connreq/fixtures"
)

// diffMode says what the baseline diff compares (--diff).
type diffMode int

// Diff modes.
const (
	// diffExact compares values: every key, every array element, every scalar.
	diffExact diffMode = iota
	// diffShape compares keys, types and nullability only.
	diffShape
)

// String returns the --diff name of m.
func (m diffMode) String() string {
	switch m {
	case diffExact:
		return "exact"
	case diffShape:
		return "shape"
	}
	return "diffMode(" + strconv.Itoa(int(m)) + ")"
}

// parseDiffMode reads --diff: "exact" or "shape"; "" is the default, exact.
func parseDiffMode(s string) (diffMode, error) {
	switch s {
	case "", "exact":
		return diffExact, nil
	case "shape":
		return diffShape, nil
	}
	return diffExact, fmt.Errorf("unknown diff mode %q: want exact or shape", s)
}

// defaultMaxDiffs is the most differences diffJSON returns when diffOptions.max is 0.
const defaultMaxDiffs = 50

// maxDiffDepth bounds the nesting of a body diffJSON accepts: go-cmp recurses once per
// level (several frames each), and no API answer nests this deep.
const maxDiffDepth = 1000

// diffOptions configures diffJSON; its zero value is an exact diff that ignores nothing.
type diffOptions struct {
	mode   diffMode
	ignore []ignorePattern
	// nullable reports whether the spec declares the value at path nullable (shape mode: a
	// null on one side and a value on the other is then the same shape). Array elements
	// are reached with elemStep ([]). nil: nothing is nullable.
	nullable func(path []step) bool
	max      int // the most differences returned (0: 50); the rest are counted
}

// difference is one difference between the baseline's body and the target's.
type difference struct {
	path     string // $.results[3].viewed, as pathString renders it (a valid --ignore path)
	baseline string // the baseline's value as JSON, truncated; "(absent)" when missing
	target   string // the target's value, same rules
	message  string // short: "values differ", "key only in the target", ...
}

// absent stands for a value missing on one side.
const absent = "(absent)"

// notJSONError says which body diffJSON could not read.
type notJSONError struct {
	side string // "baseline" or "target"
	err  error
}

func (e *notJSONError) Error() string { return e.side + " body is not JSON: " + e.err.Error() }

func (e *notJSONError) Unwrap() error { return e.err }

// errTooDeep is a body nested deeper than maxDiffDepth.
var errTooDeep = errors.New("nested deeper than " + strconv.Itoa(maxDiffDepth) + " levels")

// diffJSON compares two JSON bodies, the baseline's and the target's, and returns their
// differences in document order (object keys sorted, indexes ascending, a value before
// what it holds), at most o.max of them; more counts the rest. The error says which body
// is not JSON (or nests deeper than 1,000 levels).
//
// Exact mode compares values:
//   - Objects key by key; a key on one side only is one difference, "(absent)" on the other.
//   - Arrays index by index; when the lengths differ, one difference at the array's path
//     gives both lengths, and the common prefix is compared element by element.
//   - Numbers by exact decimal value, as written: 1, 1.0, 1e0 and 10e-1 are equal, and no
//     float rounding hides a change in a large integer (9007199254740993 differs from
//     9007199254740992). Exponents beyond 15 digits are compared as written.
//   - The top-level "next" and "previous" strings (pagination links) after removing the
//     scheme and host (scheme://user@host:port), so that two deployments' links compare
//     on path, query and fragment.
//   - A type change (null included) is reported as such, without comparing further down.
//
// Shape mode compares what a schema would say: the keys, the types (object, array,
// string, number, boolean, null) and nullability. The elements of an array are merged into
// one shape (the union of their keys; for each key, the set of its types), so the shape
// of an array is that of its elements whatever their number, and its path is written []
// ($.results[].viewed). An array without elements matches any array. A key present in some
// elements only counts as present: it differs only when no element of one side has it.
// A null on one side and a value on the other is the same shape where o.nullable says the
// path is nullable; elsewhere it is a "not nullable here" difference. Two pages of the
// same list, whatever their values and lengths, have no difference.
//
// Paths matched by an o.ignore pattern are left out in both modes, with all they hold.
func diffJSON(baseline, target []byte, o diffOptions) (diffs []difference, more int, err error) {
	if o.mode == diffExact && sameBytesButLinks(baseline, target) {
		return nil, 0, nil // the common case, without decoding
	}
	x, err := decodeBody("baseline", baseline)
	if err != nil {
		return nil, 0, err
	}
	y, err := decodeBody("target", target)
	if err != nil {
		return nil, 0, err
	}
	if o.mode == diffExact && equalExact(x, y, true) {
		return nil, 0, nil // the common case, without go-cmp's reflection
	}
	limit := o.max
	if limit <= 0 {
		limit = defaultMaxDiffs
	}
	r := &diffReporter{o: o, max: limit, x: x, y: y}
	// go-cmp documents that it may panic on options it finds ambiguous; a panic here is
	// a bug in this file, reported as an error rather than taking the run down.
	defer func() {
		if p := recover(); p != nil {
			diffs, more, err = nil, 0, fmt.Errorf("compare the bodies: internal error: %v", p)
		}
	}()
	if o.mode == diffShape {
		sx, sy := &shape{}, &shape{}
		sx.add(x)
		sy.add(y)
		cmp.Equal(sx, sy, r.shapeOptions(), cmp.Reporter(r))
	} else {
		x, y = byIndex(x), byIndex(y)
		r.x, r.y = x, y
		cmp.Equal(&x, &y, r.exactOptions(), cmp.Reporter(r))
	}
	return r.diffs, r.more, nil
}

// sameBytesButLinks reports whether two bodies are byte for byte the same JSON object
// apart from the scheme and host of their top-level next and previous links: a passing
// run's answers, recognised without decoding. False means "decode and compare".
func sameBytesButLinks(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return json.Valid(a)
	}
	sa, oka := fixtures.LinkSpans(a)
	sb, okb := fixtures.LinkSpans(b)
	if !oka || !okb || len(sa) != len(sb) || len(sa) == 0 {
		return false
	}
	pa, pb := 0, 0
	for i := range sa {
		if !bytes.Equal(a[pa:sa[i][0]], b[pb:sb[i][0]]) {
			return false
		}
		la, lb := a[sa[i][0]+1:sa[i][1]-1], b[sb[i][0]+1:sb[i][1]-1]
		if bytes.IndexByte(la, '\\') >= 0 || bytes.IndexByte(lb, '\\') >= 0 ||
			stripOrigin(string(la)) != stripOrigin(string(lb)) {
			return false
		}
		pa, pb = sa[i][1], sb[i][1]
	}
	return bytes.Equal(a[pa:], b[pb:]) && json.Valid(a) && json.Valid(b)
}

// equalExact reports whether x and y are equal as exact mode compares them, nothing
// ignored: a fast path for identical answers. Anything it does not call equal goes to
// go-cmp, which decides (ignore patterns included).
func equalExact(x, y any, top bool) bool {
	switch x := x.(type) {
	case map[string]any:
		m, ok := y.(map[string]any)
		if !ok || len(m) != len(x) {
			return false
		}
		for k, vx := range x {
			vy, ok := m[k]
			if !ok {
				return false
			}
			if top && isLinkKey(k) {
				sx, okx := vx.(string)
				sy, oky := vy.(string)
				if okx && oky {
					if stripOrigin(sx) != stripOrigin(sy) {
						return false
					}
					continue
				}
			}
			if !equalExact(vx, vy, false) {
				return false
			}
		}
		return true
	case []any:
		a, ok := y.([]any)
		if !ok || len(a) != len(x) {
			return false
		}
		for i := range x {
			if !equalExact(x[i], a[i], false) {
				return false
			}
		}
		return true
	case json.Number:
		n, ok := y.(json.Number)
		return ok && numbersEqual(x, n)
	case string:
		s, ok := y.(string)
		return ok && s == x
	case bool:
		b, ok := y.(bool)
		return ok && b == x
	case nil:
		return y == nil
	}
	return false
}

// decodeBody decodes one body with UseNumber, refusing trailing data and deep nesting.
func decodeBody(side string, body []byte) (any, error) {
	if err := checkDepth(body, maxDiffDepth); err != nil {
		return nil, &notJSONError{side: side, err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, &notJSONError{side: side, err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &notJSONError{side: side, err: errors.New("data after the JSON value")}
	}
	return v, nil
}

// checkDepth fails when body nests objects and arrays more than limit levels deep. It
// only counts brackets outside strings; the decoder checks the rest.
func checkDepth(body []byte, limit int) error {
	depth := 0
	inString := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > limit {
				return errTooDeep
			}
		case ']', '}':
			depth--
		}
	}
	return nil
}

// elements is a JSON array as exact mode compares it: index by index. go-cmp compares
// slices by edit distance, pairing elements at different indexes (one removed element would
// shift the rest); a map keyed by index is compared key by key. A pre-pass rather than a
// cmp.Transformer: go-cmp re-runs transformers to check they are deterministic, which
// costs O(depth²) on deeply nested arrays.
type elements map[int]any

// MarshalJSON renders e as the array it stands for.
func (e elements) MarshalJSON() ([]byte, error) {
	a := make([]any, len(e))
	for i := range a {
		a[i] = e[i]
	}
	return marshalPlain(a)
}

// byIndex replaces every array in v by its elements, in place for objects.
func byIndex(v any) any {
	switch v := v.(type) {
	case []any:
		e := make(elements, len(v))
		for i, c := range v {
			e[i] = byIndex(c)
		}
		return e
	case map[string]any:
		for k, c := range v {
			v[k] = byIndex(c)
		}
	}
	return v
}

// numberKey is a canonical form of a JSON number: equal values, equal keys. A number is
// sign, significant digits (no leading or trailing zeros) and the exponent of its first
// digit: 1.50e3 and 1500 are both "+15e4". A number whose exponent has more than 15
// digits keys as written.
func numberKey(n json.Number) string {
	s := string(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, exp, hasExp := strings.Cut(s, "e")
	if !hasExp {
		mant, exp, hasExp = strings.Cut(s, "E")
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	var e int64
	if hasExp {
		exp = strings.TrimPrefix(exp, "+")
		eneg := strings.HasPrefix(exp, "-")
		exp = strings.TrimLeft(strings.TrimPrefix(exp, "-"), "0")
		if len(exp) > 15 {
			return "=" + string(n)
		}
		if exp != "" {
			e, _ = strconv.ParseInt(exp, 10, 64) // cannot fail: at most 15 digits
		}
		if eneg {
			e = -e
		}
	}
	digits := intPart + frac
	point := int64(len(intPart))
	trimmed := strings.TrimLeft(digits, "0")
	point -= int64(len(digits) - len(trimmed))
	trimmed = strings.TrimRight(trimmed, "0")
	if trimmed == "" {
		return "0" // -0, 0.0, 0e5
	}
	sign := "+"
	if neg {
		sign = "-"
	}
	return sign + trimmed + "e" + strconv.FormatInt(point+e, 10)
}

// numbersEqual compares two JSON numbers by exact decimal value.
func numbersEqual(a, b json.Number) bool { return a == b || numberKey(a) == numberKey(b) }

// linkPath is a pagination link without its scheme and host.
type linkPath string

// stripOrigin removes the scheme and authority of an absolute URL (https://host:8000/a?b
// → /a?b), or the authority of a scheme-relative one (//host/a → /a). Any other string is
// returned as is.
func stripOrigin(s string) linkPath {
	rest := s
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		rest = s[i+3:]
	} else if strings.HasPrefix(s, "//") {
		rest = s[2:]
	} else {
		return linkPath(s)
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return linkPath(rest[i:])
	}
	return ""
}

// isScheme reports whether s is a URL scheme: a letter, then letters, digits, + - .
func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// isLinkKey reports whether the top-level key k holds a pagination link.
func isLinkKey(k string) bool { return k == "next" || k == "previous" }

// kinds is a set of JSON types.
type kinds uint8

// JSON types, in the order messages list them.
const (
	kObject kinds = 1 << iota
	kArray
	kString
	kNumber
	kBool
	kNull
)

// kindOf is the JSON type of a decoded value.
func kindOf(v any) kinds {
	switch v.(type) {
	case nil:
		return kNull
	case bool:
		return kBool
	case json.Number, float64:
		return kNumber
	case string:
		return kString
	case map[string]any:
		return kObject
	case []any, elements:
		return kArray
	}
	return 0
}

// String lists the types of k: "string", "string or null", "object, string or null".
func (k kinds) String() string {
	names := []string{"object", "array", "string", "number", "boolean", "null"}
	var in []string
	for i, n := range names {
		if k&(1<<i) != 0 {
			in = append(in, n)
		}
	}
	switch len(in) {
	case 0:
		return "nothing"
	case 1:
		return in[0]
	}
	return strings.Join(in[:len(in)-1], ", ") + " or " + in[len(in)-1]
}

// shape is what shape mode compares at one path: the merged shape of every value found
// there (several when the path goes through arrays). Fields are exported for go-cmp only.
type shape struct {
	Types kinds             // the types of the values
	Keys  map[string]*shape // the union of the objects' keys; nil when no value is an object
	Elem  *shape            // the merged elements of the arrays; nil when none has an element
}

// add merges the shape of v into s. Recursion is bounded by maxDiffDepth (decodeBody).
func (s *shape) add(v any) {
	s.Types |= kindOf(v)
	switch v := v.(type) {
	case map[string]any:
		if s.Keys == nil {
			s.Keys = make(map[string]*shape, len(v))
		}
		for k, c := range v {
			cs := s.Keys[k]
			if cs == nil {
				cs = &shape{}
				s.Keys[k] = cs
			}
			cs.add(c)
		}
	case []any:
		for _, e := range v {
			if s.Elem == nil {
				s.Elem = &shape{}
			}
			s.Elem.add(e)
		}
	}
}

// diffReporter is the cmp.Reporter of diffJSON: it follows the cmp.Path, turns each
// difference into a JSON path, and renders both values.
type diffReporter struct {
	o     diffOptions
	max   int
	x, y  any // the decoded bodies
	path  cmp.Path
	buf   []step // scratch for steps
	diffs []difference
	more  int
}

// PushStep implements cmp.Reporter. In exact mode it reports a length difference when it
// enters an array (elements), before the array's elements.
func (r *diffReporter) PushStep(ps cmp.PathStep) {
	r.path = append(r.path, ps)
	ta, ok := ps.(cmp.TypeAssertion)
	if !ok || ta.Type() != reflect.TypeFor[elements]() {
		return
	}
	vx, vy := ta.Values()
	if vx.Len() != vy.Len() && !r.full() {
		bx, by := r.nodeValues()
		r.add(difference{
			path:     pathString(r.steps(r.path)),
			baseline: bx,
			target:   by,
			message:  fmt.Sprintf("array length %d in the baseline, %d in the target", vx.Len(), vy.Len()),
		})
	}
}

// PopStep implements cmp.Reporter.
func (r *diffReporter) PopStep() { r.path = r.path[:len(r.path)-1] }

// Report implements cmp.Reporter: it records every unequal, not ignored result.
func (r *diffReporter) Report(rs cmp.Result) {
	if rs.Equal() || rs.ByIgnore() {
		return
	}
	last := r.path.Last()
	if mi, ok := last.(cmp.MapIndex); ok && mi.Key().Kind() == reflect.Int {
		if vx, vy := mi.Values(); !vx.IsValid() || !vy.IsValid() {
			return // an element past the end of the shorter array: the length says it
		}
	}
	if r.full() {
		return
	}
	steps := r.steps(r.path)
	if r.o.mode == diffShape {
		r.add(r.shapeDifference(steps, last))
		return
	}
	r.add(r.exactDifference(steps))
}

// full reports whether max differences are kept already, counting one more if so: the
// rest are counted without being rendered.
func (r *diffReporter) full() bool {
	if len(r.diffs) < r.max {
		return false
	}
	r.more++
	return true
}

// add keeps d; the caller checked full.
func (r *diffReporter) add(d difference) { r.diffs = append(r.diffs, d) }

// steps converts a cmp.Path into a JSON path (reusing r.buf): a map index is a key (string)
// or an array index (int, arrays being compared as elements), the field Elem of a
// shape is every element; every other step (pointers, type assertions, transformations,
// the fields Types and Keys) has no JSON counterpart.
func (r *diffReporter) steps(p cmp.Path) []step {
	out := r.buf[:0]
	for _, ps := range p {
		switch ps := ps.(type) {
		case cmp.MapIndex:
			k := ps.Key()
			switch k.Kind() {
			case reflect.String:
				out = append(out, keyStep(k.String()))
			case reflect.Int:
				out = append(out, indexStep(int(k.Int())))
			}
		case cmp.StructField:
			if ps.Name() == "Elem" {
				out = append(out, elemStep())
			}
		}
	}
	r.buf = out
	return out
}

// isNode reports whether the last step of p enters a JSON value (the root, a key, an
// index, a merged element), where ignore patterns are evaluated.
func isNode(p cmp.Path) bool {
	if len(p) == 1 {
		return true
	}
	switch ps := p.Last().(type) {
	case cmp.MapIndex:
		return true
	case cmp.StructField:
		return ps.Name() == "Elem"
	}
	return false
}

// ignoreOption leaves out the paths matched by the ignore patterns.
func (r *diffReporter) ignoreOption() cmp.Option {
	if len(r.o.ignore) == 0 {
		return cmp.Options{}
	}
	var buf []step
	return cmp.FilterPath(func(p cmp.Path) bool {
		if !isNode(p) {
			return false
		}
		buf = stepsInto(buf[:0], p)
		return ignoredBy(r.o.ignore, buf)
	}, cmp.Ignore())
}

// stepsInto is diffReporter.steps into a caller's buffer (filters run while the reporter's
// buffer is in use).
func stepsInto(out []step, p cmp.Path) []step {
	r := diffReporter{buf: out}
	return r.steps(p)
}

// exactOptions are the go-cmp options of exact mode, for comparing two *any.
func (r *diffReporter) exactOptions() cmp.Options {
	return cmp.Options{
		r.ignoreOption(),
		cmp.Comparer(numbersEqual),
		// A top-level link's path is exactly: the root (*any), its Indirect, the
		// TypeAssertion to the object, the key, the TypeAssertion to string. Checking the
		// shape, not walking the path, keeps this filter O(1) at every node.
		cmp.FilterPath(func(p cmp.Path) bool {
			if len(p) != 5 {
				return false
			}
			if _, ok := p[4].(cmp.TypeAssertion); !ok {
				return false
			}
			mi, ok := p[3].(cmp.MapIndex)
			return ok && mi.Key().Kind() == reflect.String && isLinkKey(mi.Key().String())
		}, cmp.Transformer("link", stripOrigin)),
	}
}

// shapeOptions are the go-cmp options of shape mode, for comparing two *shape.
func (r *diffReporter) shapeOptions() cmp.Options {
	opts := cmp.Options{
		r.ignoreOption(),
		// No object (or no array element) on one side: either the types differ, and
		// Types says so, or a nullable null faces an object, or an array is empty.
		cmp.FilterValues(func(a, b map[string]*shape) bool { return a == nil || b == nil }, cmp.Ignore()),
		cmp.FilterValues(func(a, b *shape) bool { return a == nil || b == nil }, cmp.Ignore()),
	}
	if r.o.nullable != nil {
		var buf []step
		opts = append(opts, cmp.FilterPath(func(p cmp.Path) bool {
			if f, ok := p.Last().(cmp.StructField); !ok || f.Name() != "Types" {
				return false
			}
			buf = stepsInto(buf[:0], p)
			return r.o.nullable(buf)
		}, cmp.Comparer(func(a, b kinds) bool {
			a, b = a&^kNull, b&^kNull
			return a == b || a == 0 || b == 0
		})))
	}
	return opts
}

// nodeValues renders the values of the JSON node the current path is in: the last map
// index (a key or an array element), else the bodies.
func (r *diffReporter) nodeValues() (baseline, target string) {
	for i := len(r.path) - 1; i >= 0; i-- {
		if mi, ok := r.path[i].(cmp.MapIndex); ok {
			vx, vy := mi.Values()
			return renderValue(vx), renderValue(vy)
		}
	}
	return diffValue(r.x), diffValue(r.y)
}

// nodeKinds is the JSON types of the node the current path is in (0 when absent).
func (r *diffReporter) nodeKinds() (kx, ky kinds) {
	for i := len(r.path) - 1; i >= 0; i-- {
		if mi, ok := r.path[i].(cmp.MapIndex); ok {
			vx, vy := mi.Values()
			if vx.IsValid() {
				kx = kindOf(vx.Interface())
			}
			if vy.IsValid() {
				ky = kindOf(vy.Interface())
			}
			return kx, ky
		}
	}
	return kindOf(r.x), kindOf(r.y)
}

// exactDifference describes an exact-mode difference at steps.
func (r *diffReporter) exactDifference(steps []step) difference {
	d := difference{path: pathString(steps)}
	d.baseline, d.target = r.nodeValues()
	kx, ky := r.nodeKinds()
	switch {
	case kx == 0:
		d.message = "key only in the target"
	case ky == 0:
		d.message = "key only in the baseline"
	case kx != ky:
		d.message = "type differs: " + kx.String() + " in the baseline, " + ky.String() + " in the target"
	case isLinkPath(r.path):
		d.message = "links differ beyond scheme and host"
	default:
		d.message = "values differ"
	}
	return d
}

// isLinkPath reports whether p went through the link transformation.
func isLinkPath(p cmp.Path) bool {
	for _, ps := range p {
		if t, ok := ps.(cmp.Transform); ok && t.Name() == "link" {
			return true
		}
	}
	return false
}

// shapeDifference describes a shape-mode difference at steps; last is the step where
// go-cmp found it: a key's MapIndex (a key on one side only) or the field Types.
func (r *diffReporter) shapeDifference(steps []step, last cmp.PathStep) difference {
	d := difference{path: pathString(steps)}
	vx, vy := last.Values()
	switch {
	case !vx.IsValid() || !vy.IsValid():
		d.baseline, d.target = shapeTypes(vx), shapeTypes(vy)
		d.message = "key only in the target"
		if !vy.IsValid() {
			d.message = "key only in the baseline"
		}
	case vx.Type() == reflect.TypeFor[kinds]():
		kx, ky := kinds(vx.Uint()), kinds(vy.Uint())
		d.baseline, d.target = kx.String(), ky.String()
		nullable := r.o.nullable != nil && r.o.nullable(steps)
		if !nullable && (kx^ky == kNull || kx == kNull || ky == kNull) {
			d.message = "not nullable here: " + kx.String() + " in the baseline, " + ky.String() + " in the target"
		} else {
			d.message = "type differs: " + kx.String() + " in the baseline, " + ky.String() + " in the target"
		}
	default: // not reached with the options above
		d.baseline, d.target = "?", "?"
		d.message = "shapes differ"
	}
	return d
}

// shapeTypes renders the types of a *shape value, "(absent)" when invalid.
func shapeTypes(v reflect.Value) string {
	if !v.IsValid() {
		return absent
	}
	if s, ok := v.Interface().(*shape); ok && s != nil {
		return s.Types.String()
	}
	return "?"
}

// renderValue renders a reflected decoded value, "(absent)" when invalid.
func renderValue(v reflect.Value) string {
	if !v.IsValid() {
		return absent
	}
	return diffValue(v.Interface())
}

// diffValue renders a decoded value as compact JSON, truncated like every reported value.
// Unlike jsonValue it keeps <, > and & as they are: links are full of &.
func diffValue(v any) string {
	b, err := marshalPlain(v)
	if err != nil {
		return "?"
	}
	return truncate(string(b), maxValueLen)
}

// marshalPlain is json.Marshal without HTML escaping (an encoder's setting does not reach
// into a MarshalJSON method, so elements calls this too).
func marshalPlain(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
