package record

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/storage"
)

// insertColumns are the columns a new record's row gets besides its
// fields' (version takes its default, 1).
const insertColumns = "id, created_at, updated_at, created_by, updated_by"

// writableColumns are the layout's columns that take input.
func writableColumns(l *Layout) []*Column {
	var out []*Column
	for _, c := range l.Columns {
		if writable(c) {
			out = append(out, c)
		}
	}
	return out
}

// insert stores new records (checked, with their stored cells) in tx and
// returns them with every field's cell, in order. PostgreSQL takes a
// batch in one INSERT … SELECT FROM unnest(arrays), one array per column;
// SQLite takes multi-row VALUES in chunks under its parameter limit.
func (s *Service) insert(ctx context.Context, tx bun.Tx, l *Layout, ps []*prepared, userID string, now time.Time) ([]*Record, error) {
	cols := writableColumns(l)
	recs := make([]*Record, len(ps))
	byID := make(map[string]*Record, len(ps))
	for i, p := range ps {
		r := &Record{ID: ids.New(ids.Record), Version: 1, CreatedAt: now, UpdatedAt: now,
			CreatedBy: userID, UpdatedBy: userID, Cells: make(map[string]any, len(l.Columns))}
		for _, c := range cols {
			if v, ok := p.cells[c.Field.ID]; ok && v != nil {
				r.Cells[c.Field.ID] = v
			}
		}
		recs[i], byID[r.ID] = r, r
	}
	x := s.sqlx(tx)
	var err error
	if x.engine == storage.Postgres {
		err = s.insertPostgres(ctx, x, l, cols, recs, byID, now, userID)
	} else {
		err = s.insertSQLite(ctx, x, l, cols, recs, byID, now, userID)
	}
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		fillComputed(l, r)
	}
	return recs, nil
}

func (s *Service) insertPostgres(ctx context.Context, x sqlx, l *Layout, cols []*Column, recs []*Record, byID map[string]*Record, now time.Time, userID string) error {
	// Parameters: $1 time, $2 user, $3 ids, then one text array per field.
	var names, values, aliases strings.Builder
	names.WriteString(insertColumns)
	values.WriteString("u.id, $1::timestamptz, $1::timestamptz, $2::text, $2::text")
	aliases.WriteString("id")
	args := make([]any, 0, 3+len(cols))
	idArr := make([]string, len(recs))
	for i, r := range recs {
		idArr[i] = r.ID
	}
	args = append(args, now, userID, idArr)
	unnest := []string{"$3::text[]"}
	for i, c := range cols {
		alias := "f" + itoa(i)
		names.WriteString(", " + c.SQL)
		values.WriteString(", u." + alias + "::" + c.Type.Column(storage.Postgres))
		aliases.WriteString(", " + alias)
		arr := make(pgtype.FlatArray[pgtype.Text], len(recs))
		for j, r := range recs {
			if t, ok := pgText(r.Cells[c.Field.ID]); ok {
				arr[j] = pgtype.Text{String: t, Valid: true}
			}
		}
		args = append(args, arr)
		unnest = append(unnest, "$"+itoa(4+i)+"::text[]")
	}
	q := "INSERT INTO " + l.Physical + " (" + names.String() + ") SELECT " + values.String() +
		" FROM unnest(" + strings.Join(unnest, ", ") + ") WITH ORDINALITY AS u(" + aliases.String() + ", ord) ORDER BY u.ord RETURNING id, seq"
	return readSeqs(ctx, x, l, byID, q, args)
}

func (s *Service) insertSQLite(ctx context.Context, x sqlx, l *Layout, cols []*Column, recs []*Record, byID map[string]*Record, now time.Time, userID string) error {
	perRow := 5 + len(cols)
	chunk := max(1, min(len(recs), x.maxParams()/perRow))
	var head strings.Builder
	head.WriteString("INSERT INTO " + l.Physical + " (" + insertColumns)
	for _, c := range cols {
		head.WriteString(", " + c.SQL)
	}
	head.WriteString(") VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", perRow), ", ") + ")"
	at := x.sysTime(now)
	for start := 0; start < len(recs); start += chunk {
		part := recs[start:min(start+chunk, len(recs))]
		var q strings.Builder
		q.WriteString(head.String())
		args := make([]any, 0, len(part)*perRow)
		for i, r := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(row)
			args = append(args, r.ID, at, at, userID, userID)
			for _, c := range cols {
				args = append(args, sqliteArg(r.Cells[c.Field.ID]))
			}
		}
		q.WriteString(" RETURNING id, seq")
		if err := readSeqs(ctx, x, l, byID, q.String(), args); err != nil {
			return err
		}
	}
	return nil
}

// readSeqs runs an INSERT … RETURNING id, seq and keeps each seq.
func readSeqs(ctx context.Context, x sqlx, l *Layout, byID map[string]*Record, q string, args []any) error {
	rows, err := x.query(ctx, q, args...)
	if err != nil {
		return dbError(err, l, "insert records")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return dbError(err, l, "insert records")
		}
		if r := byID[id]; r != nil {
			r.Seq = seq
		}
	}
	return dbError(rows.Err(), l, "insert records")
}

// fillComputed sets the cells of computed fields from the record's system
// values.
func fillComputed(l *Layout, r *Record) {
	for _, c := range l.Columns {
		if c.Field.ColumnName != "" && !c.Type.ReadOnly() {
			continue
		}
		switch c.SQL {
		case `"seq"`:
			r.Cells[c.Field.ID] = r.Seq
		case `"created_at"`:
			r.Cells[c.Field.ID] = r.CreatedAt
		case `"updated_at"`:
			r.Cells[c.Field.ID] = r.UpdatedAt
		case `"created_by"`:
			r.Cells[c.Field.ID] = r.CreatedBy
		case `"updated_by"`:
			r.Cells[c.Field.ID] = r.UpdatedBy
		}
	}
}

// createChanges is the change log of new records: each given cell's value.
func createChanges(cols []*Column, recs []*Record) *changeSet {
	size := 0
	for _, r := range recs {
		size += 24
		for _, c := range cols {
			if v, ok := r.Cells[c.Field.ID]; ok {
				size += 32 + jsonSizeHint(v)
			}
		}
	}
	cs := newChangeSetSized(len(recs), size)
	for _, r := range recs {
		cs.record(r.ID)
		for _, c := range cols {
			if v, ok := r.Cells[c.Field.ID]; ok && !isEmpty(v) {
				cs.created(c.Field.ID, v)
			}
		}
		cs.end()
	}
	return cs
}
