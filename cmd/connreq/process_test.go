//go:build linux

package main

// Helpers of the tests that run the built binary over loopback (hostile_test.go,
// load_test.go): build it once, start `connreq serve` as a child process, talk raw HTTP/1.1
// to it, read its peak RSS, stop it with SIGTERM.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var build struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// TestMain removes the binary built by connreqBinary, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		_ = os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// connreqBinary builds ./cmd/connreq once per test run, with -race when the tests run
// with it, so the server process is checked for data races too.
func connreqBinary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "connreq-e2e-")
		if build.err != nil {
			return
		}
		build.path = filepath.Join(build.dir, "connreq")
		args := []string{"build", "-o", build.path}
		if raceEnabled {
			args = append(args, "-race")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		goTool, err := exec.LookPath("go")
		if err != nil {
			build.err = fmt.Errorf("find the go command: %w", err)
			return
		}
		cmd := exec.CommandContext(ctx, goTool, append(args, ".")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

// procLog receives the server's stderr: it keeps the first maxProcLog bytes for messages,
// every line that reports a panic, a data race or a fatal error, and the listening address.
type procLog struct {
	mu      sync.Mutex
	partial []byte
	kept    bytes.Buffer
	lines   int
	bad     []string
	addr    chan string // gets the address of the "connreq serving" line, once
	addrSet bool
}

const maxProcLog = 4 << 20

func (l *procLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := maxProcLog - l.kept.Len(); room > 0 {
		l.kept.Write(p[:min(len(p), room)])
	}
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

func (l *procLog) line(s string) {
	l.lines++
	if strings.Contains(s, "panic") || strings.Contains(s, "DATA RACE") || strings.Contains(s, "fatal error") {
		l.bad = append(l.bad, s)
	}
	if !l.addrSet && strings.Contains(s, `"msg":"connreq serving"`) {
		var rec struct {
			URL string `json:"url"`
		}
		if json.Unmarshal([]byte(s), &rec) == nil && strings.HasPrefix(rec.URL, "http://") {
			l.addrSet = true
			l.addr <- strings.TrimPrefix(rec.URL, "http://")
		}
	}
}

// text returns the kept part of the log.
func (l *procLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.kept.String() + string(l.partial)
}

// problems returns the lines that report a panic, a data race or a fatal error.
func (l *procLog) problems() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.bad...)
}

// serveProc is a `connreq serve` child process listening on loopback.
type serveProc struct {
	cmd     *exec.Cmd
	addr    string // host:port
	log     *procLog
	exited  chan struct{}
	waitErr error
}

// startServe starts the built binary with `serve --addr 127.0.0.1:0 --log-format json` and
// args (later flags win), reads its address from the "connreq serving" log line, and stops it
// at the end of the test. The environment's CONNREQ_* variables are not passed on.
//
// With quiet, the access log is off (--log-level warn, for load runs); the startup line is
// then silent too, so a free port is picked first and passed as --addr.
func startServe(t testing.TB, quiet bool, args ...string) *serveProc {
	t.Helper()
	bin := connreqBinary(t)
	for attempt := 0; ; attempt++ {
		p, err := tryStartServe(bin, quiet, args)
		if err == nil {
			t.Cleanup(func() { p.kill() })
			return p
		}
		// A port picked for a quiet server may be taken by someone else meanwhile.
		if !quiet || attempt == 2 {
			t.Fatal(err)
		}
	}
}

func tryStartServe(bin string, quiet bool, args []string) (*serveProc, error) {
	full := []string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}
	addr := ""
	if quiet {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		addr = ln.Addr().String()
		_ = ln.Close()
		full = append(full, "--addr", addr, "--log-level", "warn")
	}
	full = append(full, args...)
	cmd := exec.Command(bin, full...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CONNREQ_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	log := &procLog{addr: make(chan string, 1)}
	cmd.Stdout = io.Discard
	cmd.Stderr = log
	// The server dies with the test process, whatever happens to the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &serveProc{cmd: cmd, log: log, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	deadline := time.After(60 * time.Second)
	if quiet {
		for {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				_ = c.Close()
				p.addr = addr
				return p, nil
			}
			select {
			case <-p.exited:
				return nil, fmt.Errorf("connreq serve exited (%v) before listening:\n%s", p.waitErr, log.text())
			case <-deadline:
				p.kill()
				return nil, fmt.Errorf("connreq serve not listening on %s after 60s:\n%s", addr, log.text())
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	select {
	case p.addr = <-log.addr:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("connreq serve exited (%v) before listening:\n%s", p.waitErr, log.text())
	case <-deadline:
		p.kill()
		return nil, fmt.Errorf("connreq serve printed no address after 60s:\n%s", log.text())
	}
}

// terminate sends SIGTERM and waits up to limit for the exit; it returns the exit code
// and how long the exit took (-1 and limit when the process had to be killed).
func (p *serveProc) terminate(limit time.Duration) (code int, took time.Duration) {
	start := time.Now()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode(), time.Since(start)
	case <-time.After(limit):
		p.kill()
		return -1, limit
	}
}

// kill stops the process now if it still runs, and waits for it.
func (p *serveProc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// memory reads the process's peak and current resident set size (VmHWM, VmRSS) in bytes.
func (p *serveProc) memory() (peak, current int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		f := strings.Fields(rest) // "12345 kB"
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("unexpected %s line %q", name, line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, err
		}
		if name == "VmHWM" {
			peak = kb << 10
		} else {
			current = kb << 10
		}
	}
	if peak == 0 {
		return 0, 0, errors.New("no VmHWM in /proc/PID/status")
	}
	return peak, current, nil
}

// checkLog fails the test if the server logged a panic, a data race or a fatal error.
func (p *serveProc) checkLog(t testing.TB) {
	t.Helper()
	if bad := p.log.problems(); len(bad) > 0 {
		t.Errorf("server stderr reports %d problem lines, first: %s", len(bad), bad[0])
	}
}

// rawAnswer is one HTTP answer read off a raw connection.
type rawAnswer struct {
	status int
	header http.Header
	body   []byte
	close  bool // the answer said Connection: close (or HTTP/1.0 without keep-alive)
}

// exchange writes raw on a fresh connection to addr and reads one answer per entry of
// methods (the method tells http.ReadResponse whether a body follows). It then waits up to
// linger for more bytes: closed reports that the server closed the connection, extra that
// it sent bytes nobody asked for. Every step has a deadline, so nothing can hang.
func exchange(addr string, raw []byte, methods []string, halfClose bool, timeout, linger time.Duration) (answers []rawAnswer, closed bool, extra []byte, err error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, false, nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	// Write while reading: the server may answer (431, 400) and close before it has read all.
	wrote := make(chan error, 1)
	go func() {
		_, werr := conn.Write(raw)
		if werr == nil && halfClose {
			werr = conn.(*net.TCPConn).CloseWrite()
		}
		wrote <- werr
	}()
	defer func() {
		_ = conn.Close() // unblocks the writer
		<-wrote
	}()
	br := bufio.NewReader(conn)
	for _, m := range methods {
		resp, rerr := http.ReadResponse(br, &http.Request{Method: m})
		if rerr != nil {
			return answers, false, nil, fmt.Errorf("read answer %d of %d: %w", len(answers)+1, len(methods), rerr)
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		if rerr != nil {
			return answers, false, nil, fmt.Errorf("read body of answer %d (status %d): %w", len(answers)+1, resp.StatusCode, rerr)
		}
		answers = append(answers, rawAnswer{status: resp.StatusCode, header: resp.Header, body: body, close: resp.Close})
	}
	_ = conn.SetReadDeadline(time.Now().Add(linger))
	rest, rerr := io.ReadAll(br)
	var nerr net.Error
	switch {
	case rerr == nil, errors.Is(rerr, syscall.ECONNRESET):
		closed = true
	case errors.As(rerr, &nerr) && nerr.Timeout():
	default:
		return answers, false, rest, rerr
	}
	return answers, closed, rest, nil
}

// freshGet sends one GET with Connection: close and returns status and body.
func freshGet(addr, target string, header ...string) (int, []byte, error) {
	raw := "GET " + target + " HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n"
	for _, h := range header {
		raw += h + "\r\n"
	}
	answers, _, _, err := exchange(addr, []byte(raw+"\r\n"), []string{http.MethodGet}, false, 10*time.Second, 0)
	if err != nil {
		return 0, nil, err
	}
	return answers[0].status, answers[0].body, nil
}

// serverGoroutines reads the goroutine count from /__connreq/health.
func serverGoroutines(addr string) (int, error) {
	status, body, err := freshGet(addr, "/__connreq/health")
	if err != nil {
		return 0, err
	}
	var h struct {
		Goroutines *int `json:"goroutines"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &h) != nil || h.Goroutines == nil {
		return 0, fmt.Errorf("health: status %d, body %.200s", status, body)
	}
	return *h.Goroutines, nil
}
