// Command staticserver is the load run's yardstick: a plain net/http handler that writes
// the bytes of one mock page, fetched once from a running connreq at start-up.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4011", "listen address")
	from := flag.String("from", "", "URL of the page to copy (needs a running connreq)")
	flag.Parse()
	req, err := http.NewRequest(http.MethodGet, *from, nil)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer load-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		log.Fatalf("fetch %s: status %d, %v", *from, resp.StatusCode, err)
	}
	fmt.Fprintf(os.Stderr, "staticserver: serving %d bytes on %s\n", len(body), *addr)
	size := strconv.Itoa(len(body))
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", size)
		_, _ = w.Write(body)
	})))
}
