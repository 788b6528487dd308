package filter

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
)

// ColumnOf returns the SQL expression of a field's column in the query: a
// quoted column name such as `"c3"`, qualified when the query joins other
// tables (`r."c3"`), or the system column a computed field reads (seq,
// created_at, updated_at, created_by, updated_by). "" means the field has
// no column, which Compile and OrderBy report as an Internal error.
type ColumnOf func(*schema.Field) string

// Compile turns a tree into a WHERE fragment for bun: SQL with "?"
// placeholders, and their arguments. The nil tree gives "" (no condition).
// now is the current time, from which relative dates are counted.
//
// On both engines text compares ignoring case (lower() on both sides,
// Unicode-aware on SQLite too), LIKE patterns escape % and _, a multiple
// selects column (a JSON array of choice ids) is searched with
// jsonb_array_elements_text (PostgreSQL) or json_each (SQLite), dates
// compare as DATE (PostgreSQL) or as "YYYY-MM-DD" text (SQLite), and
// date-times as instants: the bounds of a day in the condition's time zone.
// Negation is pushed down to the conditions, each of which handles empty
// cells itself, so every condition is true or false, never NULL.
func Compile(t *Tree, engine storage.Engine, columnOf ColumnOf, now time.Time) (string, []any, error) {
	if t == nil || t.root == nil {
		return "", nil, nil
	}
	c := &compiler{engine: engine, columnOf: columnOf, now: now}
	var b strings.Builder
	if err := c.node(&b, t.root, false); err != nil {
		return "", nil, err
	}
	return b.String(), c.args, nil
}

type compiler struct {
	engine   storage.Engine
	columnOf ColumnOf
	now      time.Time
	args     []any
}

// arg adds an argument and returns its placeholder.
func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "?"
}

// argList adds arguments and returns their placeholders, each wrapped by
// wrap ("lower(%s)"), joined by commas.
func (c *compiler) argList(values []string, wrap string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprintf(wrap, c.arg(v))
	}
	return strings.Join(parts, ", ")
}

func (c *compiler) node(b *strings.Builder, n *node, negate bool) error {
	switch n.kind {
	case nodeAnd, nodeOr:
		join := " AND "
		if (n.kind == nodeOr) != negate {
			join = " OR "
		}
		b.WriteByte('(')
		for i, child := range n.children {
			if i > 0 {
				b.WriteString(join)
			}
			if err := c.node(b, child, negate); err != nil {
				return err
			}
		}
		b.WriteByte(')')
		return nil
	case nodeNot:
		return c.node(b, n.children[0], !negate)
	default:
		sql, err := c.condition(n.cond, negate)
		if err != nil {
			return err
		}
		b.WriteString(sql)
		return nil
	}
}

// column returns the SQL of a field's column.
func column(columnOf ColumnOf, f *schema.Field) (string, error) {
	col := ""
	if columnOf != nil {
		col = columnOf(f)
	}
	if col == "" {
		return "", apperr.Wrap(fmt.Errorf("field %s (%s) has no column", f.ID, f.Type), "compile filter")
	}
	return col, nil
}

// jsonText is the SQL of a text member of a JSON object column.
func jsonText(engine storage.Engine, col, key string) string {
	if engine == storage.Postgres {
		return "(" + col + " ->> '" + key + "')"
	}
	return "json_extract(" + col + ", '$." + key + "')"
}

// jsonLength is the SQL of the length of a JSON array column.
func jsonLength(engine storage.Engine, col string) string {
	if engine == storage.Postgres {
		return "jsonb_array_length(" + col + ")"
	}
	return "json_array_length(" + col + ")"
}

// jsonHas is the SQL that is true when the JSON array column holds one of
// the placeholders' values.
func jsonHas(engine storage.Engine, col, placeholders string) string {
	if engine == storage.Postgres {
		return "EXISTS (SELECT 1 FROM jsonb_array_elements_text(" + col + ") AS fv(v) WHERE fv.v IN (" + placeholders + "))"
	}
	return "EXISTS (SELECT 1 FROM json_each(" + col + ") AS fv WHERE fv.value IN (" + placeholders + "))"
}

// positive turns an operator into its positive form and whether the
// positive form is negated: NOT_EQUAL is not EQUAL, an unchecked checkbox
// is not a checked one.
func positive(cond *Condition) (tablev1.Operator, bool) {
	switch cond.Operator {
	case opNotEqual:
		if familyOf(cond.Field.Kind()) == familyCheckbox {
			return opEqual, cond.flag
		}
		return opEqual, true
	case opEqual:
		if familyOf(cond.Field.Kind()) == familyCheckbox {
			return opEqual, !cond.flag
		}
	case opNotContains:
		return opContains, true
	case opNotEmpty:
		return opEmpty, true
	case opNoneOf:
		return opAnyOf, true
	case opHasNone:
		return opHasAny, true
	}
	return cond.Operator, false
}

