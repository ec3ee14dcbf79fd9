package contract

import (
	"errors"
	"fmt"
	"strings"
)

// Exit codes of connreq contract (README "Exit codes"); the error types below carry them.
const (
	exitFailed      = 1
	exitConfig      = 2
	exitUnreachable = 3
)

// Sentinel errors, for errors.Is.
var (
	// ErrChecksFailed: the run finished and at least one check failed.
	ErrChecksFailed = errors.New("contract checks failed")
	// ErrUnreachable: the target could not be reached at all.
	ErrUnreachable = errors.New("target unreachable")
	// ErrConfig: the Config (or the spec it is used with) is invalid.
	ErrConfig = errors.New("invalid configuration")
)

// ChecksFailedError reports how many (case, check) results failed.
type ChecksFailedError struct {
	Failed int // failing results
	Total  int // all results, skipped ones included
}

// Error implements error.
func (e *ChecksFailedError) Error() string {
	return fmt.Sprintf("%d of %d contract check results failed", e.Failed, e.Total)
}

// Is makes errors.Is(err, ErrChecksFailed) true.
func (e *ChecksFailedError) Is(target error) bool { return target == ErrChecksFailed }

// ExitCode is 1: at least one check failed.
func (e *ChecksFailedError) ExitCode() int { return exitFailed }

// UnreachableError says why the first request got no answer at all: DNS, connection
// refused, TLS handshake or certificate, or a dial timeout.
type UnreachableError struct {
	Target string // the target, credentials removed
	Err    error
}

// Error implements error.
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("target %s unreachable: %v", e.Target, e.Err)
}

// Unwrap returns the cause.
func (e *UnreachableError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnreachable) true.
func (e *UnreachableError) Is(target error) bool { return target == ErrUnreachable }

// ExitCode is 3: the target is unreachable.
func (e *UnreachableError) ExitCode() int { return exitUnreachable }

// ConfigError lists every invalid Config field as "field: rule (got value)".
type ConfigError struct {
	Problems []string
}

// Error implements error.
func (e *ConfigError) Error() string {
	return "invalid configuration: " + strings.Join(e.Problems, "; ")
}

// Is makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// ExitCode is 2: a usage or configuration error.
func (e *ConfigError) ExitCode() int { return exitConfig }
