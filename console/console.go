package console

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed assets
var assets embed.FS

// ContentSecurityPolicy is sent with every console answer: only the console's own files run
// or style the page, it fetches only from its own origin, it cannot be framed, and with
// Trusted Types required no string can ever be parsed as HTML by a DOM sink (the page builds
// every node with textContent, so data from a response is always text).
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; " +
	"require-trusted-types-for 'script'; trusted-types 'none'"

// contentType is fixed here rather than taken from mime.TypeByExtension, which the
// machine's /etc/mime.types may change: the same binary sends the same headers everywhere.
func contentType(ext string) string {
	switch ext {
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return ""
}

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string // strong: a hash of body
}

// Handler serves the console's files: "/" (and "") is the page, "/console.js",
// "/console.css" and "/favicon.svg" what it loads; anything else is a plain 404.
type Handler struct {
	files map[string]asset // by request path
}

// New loads the embedded files and computes their ETags once.
func New() (*Handler, error) {
	h := &Handler{files: map[string]asset{}}
	err := fs.WalkDir(assets, "assets", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assets.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		ct := contentType(path.Ext(name))
		if ct == "" {
			return fmt.Errorf("asset %s: no content type for its extension", name)
		}
		sum := sha256.Sum256(body)
		a := asset{body: body, contentType: ct, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`}
		rel := strings.TrimPrefix(name, "assets")
		if rel == "/index.html" {
			rel = "/"
		}
		h.files[rel] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console assets: %w", err)
	}
	if _, ok := h.files["/"]; !ok {
		return nil, fmt.Errorf("console assets: no index.html")
	}
	return h, nil
}

// Paths lists the request paths the handler answers, the page ("/") first.
func (h *Handler) Paths() []string {
	var out []string
	for p := range h.files {
		if p != "/" {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return append([]string{"/"}, out...)
}

// Size is the total size in bytes of the console's files: what a first visit downloads.
func (h *Handler) Size() int {
	n := 0
	for _, a := range h.files {
		n += len(a.body)
	}
	return n
}

// ServeHTTP answers GET and HEAD for the files, revalidated by ETag (304 when unchanged):
// Cache-Control no-cache makes a browser ask every time, and a new binary never leaves it
// with a stale script. The request path is relative to where the console is mounted.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	setSecurityHeaders(hdr)
	p := r.URL.Path
	if p == "" {
		p = "/"
	}
	a, ok := h.files[p]
	if !ok {
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
		hdr.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("404: no such console file\n"))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte("405: the console answers GET and HEAD\n"))
		return
	}
	hdr.Set("ETag", a.etag)
	hdr.Set("Cache-Control", "no-cache")
	if etagMatches(r.Header.Get("If-None-Match"), a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(a.body)
	}
}

// setSecurityHeaders sets what every console answer carries, a 404 included.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// etagMatches applies If-None-Match's weak comparison: "*" or any listed tag equal to etag,
// with or without the W/ prefix.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
