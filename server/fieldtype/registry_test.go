package fieldtype_test

import (
	"testing"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/storage"
)

func TestEveryKindIsRegistered(t *testing.T) {
	for n := range tablev1.FieldType_name {
		kind := tablev1.FieldType(n)
		typ, ok := fieldtype.Get(kind)
		if kind == tablev1.FieldType_FIELD_TYPE_UNSPECIFIED {
			if ok {
				t.Errorf("UNSPECIFIED is registered")
			}
			continue
		}
		if !ok || typ.Kind() != kind {
			t.Errorf("%s: Get = %v, %v", kind, typ, ok)
		}
	}
	all := fieldtype.All()
	if len(all) != len(tablev1.FieldType_name)-1 {
		t.Fatalf("All has %d types, want %d", len(all), len(tablev1.FieldType_name)-1)
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].Kind() >= all[i].Kind() {
			t.Fatalf("All is not in enum order at %d", i)
		}
	}
}

func TestEveryTypeHasSamples(t *testing.T) {
	s := samples(t)
	for _, typ := range fieldtype.All() {
		smp, ok := s[typ.Kind()]
		if !ok || len(smp.values) == 0 {
			t.Errorf("%s has no samples in samples_test.go", typ.Kind())
			continue
		}
		for _, v := range smp.values {
			if _, err := typ.Cell(smp.opts, v); err != nil {
				t.Errorf("%s sample %#v: Cell: %v", typ.Kind(), v, err)
			}
		}
	}
}

func TestColumns(t *testing.T) {
	want := map[tablev1.FieldType][2]string{
		tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT: {"TEXT", "TEXT"},
		tablev1.FieldType_FIELD_TYPE_NUMBER:           {"DOUBLE PRECISION", "REAL"},
		tablev1.FieldType_FIELD_TYPE_RATING:           {"BIGINT", "INTEGER"},
		tablev1.FieldType_FIELD_TYPE_CHECKBOX:         {"BOOLEAN", "INTEGER"},
		tablev1.FieldType_FIELD_TYPE_DATE:             {"DATE", "TEXT"},
		tablev1.FieldType_FIELD_TYPE_DATE_TIME:        {"TIMESTAMPTZ", "TIMESTAMP"},
		tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT:    {"TEXT", "TEXT"},
		tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS: {"JSONB", "TEXT"},
		tablev1.FieldType_FIELD_TYPE_JSON:             {"JSONB", "TEXT"},
		tablev1.FieldType_FIELD_TYPE_ATTACHMENT:       {"JSONB", "TEXT"},
		tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER:      {"", ""},
	}
	for kind, cols := range want {
		typ := typeOf(t, kind)
		if got := typ.Column(storage.Postgres); got != cols[0] {
			t.Errorf("%s on PostgreSQL: %q, want %q", kind, got, cols[0])
		}
		if got := typ.Column(storage.SQLite); got != cols[1] {
			t.Errorf("%s on SQLite: %q, want %q", kind, got, cols[1])
		}
	}
	for _, typ := range fieldtype.All() {
		computed := typ.Column(storage.Postgres) == ""
		if computed != typ.ReadOnly() {
			t.Errorf("%s: column %q but ReadOnly %v", typ.Kind(), typ.Column(storage.Postgres), typ.ReadOnly())
		}
		if typ.Column("oracle") != "" {
			t.Errorf("%s has a column for an unknown engine", typ.Kind())
		}
	}
}

func TestCanBePrimary(t *testing.T) {
	never := map[tablev1.FieldType]bool{
		tablev1.FieldType_FIELD_TYPE_CHECKBOX:         true,
		tablev1.FieldType_FIELD_TYPE_ATTACHMENT:       true,
		tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS: true,
		tablev1.FieldType_FIELD_TYPE_JSON:             true,
	}
	for _, typ := range fieldtype.All() {
		if typ.CanBePrimary() == never[typ.Kind()] {
			t.Errorf("%s: CanBePrimary = %v", typ.Kind(), typ.CanBePrimary())
		}
	}
}

func TestLabel(t *testing.T) {
	if got := fieldtype.Label(tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS); got != "multiple selects" {
		t.Errorf("Label = %q", got)
	}
}
