package filter

import (
	"fmt"
	"strconv"
	"strings"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Sort is a checked sort.
type Sort struct {
	// Field is the field records are sorted by.
	Field *schema.Field
	// Descending is true for largest first.
	Descending bool
}

// ValidateSorts checks sorts against a table's fields: at most MaxSorts,
// fields named by id or by name (ignoring case), each field once, of a type
// records can be sorted by (see Sortable). Errors are one *apperr.Error of
// kind InvalidArgument, reason ReasonInvalidSort, with violations at paths
// into a request field named "sorts", such as "sorts[1].field".
func ValidateSorts(sorts []*tablev1.Sort, fields []*schema.Field) ([]Sort, error) {
	c := newChecker(fields, false)
	if len(sorts) > MaxSorts {
		c.add("sorts", "sort.max_items", "lists %d sorts; at most %d", len(sorts), MaxSorts)
		return nil, c.err(ReasonInvalidSort)
	}
	out := c.sorts(sorts)
	if err := c.err(ReasonInvalidSort); err != nil {
		return nil, err
	}
	return out, nil
}

// PruneSorts resolves stored sorts against a table's current fields,
// leaving out those whose field was deleted or can no longer be sorted by.
// It returns the sorts that apply and the ids of the fields left out.
func PruneSorts(sorts []*tablev1.Sort, fields []*schema.Field) ([]Sort, []string) {
	c := newChecker(fields, true)
	return c.sorts(sorts), c.stale
}

func (c *checker) sorts(sorts []*tablev1.Sort) []Sort {
	var out []Sort
	seen := map[string]int{}
	for i, s := range sorts {
		path := "sorts[" + strconv.Itoa(i) + "]"
		f := c.field(s.GetField())
		switch {
		case f == nil && c.lenient:
			c.markStale(s.GetField())
			continue
		case f == nil:
			c.add(path+".field", "sort.field.exists", "no field %s in the table (name a field by id or by name)", strconv.Quote(s.GetField()))
			continue
		case !Sortable(f.Kind()) && c.lenient:
			c.markStale(f.ID)
			continue
		case !Sortable(f.Kind()):
			c.add(path+".field", "sort.field.type", "records cannot be sorted by the %s field %s", typeName(f.Kind()), strconv.Quote(f.Name))
			continue
		}
		if j, dup := seen[f.ID]; dup {
			if !c.lenient {
				c.add(path+".field", "sort.field.unique", "sorts by %s, as sorts[%d] does; sort by each field once", strconv.Quote(f.Name), j)
			}
			continue
		}
		seen[f.ID] = i
		dir := s.GetDirection()
		if _, known := tablev1.SortDirection_name[int32(dir)]; !known {
			if !c.lenient {
				c.add(path+".direction", "sort.direction", "%d is not a direction", dir)
			}
			continue
		}
		out = append(out, Sort{Field: f, Descending: dir == tablev1.SortDirection_SORT_DIRECTION_DESCENDING})
	}
	return out
}

// SortsProto returns sorts as the contract's Sort messages, fields named by
// id and the direction explicit: the form to store.
func SortsProto(sorts []Sort) []*tablev1.Sort {
	out := make([]*tablev1.Sort, len(sorts))
	for i, s := range sorts {
		dir := tablev1.SortDirection_SORT_DIRECTION_ASCENDING
		if s.Descending {
			dir = tablev1.SortDirection_SORT_DIRECTION_DESCENDING
		}
		out[i] = &tablev1.Sort{Field: s.Field.ID, Direction: dir}
	}
	return out
}

// OrderBy turns sorts into an ORDER BY list for bun (without the ORDER BY
// keywords), with "?" placeholders and their arguments. Text sorts ignoring
// case; selects by the position of the (first) choice among the field's
// choices; collaborators by display name, else email, from the users
// table. Empty cells come first in ascending order and last in descending
// order, on both engines. The list always ends with "seq ASC", so records
// that tie keep their insertion order.
func OrderBy(sorts []Sort, engine storage.Engine, columnOf ColumnOf) (string, []any, error) {
	c := &compiler{engine: engine, columnOf: columnOf}
	var parts []string
	for _, s := range sorts {
		expr, err := c.sortKey(s.Field)
		if err != nil {
			return "", nil, err
		}
		if expr == "" {
			continue
		}
		if s.Descending {
			parts = append(parts, expr+" DESC NULLS LAST")
		} else {
			parts = append(parts, expr+" ASC NULLS FIRST")
		}
	}
	parts = append(parts, "seq ASC")
	return strings.Join(parts, ", "), c.args, nil
}

// sortKey is the SQL a field sorts by; "" when there is nothing to sort
// by (a select field without choices).
func (c *compiler) sortKey(f *schema.Field) (string, error) {
	col, err := column(c.columnOf, f)
	if err != nil {
		return "", err
	}
	switch familyOf(f.Kind()) {
	case familyText:
		return "lower(" + col + ")", nil
	case familyBarcode:
		return "lower(" + jsonText(c.engine, col, "text") + ")", nil
	case familyNumber, familyCheckbox, familyDate, familyInstant:
		return col, nil
	case familySelect:
		return c.choicePosition(f, col), nil
	case familyMulti:
		first := "(" + col + " ->> 0)"
		if c.engine != storage.Postgres {
			first = "json_extract(" + col + ", '$[0]')"
		}
		return c.choicePosition(f, first), nil
	case familyUser:
		return "(SELECT lower(COALESCE(NULLIF(su.display_name, ''), su.email, su.id)) FROM users AS su WHERE su.id = " + col + ")", nil
	}
	return "", apperr.Wrap(fmt.Errorf("field %s (%s) cannot be sorted by", f.ID, f.Type), "sort")
}

// choicePosition is the SQL of a choice id's position among the field's
// choices; NULL for no choice (or one the field no longer has).
func (c *compiler) choicePosition(f *schema.Field, expr string) string {
	_, opts := f.TypeOptions()
	choices := opts.GetSelect().GetChoices()
	if len(choices) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("CASE " + expr)
	for i, ch := range choices {
		b.WriteString(" WHEN " + c.arg(ch.GetId()) + " THEN " + strconv.Itoa(i))
	}
	b.WriteString(" END")
	return b.String()
}
