package mock_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
)

const (
	selfPath = "/api/v2/user/connection/requests/"
	sentPath = "/api/v2/user/connection/requests_sent/"
)

func actionPath(user int64, action string) string {
	if action == "mark_seen" {
		return fmt.Sprintf("/api/v2/user/%d/connection_requests/mark_seen/", user)
	}
	return fmt.Sprintf("/api/v2/user/%d/connection/%s/", user, action)
}

// send is do with a body.
func send(t *testing.T, ts *httptestServer, method, path string, header map[string]string, body string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func withSession(h map[string]string, s string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	if s != "" {
		out["Prefer"] = "session=" + s
	}
	return out
}

// walk follows next from path and returns every item, checking DRF's invariants on the
// way: count constant, pages sized min(limit, left), previous present past the first page.
func walk(t *testing.T, ts *httptestServer, path string, h map[string]string) (int64, []map[string]any) {
	t.Helper()
	var items []map[string]any
	var count int64 = -1
	u := path + "?limit=7"
	for pages := 0; ; pages++ {
		got := do(t, ts, http.MethodGet, u, h)
		if got.status != 200 {
			t.Fatalf("GET %s: %d %s", u, got.status, got.body)
		}
		p := decodePage(t, got.body)
		if count >= 0 && p.Count != count {
			t.Fatalf("count moved during a walk: %d then %d", count, p.Count)
		}
		count = p.Count
		if want := min(int64(7), count-int64(len(items))); int64(len(p.Results)) != max(want, 0) {
			t.Fatalf("page %d of %s: %d items, want %d", pages, path, len(p.Results), want)
		}
		if (pages > 0) != (p.Previous != nil) {
			t.Fatalf("page %d: previous %v", pages, p.Previous)
		}
		// DRF-exact links over what remains: fixtures.Links for this request and count.
		path, raw, _ := strings.Cut(u, "?")
		q := fixtures.ParseQuery(raw)
		next, prev, hasNext, hasPrev := fixtures.Links(ts.URL+path, q, fixtures.Pager{}.Window(q), p.Count)
		if hasNext != (p.Next != nil) || hasNext && *p.Next != next || hasPrev != (p.Previous != nil) || hasPrev && *p.Previous != prev {
			t.Fatalf("%s: next %v previous %v, want %q %q", u, p.Next, p.Previous, next, prev)
		}
		items = append(items, p.Results...)
		if p.Next == nil {
			break
		}
		nu, err := url.Parse(*p.Next)
		if err != nil {
			t.Fatal(err)
		}
		u = nu.RequestURI()
	}
	if int64(len(items)) != count {
		t.Fatalf("walk of %s: %d items, count %d", path, len(items), count)
	}
	seen := map[float64]bool{}
	for _, it := range items {
		id := it["from_user"].(map[string]any)["id"].(float64)
		if path == sentPath {
			id = it["to_user"].(map[string]any)["id"].(float64)
		}
		if seen[id] {
			t.Fatalf("walk of %s: user %v twice", path, id)
		}
		seen[id] = true
	}
	return count, items
}

func userID(it map[string]any, key string) int64 {
	return int64(it[key].(map[string]any)["id"].(float64))
}

func counter(it map[string]any, key, name string) int64 {
	return int64(it[key].(map[string]any)[name].(float64))
}

func TestLifecycleThroughHTTP(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	h := auth() // an opaque token: the caller is --me, user 1
	count0, items0 := walk(t, ts, selfPath, h)
	if count0 < 5 {
		t.Fatalf("user 1 has %d requests; the test needs 5", count0)
	}
	first, second := userID(items0[0], "from_user"), userID(items0[1], "from_user")
	recv0 := counter(items0[0], "to_user", "connection_requests_received_counter")
	conns0 := counter(items0[0], "to_user", "connections_counter")

	// Accept the first: it leaves, count and counters move, the walk stays DRF-exact.
	got := send(t, ts, http.MethodPost, actionPath(first, "accept"), h, "")
	if got.status != 200 || string(got.body) != `{"connection_status":"connected"}` {
		t.Fatalf("accept: %d %s", got.status, got.body)
	}
	count1, items1 := walk(t, ts, selfPath, h)
	if count1 != count0-1 || userID(items1[0], "from_user") != second {
		t.Fatalf("after accept: count %d (was %d), first sender %d (want %d)", count1, count0, userID(items1[0], "from_user"), second)
	}
	// The owner's received counter counts the list (design §7).
	if r := counter(items1[0], "to_user", "connection_requests_received_counter"); r != count1 {
		t.Fatalf("received counter %d after accept (was %d), want the count %d", r, recv0, count1)
	}
	if c := counter(items1[0], "to_user", "connections_counter"); c != conns0+1 {
		t.Fatalf("connections counter %d after accept, want %d", c, conns0+1)
	}
	if got := do(t, ts, http.MethodGet, fmt.Sprintf("/api/v2/user/%d/is_connection/", first), h); string(got.body) != `{"is_connection":true}` {
		t.Fatalf("is_connection: %s", got.body)
	}
	// Accepting again, or a request that does not exist, changes nothing.
	for _, c := range []struct {
		path   string
		status int
		detail string
	}{
		{actionPath(first, "accept"), 400, "You are already connected with this user."},
		{actionPath(2_000_000_000, "accept"), 400, "There is no connection request from this user."},
		{actionPath(1, "request"), 400, "You cannot perform this action on yourself."},
		{actionPath(2_147_483_648, "request"), 404, "Not found."},
		{"/api/v2/user/abc/connection/accept/", 404, "Not found."},
	} {
		got := send(t, ts, http.MethodPost, c.path, h, "")
		if got.status != c.status || detail(t, got.body) != c.detail {
			t.Fatalf("POST %s: %d %s, want %d %q", c.path, got.status, got.body, c.status, c.detail)
		}
	}
	if n, _ := walk(t, ts, selfPath, h); n != count1 {
		t.Fatalf("a refused action changed the list: %d, want %d", n, count1)
	}

	// Reject the (new) first: rejected and viewed set, sender's status null; cancel_reject undoes.
	if got := send(t, ts, http.MethodPost, actionPath(second, "reject"), h, ""); got.status != 200 || string(got.body) != `{"connection_status":null}` {
		t.Fatalf("reject: %d %s", got.status, got.body)
	}
	_, items := walk(t, ts, selfPath, h)
	if items[0]["rejected"] == nil || items[0]["viewed"] == nil || items[0]["from_user"].(map[string]any)["connection_status"] != nil {
		t.Fatalf("after reject: rejected %v viewed %v status %v", items[0]["rejected"], items[0]["viewed"], items[0]["from_user"].(map[string]any)["connection_status"])
	}
	if got := do(t, ts, http.MethodGet, fmt.Sprintf("/api/v2/user/%d/connection_status/", second), h); string(got.body) != `{"connection_status":null}` {
		t.Fatalf("connection_status after reject: %s", got.body)
	}
	if got := send(t, ts, http.MethodPost, actionPath(second, "cancel_reject"), h, ""); got.status != 200 {
		t.Fatalf("cancel_reject: %d %s", got.status, got.body)
	}
	_, items = walk(t, ts, selfPath, h)
	if items[0]["rejected"] != nil || items[0]["from_user"].(map[string]any)["connection_status"] != "received_connection_request" {
		t.Fatalf("after cancel_reject: %v %v", items[0]["rejected"], items[0]["from_user"].(map[string]any)["connection_status"])
	}

	// "Connect" on a rejected request's sender: it leaves the received list for the sent list.
	send(t, ts, http.MethodPost, actionPath(second, "reject"), h, "")
	if got := send(t, ts, http.MethodPost, actionPath(second, "request"), h, ""); got.status != 201 || string(got.body) != `{"connection_status":"sent_connection_request"}` {
		t.Fatalf("request: %d %s", got.status, got.body)
	}
	n, items := walk(t, ts, selfPath, h)
	if n != count1-1 || userID(items[0], "from_user") == second {
		t.Fatalf("after connect: count %d, first %d", n, userID(items[0], "from_user"))
	}
	ns, sent := walk(t, ts, sentPath, h)
	if ns != 1 || userID(sent[0], "to_user") != second || sent[0]["to_user"].(map[string]any)["connection_status"] != "sent_connection_request" {
		t.Fatalf("sent list: %d %v", ns, sent)
	}
	// The request is the newest of the recipient's list, seen from there.
	rh := map[string]string{"Authorization": "Bearer " + unsignedJWT(second)}
	_, theirs := walk(t, ts, selfPath, rh)
	if userID(theirs[0], "from_user") != 1 || theirs[0]["id"].(float64) < 5e9 {
		t.Fatalf("recipient's first item: %v", theirs[0]["from_user"].(map[string]any)["id"])
	}
	if got := send(t, ts, http.MethodPost, actionPath(second, "cancel_request"), h, ""); got.status != 200 {
		t.Fatalf("cancel_request: %d %s", got.status, got.body)
	}
	if ns, _ := walk(t, ts, sentPath, h); ns != 0 {
		t.Fatalf("sent list after cancel: %d", ns)
	}
	// mark_seen: 204, viewed set.
	third := userID(items[0], "from_user")
	if got := send(t, ts, http.MethodPost, actionPath(third, "mark_seen"), h, ""); got.status != 204 || len(got.body) != 0 {
		t.Fatalf("mark_seen: %d %q", got.status, got.body)
	}
	_, items = walk(t, ts, selfPath, h)
	if items[0]["viewed"] == nil {
		t.Fatal("mark_seen did not set viewed")
	}

	// The state shows the transitions; DELETE brings the generated world back.
	st := do(t, ts, http.MethodGet, "/__connreq/state", nil)
	var log struct {
		Count       int
		Transitions []struct {
			Seq    int64
			Action string
			At     string
		}
	}
	if err := json.Unmarshal(st.body, &log); err != nil || log.Count != 7 || log.Transitions[0].Action != "accept" || log.Transitions[0].At != "2025-06-01T12:00:01Z" {
		t.Fatalf("state: %v %s", err, st.body)
	}
	if got := do(t, ts, http.MethodDelete, "/__connreq/state", nil); got.status != 204 {
		t.Fatalf("DELETE state: %d", got.status)
	}
	hh := map[string]string{"Authorization": bearer, "Host": "mock.test"}
	again := do(t, ts, http.MethodGet, selfPath+"?limit=7", hh)
	fresh := newTestServer(t, mock.Config{})
	if want := do(t, fresh, http.MethodGet, selfPath+"?limit=7", hh); !bytes.Equal(want.body, again.body) {
		t.Fatal("after DELETE /__connreq/state the list differs from a fresh server's")
	}
}

// unsignedJWT is a JWT naming user id (no secret configured: the signature is not checked).
func unsignedJWT(id int64) string {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	return enc(`{"alg":"HS256","typ":"JWT"}`) + "." + enc(`{"user_id":`+strconv.FormatInt(id, 10)+`,"token_type":"access"}`) + ".c2ln"
}

func TestLifecycleDeterministicAndSessions(t *testing.T) {
	t.Parallel()
	run := func(ts *httptestServer, session string) []byte {
		h := withSession(auth(), session)
		h["Host"] = "mock.test" // links carry the host: the same on both servers
		first := do(t, ts, http.MethodGet, selfPath+"?limit=3", h)
		p := decodePage(t, first.body)
		var out []byte
		for k, a := range []string{"accept", "reject", "mark_seen"} {
			got := send(t, ts, http.MethodPost, actionPath(userID(p.Results[k], "from_user"), a), h, "")
			out = append(out, got.body...)
		}
		send(t, ts, http.MethodPost, actionPath(424242, "request"), h, "")
		for _, path := range []string{selfPath + "?limit=5", selfPath + "?limit=5&offset=5", sentPath, "/api/v2/user/424242/connection/requests/?limit=2"} {
			out = append(out, do(t, ts, http.MethodGet, path, h).body...)
		}
		return out
	}
	a := newTestServer(t, mock.Config{})
	b := newTestServer(t, mock.Config{})
	ra := run(a, "")
	if rb := run(b, ""); !bytes.Equal(ra, rb) {
		t.Fatal("the same actions on two fresh servers gave different bytes")
	}
	// Session s1 on server a starts from the generated world, and leaves the default one alone.
	if r1 := run(a, "s1"); !bytes.Equal(ra, r1) {
		t.Fatal("session s1 did not start from the generated world")
	}
	def := do(t, a, http.MethodGet, sentPath, auth())
	if decodePage(t, def.body).Count != 1 {
		t.Fatalf("default session's sent list: %s", def.body)
	}
	other := do(t, a, http.MethodGet, sentPath, withSession(auth(), "s2"))
	if decodePage(t, other.body).Count != 0 {
		t.Fatalf("session s2 sees another session's request: %s", other.body)
	}
	if got := do(t, a, http.MethodGet, sentPath, withSession(auth(), strings.Repeat("x", 65))); got.status != 400 {
		t.Fatalf("a malformed session: %d %s", got.status, got.body)
	}
}

func TestLifecycleStateOff(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{StateOff: true})
	h := auth()
	before := do(t, ts, http.MethodGet, selfPath, h)
	p := decodePage(t, before.body)
	first := userID(p.Results[0], "from_user")
	for _, a := range []string{"accept", "accept"} { // production would accept; nothing changes, so twice
		if got := send(t, ts, http.MethodPost, actionPath(first, a), h, ""); got.status != 200 {
			t.Fatalf("accept with --state off: %d %s", got.status, got.body)
		}
	}
	if after := do(t, ts, http.MethodGet, selfPath, h); !bytes.Equal(before.body, after.body) {
		t.Fatal("--state off: an action changed the list")
	}
	if got := send(t, ts, http.MethodPost, actionPath(2_000_000_000, "accept"), h, ""); got.status != 400 {
		t.Fatalf("--state off refuses as production: %d", got.status)
	}
}

func TestLifecycleBadInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	strict := newTestServer(t, mock.Config{Strict: true})
	off := newTestServer(t, mock.Config{NoFriendship: true})
	big := `{"a":"` + strings.Repeat("x", 70_000) + `"}`
	json := map[string]string{"Authorization": bearer, "Content-Type": "application/json"}
	for _, c := range []struct {
		name   string
		ts     *httptestServer
		path   string
		header map[string]string
		body   string
		status int
		detail string
	}{
		{"no token", ts, actionPath(5, "request"), nil, "", 401, "Authentication credentials were not provided."},
		{"bad token", ts, actionPath(5, "request"), map[string]string{"Authorization": "Bearer a b"}, "", 401, "Authorization header must contain two space-delimited values"},
		{"wrong content type", ts, actionPath(5, "request"), map[string]string{"Authorization": bearer, "Content-Type": "text/plain"}, "hello", 400, `Unsupported media type "text/plain" in request: send no body, or a JSON object with Content-Type: application/json.`},
		{"malformed JSON", ts, actionPath(5, "request"), json, "{", 400, "JSON parse error - unexpected end of JSON input"},
		{"JSON not an object", ts, actionPath(5, "request"), json, "[1]", 400, "JSON parse error - json: cannot unmarshal array into Go value of type map[string]json.RawMessage"},
		{"too large", ts, actionPath(5, "request"), json, big, 413, "Request body too large (limit 65536 bytes)."},
		{"strict non-digit id", strict, "/api/v2/user/x1/connection/accept/", auth(), "", 400, "Invalid request parameters."},
		{"friendship off", off, actionPath(5, "request"), auth(), "", 403, "You do not have permission to perform this action."},
		{"GET on an action", ts, actionPath(5, "request"), auth(), "", 405, `Method "GET" not allowed.`},
		{"bad Prefer session", ts, actionPath(5, "request"), map[string]string{"Authorization": bearer, "Prefer": "session=" + strings.Repeat("s", 65)}, "", 400,
			`Prefer: session must be 1 to 64 of A-Z a-z 0-9 . _ ~ -, like session=suite-a (got "` + strings.Repeat("s", 64) + `…")`},
	} {
		method := http.MethodPost
		if strings.HasPrefix(c.name, "GET") {
			method = http.MethodGet
		}
		got := send(t, c.ts, method, c.path, c.header, c.body)
		if got.status != c.status || detail(t, got.body) != c.detail {
			t.Errorf("%s: %d %s, want %d %q", c.name, got.status, got.body, c.status, c.detail)
		}
	}
	// An ignored JSON object body is fine.
	if got := send(t, ts, http.MethodPost, actionPath(5, "request"), json, `{"any":1}`); got.status != 201 {
		t.Fatalf("JSON object body: %d %s", got.status, got.body)
	}
	if n := decodePage(t, do(t, ts, http.MethodGet, sentPath, auth()).body).Count; n != 1 {
		t.Fatalf("refused actions changed the state: %d sent", n)
	}
}

