package record

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/pyairtable/pyairtable/server/apperr"
)

// systemColumns are the system columns every read selects first, in the
// order scanRecords expects them.
const systemColumns = "seq, id, version, created_at, updated_at, created_by, updated_by, deleted_at"

// selectList is the column list of a read of cols' cells: the system
// columns, then one column per field (computed fields read their system
// column again).
func selectList(cols []*Column) string {
	var b strings.Builder
	b.WriteString(systemColumns)
	for _, c := range cols {
		b.WriteString(", ")
		b.WriteString(c.SQL)
	}
	return b.String()
}

// scanRecords runs a query selecting selectList(cols) and reads its rows.
func scanRecords(ctx context.Context, db querier, cols []*Column, query string, args ...any) ([]*Record, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "read records")
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		r, err := scanRecord(rows, cols)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "read records")
	}
	return out, nil
}

// querier runs a query: bun's (which writes the arguments into the SQL)
// or database/sql's (which binds them).
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// scanRecord reads the current row of a query selecting selectList(cols).
func scanRecord(rows *sql.Rows, cols []*Column) (*Record, error) {
	r, _, err := scanRow(rows, cols, 0)
	return r, err
}

// scanRow reads the current row of a query selecting selectList(cols)
// then nkeys further values (sort keys), which it returns apart.
func scanRow(rows *sql.Rows, cols []*Column, nkeys int) (*Record, []any, error) {
	r := &Record{Cells: make(map[string]any, len(cols))}
	var created, updated, deleted any
	vals := make([]any, len(cols)+nkeys)
	dest := make([]any, 8+len(vals))
	dest[0], dest[1], dest[2], dest[3], dest[4], dest[5], dest[6], dest[7] =
		&r.Seq, &r.ID, &r.Version, &created, &updated, &r.CreatedBy, &r.UpdatedBy, &deleted
	for i := range vals {
		dest[8+i] = &vals[i]
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, nil, apperr.Wrap(err, "read record")
	}
	var err error
	if r.CreatedAt, err = asTime(created); err != nil {
		return nil, nil, err
	}
	if r.UpdatedAt, err = asTime(updated); err != nil {
		return nil, nil, err
	}
	if deleted != nil {
		t, err := asTime(deleted)
		if err != nil {
			return nil, nil, err
		}
		r.DeletedAt = &t
	}
	for i := range vals {
		if b, ok := vals[i].([]byte); ok {
			// Drivers may reuse the buffer after the next Scan.
			vals[i] = string(b)
		}
	}
	for i, c := range cols {
		if vals[i] != nil {
			r.Cells[c.Field.ID] = vals[i]
		}
	}
	return r, vals[len(cols):], nil
}

// timeLayouts are the forms SQLite hands back timestamps in when its
// driver does not parse them.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// asTime reads a scanned timestamp, in UTC.
func asTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), nil
	case string:
		for _, layout := range timeLayouts {
			if p, err := time.Parse(layout, t); err == nil {
				return p.UTC(), nil
			}
		}
	case []byte:
		return asTime(string(t))
	}
	return time.Time{}, apperr.Wrap(fmt.Errorf("timestamp %v (%T)", v, v), "read record")
}
