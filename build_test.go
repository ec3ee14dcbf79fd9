package connreq

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuildFrom(t *testing.T) {
	t.Parallel()
	platform := runtime.GOOS + "/" + runtime.GOARCH
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-06T02:00:00Z"}, {Key: "vcs.modified", Value: "true"}}
	tests := []struct {
		name       string
		bi         *debug.BuildInfo
		ldVersion  string
		ldRevision string
		want       Build
		wantString string
	}{
		{name: "no build information", want: Build{Version: "devel", GoVersion: runtime.Version(), Platform: platform}, wantString: "devel"},
		{name: "go install of a release", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}},
			want: Build{Version: "v1.2.3", GoVersion: "go1.26.8", Platform: platform}, wantString: "v1.2.3"},
		{name: "checkout with uncommitted changes", bi: &debug.BuildInfo{GoVersion: "go1.26.8",
			Main: debug.Module{Version: "v0.0.0-20261206020000-0123456789ab+dirty"}, Settings: vcs},
			want: Build{Version: "v0.0.0-20261206020000-0123456789ab+dirty", Revision: "0123456789abcdef0123456789abcdef01234567",
				Time: "2026-12-06T02:00:00Z", Modified: true, GoVersion: "go1.26.8", Platform: platform},
			wantString: "v0.0.0-20261206020000-0123456789ab+dirty"},
		{name: "devel with a revision", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs},
			want: Build{Version: "devel", Revision: "0123456789abcdef0123456789abcdef01234567", Time: "2026-12-06T02:00:00Z",
				Modified: true, GoVersion: "go1.26.8", Platform: platform},
			wantString: "devel-0123456789ab+dirty"},
		{name: "linker overrides win", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			ldVersion: "v2.0.0", ldRevision: "feedface",
			want:       Build{Version: "v2.0.0", Revision: "feedface", GoVersion: "go1.26.8", Platform: platform},
			wantString: "v2.0.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := buildFrom(tc.bi, tc.ldVersion, tc.ldRevision)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if s := got.String(); s != tc.wantString {
				t.Errorf("String() = %q, want %q", s, tc.wantString)
			}
		})
	}
}
