package contract

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// authMode is the Authorization header a request carries.
type authMode int

const (
	authBearer      authMode = iota // Authorization: Bearer <token>
	authNone                        // no Authorization header
	authWrongScheme                 // Authorization: Token <token>
	authBadToken                    // Authorization: Bearer <a malformed token>
	authBasic                       // Authorization: Basic <fixed, non-secret credentials> (generated cases)
	authBearerEmpty                 // Authorization: Bearer, with no token (generated cases)
)

// basicCredentials is what authBasic sends: base64("connreq:connreq"), never a secret.
const basicCredentials = "Y29ubnJlcTpjb25ucmVx"

// acceptNone, as request.accept, sends no Accept header at all.
const acceptNone = "-"

// badToken is what the bad-token case sends: not RFC 6750 token68 ('!' and no JWT
// shape), so no deployment can take it for a valid credential.
const badToken = "connreq-invalid-token!"

// maxRedirects bounds a redirect chain, as browsers do.
const maxRedirects = 10

// Redirect failures; the client returns them wrapped in a *url.Error.
var (
	errRedirectLoop    = errors.New("redirect loop")
	errRedirectTooMany = fmt.Errorf("more than %d redirects", maxRedirects)
	errRedirectOffHost = errors.New("redirect to another host refused")
)

// request is one request of a case: only safe methods exist here.
type request struct {
	method string // GET, HEAD or OPTIONS
	url    string
	auth   authMode
	// accept is the Accept header: "" application/json, acceptNone none, else the value.
	accept string
}

// exchange is a request and what came back, reduced to what the checks need. The body
// is dropped as soon as the checks of the page are done.
type exchange struct {
	req      request
	finalURL *url.URL // after same-host redirects
	status   int
	header   http.Header
	body     []byte
	latency  time.Duration
	// parts is the page as the schema check split it (validate_items.go), nil otherwise.
	parts *pageParts

	// failed names the response check the exchange failed (transport, timeout,
	// body-size, redirect), "" when a whole answer arrived.
	failed Check
	err    error
	// unreachable is true when no connection could be made at all.
	unreachable bool
}

// client sends the runner's requests: safe methods only, bounded concurrency and rate,
// a per-request timeout covering the body, a body size limit, and redirects followed
// only on the target's own scheme and host (so the token never leaves it).
type client struct {
	http    *http.Client
	token   string
	maxBody int64
	timeout time.Duration
	sem     chan struct{}
	rate    *limiter
	log     *slog.Logger
	origin  string // scheme://host of the target
}

func newClient(s *settings) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = s.Concurrency + 1
	tr.MaxConnsPerHost = s.Concurrency + 1
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if s.Insecure {
		tr.TLSClientConfig.InsecureSkipVerify = true
	}
	if s.roots != nil {
		tr.TLSClientConfig.RootCAs = s.roots
	}
	c := &client{
		token:   s.Token,
		maxBody: s.MaxBody,
		timeout: s.Timeout,
		sem:     make(chan struct{}, s.Concurrency),
		log:     s.Logger,
		origin:  origin(s.target),
	}
	if s.Rate > 0 {
		c.rate = &limiter{interval: time.Duration(float64(time.Second) / s.Rate)}
	}
	c.http = &http.Client{Transport: tr, CheckRedirect: c.checkRedirect}
	return c
}

// close releases idle connections.
func (c *client) close() { c.http.CloseIdleConnections() }

// origin is scheme://host[:port] of u, lower-cased.
func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// checkRedirect keeps redirects on the target's origin and stops loops. Go's client
// copies the Authorization header to a same-host redirect, which is what we want; any
// other host is refused outright rather than sent a request without it.
func (c *client) checkRedirect(req *http.Request, via []*http.Request) error {
	if origin(req.URL) != c.origin {
		return fmt.Errorf("%w: %s", errRedirectOffHost, req.URL.Redacted())
	}
	for _, v := range via {
		if v.URL.String() == req.URL.String() {
			return fmt.Errorf("%w: %s", errRedirectLoop, req.URL.Redacted())
		}
	}
	if len(via) >= maxRedirects {
		return errRedirectTooMany
	}
	return nil
}

