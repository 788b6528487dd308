package schema

import (
	"strings"

	"github.com/pyairtable/pyairtable/server/storage"
)

// indexKeys is the key list of a user index on the table's current fields;
// "" when a field of the index is gone.
//
// A unique index lists its columns as they are: it enforces raw values. A
// plain index is shaped for the queries of record lists, so filters and
// sorts on its fields use it: a text field is keyed by lower(column), as
// filters and sorts compare text; every key sorts empty cells first, as an
// ascending sort does (a backward scan serves a descending sort, empty
// cells last); and seq ends the keys, so an index on the equality-filtered
// fields then the sort field serves a page in keyset order (sort key,
// seq) without sorting. SQLite sorts NULL first already and takes no
// NULLS FIRST in an index.
func indexKeys(engine storage.Engine, t *Table, fieldIDs []string, unique bool) string {
	keys := make([]string, 0, len(fieldIDs)+1)
	for _, id := range fieldIDs {
		f := t.field(id)
		if f == nil {
			return ""
		}
		col := quote(SourceColumn(f))
		if unique {
			keys = append(keys, col)
			continue
		}
		if textKind(f) {
			col = "lower(" + col + ")"
		}
		if engine == storage.Postgres {
			col += " NULLS FIRST"
		}
		keys = append(keys, col)
	}
	if !unique {
		keys = append(keys, "seq")
	}
	return strings.Join(keys, ", ")
}

// textKind reports whether a field holds plain text, which filters and
// sorts compare by lower(column).
func textKind(f *Field) bool {
	return Searchable(f.Kind()) && f.Kind().String() != "FIELD_TYPE_BARCODE"
}
