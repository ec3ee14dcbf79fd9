package mock_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/connreq/connreq/mock"
)

// TestMeFollowsState: after actions, /user/me/ is still the to_user of every item of the
// caller's list, byte for byte, and its received counter is the list's count.
func TestMeFollowsState(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	h := auth()
	_, items := walk(t, ts, selfPath, h)
	send(t, ts, http.MethodPost, actionPath(userID(items[0], "from_user"), "accept"), h, "")
	send(t, ts, http.MethodPost, actionPath(777, "request"), h, "")
	n, items := walk(t, ts, selfPath, h)
	me := do(t, ts, http.MethodGet, "/api/v2/user/me/", h)
	var m map[string]any
	_ = json.Unmarshal(me.body, &m)
	to, _ := json.Marshal(items[0]["to_user"])
	mm, _ := json.Marshal(m)
	if string(to) != string(mm) {
		t.Fatalf("me %s\nto_user %s", mm, to)
	}
	if int64(m["connection_requests_received_counter"].(float64)) != n {
		t.Fatalf("me's received %v, count %d", m["connection_requests_received_counter"], n)
	}
	t.Logf("me: received %v sent %v connections %v (count %d)", m["connection_requests_received_counter"], m["connection_requests_sent_counter"], m["connections_counter"], n)
}
