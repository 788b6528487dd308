package api

import (
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
)

// TestParseFieldPath checks that violation paths become protovalidate
// field paths, quoted keys holding any character included.
func TestParseFieldPath(t *testing.T) {
	cases := map[string]string{
		"name":                         `{"elements":[{"fieldName":"name"}]}`,
		"sorts[1].field":               `{"elements":[{"fieldName":"sorts","index":"1"},{"fieldName":"field"}]}`,
		`records[3].fields["Price"]`:   `{"elements":[{"fieldName":"records","index":"3"},{"fieldName":"fields","stringKey":"Price"}]}`,
		`records[0].fields["a]b.\"c"]`: `{"elements":[{"fieldName":"records","index":"0"},{"fieldName":"fields","stringKey":"a]b.\"c"}]}`,
		`fields["Unit price"].options`: `{"elements":[{"fieldName":"fields","stringKey":"Unit price"},{"fieldName":"options"}]}`,
	}
	for path, want := range cases {
		got, err := protojson.Marshal(ParseFieldPath(path))
		if err != nil {
			t.Fatal(err)
		}
		if compact(string(got)) != compact(want) {
			t.Errorf("ParseFieldPath(%s) = %s; want %s", path, got, want)
		}
	}
}

// compact drops the spaces protojson may put between elements.
func compact(s string) string {
	out := make([]rune, 0, len(s))
	inString := false
	for i, r := range s {
		if r == '"' && (i == 0 || s[i-1] != '\\') {
			inString = !inString
		}
		if !inString && (r == ' ' || r == '\n') {
			continue
		}
		out = append(out, r)
	}
	return string(out)
}
