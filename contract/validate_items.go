package contract

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/connreq/connreq/fixtures"
)

// maxItemVerdicts bounds the item verdict cache; it is emptied when full, so memory stays
// flat however many pages a run validates.
const maxItemVerdicts = 50_000

// itemVerdicts caches the schema verdict of list items by their bytes: a deterministic
// deployment serves item i in the same bytes on every page that holds it, so a run of
// thousands of pages validates each item once. The envelope ({count, next, previous})
// is validated on every page.
type itemVerdicts struct {
	mu sync.Mutex
	m  map[[32]byte]*itemEntry
}

// itemEntry is what one item's bytes give: its schema verdict and its decoded form.
type itemEntry struct {
	issues []itemIssue
	it     item
	ok     bool // it was decoded
}

// pageParts is a page split by validatePage, so that decodePage reads it without
// parsing the body again: the envelope values and the decoded items.
type pageParts struct {
	count, next, previous json.RawMessage
	items                 []item
	itemsOK               bool
}

// itemIssue is a schema violation inside one item, its pointer relative to the item.
type itemIssue struct {
	ptr                   []string
	expected, actual, msg string
	hasPointer            bool
}

// pageSchemaParts returns the page schema of a 200 answer split for item validation: the
// schema of the whole page and of one item, or false when the split would not judge the
// same (no item schema, or array rules on results).
func pageSchemaParts(op *operation) (pageS, itemS *openapi3.Schema, ok bool) {
	if !op.paginated {
		return nil, nil, false
	}
	pageS = pageSchema(op.route.Operation)
	if pageS == nil || pageS.Properties["results"] == nil {
		return nil, nil, false
	}
	res := pageS.Properties["results"].Value
	if res == nil || res.Items == nil || res.Items.Value == nil || res.MinItems != 0 || res.MaxItems != nil || res.UniqueItems {
		return nil, nil, false
	}
	return pageS, res.Items.Value, true
}

// validatePage validates a 200 page item by item, with the verdict cache. It returns
// false when the body cannot be split (then the caller validates it whole).
func (rn *run) validatePage(cr *caseResult, ex *exchange) bool {
	pageS, itemS, ok := pageSchemaParts(cr.tc.op)
	if !ok || ex.status != 200 {
		return false
	}
	env, ok := fixtures.SplitJSONObject(ex.body) // the body passed checkJSON
	if !ok {
		return false
	}
	rawItems, ok := fixtures.SplitJSONArray(env["results"])
	if !ok {
		return false // not a list: the whole-body validation says what is wrong
	}
	opts := rn.schemaOptions()
	var issues []schemaIssue
	// The envelope, with an empty list in place of the items.
	envValue := map[string]any{}
	for k, raw := range env {
		if k == "results" {
			envValue[k] = []any{}
			continue
		}
		v, err := decodeNumberJSON(raw)
		if err != nil {
			return false
		}
		envValue[k] = v
	}
	if err := pageS.VisitJSON(envValue, opts...); err != nil {
		issues = append(issues, schemaIssues(err)...)
	}
	parts := &pageParts{count: env["count"], next: env["next"], previous: env["previous"], items: make([]item, len(rawItems)), itemsOK: true}
	for i, raw := range rawItems {
		e := rn.r.items.verdict(itemS, raw, opts)
		parts.items[i] = e.it
		parts.itemsOK = parts.itemsOK && e.ok
		if len(issues) >= maxSchemaIssues {
			continue
		}
		for _, is := range e.issues {
			path := jsonPath(append([]string{"results", strconv.Itoa(i)}, is.ptr...)...)
			if !is.hasPointer {
				path = jsonPath("results", strconv.Itoa(i))
			}
			issues = append(issues, schemaIssue{path: path, expected: is.expected, actual: is.actual, msg: is.msg})
		}
	}
	if len(issues) > maxSchemaIssues {
		issues = issues[:maxSchemaIssues]
	}
	if parts.itemsOK {
		ex.parts = parts
	}
	if len(issues) == 0 {
		cr.pass(CheckSchema)
		return true
	}
	for _, is := range issues {
		cr.fail(CheckSchema, rn.failure(ex, is.path, is.expected, is.actual, is.msg))
	}
	return true
}

// schemaOptions are the options ValidateResponse would use for a body.
func (rn *run) schemaOptions() []openapi3.SchemaValidationOption {
	opts := []openapi3.SchemaValidationOption{openapi3.MultiErrors()}
	opts = append(opts, rn.r.opts.SchemaValidationOptions...)
	return append(opts, openapi3.VisitAsResponse())
}

// verdict validates one item, or returns the cached verdict of the same bytes.
func (iv *itemVerdicts) verdict(s *openapi3.Schema, raw json.RawMessage, opts []openapi3.SchemaValidationOption) *itemEntry {
	key := sha256.Sum256(raw)
	iv.mu.Lock()
	if e, ok := iv.m[key]; ok {
		iv.mu.Unlock()
		return e
	}
	iv.mu.Unlock()
	e := &itemEntry{}
	v, err := decodeNumberJSON(raw)
	if err != nil {
		e.issues = []itemIssue{{msg: "does not match the schema: " + err.Error()}}
	} else if err := s.VisitJSON(v, opts...); err != nil {
		e.issues = itemIssues(err)
	}
	var wi wireItem
	if json.Unmarshal(raw, &wi) == nil {
		e.it, e.ok = decodeItem(wi), true
	}
	iv.mu.Lock()
	if iv.m == nil || len(iv.m) >= maxItemVerdicts {
		iv.m = make(map[[32]byte]*itemEntry, 1024)
	}
	iv.m[key] = e
	iv.mu.Unlock()
	return e
}

// itemIssues flattens a schema error of one item, as schemaIssues does for a body.
func itemIssues(err error) []itemIssue {
	var out []itemIssue
	eachSchemaError(err, func(se *openapi3.SchemaError, e error) {
		if se == nil {
			out = append(out, itemIssue{msg: "does not match the schema: " + firstLine(e.Error())})
			return
		}
		out = append(out, itemIssue{ptr: se.JSONPointer(), hasPointer: true, expected: schemaRule(se),
			actual: jsonValue(se.Value), msg: "does not match the schema: " + firstLine(se.Reason)})
	})
	return out
}

// decodeNumberJSON decodes like kin-openapi's body decoder: numbers as json.Number.
func decodeNumberJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}
