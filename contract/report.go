package contract

import (
	"time"
)

// Outcome is the verdict of one check on one case.
type Outcome string

// Outcomes.
const (
	Passed  Outcome = "passed"
	Failed  Outcome = "failed"
	Skipped Outcome = "skipped"
)

// maxFailuresKept bounds the failures kept per (case, check); the rest are counted.
const maxFailuresKept = 5

// Report is the result of a run: one Result per (case, check), in plan order.
type Report struct {
	Target string `json:"target"` // credentials removed
	// Baseline is the deployment or recording answers were diffed with, "" for none.
	Baseline string   `json:"baseline,omitempty"`
	User     string   `json:"user"`
	Spec     SpecInfo `json:"spec"`
	// Connreq is the version of connreq that ran the checks (connreq.Build.String).
	Connreq  string        `json:"connreq"`
	Strict   bool          `json:"strict"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"-"`
	Requests int64         `json:"requests"`
	Cases    int           `json:"cases"`
	Results  []Result      `json:"results"`
	// Unreachable is set when the run stopped because the target could not be reached.
	Unreachable string `json:"unreachable,omitempty"`
	// Generate describes the generated requests, the corpus and a replay; nil without them.
	Generate *GenerateInfo `json:"generate,omitempty"`
}

// SpecInfo names the OpenAPI document the run used.
type SpecInfo struct {
	Title   string `json:"title"`
	Version string `json:"version"`
}

// Result is the verdict of one check on one case.
type Result struct {
	Case      string  `json:"case"`      // operation/case, e.g. getUserConnectionRequests/walk
	Operation string  `json:"operation"` // operationId
	Check     Check   `json:"check"`
	Outcome   Outcome `json:"outcome"`
	// Evaluations counts the answers (or pages) the check looked at.
	Evaluations int `json:"evaluations"`
	// Reason says why a skipped check could not be evaluated.
	Reason   string    `json:"reason,omitempty"`
	Failures []Failure `json:"failures,omitempty"`
	// MoreFailures counts the failures beyond those kept.
	MoreFailures int `json:"more_failures,omitempty"`
}

// Failure is one broken expectation, with what it takes to reproduce it.
type Failure struct {
	Request  string `json:"request"`            // "GET https://…"
	Path     string `json:"path,omitempty"`     // JSON path in the body ($.results[3].created) or a header
	Expected string `json:"expected,omitempty"` // truncated
	Actual   string `json:"actual,omitempty"`   // truncated
	Message  string `json:"message"`
	Curl     string `json:"curl,omitempty"` // the token elided as $CONNREQ_TOKEN
	// ID is the stable case id of a generated or corpus failure (--replay-failure ID).
	ID string `json:"id,omitempty"`
}

// Summary counts results by outcome.
type Summary struct {
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

// Summary counts the report's results.
func (r *Report) Summary() Summary {
	var s Summary
	for _, res := range r.Results {
		switch res.Outcome {
		case Passed:
			s.Passed++
		case Failed:
			s.Failed++
		default:
			s.Skipped++
		}
	}
	return s
}

// Err is nil when every check passed, a *ChecksFailedError when one failed, and an
// *UnreachableError when the target could not be reached.
func (r *Report) Err() error {
	if r.Unreachable != "" {
		return &UnreachableError{Target: r.Target, Err: errString(r.Unreachable)}
	}
	s := r.Summary()
	if s.Failed > 0 {
		return &ChecksFailedError{Failed: s.Failed, Total: len(r.Results)}
	}
	return nil
}

// errString is an error whose text is already final.
type errString string

func (e errString) Error() string { return string(e) }

// CheckTotals counts one check's results over every case.
type CheckTotals struct {
	Check Check `json:"check"`
	Summary
}

// ByCheck counts results per check, in catalogue order; checks without results are left out.
func (r *Report) ByCheck() []CheckTotals {
	idx := map[Check]int{}
	var out []CheckTotals
	for _, c := range Checks() {
		idx[c] = len(out)
		out = append(out, CheckTotals{Check: c})
	}
	for _, res := range r.Results {
		i, ok := idx[res.Check]
		if !ok {
			continue
		}
		switch res.Outcome {
		case Passed:
			out[i].Passed++
		case Failed:
			out[i].Failed++
		default:
			out[i].Skipped++
		}
	}
	kept := out[:0]
	for _, t := range out {
		if t.Passed+t.Failed+t.Skipped > 0 {
			kept = append(kept, t)
		}
	}
	return kept
}
