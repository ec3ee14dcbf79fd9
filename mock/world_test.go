package mock_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/connreq/connreq/mock"
)

// TestOneConsistentWorld holds design §7's invariants over random users and pages, the
// shipped scenarios' reserved users (10^9 items included) among them: /user/me/ is the
// to_user of every item of the caller's list, byte for byte; its
// connection_requests_received_counter is that list's count; a sender's connection_status
// is received_connection_request exactly while the request is pending (not rejected).
func TestOneConsistentWorld(t *testing.T) {
	t.Parallel()
	seed := uint64(0x5eed0010)
	r := rand.New(rand.NewPCG(seed, seed))
	t.Logf("seed %#x", seed)
	ts := newTestServer(t, mock.Config{Seed: 3})
	var users []int64
	for range 60 {
		users = append(users, 1+r.Int64N(2_000_000_000))
	}
	var cat struct {
		Scenarios []struct {
			ID     int64
			Status int
			Faults []string
		}
	}
	if err := json.Unmarshal(do(t, ts, "GET", "/__connreq/scenarios", nil).body, &cat); err != nil || len(cat.Scenarios) == 0 {
		t.Fatalf("scenarios: %v", err)
	}
	for _, sc := range cat.Scenarios {
		if len(sc.Faults) == 0 { // a fault's answer is cut or late; its data is another scenario's
			users = append(users, sc.ID)
		}
	}
	type item struct {
		ID       int64           `json:"id"`
		From     json.RawMessage `json:"from_user"`
		To       json.RawMessage `json:"to_user"`
		Rejected *string         `json:"rejected"`
	}
	checked := 0
	for _, user := range users {
		token := map[string]string{"Authorization": "Bearer " + jwt(t, nil, user, time.Now().Add(time.Hour))}
		me := do(t, ts, "GET", "/api/v2/user/me/", token)
		if me.status != 200 {
			t.Fatalf("user %d: /user/me/ %d %s", user, me.status, me.body)
		}
		var meUser struct {
			ID       int64   `json:"id"`
			Received int64   `json:"connection_requests_received_counter"`
			Status   *string `json:"connection_status"`
		}
		if err := json.Unmarshal(me.body, &meUser); err != nil || meUser.ID != user || meUser.Status != nil {
			t.Fatalf("user %d: /user/me/ %s (%v)", user, me.body, err)
		}
		first := do(t, ts, "GET", "/api/v2/user/connection/requests/?limit=1", token)
		if first.status != 200 {
			continue // error scenarios (404, 403, 401): no list to compare
		}
		var head struct{ Count int64 }
		_ = json.Unmarshal(first.body, &head)
		if meUser.Received != head.Count {
			t.Errorf("user %d: /user/me/ connection_requests_received_counter %d, list count %d", user, meUser.Received, head.Count)
		}
		for range 3 {
			offset := int64(0)
			if head.Count > 0 {
				offset = r.Int64N(head.Count)
			}
			limit := 1 + r.IntN(100)
			a := do(t, ts, "GET", fmt.Sprintf("/api/v2/user/connection/requests/?limit=%d&offset=%d", limit, offset), token)
			var page struct{ Results []item }
			if err := json.Unmarshal(a.body, &page); err != nil {
				t.Fatalf("user %d: %v", user, err)
			}
			for _, it := range page.Results {
				checked++
				if !bytes.Equal(it.To, me.body) {
					t.Fatalf("user %d, request %d: to_user differs from /user/me/:\n%s\n%s", user, it.ID, it.To, me.body)
				}
				var from struct {
					Status *string `json:"connection_status"`
				}
				_ = json.Unmarshal(it.From, &from)
				pending := it.Rejected == nil
				got := from.Status != nil && *from.Status == "received_connection_request"
				if pending != got || !pending && from.Status != nil {
					t.Fatalf("user %d, request %d: rejected %v, from_user connection_status %v", user, it.ID, it.Rejected, from.Status)
				}
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d items checked", checked)
	}
	t.Logf("%d users, %d items checked", len(users), checked)
}
