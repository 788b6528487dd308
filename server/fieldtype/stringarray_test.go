package fieldtype

import (
	"encoding/json"
	"slices"
	"testing"
)

// plainStringArray agrees with encoding/json wherever it answers, and
// hands everything it cannot read plainly (escapes, commas or quotes in
// strings, non-strings, null) back.
func TestPlainStringArray(t *testing.T) {
	for _, in := range []string{
		`[]`, ` [ ] `, `["selA"]`, `["selA","selB"]`, `[ "a" , "b" ]`, `[""]`, `["a,b"]`, `["a\"b"]`, `["a\\b"]`,
		`["\u00e9"]`, `[1]`, `["a",]`, `[,"a"]`, `null`, `"a"`, `[`, `["a"`, `["a" "b"]`, `["é", "ß"]`,
	} {
		got, ok := plainStringArray(in)
		var want []string
		werr := json.Unmarshal([]byte(in), &want)
		if !ok {
			continue
		}
		if werr != nil {
			t.Errorf("plainStringArray(%s) = %q; encoding/json refuses it: %v", in, got, werr)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("plainStringArray(%s) = %q; encoding/json reads %q", in, got, want)
		}
	}
	for _, in := range []string{`["a,b"]`, `["a\"b"]`, `null`, `[1]`} {
		if _, ok := plainStringArray(in); ok {
			t.Errorf("plainStringArray(%s) answered; want it handed to encoding/json", in)
		}
	}
	if got, ok := plainStringArray(`["selA","selB"]`); !ok || !slices.Equal(got, []string{"selA", "selB"}) {
		t.Errorf(`plainStringArray(["selA","selB"]) = %q, %v`, got, ok)
	}
}
