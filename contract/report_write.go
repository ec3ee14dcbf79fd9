package contract

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Status is the one-word verdict of a report: passed, failed or unreachable.
func (r *Report) Status() string {
	switch {
	case r.Unreachable != "":
		return "unreachable"
	case r.Summary().Failed > 0:
		return "failed"
	}
	return "passed"
}

// TextOptions tunes WriteText.
type TextOptions struct {
	// Color adds ANSI colours; set it for a terminal when NO_COLOR is not set.
	Color bool
	// Verbose lists skipped results with their reasons, not only failures.
	Verbose bool
}

// ANSI styles.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
)

// WriteText writes the report for people: a header, every failure with its request,
// JSON path, expected and actual values and a curl line, a table per check, a verdict.
func (r *Report) WriteText(w io.Writer, o TextOptions) error {
	bw := bufio.NewWriter(w)
	paint := func(style, s string) string {
		if !o.Color {
			return s
		}
		return style + s + ansiReset
	}
	mode := "faithful"
	if r.Strict {
		mode = "strict"
	}
	fmt.Fprintf(bw, "%s %s · user %s\n", paint(ansiBold, "connreq contract"), r.Target, r.User)
	fmt.Fprintf(bw, "spec: %s %s · %s mode · connreq %s\n", r.Spec.Title, r.Spec.Version, mode, r.Connreq)
	if r.Baseline != "" {
		fmt.Fprintf(bw, "baseline: %s\n", r.Baseline)
	}
	if r.Unreachable != "" {
		fmt.Fprintf(bw, "\n%s the target is unreachable: %s\n", paint(ansiRed+ansiBold, "ERROR"), r.Unreachable)
		fmt.Fprintf(bw, "\n%s · no check ran\n", paint(ansiRed+ansiBold, "UNREACHABLE"))
		return bw.Flush()
	}
	fmt.Fprintf(bw, "%d cases · %d requests · %s\n", r.Cases, r.Requests, r.Duration.Round(time.Millisecond))
	if g := r.Generate; g != nil {
		writeGenerateHeader(bw, g)
	}

	for _, res := range r.Results {
		switch {
		case res.Outcome == Failed:
			fmt.Fprintf(bw, "\n%s %s  %s\n", paint(ansiRed+ansiBold, "FAIL"), res.Case, paint(ansiBold, string(res.Check)))
			for i, f := range res.Failures {
				if i > 0 {
					fmt.Fprintln(bw)
				}
				fmt.Fprintf(bw, "     %s\n", f.Request)
				if f.Path != "" {
					fmt.Fprintf(bw, "     at %s\n", f.Path)
				}
				if f.Expected != "" || f.Actual != "" {
					fmt.Fprintf(bw, "     expected: %s\n", f.Expected)
					fmt.Fprintf(bw, "     actual:   %s\n", f.Actual)
				}
				fmt.Fprintf(bw, "     %s\n", f.Message)
				if f.Curl != "" {
					fmt.Fprintf(bw, "     %s\n", paint(ansiDim, "$ "+f.Curl))
				}
				if f.ID != "" {
					fmt.Fprintf(bw, "     case %s · re-run it: connreq contract … %s\n", f.ID, replayHint(r.Generate, f.ID))
				}
			}
			if res.MoreFailures > 0 {
				fmt.Fprintf(bw, "     … and %d more failures of this check in this case\n", res.MoreFailures)
			}
		case res.Outcome == Skipped && o.Verbose:
			fmt.Fprintf(bw, "\n%s %s  %s: %s\n", paint(ansiYellow, "SKIP"), res.Case, res.Check, res.Reason)
		}
	}

	fmt.Fprintf(bw, "\n%-22s %6s %6s %6s\n", "check", "passed", "failed", "skipped")
	for _, t := range r.ByCheck() {
		failed := fmt.Sprintf("%6d", t.Failed)
		if t.Failed > 0 {
			failed = paint(ansiRed+ansiBold, failed)
		}
		fmt.Fprintf(bw, "  %-20s %6d %s %6d\n", t.Check, t.Passed, failed, t.Skipped)
	}
	s := r.Summary()
	verdict := paint(ansiGreen+ansiBold, "PASSED")
	if s.Failed > 0 {
		verdict = paint(ansiRed+ansiBold, "FAILED")
	}
	fmt.Fprintf(bw, "\n%s · %d failed, %d passed, %d skipped (results of %d checks on %d cases)\n",
		verdict, s.Failed, s.Passed, s.Skipped, len(r.ByCheck()), r.Cases)
	return bw.Flush()
}

// jsonReport is the --json document.
type jsonReport struct {
	Tool        string        `json:"tool"`
	Connreq     string        `json:"connreq"`
	Status      string        `json:"status"`
	Target      string        `json:"target"`
	Baseline    string        `json:"baseline,omitempty"`
	User        string        `json:"user"`
	Spec        SpecInfo      `json:"spec"`
	Strict      bool          `json:"strict"`
	Started     time.Time     `json:"started"`
	DurationMS  int64         `json:"duration_ms"`
	Requests    int64         `json:"requests"`
	Cases       int           `json:"cases"`
	Unreachable string        `json:"unreachable,omitempty"`
	Generate    *GenerateInfo `json:"generate,omitempty"`
	Summary     Summary       `json:"summary"`
	Checks      []CheckTotals `json:"checks"`
	Results     []Result      `json:"results"`
}

