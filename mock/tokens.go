package mock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v4"
)

// LoadTokens reads a --tokens file (YAML or JSON): a map from token to
// {user_id, staff}. Errors name the file and the entry number, never a token.
func LoadTokens(path string) (map[string]Identity, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load tokens: %w", err)
	}
	return ParseTokens(path, data)
}

// ParseTokens decodes the bytes of a --tokens file named name.
func ParseTokens(name string, data []byte) (map[string]Identity, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var raw map[string]Identity
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("load tokens %s: the file is empty", name)
		}
		return nil, fmt.Errorf("load tokens %s: %w", name, err)
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("load tokens %s: no tokens defined", name)
	}
	i := 0
	for tok, id := range raw {
		i++
		if !validToken(tok) {
			return nil, fmt.Errorf("load tokens %s: a token is not a well-formed bearer token (RFC 6750 token68 characters only)", name)
		}
		if id.UserID < 1 || id.UserID > maxUserID {
			return nil, fmt.Errorf("load tokens %s: user_id must be between 1 and %d (got %d)", name, maxUserID, id.UserID)
		}
	}
	return raw, nil
}
