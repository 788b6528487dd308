package filter

import (
	"github.com/pyairtable/pyairtable/server/storage"
)

// Key is one sort key as SQL: the expression records are ordered by, with
// its "?" placeholders' arguments, and its direction. Keyset pagination
// compares rows with the same expressions that order them.
type Key struct {
	// Sort is the sort the key comes from.
	Sort Sort
	// SQL is the expression (lower(col) for text, a CASE for selects, …).
	SQL string
	// Args are the arguments of SQL's placeholders.
	Args []any
}

// Keys returns the sort keys of sorts, in order, as OrderBy orders by
// them (ascending keys put empty cells first, descending keys last); sorts
// with nothing to sort by (a select field without choices) are left out.
// OrderBy's list is Keys' expressions with their directions, then
// "seq ASC".
func Keys(sorts []Sort, engine storage.Engine, columnOf ColumnOf) ([]Key, error) {
	var out []Key
	for _, s := range sorts {
		c := &compiler{engine: engine, columnOf: columnOf}
		expr, err := c.sortKey(s.Field)
		if err != nil {
			return nil, err
		}
		if expr == "" {
			continue
		}
		out = append(out, Key{Sort: s, SQL: expr, Args: c.args})
	}
	return out, nil
}
