package fieldtype_test

import (
	"errors"
	"testing"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
)

func TestAtPath(t *testing.T) {
	_, err := typeOf(t, tablev1.FieldType_FIELD_TYPE_NUMBER).Value(nil, value(t, "abc"), true, env)
	placed := fieldtype.AtPath(err, `records[3].fields["Price"]`)
	e, ok := apperr.As(placed)
	if !ok || e.Reason != fieldtype.ReasonInvalidCell {
		t.Fatalf("AtPath = %v", placed)
	}
	if want := `records[3].fields["Price"]: "abc" is not a number`; e.Message != want {
		t.Errorf("message %q, want %q", e.Message, want)
	}
	if len(e.Violations) != 1 || e.Violations[0].Path != `records[3].fields["Price"]` || e.Violations[0].Message != `"abc" is not a number` {
		t.Errorf("violations %+v", e.Violations)
	}
	if orig, _ := apperr.As(err); orig.Violations[0].Path != "" {
		t.Errorf("AtPath changed the original error")
	}
	plain := errors.New("x")
	if fieldtype.AtPath(plain, "p") != plain {
		t.Errorf("AtPath changed a plain error")
	}
}
