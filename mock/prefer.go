package mock

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/connreq/connreq/state"
)

// prefs are the preferences of a Prefer header (RFC 7240) that connreq honours. Others are
// ignored, as RFC 7240 asks.
type prefs struct {
	scenario string
	session  string // the state session (state.ValidSession), "" for the default
	code     int
	delay    time.Duration // fixed delay, or the low end of a jittered one
	delayMax time.Duration // the high end of a jittered delay, else 0
	reset    bool
	truncate bool
	drip     time.Duration
	dripSize int
	applied  []string // "name=value" of each honoured preferElem, for Preference-Applied
}

// Bounds of the Prefer values.
const (
	maxPreferDelay  = 5 * time.Minute
	defaultDripStep = 100 * time.Millisecond
	defaultDripSize = 2048
)

// preferFaults lists the values of fault=, for error messages.
const preferFaults = "reset, truncate, drip (drip takes the parameters bytes=N and interval=DURATION)"

// parsePrefer reads every Prefer header line. A syntax error, or a known preferElem with a
// bad value, is an error whose text says what is valid.
func parsePrefer(lines []string) (prefs, error) {
	var p prefs
	seen := map[string]bool{}
	for _, line := range lines {
		items, err := splitPreferences(line)
		if err != nil {
			return p, err
		}
		for _, it := range items {
			// RFC 7240 §2: only the first instance of a preferElem counts.
			if seen[it.name] {
				continue
			}
			seen[it.name] = true
			if err := p.apply(it); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

// preferElem is one element of a Prefer header (a "preference" in RFC 7240): token [= word] *(; param).
type preferElem struct {
	name, value string
	hasValue    bool
	params      []preferElem
}

func (p *prefs) apply(it preferElem) error {
	switch it.name {
	case "scenario":
		if it.value == "" {
			return errors.New("scenario needs a name, like scenario=empty")
		}
		p.scenario = it.value
	case "session":
		if !state.ValidSession(it.value) {
			return fmt.Errorf("session must be 1 to 64 of A-Z a-z 0-9 . _ ~ -, like session=suite-a (got %q)", truncate(it.value, 64))
		}
		p.session = it.value
	case "code":
		n, err := strconv.Atoi(it.value)
		if err != nil || n < 100 || n > 599 || len(it.value) != 3 {
			return fmt.Errorf("code must be a 3-digit HTTP status, like code=404 (got %q)", it.value)
		}
		p.code = n
	case "delay":
		lo, hi, ok := strings.Cut(it.value, "..")
		d, err := parseDelay(lo)
		if err != nil {
			return err
		}
		p.delay = d
		if ok {
			dmax, err := parseDelay(hi)
			if err != nil {
				return err
			}
			if dmax <= d {
				return fmt.Errorf("delay range must grow, like delay=100ms..900ms (got %q)", it.value)
			}
			p.delayMax = dmax
		}
	case "fault":
		switch it.value {
		case "reset":
			p.reset = true
		case "truncate":
			p.truncate = true
		case "drip":
			p.drip, p.dripSize = defaultDripStep, defaultDripSize
			for _, prm := range it.params {
				switch prm.name {
				case "bytes":
					n, err := strconv.Atoi(prm.value)
					if err != nil || n < 1 || n > 1<<20 {
						return fmt.Errorf("fault=drip; bytes must be between 1 and %d (got %q)", 1<<20, prm.value)
					}
					p.dripSize = n
				case "interval":
					d, err := parseDelay(prm.value)
					if err != nil || d == 0 {
						return fmt.Errorf("fault=drip; interval must be a positive duration up to %s (got %q)", maxPreferDelay, prm.value)
					}
					p.drip = d
				}
			}
		default:
			return fmt.Errorf("unknown fault %q; valid faults: %s", it.value, preferFaults)
		}
	default:
		return nil // not ours: ignored (RFC 7240 §2)
	}
	p.applied = append(p.applied, it.name+"="+it.value)
	return nil
}

// parseDelay reads a Go duration (250ms, 2s) or a number of milliseconds.
func parseDelay(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		n, nerr := strconv.Atoi(s)
		if nerr != nil {
			return 0, fmt.Errorf("delay must be a duration like 250ms or 2s, or a range like 100ms..900ms (got %q)", s)
		}
		d = time.Duration(n) * time.Millisecond
	}
	if d < 0 || d > maxPreferDelay {
		return 0, fmt.Errorf("delay must be between 0 and %s (got %q)", maxPreferDelay, s)
	}
	return d, nil
}

// errPreferSyntax is wrapped by every syntax error of a Prefer header.
var errPreferSyntax = errors.New("malformed Prefer header")

// splitPreferences parses one header line:
//
//	1#preferElem
//	preferElem = token [ BWS "=" BWS word ] *( OWS ";" [ OWS parameter ] )
//	parameter  = token [ BWS "=" BWS word ]
//	word       = token / quoted-string
//
// Empty list elements are allowed, as in every #rule. Names are case-insensitive.
func splitPreferences(s string) ([]preferElem, error) {
	var out []preferElem
	i := 0
	bad := func(what string) ([]preferElem, error) {
		return nil, fmt.Errorf("%w: %s at byte %d of %q; want name[=value][; param=value], comma-separated (RFC 7240)", errPreferSyntax, what, i, truncate(s, 120))
	}
	for {
		i = skipOWS(s, i)
		if i == len(s) {
			return out, nil
		}
		if s[i] == ',' {
			i++
			continue
		}
		var it preferElem
		var ok bool
		if it.name, it.value, it.hasValue, i, ok = nameValue(s, i); !ok {
			return bad("expected a preferElem name or a well-formed value")
		}
		for {
			j := skipOWS(s, i)
			if j == len(s) || s[j] != ';' {
				i = j
				break
			}
			j = skipOWS(s, j+1)
			if j == len(s) || s[j] == ',' || s[j] == ';' {
				i = j
				continue
			}
			var prm preferElem
			if prm.name, prm.value, prm.hasValue, i, ok = nameValue(s, j); !ok {
				i = j
				return bad("expected a parameter")
			}
			it.params = append(it.params, prm)
		}
		out = append(out, it)
		if i < len(s) && s[i] != ',' {
			return bad("expected ',' or the end")
		}
	}
}

// nameValue parses token [ BWS "=" BWS word ] at s[i:].
func nameValue(s string, i int) (name, value string, hasValue bool, next int, ok bool) {
	j := i
	for j < len(s) && isTokenChar(s[j]) {
		j++
	}
	if j == i {
		return "", "", false, i, false
	}
	name = strings.ToLower(s[i:j])
	k := skipOWS(s, j)
	if k == len(s) || s[k] != '=' {
		return name, "", false, j, true
	}
	k = skipOWS(s, k+1)
	if k < len(s) && s[k] == '"' {
		var b strings.Builder
		for k++; k < len(s); k++ {
			switch c := s[k]; {
			case c == '"':
				return name, b.String(), true, k + 1, true
			case c == '\\' && k+1 < len(s):
				k++
				b.WriteByte(s[k])
			case c < 0x20 && c != '\t' || c == 0x7f:
				return "", "", false, k, false
			default:
				b.WriteByte(c)
			}
		}
		return "", "", false, k, false
	}
	v := k
	for v < len(s) && isTokenChar(s[v]) {
		v++
	}
	if v == k {
		return "", "", false, k, false
	}
	return name, s[k:v], true, v, true
}

func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// isTokenChar reports whether c is an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
