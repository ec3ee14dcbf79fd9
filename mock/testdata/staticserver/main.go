// Command staticserver is the load run's yardstick: a plain net/http handler that writes
// the bytes of mock pages, fetched once from a running connreq at start-up. With -from it
// serves one page for every request (the "hot" comparison); with -base and -uris it serves
// each listed request target's own page, looked up by the request's target, and 404 for
// any other (the "cold" comparison: the same rotation of different pages the mock is asked
// for, so both write the same bytes).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
)

// page is one fetched body and its Content-Length value.
type page struct {
	body []byte
	size string
}

func fetch(url string) (page, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return page{}, err
	}
	req.Header.Set("Authorization", "Bearer load-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return page{}, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return page{}, fmt.Errorf("fetch %s: status %d, %v", url, resp.StatusCode, err)
	}
	return page{body: body, size: strconv.Itoa(len(body))}, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:4011", "listen address")
	from := flag.String("from", "", "URL of the one page to copy (needs a running connreq)")
	base := flag.String("base", "", "origin of the running connreq the -uris pages are copied from")
	uris := flag.String("uris", "", "file of request targets (path?query), one a line, each served as its own page")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file until SIGINT")
	flag.Parse()
	if *cpuprofile != "" {
		out, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(out); err != nil {
			log.Fatal(err)
		}
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt)
		go func() {
			<-stop
			pprof.StopCPUProfile()
			out.Close()
			os.Exit(0)
		}()
	}
	write := func(w http.ResponseWriter, p page) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", p.size)
		_, _ = w.Write(p.body)
	}
	if *uris == "" {
		p, err := fetch(*from)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "staticserver: serving %d bytes on %s\n", len(p.body), *addr)
		log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			write(w, p)
		})))
	}
	f, err := os.Open(*uris)
	if err != nil {
		log.Fatal(err)
	}
	pages := map[string]page{}
	total := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p, err := fetch(*base + sc.Text())
		if err != nil {
			log.Fatal(err)
		}
		pages[sc.Text()] = p
		total += len(p.body)
	}
	f.Close()
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "staticserver: serving %d pages (%d bytes) on %s\n", len(pages), total, *addr)
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.RequestURI]
		if !ok {
			http.NotFound(w, r)
			return
		}
		write(w, p)
	})))
}
