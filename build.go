package connreq

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Release builds may set these with the linker, which wins over what the Go toolchain
// recorded: go build -ldflags "-X github.com/connreq/connreq.version=v1.2.3
// -X github.com/connreq/connreq.revision=$(git rev-parse HEAD)". They are never
// assigned at run time.
var (
	version  string
	revision string
)

// Build says which connreq this is: module version, VCS revision and state, toolchain.
type Build struct {
	// Version is the module version: a release tag (go install …@v1.2.3), a
	// pseudo-version stamped from the checkout (v0.0.0-20261206…-abcdef123456+dirty), or
	// "devel" when the toolchain recorded none.
	Version string `json:"version"`
	// Revision is the VCS commit the binary was built from ("" when unknown).
	Revision string `json:"revision"`
	// Time is the commit time of Revision, RFC 3339 ("" when unknown).
	Time string `json:"time,omitempty"`
	// Modified reports a build from a working tree with uncommitted changes.
	Modified bool `json:"modified"`
	// GoVersion is the toolchain that built the binary.
	GoVersion string `json:"go"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform"`
}

// BuildInfo returns the Build of the running binary (runtime/debug.ReadBuildInfo, then
// the linker overrides).
func BuildInfo() Build {
	bi, _ := debug.ReadBuildInfo()
	return buildFrom(bi, version, revision)
}

// buildFrom is BuildInfo over the given build information and overrides.
func buildFrom(bi *debug.BuildInfo, ldVersion, ldRevision string) Build {
	b := Build{Version: "devel", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if bi.GoVersion != "" {
			b.GoVersion = bi.GoVersion
		}
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			b.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if ldVersion != "" {
		b.Version = ldVersion
	}
	if ldRevision != "" {
		b.Revision = ldRevision
	}
	return b
}

// String is the one-word version shown in health answers, reports and recordings: the
// module version, with the short revision when that is all there is ("devel-abcdef123456"),
// and "+dirty" when built from a modified tree and the version does not say so already.
func (b Build) String() string {
	s := b.Version
	if s == "devel" && b.Revision != "" {
		s += "-" + b.Revision[:min(12, len(b.Revision))]
	}
	if b.Modified && !strings.HasSuffix(s, "+dirty") {
		s += "+dirty"
	}
	return s
}
