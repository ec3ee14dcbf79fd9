// Package connreq holds the OpenAPI document that drives every connreq job: it embeds
// openapi.yaml and loads and validates it, or a user-supplied replacement.
package connreq

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var specYAML []byte

// ErrSpec marks an OpenAPI document that cannot be read, parsed or validated.
var ErrSpec = errors.New("invalid OpenAPI document")

// SpecError says which document failed to load and why.
type SpecError struct {
	Source string // file name, or "embedded openapi.yaml"
	Err    error
}

// Error implements error.
func (e *SpecError) Error() string { return fmt.Sprintf("%s: %v", e.Source, e.Err) }

// Unwrap returns the underlying cause.
func (e *SpecError) Unwrap() error { return e.Err }

// Is reports that every SpecError is an ErrSpec.
func (e *SpecError) Is(target error) bool { return target == ErrSpec }

// SpecYAML returns a copy of the embedded openapi.yaml bytes.
func SpecYAML() []byte { return append([]byte(nil), specYAML...) }

// Load parses and validates the embedded openapi.yaml.
func Load() (*openapi3.T, error) {
	return parse("embedded openapi.yaml", specYAML)
}

// LoadFile parses and validates the OpenAPI document at path; errors name the file.
func LoadFile(path string) (*openapi3.T, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, &SpecError{Source: path, Err: err}
	}
	doc, err := parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	return doc, data, nil
}

// LoadSpec loads path, or the embedded document when path is empty, and returns its bytes too.
func LoadSpec(path string) (*openapi3.T, []byte, error) {
	if path == "" {
		doc, err := Load()
		return doc, SpecYAML(), err
	}
	return LoadFile(path)
}

func parse(source string, data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, &SpecError{Source: source, Err: fmt.Errorf("parse: %w", err)}
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, &SpecError{Source: source, Err: fmt.Errorf("validate: %w", err)}
	}
	if doc.Paths == nil || doc.Paths.Len() == 0 {
		return nil, &SpecError{Source: source, Err: errors.New("validate: the document declares no paths")}
	}
	return doc, nil
}