// condition compiles one condition, negated or not.
func (c *compiler) condition(cond *Condition, negate bool) (string, error) {
	col, err := column(c.columnOf, cond.Field)
	if err != nil {
		return "", err
	}
	fam := familyOf(cond.Field.Kind())
	expr := col
	if fam == familyBarcode {
		expr = jsonText(c.engine, col, "text")
	}
	op, flip := positive(cond)
	if flip {
		negate = !negate
	}
	// sql is true when the condition holds; when nullable it is NULL for
	// an empty cell (expr IS NULL), else it is never NULL.
	var sql string
	nullable := true
	switch op {
	case opEmpty:
		nullable = false
		switch fam {
		case familyText, familyBarcode, familyUser:
			sql = "(" + expr + " IS NULL OR " + expr + " = '')"
		case familyMulti, familyList:
			sql = "(" + expr + " IS NULL OR " + jsonLength(c.engine, expr) + " = 0)"
		default:
			sql = expr + " IS NULL"
		}
	case opEqual:
		switch fam {
		case familyText, familyBarcode:
			sql = "lower(" + expr + ") = lower(" + c.arg(cond.texts[0]) + ")"
		case familyNumber:
			sql = expr + " = " + c.arg(cond.number)
		case familyCheckbox:
			sql = expr + " = TRUE"
		case familyMulti:
			sql, nullable = c.hasAll(expr, cond.texts)+" AND "+jsonLength(c.engine, expr)+" = "+strconv.Itoa(len(cond.texts)), false
			sql = "(" + sql + ")"
		default:
			sql = expr + " = " + c.arg(cond.texts[0])
		}
	case opLess, opLessOrEqual, opGreater, opGreaterOrEqual:
		sql = expr + " " + map[tablev1.Operator]string{opLess: "<", opLessOrEqual: "<=", opGreater: ">", opGreaterOrEqual: ">="}[op] + " " + c.arg(cond.number)
	case opContains, opStartsWith, opEndsWith:
		pattern := schema.EscapeLike(cond.texts[0])
		switch op {
		case opContains:
			pattern = "%" + pattern + "%"
		case opStartsWith:
			pattern += "%"
		default:
			pattern = "%" + pattern
		}
		sql = "lower(" + expr + ") LIKE lower(" + c.arg(pattern) + `) ESCAPE '\'`
	case opAnyOf:
		if fam == familyText {
			sql = "lower(" + expr + ") IN (" + c.argList(cond.texts, "lower(%s)") + ")"
		} else {
			sql = expr + " IN (" + c.argList(cond.texts, "%s") + ")"
		}
	case opHasAny:
		sql, nullable = jsonHas(c.engine, expr, c.argList(cond.texts, "%s")), false
	case opHasAll:
		sql, nullable = c.hasAll(expr, cond.texts), false
	case opBefore, opAfter, opOnOrBefore, opOnOrAfter, opOn, opWithin:
		sql = c.dates(cond, op, expr, fam)
	default:
		return "", apperr.Wrap(fmt.Errorf("operator %s", cond.Operator), "compile filter")
	}
	switch {
	case !negate:
		return sql, nil
	case nullable:
		return "(" + expr + " IS NULL OR NOT (" + sql + "))", nil
	default:
		return "NOT (" + sql + ")", nil
	}
}

// hasAll is the SQL that is true when the JSON array holds every value.
func (c *compiler) hasAll(expr string, values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = jsonHas(c.engine, expr, c.arg(v))
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

// dates compiles a date operator. A date column compares with days; a
// timestamp column with the instants that days start at in the
// condition's time zone.
func (c *compiler) dates(cond *Condition, op tablev1.Operator, expr string, fam family) string {
	loc := cond.loc
	if loc == nil {
		loc = time.UTC
	}
	now := today(c.now, loc)
	var first, last time.Time
	if op == opWithin {
		first, last = spanOf(cond.period, now)
	} else {
		first = dayOf(cond.date, now)
		last = first
	}
	if fam == familyDate {
		day := func(d time.Time) string {
			if c.engine == storage.Postgres {
				return "CAST(" + c.arg(d.Format(dateLayout)) + " AS DATE)"
			}
			return c.arg(d.Format(dateLayout))
		}
		switch op {
		case opBefore:
			return expr + " < " + day(first)
		case opAfter:
			return expr + " > " + day(first)
		case opOnOrBefore:
			return expr + " <= " + day(first)
		case opOnOrAfter:
			return expr + " >= " + day(first)
		case opOn:
			return expr + " = " + day(first)
		default:
			return "(" + expr + " >= " + day(first) + " AND " + expr + " <= " + day(last) + ")"
		}
	}
	start := func(d time.Time) string { return c.arg(startOf(d, loc)) }
	switch op {
	case opBefore:
		return expr + " < " + start(first)
	case opAfter:
		return expr + " >= " + start(addDays(first, 1))
	case opOnOrBefore:
		return expr + " < " + start(addDays(first, 1))
	case opOnOrAfter:
		return expr + " >= " + start(first)
	default:
		return "(" + expr + " >= " + start(first) + " AND " + expr + " < " + start(addDays(last, 1)) + ")"
	}
}
