package contract

import (
	"bytes"
	"encoding/json"
	"testing"
)

// splitJSONArray agrees with encoding/json on every well-formed array.
func FuzzSplitJSONArray(f *testing.F) {
	for _, s := range []string{`[]`, `[1]`, ` [ {"a":"]\"[,"} , [1,[2]], "x\\", null ] `, `[{"id":1,"n":"a,b"},{"id":2}]`, `{}`, `[1,]`, `[,1]`, `"[1]"`, `{"count":3,"next":null,"results":[{"a":"}"}],"count":4}`, ` { "\u0041" : [ ] , "b" : "x\"}" } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return // the split only ever sees bodies json.Valid accepted
		}
		checkObjectSplit(t, raw)
		got, ok := splitJSONArray(raw)
		var want []json.RawMessage
		err := json.Unmarshal(raw, &want)
		isArray := err == nil && want != nil // null decodes to a nil slice: not a list
		if isArray != ok {
			t.Fatalf("split ok %v, encoding/json err %v on %q", ok, err, raw)
		}
		if !ok {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%d elements, want %d: %q", len(got), len(want), raw)
		}
		for i := range got {
			if !bytes.Equal(bytes.TrimSpace(got[i]), bytes.TrimSpace(want[i])) {
				t.Fatalf("element %d = %q, want %q", i, got[i], want[i])
			}
		}
	})
}

// checkObjectSplit: splitJSONObject agrees with encoding/json on a well-formed value.
func checkObjectSplit(t *testing.T, raw []byte) {
	got, ok := splitJSONObject(raw)
	var want map[string]json.RawMessage
	err := json.Unmarshal(raw, &want)
	isObject := err == nil && want != nil
	if isObject != ok {
		t.Fatalf("object split ok %v, encoding/json err %v on %q", ok, err, raw)
	}
	if !ok {
		return
	}
	if len(got) != len(want) {
		t.Fatalf("%d members, want %d: %q", len(got), len(want), raw)
	}
	for k, v := range want {
		if !bytes.Equal(bytes.TrimSpace(got[k]), bytes.TrimSpace(v)) {
			t.Fatalf("member %q = %q, want %q", k, got[k], v)
		}
	}
}
