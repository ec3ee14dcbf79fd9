package mock_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connreq/connreq/mock"
)

// TestFramingGuard sends requests whose body framing a proxy could read differently from
// net/http, each followed by a pipelined request on the same connection, over raw TCP:
// the first is answered (or refused with a 400 JSON) and the connection is closed, so the
// pipelined one is never answered (RFC 9112 §6.3). Unambiguous framings keep the
// connection, and both answers come.
func TestFramingGuard(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, mock.Config{})
	addr := strings.TrimPrefix(ts.URL, "http://")
	get := "GET " + seedPath + "?limit=1 HTTP/1.1\r\nHost: h\r\nAuthorization: " + bearer + "\r\n"
	get10 := "GET " + seedPath + "?limit=1 HTTP/1.0\r\nConnection: keep-alive\r\nAuthorization: " + bearer + "\r\n"
	smuggled := "GET " + seedPath + "?limit=2 HTTP/1.1\r\nHost: h\r\nAuthorization: " + bearer + "\r\n\r\n"
	tests := []struct {
		name       string
		raw        string
		want       []int // statuses answered, in order
		wantClose  bool
		wantDetail string // of the first answer
	}{
		{name: "Content-Length and chunked", raw: get + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
			want: []int{200}, wantClose: true},
		{name: "CL.TE: Content-Length covers the smuggled request", raw: get + "Content-Length: " +
			strconv.Itoa(len("0\r\n\r\n"+smuggled)) + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, want: []int{200}, wantClose: true},
		{name: "TE.CL: the chunk holds the smuggled request", raw: get + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" +
			strconv.FormatInt(int64(len(smuggled)), 16) + "\r\n" + smuggled + "\r\n0\r\n\r\n" + smuggled, want: []int{200}, wantClose: true},
		{name: "chunked alone", raw: get + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + smuggled,
			want: []int{200}, wantClose: true},
		{name: "Transfer-Encoding in obs-fold", raw: get + "Transfer-Encoding:\r\n chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + smuggled,
			want: []int{200}, wantClose: true},
		{name: "Transfer-Encoding Chunked, tab", raw: get + "Transfer-Encoding:\tChunked \r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + smuggled,
			want: []int{200}, wantClose: true},
		{name: "HTTP/1.0 keep-alive with chunked and Content-Length", raw: get10 + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + smuggled,
			want: []int{200}, wantClose: true},
		{name: "Content-Length hidden by obs-fold", raw: get + "X-A: 1\r\n Content-Length: 40\r\n\r\n" + smuggled,
			want: []int{400}, wantClose: true, wantDetail: "Ambiguous message framing: the X-A header field hides a Content-Length or Transfer-Encoding field (obs-fold, RFC 9112 §5.2); the connection is closed."},
		{name: "Transfer-Encoding hidden by obs-fold, lower case, two fields", raw: get + "X-B: 1\r\n\ttransfer-encoding : chunked\r\nX-A: 2\r\n Content-length:0\r\n\r\n" + smuggled,
			want: []int{400}, wantClose: true, wantDetail: "Ambiguous message framing: the X-A header field hides a Content-Length or Transfer-Encoding field (obs-fold, RFC 9112 §5.2); the connection is closed."},
		{name: "Transfer-Encoding gzip, chunked (net/http: 501)", raw: get + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + smuggled,
			want: []int{501}, wantClose: true},
		{name: "Transfer-Encoding twice (net/http: 501)", raw: get + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
			want: []int{501}, wantClose: true},
		// Unambiguous: the connection stays and both requests are answered.
		{name: "plain pipelined requests", raw: get + "\r\n" + smuggled, want: []int{200, 200}},
		{name: "Content-Length body", raw: get + "Content-Length: 5\r\n\r\nhello" + smuggled, want: []int{200, 200}},
		{name: "same Content-Length twice", raw: get + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello" + smuggled, want: []int{200, 200}},
		{name: "obs-fold without a framing field", raw: get + "X-A: a\r\n folded: b\r\n\r\n" + smuggled, want: []int{200, 200}},
		{name: "a framing word glued to another", raw: get + "X-A: my-content-length: 5\r\n\r\n" + smuggled, want: []int{200, 200}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A close comes at once; waiting longer only proves it never came (a loaded
			// machine may take a while to run the server's goroutine).
			linger := 300 * time.Millisecond
			if tc.wantClose {
				linger = 5 * time.Second
			}
			answers, closed := rawExchange(t, addr, tc.raw, len(tc.want), linger)
			for i, a := range answers {
				if a.status != tc.want[i] {
					t.Errorf("answer %d: status %d, want %d: %.200s", i+1, a.status, tc.want[i], a.body)
				}
			}
			if tc.wantClose != closed {
				t.Errorf("connection closed: %v, want %v", closed, tc.wantClose)
			}
			if tc.wantDetail != "" {
				if ct := answers[0].header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				if d := detail(t, answers[0].body); d != tc.wantDetail {
					t.Errorf("detail %q, want %q", d, tc.wantDetail)
				}
			}
		})
	}
}

// rawExchange writes raw on a new connection, reads n answers, then waits up to linger
// and reports whether the server closed the connection without sending anything more (a
// further answer fails the test: that is the smuggled request answered).
func rawExchange(t *testing.T, addr, raw string, n int, linger time.Duration) ([]answer, bool) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	var answers []answer
	for range n {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("answer %d of %d: %v", len(answers)+1, n, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("body of answer %d: %v", len(answers)+1, err)
		}
		answers = append(answers, answer{status: resp.StatusCode, header: resp.Header, body: body})
	}
	_ = conn.SetReadDeadline(time.Now().Add(linger))
	extra, err := io.ReadAll(br)
	if len(extra) > 0 {
		t.Errorf("%d more bytes after %d answers (a smuggled request answered?): %.200q", len(extra), n, extra)
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return answers, false
	}
	return answers, true
}
