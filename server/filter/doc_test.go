package filter_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/filter"
)

// TestDocumentedOperatorTable checks the table of docs/filters.md against
// the code: each field type's operators and whether it can be sorted by.
func TestDocumentedOperatorTable(t *testing.T) {
	doc, err := os.ReadFile("../../docs/filters.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[tablev1.FieldType]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(line, "| FIELD_TYPE_") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), "|")
		if len(cells) != 3 {
			t.Fatalf("row %q: want 3 cells", line)
		}
		name := strings.TrimSpace(cells[0])
		n, ok := tablev1.FieldType_value[name]
		if !ok {
			t.Errorf("docs/filters.md names an unknown type %s", name)
			continue
		}
		kind := tablev1.FieldType(n)
		seen[kind] = true
		var documented []tablev1.Operator
		for _, op := range strings.Split(cells[1], ",") {
			v, ok := tablev1.Operator_value["OPERATOR_"+strings.TrimSpace(op)]
			if !ok {
				t.Errorf("%s: unknown operator %q", name, op)
				continue
			}
			documented = append(documented, tablev1.Operator(v))
		}
		slices.Sort(documented)
		if got := filter.Operators(kind); !slices.Equal(documented, got) {
			t.Errorf("%s: docs/filters.md lists %v; the code allows %v", name, documented, got)
		}
		if sortable := strings.TrimSpace(cells[2]) == "yes"; sortable != filter.Sortable(kind) {
			t.Errorf("%s: docs/filters.md says sortable %t; the code says %t", name, sortable, filter.Sortable(kind))
		}
	}
	for n := range tablev1.FieldType_name {
		if kind := tablev1.FieldType(n); kind != tablev1.FieldType_FIELD_TYPE_UNSPECIFIED && !seen[kind] {
			t.Errorf("docs/filters.md has no row for %s", kind)
		}
	}
}
