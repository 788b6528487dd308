package record

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
)

// final is a record as a write leaves it, for the unique check: its input
// (for error paths and to know which cells were given), its id ("" for a
// new record) and its cells after the write.
type final struct {
	p     *prepared
	id    string
	cells map[string]any
}

// canon is a stored value in one comparable form, whichever engine
// scanned it or whether Value just made it: Value(Cell(v)). Values that do
// not go round (a choice the field no longer has) stay as they are.
func canon(c *Column, v any) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil
	}
	cell, err := c.Type.Cell(c.Options, v)
	if err != nil || cell == nil {
		return v
	}
	out, err := c.Type.Value(c.Options, cell, false, fieldtype.Env{ResolveUser: func(s string) (string, bool) { return s, true }})
	if err != nil {
		return v
	}
	return out
}

// canonKey is canon as text, for maps.
func canonKey(c *Column, v any) string {
	b, err := json.Marshal(canon(c, v))
	if err != nil {
		return ""
	}
	return string(b)
}

// checkUnique refuses values of unique fields that two records of the
// batch would share, or that a live record outside the batch holds
// already: FailedPrecondition, reason UNIQUE_VIOLATION, with a violation
// per cell naming the value and the holder. The unique index is the final
// guard against concurrent writers (see dbError).
func (s *Service) checkUnique(ctx context.Context, tx bun.Tx, l *Layout, finals []final) error {
	var pr problems
	inBatch := make(map[string]bool, len(finals))
	for _, f := range finals {
		if f.id != "" {
			inBatch[f.id] = true
		}
	}
	x := s.sqlx(tx)
	for _, c := range l.Columns {
		if !c.Field.Unique || !writable(c) {
			continue
		}
		seen := map[string]int{}
		asked := map[string][]int{} // key -> finals that gave it
		var values []any
		for i, f := range finals {
			v := f.cells[c.Field.ID]
			if isEmpty(v) {
				continue
			}
			k := canonKey(c, v)
			if j, dup := seen[k]; dup {
				pr.add(ReasonUnique, cellPath(f.p.index, f.p.keyOf(c)), "field.unique",
					strconv.Quote(c.Type.Text(c.Options, v))+" is also the value of records["+itoa(finals[j].p.index)+"]; "+
						strconv.Quote(c.Field.Name)+" is unique")
				continue
			}
			seen[k] = i
			if _, given := f.p.cells[c.Field.ID]; given {
				if _, ok := asked[k]; !ok {
					values = append(values, v)
				}
				asked[k] = append(asked[k], i)
			}
		}
		chunk := min(1000, x.maxParams())
		for start := 0; start < len(values); start += chunk {
			part := values[start:min(start+chunk, len(values))]
			args := make([]any, len(part))
			var in []byte
			for i, v := range part {
				if i > 0 {
					in = append(in, ", "...)
				}
				in = append(in, x.typed(i+1, c)...)
				args[i] = x.arg(v)
			}
			rows, err := x.query(ctx, "SELECT id, "+c.SQL+" FROM "+l.Physical+" WHERE deleted_at IS NULL AND "+
				c.SQL+" IN ("+string(in)+")", args...)
			if err != nil {
				return dbError(err, l, "check unique values")
			}
			for rows.Next() {
				var id string
				var v any
				if err := rows.Scan(&id, &v); err != nil {
					rows.Close()
					return dbError(err, l, "check unique values")
				}
				if inBatch[id] {
					continue
				}
				for _, i := range asked[canonKey(c, v)] {
					f := finals[i]
					pr.add(ReasonUnique, cellPath(f.p.index, f.p.keyOf(c)), "field.unique",
						strconv.Quote(c.Type.Text(c.Options, f.cells[c.Field.ID]))+" is already the value of record "+id+"; "+
							strconv.Quote(c.Field.Name)+" is unique")
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return dbError(err, l, "check unique values")
			}
		}
	}
	if len(pr.vs) == 0 {
		return nil
	}
	e, _ := apperr.As(pr.err())
	e.Kind = apperr.FailedPrecondition
	return e
}
