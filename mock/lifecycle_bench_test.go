package mock_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/internal/redistest"
	"github.com/connreq/connreq/mock"
	"github.com/connreq/connreq/state"
)

// stateServer returns the mock's handler with n transitions in its default session: 50
// accepts of user 1's requests, then new requests to and from user 1, alternately.
func stateServer(b *testing.B, cfg mock.Config, n int) http.Handler {
	b.Helper()
	doc, err := connreq.Load()
	if err != nil {
		b.Fatal(err)
	}
	srv, err := mock.New(doc, cfg)
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	w := &captureWriter{discardWriter: discardWriter{h: http.Header{}}, body: new([]byte)}
	h.ServeHTTP(w, newReq(b, "/api/v2/user/1/connection/requests/?limit=100"))
	var p struct {
		Results []struct {
			FromUser struct{ ID int64 } `json:"from_user"`
		}
	}
	if err := json.Unmarshal(*w.body, &p); err != nil {
		b.Fatal(err)
	}
	for k := 0; k < n; k++ {
		var path string
		by := int64(1)
		switch {
		case k < 50 && k < len(p.Results):
			path = "/api/v2/user/" + strconv.FormatInt(p.Results[k].FromUser.ID, 10) + "/connection/accept/"
		case k%2 == 0:
			by, path = int64(10_000+k), "/api/v2/user/1/connection/request/"
		default:
			path = "/api/v2/user/" + strconv.Itoa(20_000+k) + "/connection/request/"
		}
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4010"+path, nil)
		req.Header.Set("Authorization", "Bearer "+unsignedJWT(by))
		w.reset()
		h.ServeHTTP(w, req)
		if w.code != 200 && w.code != 201 {
			b.Fatalf("transition %d (%s by %d): %d", k, path, by, w.code)
		}
	}
	return h
}

// BenchmarkStateRead compares reads of a server with no transition and with 1,000 in
// memory (and through Redis): the same page again and again (page cache), and a
// different user and offset every time (no cache).
func BenchmarkStateRead(b *testing.B) {
	same := "/api/v2/user/1/connection/requests/?limit=20&offset=20"
	random := make([]string, 1024)
	for i := range random {
		random[i] = "/api/v2/user/" + strconv.Itoa(1+i*7919%2000000) + "/connection/requests/?limit=20&offset=" + strconv.Itoa(i*31%200)
	}
	type variant struct {
		name string
		cfg  func(b *testing.B) mock.Config
		n    int
	}
	variants := []variant{
		{"memory-0", func(*testing.B) mock.Config { return mock.Config{} }, 0},
		{"memory-1000", func(*testing.B) mock.Config { return mock.Config{} }, 1000},
		{"redis-1000", func(b *testing.B) mock.Config {
			srv := redistest.Start(b)
			st, err := state.NewRedis(srv.URL(), 0)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			return mock.Config{State: st}
		}, 1000},
	}
	for _, v := range variants {
		h := stateServer(b, v.cfg(b), v.n)
		b.Run(v.name+"/same-page", func(b *testing.B) {
			req := newReq(b, same)
			w := &discardWriter{h: http.Header{}}
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, req)
				if w.code != 200 {
					b.Fatal(w.code)
				}
			}
		})
		b.Run(v.name+"/random-parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				w := &discardWriter{h: http.Header{}}
				reqs := make([]*http.Request, len(random))
				for i, p := range random {
					reqs[i] = newReq(b, p)
				}
				i := 0
				for pb.Next() {
					w.reset()
					h.ServeHTTP(w, reqs[i%len(reqs)])
					i++
				}
			})
		})
		b.Run(v.name+"/random", func(b *testing.B) {
			reqs := make([]*http.Request, len(random))
			for i, p := range random {
				reqs[i] = newReq(b, p)
			}
			w := &discardWriter{h: http.Header{}}
			i := 0
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, reqs[i%len(reqs)])
				i++
			}
		})
	}
}

// BenchmarkAction is one lifecycle action through the handler (a request, then its cancel).
func BenchmarkAction(b *testing.B) {
	for _, name := range []string{"memory", "redis"} {
		b.Run(name, func(b *testing.B) {
			cfg := mock.Config{StateMax: 1 << 40}
			if name == "redis" {
				srv := redistest.Start(b)
				st, err := state.NewRedis(srv.URL(), 1<<40)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = st.Close() })
				cfg = mock.Config{State: st}
			}
			h := stateServer(b, cfg, 0)
			reqs := [2]*http.Request{}
			for k, a := range []string{"request", "cancel_request"} {
				reqs[k], _ = http.NewRequest(http.MethodPost, "http://127.0.0.1:4010/api/v2/user/2/connection/"+a+"/", nil)
				reqs[k].Header.Set("Authorization", "Bearer bench-token")
			}
			w := &discardWriter{h: http.Header{}}
			k := 0
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, reqs[k%2])
				if w.code != 200 && w.code != 201 {
					b.Fatal(w.code)
				}
				k++
			}
		})
	}
}
