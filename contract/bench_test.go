package contract_test

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/contract"
	"github.com/connreq/connreq/fixtures"
	"github.com/connreq/connreq/mock"
)

// benchRun runs the full battery against url once per iteration.
func benchRun(b *testing.B, url string, cfg contract.Config) {
	b.Helper()
	doc, err := connreq.Load()
	if err != nil {
		b.Fatal(err)
	}
	cfg.Target = url
	if cfg.Token == "" {
		cfg.Token = fakeToken
	}
	r, err := contract.New(doc, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var requests int64
	for b.Loop() {
		rep, err := r.Run(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		if err := rep.Err(); err != nil {
			b.Fatalf("%v\n%s", err, textOf(b, rep))
		}
		requests = rep.Requests
	}
	b.ReportMetric(float64(requests), "requests/op")
}

// BenchmarkRunMock is a full run against the project's mock, for the user with the
// longest list among the first 2,000 ids (the generator caps lists at 250 items).
func BenchmarkRunMock(b *testing.B) {
	gen, err := fixtures.NewGenerator(fixtures.Config{})
	if err != nil {
		b.Fatal(err)
	}
	user, most := int64(1), int64(0)
	for id := int64(1); id <= 2000; id++ {
		if n := gen.Count(id); n > most {
			user, most = id, n
		}
	}
	b.Logf("user %d has %d items", user, most)
	ts := startMock(b, mock.Config{})
	benchRun(b, ts.URL, contract.Config{User: strconv.FormatInt(user, 10)})
}

// BenchmarkRunFake1000 is a full run against the fake DRF server with a 1,000-item user:
// a walk of 50 pages at the default limit, 49 back, and the other cases.
func BenchmarkRunFake1000(b *testing.B) {
	f := &fake{count: 1000}
	benchRun(b, f.server(b).URL, contract.Config{User: "42", OtherUser: "7"})
}

// BenchmarkWalk10000Limit100 walks 10,000 items at limit 100, every sender with a 2 KiB
// biography (about 25 MB of bodies per run). The runner keeps a key per item (8 bytes, plus
// the duplicate set), never the bodies: peak-heap-MB, the largest live heap sampled during
// the runs, stays far below served-MB.
func BenchmarkWalk10000Limit100(b *testing.B) {
	f := &fake{count: 10_000, bio: 2048}
	url := f.server(b).URL
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
		}
	}()
	benchRun(b, url, contract.Config{User: "42", WalkLimit: 100})
	close(done)
	<-sampled
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapAlloc))/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(f.served.Load())/float64(b.N)/(1<<20), "served-MB/op")
}
