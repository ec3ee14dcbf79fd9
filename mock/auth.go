package mock

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxUserID is the largest id Django's 32-bit AutoField can hold.
const maxUserID = math.MaxInt32

// caller is the authenticated identity of a request.
type caller struct {
	userID int64 // 0: the token names nobody (the path decides)
	staff  bool
}

// validToken reports whether tok is RFC 6750 token68: [A-Za-z0-9-._~+/]+=*.
func validToken(tok string) bool {
	if tok == "" || len(tok) > 8192 {
		return false
	}
	i := 0
	for ; i < len(tok); i++ {
		c := tok[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' {
			continue
		}
		break
	}
	if i == 0 {
		return false
	}
	for ; i < len(tok); i++ {
		if tok[i] != '=' {
			return false
		}
	}
	return true
}

// authenticate resolves the Authorization header the way DRF + simplejwt do:
// no header or another scheme → "not provided"; a malformed or invalid token → 401.
func (s *Server) authenticate(header string) (caller, *apiError) {
	scheme, tok, n := authFields(header)
	if n == 0 || scheme != "Bearer" {
		return caller{}, errNotAuthenticated()
	}
	if n != 2 {
		return caller{}, errBadAuthHeader()
	}
	if !validToken(tok) {
		return caller{}, errBadToken()
	}
	if s.cfg.Tokens != nil {
		id, ok := s.cfg.Tokens[tok]
		if !ok {
			return caller{}, errBadToken()
		}
		return caller{userID: id.UserID, staff: id.Staff}, nil
	}
	userID, isJWT, ok := s.jwtUser(tok)
	if !ok {
		return caller{}, errBadToken()
	}
	if isJWT {
		return caller{userID: userID}, nil
	}
	if len(s.cfg.JWTSecret) > 0 {
		// With a secret configured, only verified JWTs are accepted, as in production.
		return caller{}, errBadToken()
	}
	return caller{}, nil
}

// authFields is strings.Fields(header) as authenticate reads it: the first two fields and
// their number (3 standing for "more than two"), without allocating for ASCII input.
func authFields(header string) (first, second string, n int) {
	for i := 0; i < len(header); i++ {
		if header[i] >= utf8.RuneSelf { // Unicode spaces: strings.Fields decides
			f := strings.Fields(header)
			switch len(f) {
			case 0:
				return "", "", 0
			case 1:
				return f[0], "", 1
			case 2:
				return f[0], f[1], 2
			}
			return f[0], f[1], 3
		}
	}
	var f [2]string
	for i := 0; i < len(header); {
		for i < len(header) && asciiSpace(header[i]) {
			i++
		}
		if i == len(header) {
			break
		}
		start := i
		for i < len(header) && !asciiSpace(header[i]) {
			i++
		}
		if n == 2 {
			return f[0], f[1], 3
		}
		f[n] = header[start:i]
		n++
	}
	return f[0], f[1], n
}

// asciiSpace is strings.Fields' set of ASCII spaces.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// jwtClaims are the simplejwt claims connreq reads.
type jwtClaims struct {
	UserID    json.RawMessage `json:"user_id"`
	TokenType string          `json:"token_type"`
	Exp       *float64        `json:"exp"`
}

// jwtUser reads a JWT's user_id. isJWT is false for opaque tokens; ok is false for a JWT
// whose signature or expiry fails when a secret is configured, or whose user_id is bad.
func (s *Server) jwtUser(tok string) (userID int64, isJWT, ok bool) {
	head, rest, found := strings.Cut(tok, ".")
	if !found {
		return 0, false, true
	}
	payload, sig, found := strings.Cut(rest, ".")
	if !found || strings.Contains(sig, ".") {
		return 0, false, true
	}
	rawHead, err1 := base64.RawURLEncoding.DecodeString(head)
	rawPayload, err2 := base64.RawURLEncoding.DecodeString(payload)
	if err1 != nil || err2 != nil {
		return 0, false, true // an opaque token that happens to contain dots
	}
	var claims jwtClaims
	if json.Unmarshal(rawPayload, &claims) != nil {
		return 0, false, true
	}
	if len(s.cfg.JWTSecret) > 0 {
		var h struct {
			Alg string `json:"alg"`
		}
		if json.Unmarshal(rawHead, &h) != nil || h.Alg != "HS256" {
			return 0, true, false
		}
		mac := hmac.New(sha256.New, s.cfg.JWTSecret)
		mac.Write([]byte(head + "." + payload))
		want := mac.Sum(nil)
		got, err := base64.RawURLEncoding.DecodeString(sig)
		if err != nil || !hmac.Equal(want, got) {
			return 0, true, false
		}
		if claims.Exp == nil || time.Unix(int64(*claims.Exp), 0).Before(s.cfg.Clock()) {
			return 0, true, false
		}
		if claims.TokenType != "" && claims.TokenType != "access" {
			return 0, true, false
		}
	}
	if len(claims.UserID) == 0 {
		return 0, false, true // a JWT without user_id names nobody
	}
	// simplejwt writes user_id as a number, or a string when the pk is one.
	raw := strings.Trim(string(claims.UserID), `"`)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 || id > maxUserID {
		return 0, true, false
	}
	return id, true, true
}