// TestLifecycleRandomWalks plays random actions among user 1 and the senders of its first
// page and checks, after each, what any client can: walks without duplicate or missing
// item, counters that move as counts do, and answers that conform to the spec.
func TestLifecycleRandomWalks(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	doc := mustDoc(t)
	doc.Servers = openapi3.Servers{{URL: "http://mock.test"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	conform := func(method, path string, got answer) {
		req, _ := http.NewRequest(method, "http://mock.test"+path, nil)
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("kin-openapi router: %s %s: %v", method, path, err)
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 got.status, Header: got.header, Body: io.NopCloser(bytes.NewReader(got.body)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		if err := openapi3filter.ValidateResponse(t.Context(), in); err != nil {
			t.Fatalf("%s %s: %d does not conform: %v\n%.300s", method, path, got.status, err, got.body)
		}
	}
	rng := rand.New(rand.NewPCG(5, 5))
	_, items := walk(t, ts, selfPath, auth())
	users := []int64{1, 2, 3}
	for _, it := range items[:min(len(items), 8)] {
		users = append(users, userID(it, "from_user"))
	}
	actions := []string{"accept", "reject", "cancel_reject", "request", "cancel_request", "remove", "mark_seen"}
	recv := func(u int64) (int64, int64) { // list count, to_user's received counter (or -1)
		h := map[string]string{"Authorization": "Bearer " + unsignedJWT(u)}
		n, its := walk(t, ts, selfPath, h)
		if len(its) == 0 {
			return n, -1
		}
		return n, counter(its[0], "to_user", "connection_requests_received_counter")
	}
	// One action first, so every list read below goes through the state overlay.
	if got := send(t, ts, http.MethodPost, actionPath(3, "request"), auth(), ""); got.status != 201 {
		t.Fatalf("first action: %d %s", got.status, got.body)
	}
	for step := 0; step < 150; step++ {
		by, user := users[rng.IntN(len(users))], users[rng.IntN(len(users))]
		a := actions[rng.IntN(len(actions))]
		h := map[string]string{"Authorization": "Bearer " + unsignedJWT(by)}
		path := actionPath(user, a)
		got := send(t, ts, http.MethodPost, path, h, "")
		if got.status >= 500 {
			t.Fatalf("step %d: %s by %d: %d", step, path, by, got.status)
		}
		conform(http.MethodPost, path, got)
		if step%10 != 9 {
			continue
		}
		for _, u := range users {
			n, c := recv(u)
			// Counters equal counts: the owner's received counter is its list's count.
			if c >= 0 && c != n {
				t.Fatalf("step %d: user %d: count %d but received counter %d", step, u, n, c)
			}
			hu := map[string]string{"Authorization": "Bearer " + unsignedJWT(u)}
			walk(t, ts, sentPath, hu)
			page := do(t, ts, http.MethodGet, selfPath+"?limit=5&offset=1", hu)
			conform(http.MethodGet, selfPath+"?limit=5&offset=1", page)
			sp := do(t, ts, http.MethodGet, sentPath+"?limit=3", hu)
			conform(http.MethodGet, sentPath+"?limit=3", sp)
		}
	}
}
