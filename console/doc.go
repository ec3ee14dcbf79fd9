// Package console serves the QA console, a single page at /__connreq/ that lists the
// scenarios, explores pagination from the browser as a client would, and shows the request
// journal live. Its HTML, CSS and JavaScript are embedded in the binary: no CDN, no font,
// no build step; the page works offline. The mock wires Handler into its admin area; this
// package knows nothing of the mock beyond the admin URLs the page itself calls.
package console
