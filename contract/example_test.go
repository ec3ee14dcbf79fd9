package contract_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/contract"
)

// The cases are derived from the spec; --checks narrows the checks, not the cases.
func ExampleRunner_Cases() {
	doc, err := connreq.Load()
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := contract.New(doc, contract.Config{Target: "https://demo.selfcommunity.com", Token: "…", User: "42"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range r.Cases()[:6] {
		fmt.Println(c)
	}
	// Output:
	// getUserConnectionRequests/default-page
	// getUserConnectionRequests/walk
	// getUserConnectionRequests/walk-back
	// getUserConnectionRequests/limit-1
	// getUserConnectionRequests/limit-default
	// getUserConnectionRequests/limit-max
}

func ExampleDescribe() {
	for _, c := range contract.Checks()[15:19] {
		fmt.Printf("%s: %s\n", c, contract.Describe(c))
	}
	// Output:
	// page-size: len(results) == min(limit, count - offset)
	// page-next-null: next is null exactly when offset + limit >= count
	// page-previous-null: previous is null exactly when offset <= 0
	// page-links: next and previous are exactly the links DRF builds
}

// The progress line is rewritten in place and erased at the end.
func TestProgress(t *testing.T) {
	t.Parallel()
	f := &fake{}
	var progress bytes.Buffer
	rep := runAgainst(t, f.server(t).URL, contract.Config{Progress: &progress})
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	out := progress.String()
	if !strings.Contains(out, "\r\x1b[Kconnreq contract: ") || !strings.Contains(out, "cases · ") || !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("progress output %q", out)
	}
	if strings.Contains(out, fakeToken) || strings.Contains(out, "http://") {
		t.Errorf("the progress line shows a URL or the token: %q", out)
	}
}
