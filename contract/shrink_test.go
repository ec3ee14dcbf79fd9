package contract

import (
	"math/big"
	"testing"
)

// Numbers shrink to the threshold of the failure they show, in few requests.
func TestShrinkNumber(t *testing.T) {
	t.Parallel()
	atLeast := func(t string) func(string) bool {
		th, _ := new(big.Int).SetString(t, 10)
		return func(s string) bool {
			n, ok := new(big.Int).SetString(s, 10)
			return ok && n.Cmp(th) >= 0
		}
	}
	tests := []struct {
		name  string
		from  string
		fails func(string) bool
		want  string
		most  int // requests
	}{
		{name: "past 64 bits", from: "9527333099603672605031636971265408687615883701369534", fails: atLeast("18446744073709551616"), want: "18446744073709551616", most: 20},
		{name: "past 63 bits", from: "18446744073709551615", fails: atLeast("9223372036854775808"), want: "9223372036854775808", most: 20},
		{name: "any number", from: "987654", fails: func(string) bool { return true }, want: "0", most: 1},
		{name: "a threshold that is not a power of two", from: "5000", fails: atLeast("1000"), want: "1000", most: 40},
		{name: "one odd value", from: "37", fails: func(s string) bool { return s == "37" }, want: "37", most: 20},
		{name: "leading zeros", from: "0042", fails: func(s string) bool { return s == "42" || s == "0042" }, want: "42", most: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			got := shrinkNumber(tt.from, func(s string) bool { calls++; return tt.fails(s) })
			if got != tt.want {
				t.Errorf("shrinkNumber(%s) = %s, want %s", tt.from, got, tt.want)
			}
			if calls > tt.most {
				t.Errorf("%d requests, want at most %d", calls, tt.most)
			}
			if !tt.fails(got) {
				t.Errorf("%s does not fail any more", got)
			}
		})
	}
}

// Text shrinks to the shortest value that still fails; a %XX escape is one unit.
func TestShrinkValue(t *testing.T) {
	t.Parallel()
	sh := &shrinker{}
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'a'
	}
	tests := []struct {
		name  string
		from  string
		fails func(string) bool
		want  string
	}{
		{name: "longer than 255", from: string(long), fails: func(s string) bool { return len(s) > 255 }, want: string(long[:256])},
		{name: "any text", from: "abc%20def", fails: func(string) bool { return true }, want: ""},
		{name: "an escape kept whole", from: "x%EF%BC%95y", fails: func(s string) bool { return len(s) >= 3 && s[:3] == "%EF" || len(s) >= 4 && s[1:4] == "%EF" }, want: "%EF"},
		{name: "nothing smaller fails", from: "a+b", fails: func(s string) bool { return s == "a+b" }, want: "a+b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := sh.shrinkValue(tt.from, tt.fails); got != tt.want {
				t.Errorf("shrinkValue(%q) = %q, want %q", tt.from, got, tt.want)
			}
		})
	}
}
