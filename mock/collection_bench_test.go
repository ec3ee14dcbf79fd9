package mock_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
)

// BenchmarkCollectionWindow serves 20-item windows at spread offsets of a recorded
// 100,000-item collection (serve --replay), next to the same windows of a generated list
// (the huge scenario): a recorded window must cost no more than a generated one. The
// collection's memory per stored item is reported as B/item.
func BenchmarkCollectionWindow(b *testing.B) {
	const owner, n = 5, 100_000
	g, err := fixtures.NewGenerator(fixtures.Config{})
	if err != nil {
		b.Fatal(err)
	}
	items := make([][]byte, n)
	var buf []byte
	for i := range items {
		buf = g.AppendItems(buf[:0], owner, n, int64(i), int64(i)+1, nil)
		items[i] = append([]byte(nil), buf...)
	}
	coll := fixtures.NewCollection(owner, n, items)
	items = nil
	rec := &fixtures.Recording{Target: "http://prod.example.org", User: "5",
		Entries: []fixtures.IndexEntry{{File: fixtures.ExchangeFile(1, "p"), Method: "GET", Path: "/api/v2/dynamic_preference/", Auth: fixtures.AuthBearer, Status: 200}},
		Exchanges: []fixtures.Exchange{{Request: fixtures.RecordedRequest{Method: "GET", Path: "/api/v2/dynamic_preference/", Auth: fixtures.AuthBearer},
			Response: fixtures.RecordedResponse{Status: 200, Body: []byte(`{"count":0,"next":null,"previous":null,"results":[]}`)}}},
		Collections: []fixtures.CollectionEntry{{File: fixtures.CollectionFile(owner), Owner: owner, Limit: 100, Paths: []string{"/api/v2/user/5/connection/requests/"}}},
		Lists:       []*fixtures.Collection{coll},
	}
	doc, err := connreq.Load()
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		cfg        mock.Config
	}{
		{"recorded", "/api/v2/user/5/connection/requests/", mock.Config{Replay: rec}},
		{"generated", "/api/v2/user/900000008/connection/requests/", mock.Config{}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv, err := mock.New(doc, tc.cfg)
			if err != nil {
				b.Fatal(err)
			}
			h := srv.Handler()
			reqs := make([]*http.Request, 1024)
			for i := range reqs {
				reqs[i] = newReq(b, tc.path+"?limit=20&offset="+strconv.Itoa(i*7919%(n-20)))
			}
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, reqs[1])
			if w.code != http.StatusOK || w.n < 20*500 {
				b.Fatalf("status %d, %d bytes", w.code, w.n)
			}
			i := 0
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, reqs[i%len(reqs)])
				i++
			}
			if tc.name == "recorded" {
				b.ReportMetric(float64(coll.Bytes())/n, "B/item")
			}
		})
	}
}
