//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/connreq/connreq/internal/redistest"
)

// call sends one request to a replica and returns status and body.
func call(t *testing.T, addr, method, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer replica-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", method, path, addr, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

type replicaPage struct {
	Count   int64
	Results []struct {
		FromUser struct{ ID int64 } `json:"from_user"`
	}
}

func listOn(t *testing.T, addr string) replicaPage {
	t.Helper()
	status, body := call(t, addr, http.MethodGet, "/api/v2/user/connection/requests/?limit=3")
	var p replicaPage
	if status != 200 || json.Unmarshal(body, &p) != nil {
		t.Fatalf("list on %s: %d %s", addr, status, body)
	}
	return p
}

// TestReplicasShareRedis runs two `connreq serve --state redis://…` processes over one
// real redis-server: an accept on one is in the list of the other; a killed replica loses
// nothing; Redis down answers 503 JSON and Redis back answers again.
func TestReplicasShareRedis(t *testing.T) {
	srv := redistest.Start(t)
	a := startServe(t, false, "--state", srv.URL())
	b := startServe(t, false, "--state", srv.URL())
	before := listOn(t, b.addr)
	first := before.Results[0].FromUser.ID
	if status, body := call(t, a.addr, http.MethodPost, fmt.Sprintf("/api/v2/user/%d/connection/accept/", first)); status != 200 {
		t.Fatalf("accept on A: %d %s", status, body)
	}
	after := listOn(t, b.addr)
	if after.Count != before.Count-1 || after.Results[0].FromUser.ID == first {
		t.Fatalf("list on B after accept on A: count %d (was %d), first %d", after.Count, before.Count, after.Results[0].FromUser.ID)
	}

	// Kill A mid-run: B still has every transition; a new replica C too.
	second := after.Results[0].FromUser.ID
	if status, _ := call(t, a.addr, http.MethodPost, fmt.Sprintf("/api/v2/user/%d/connection/reject/", second)); status != 200 {
		t.Fatalf("reject on A: %d", status)
	}
	a.kill()
	c := startServe(t, false, "--state", srv.URL())
	for _, addr := range []string{b.addr, c.addr} {
		status, body := call(t, addr, http.MethodGet, "/__connreq/state")
		if status != 200 || !strings.Contains(string(body), `"count":2`) {
			t.Fatalf("state on %s after A was killed: %d %s", addr, status, body)
		}
	}

	// Redis down: a clear 503 JSON on writes and on reads that need state.
	srv.Stop()
	for _, req := range [][2]string{
		{http.MethodPost, fmt.Sprintf("/api/v2/user/%d/connection/cancel_reject/", second)},
		{http.MethodGet, "/api/v2/user/connection/requests/"},
	} {
		status, body := call(t, b.addr, req[0], req[1])
		var e struct{ Detail string }
		if status != 503 || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Detail, "State store unavailable") {
			t.Fatalf("%s %s with Redis down: %d %s", req[0], req[1], status, body)
		}
	}
	// Redis back (empty: it runs without persistence): both replicas answer the generated world.
	srv.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body := call(t, b.addr, http.MethodGet, "/api/v2/user/connection/requests/?limit=3")
		if status == 200 {
			var p replicaPage
			_ = json.Unmarshal(body, &p)
			if p.Count != before.Count {
				t.Fatalf("after Redis restarted empty: count %d, want the generated %d", p.Count, before.Count)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B did not recover within 10 s of Redis coming back: %d %s", status, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if status, body := call(t, c.addr, http.MethodPost, fmt.Sprintf("/api/v2/user/%d/connection/accept/", first)); status != 200 {
		t.Fatalf("accept on C after Redis came back: %d %s", status, body)
	}
	if p := listOn(t, b.addr); p.Count != before.Count-1 {
		t.Fatalf("B after C's accept: count %d", p.Count)
	}
	b.checkLog(t)
	c.checkLog(t)
}