// WriteJSON writes the machine-readable report (indented JSON).
func (r *Report) WriteJSON(w io.Writer) error {
	doc := jsonReport{
		Tool:        "connreq contract",
		Connreq:     r.Connreq,
		Status:      r.Status(),
		Target:      r.Target,
		Baseline:    r.Baseline,
		User:        r.User,
		Spec:        r.Spec,
		Strict:      r.Strict,
		Started:     r.Started,
		DurationMS:  r.Duration.Milliseconds(),
		Requests:    r.Requests,
		Cases:       r.Cases,
		Unreachable: r.Unreachable,
		Generate:    r.Generate,
		Summary:     r.Summary(),
		Checks:      r.ByCheck(),
		Results:     r.Results,
	}
	if doc.Checks == nil {
		doc.Checks = []CheckTotals{}
	}
	if doc.Results == nil {
		doc.Results = []Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// JUnit XML, in the shape Jenkins, GitLab, GitHub Actions reporters and Azure read:
// <testsuites> of one <testsuite> per case, one <testcase> per check.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML for CI systems.
func (r *Report) WriteJUnit(w io.Writer) error {
	s := r.Summary()
	doc := junitSuites{
		Name:     "connreq contract",
		Tests:    len(r.Results),
		Failures: s.Failed,
		Skipped:  s.Skipped,
		Time:     seconds(r.Duration),
	}
	stamp := r.Started.UTC().Format("2006-01-02T15:04:05")
	props := []junitProperty{
		{Name: "target", Value: r.Target},
		{Name: "user", Value: r.User},
		{Name: "spec", Value: strings.TrimSpace(r.Spec.Title + " " + r.Spec.Version)},
		{Name: "strict", Value: fmt.Sprint(r.Strict)},
		{Name: "connreq", Value: r.Connreq},
	}
	if r.Baseline != "" {
		props = append(props, junitProperty{Name: "baseline", Value: r.Baseline})
	}
	if g := r.Generate; g != nil {
		props = append(props, junitProperty{Name: "seed", Value: fmt.Sprint(g.Seed)},
			junitProperty{Name: "generate", Value: fmt.Sprint(g.PerOperation)})
	}
	if r.Unreachable != "" {
		doc.Tests, doc.Errors = 1, 1
		doc.Suites = []junitSuite{{
			Name: "connreq contract", Tests: 1, Errors: 1, Time: seconds(r.Duration), Timestamp: stamp, Properties: props,
			Cases: []junitCase{{
				Name: "reachable", Classname: "connreq.contract", Time: seconds(r.Duration),
				Error: &junitMessage{Message: "target unreachable", Type: "unreachable", Text: r.Unreachable},
			}},
		}}
	}
	idx := map[string]int{}
	for _, res := range r.Results {
		i, ok := idx[res.Case]
		if !ok {
			i = len(doc.Suites)
			idx[res.Case] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: res.Case, Time: "0", Timestamp: stamp, Properties: props})
		}
		su := &doc.Suites[i]
		tc := junitCase{Name: string(res.Check), Classname: "connreq.contract." + res.Case, Time: "0"}
		su.Tests++
		switch res.Outcome {
		case Failed:
			su.Failures++
			first := res.Failures[0]
			tc.Failure = &junitMessage{Message: first.Message, Type: string(res.Check), Text: failureText(res)}
		case Skipped:
			su.Skipped++
			tc.Skipped = &junitMessage{Message: res.Reason}
		}
		su.Cases = append(su.Cases, tc)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// failureText is the body of a JUnit failure: every kept failure, as in the text report.
func failureText(res Result) string {
	var b strings.Builder
	for i, f := range res.Failures {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s\n", f.Request)
		if f.Path != "" {
			fmt.Fprintf(&b, "at %s\n", f.Path)
		}
		if f.Expected != "" || f.Actual != "" {
			fmt.Fprintf(&b, "expected: %s\nactual:   %s\n", f.Expected, f.Actual)
		}
		fmt.Fprintf(&b, "%s\n", f.Message)
		if f.Curl != "" {
			fmt.Fprintf(&b, "$ %s\n", f.Curl)
		}
		if f.ID != "" {
			fmt.Fprintf(&b, "case %s\n", f.ID)
		}
	}
	if res.MoreFailures > 0 {
		fmt.Fprintf(&b, "… and %d more failures\n", res.MoreFailures)
	}
	return b.String()
}

// seconds renders a duration as JUnit's decimal seconds.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}

// writeGenerateHeader says how the generated part of a run went.
func writeGenerateHeader(w io.Writer, g *GenerateInfo) {
	switch {
	case g.Replay != "":
		fmt.Fprintf(w, "replay: case %s · seed %d\n", g.Replay, g.Seed)
	case g.PerOperation > 0:
		stop := "all drawn"
		if g.Stopped == "budget" {
			stop = "stopped by the budget " + g.Budget.String()
		}
		fmt.Fprintf(w, "generated: seed %d · %d per operation · %d requests drawn in %s (%s) · %d requests shrinking\n",
			g.Seed, g.PerOperation, g.Requests, g.Duration.Round(time.Millisecond), stop, g.ShrinkSent)
	}
	if g.CorpusFolder != "" {
		fmt.Fprintf(w, "corpus: %s · %d cases replayed · %d added\n", g.CorpusFolder, g.CorpusRun, len(g.CorpusAdded))
	}
	for _, p := range g.Problems {
		fmt.Fprintf(w, "corpus: %s\n", p)
	}
}

// replayHint is the flags that re-run one case.
func replayHint(g *GenerateInfo, id string) string {
	if g == nil {
		return "--replay-failure " + id
	}
	if g.CorpusFolder != "" {
		return "--corpus " + shellQuote(g.CorpusFolder) + " --replay-failure " + id
	}
	return fmt.Sprintf("--seed %d --generate %d --replay-failure %s", g.Seed, g.PerOperation, id)
}