// do sends r and reads the answer within the timeout and the size limit. It never
// returns an error: failures are recorded on the exchange for the checks to report.
func (c *client) do(ctx context.Context, r request) *exchange {
	ex := &exchange{req: r}
	switch r.method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		// Unreachable by construction; kept so that no change can make the runner write.
		ex.failed, ex.err = CheckTransport, fmt.Errorf("method %s refused: only GET, HEAD and OPTIONS are sent", r.method)
		return ex
	}
	if err := c.rate.wait(ctx); err != nil {
		ex.failed, ex.err = CheckTransport, err
		return ex
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		ex.failed, ex.err = CheckTransport, ctx.Err()
		return ex
	}
	defer func() { <-c.sem }()

	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, r.method, r.url, nil)
	if err != nil {
		ex.failed, ex.err = CheckTransport, fmt.Errorf("build request: %w", err)
		return ex
	}
	switch r.accept {
	case "":
		req.Header.Set("Accept", "application/json")
	case acceptNone:
	default:
		req.Header.Set("Accept", r.accept)
	}
	req.Header.Set("User-Agent", "connreq-contract")
	switch r.auth {
	case authBearer:
		req.Header.Set("Authorization", "Bearer "+c.token)
	case authWrongScheme:
		req.Header.Set("Authorization", "Token "+c.token)
	case authBadToken:
		req.Header.Set("Authorization", "Bearer "+badToken)
	case authBasic:
		req.Header.Set("Authorization", "Basic "+basicCredentials)
	case authBearerEmpty:
		req.Header.Set("Authorization", "Bearer")
	}

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		ex.latency = time.Since(start)
		c.classify(ctx, ex, err)
		c.logExchange(ex)
		return ex
	}
	defer resp.Body.Close()
	ex.finalURL = resp.Request.URL
	ex.status = resp.StatusCode
	ex.header = resp.Header
	if resp.ContentLength > c.maxBody {
		ex.latency = time.Since(start)
		ex.failed = CheckBodySize
		ex.err = fmt.Errorf("Content-Length %d exceeds the %s limit (--max-body)", resp.ContentLength, formatBytes(c.maxBody))
		c.logExchange(ex)
		return ex
	}
	body, err := readBody(resp.Body, resp.ContentLength, c.maxBody)
	ex.latency = time.Since(start)
	switch {
	case err != nil:
		c.classify(ctx, ex, fmt.Errorf("read body after %d bytes: %w", len(body), err))
	case int64(len(body)) > c.maxBody:
		ex.failed = CheckBodySize
		ex.err = fmt.Errorf("body exceeds the %s limit (--max-body); stopped reading", formatBytes(c.maxBody))
	default:
		ex.body = body
	}
	c.logExchange(ex)
	return ex
}

// classify records a transport error as the check it fails.
func (c *client) classify(ctx context.Context, ex *exchange, err error) {
	ex.err = err
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	switch {
	case ctx.Err() != nil:
		ex.failed = CheckTransport
		ex.err = fmt.Errorf("interrupted: %w", ctx.Err())
	case errors.Is(err, errRedirectLoop), errors.Is(err, errRedirectTooMany), errors.Is(err, errRedirectOffHost):
		ex.failed = CheckRedirect
	case errors.As(err, &dnsErr), errors.As(err, &certErr), errors.As(err, &unknownAuth),
		errors.As(err, &hostErr), errors.As(err, &recordErr):
		ex.failed, ex.unreachable = CheckTransport, true
	case errors.As(err, &opErr) && opErr.Op == "dial":
		ex.failed, ex.unreachable = CheckTransport, true
	case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		ex.failed = CheckTimeout
		ex.err = fmt.Errorf("no complete answer within %s (--timeout): %w", c.timeout, err)
	default:
		ex.failed = CheckTransport
	}
}

func (c *client) logExchange(ex *exchange) {
	if !c.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", ex.req.method),
		slog.String("url", ex.req.url),
		slog.Int("status", ex.status),
		slog.Int("bytes", len(ex.body)),
		slog.Duration("latency", ex.latency),
	}
	if ex.err != nil {
		attrs = append(attrs, slog.String("error", scrub(ex.err.Error(), c.token)))
	}
	c.log.LogAttrs(context.Background(), slog.LevelDebug, "request", attrs...)
}

// limiter spaces request starts by a fixed interval (a token bucket of size one).
type limiter struct {
	interval time.Duration
	mu       sync.Mutex
	next     time.Time
}

// wait blocks until the next request may start; a nil limiter never blocks.
func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// formatBytes renders a size for messages: "10 MiB", "512 KiB", "300 bytes".
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// readBody reads at most max+1 bytes of r (one more than allowed tells an oversized
// body), in one allocation when the length is announced.
func readBody(r io.Reader, length, max int64) ([]byte, error) {
	if length < 0 || length > max {
		return io.ReadAll(io.LimitReader(r, max+1))
	}
	buf := bytes.NewBuffer(make([]byte, 0, length+bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(r, max+1))
	return buf.Bytes(), err
}
