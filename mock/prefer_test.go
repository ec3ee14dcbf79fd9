package mock

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParsePrefer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		lines   []string
		want    prefs
		wantErr string // substring; "" for none
	}{
		{name: "none"},
		{name: "scenario", lines: []string{"scenario=empty"}, want: prefs{scenario: "empty", applied: []string{"scenario=empty"}}},
		{name: "combined", lines: []string{`code=404, Delay = 250ms ;x=1, scenario="all-null"`},
			want: prefs{code: 404, delay: 250 * time.Millisecond, scenario: "all-null", applied: []string{"code=404", "delay=250ms", "scenario=all-null"}}},
		{name: "two lines, first wins", lines: []string{"code=401", "code=403, respond-async"}, want: prefs{code: 401, applied: []string{"code=401"}}},
		{name: "unknown ignored", lines: []string{"return=minimal, wait=10, handling=lenient"}},
		{name: "delay ms and range", lines: []string{"delay=100..900ms"}, want: prefs{delay: 100 * time.Millisecond, delayMax: 900 * time.Millisecond, applied: []string{"delay=100..900ms"}}},
		{name: "drip params", lines: []string{"fault=drip; bytes=64; interval=10ms"}, want: prefs{drip: 10 * time.Millisecond, dripSize: 64, applied: []string{"fault=drip"}}},
		{name: "empty elements", lines: []string{" , ,fault=reset,"}, want: prefs{reset: true, applied: []string{"fault=reset"}}},
		{name: "bad code", lines: []string{"code=abc"}, wantErr: `code must be a 3-digit HTTP status, like code=404 (got "abc")`},
		{name: "bad fault", lines: []string{"fault=explode"}, wantErr: `unknown fault "explode"; valid faults: reset, truncate, drip`},
		{name: "bad delay", lines: []string{"delay=soon"}, wantErr: `delay must be a duration like 250ms`},
		{name: "delay too long", lines: []string{"delay=1h"}, wantErr: `delay must be between 0 and 5m0s (got "1h")`},
		{name: "bad syntax", lines: []string{"scenario=empty code=404"}, wantErr: "malformed Prefer header: expected ',' or the end at byte 15"},
		{name: "unterminated quote", lines: []string{`scenario="empty`}, wantErr: "malformed Prefer header"},
		{name: "missing value", lines: []string{"scenario="}, wantErr: "malformed Prefer header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parsePrefer(tc.lines)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(prefs{})); diff != "" {
				t.Errorf("prefs (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParsePrefer(f *testing.F) {
	for _, s := range []string{"scenario=empty", `code=404, delay="250ms"; a=b`, "fault=drip; bytes=1", ",,", "a=\"\\\"\"", "delay=1..2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePrefer([]string{s})
		if err != nil {
			return
		}
		if p.delay < 0 || p.delay > maxPreferDelay || p.delayMax < 0 || (p.delayMax != 0 && p.delayMax <= p.delay) {
			t.Fatalf("delay out of range: %v..%v", p.delay, p.delayMax)
		}
		if p.code != 0 && (p.code < 100 || p.code > 599) {
			t.Fatalf("code %d", p.code)
		}
		// Parsing is a pure function.
		q, err2 := parsePrefer([]string{s})
		if !errors.Is(err2, err) || !cmp.Equal(p, q, cmp.AllowUnexported(prefs{})) {
			t.Fatal("second parse differs")
		}
		// The first instance of a preference wins (RFC 7240 §2): a repeated line, or the same
		// preferences again after a comma, change nothing.
		for _, lines := range [][]string{{s, s}, {s + "," + s}} {
			r, err := parsePrefer(lines)
			if err != nil || !cmp.Equal(p, r, cmp.AllowUnexported(prefs{})) {
				t.Fatalf("%q: %+v, %v; want %+v", lines, r, err, p)
			}
		}
		// Preference-Applied names each honoured preference once, as name=value.
		seen := map[string]bool{}
		for _, a := range p.applied {
			name, _, ok := strings.Cut(a, "=")
			if !ok || seen[name] || !slices.Contains([]string{"scenario", "code", "delay", "fault"}, name) {
				t.Fatalf("applied %q", p.applied)
			}
			seen[name] = true
		}
		if p.drip != 0 && (p.drip < 0 || p.drip > maxPreferDelay || p.dripSize < 1 || p.dripSize > 1<<20) {
			t.Fatalf("drip %v of %d bytes", p.drip, p.dripSize)
		}
		if p.scenario == "" && seen["scenario"] {
			t.Fatalf("scenario applied without a name: %q", p.applied)
		}
	})
}
