package record

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// rowWrite is one row of a batch update: the row (its seq) and the stored
// values of the columns it sets, by field id (a nil value empties the
// cell; a column left out keeps its value).
type rowWrite struct {
	seq   int64
	cells map[string]any
}

// setColumn is a column a batch update writes: in every row (all) or only
// in the rows that set it, told apart by a flag per row.
type setColumn struct {
	*Column
	all bool
}

// setColumns are the columns of cols that at least one row sets, in
// order.
func setColumns(cols []*Column, rows []rowWrite) []setColumn {
	var out []setColumn
	for _, c := range cols {
		n := 0
		for _, r := range rows {
			if _, ok := r.cells[c.Field.ID]; ok {
				n++
			}
		}
		if n > 0 {
			out = append(out, setColumn{Column: c, all: n == len(rows)})
		}
	}
	return out
}

// writeRows updates a batch of locked rows in few statements: each row's
// cells (see rowWrite), and a new version, update time and user for every
// row, also those that set no column. Rows that set different columns
// share a statement: a column only some rows set takes a flag per row,
// and the others keep their value (CASE WHEN flag THEN new ELSE old END).
// PostgreSQL takes the batch in one UPDATE … FROM unnest(arrays), one
// array per column sent as text and cast, as insert does; SQLite one
// UPDATE … FROM a VALUES table per chunk under its parameter limit. The
// rows must exist: a count that differs is an error (nothing is left
// half done, the caller's transaction rolls back).
func (s *Service) writeRows(ctx context.Context, x sqlx, l *Layout, rows []rowWrite, userID string, now time.Time) error {
	if len(rows) == 0 {
		return nil
	}
	set := setColumns(writableColumns(l), rows)
	if x.engine == storage.Postgres {
		return s.writeRowsPostgres(ctx, x, l, set, rows, userID, now)
	}
	return s.writeRowsSQLite(ctx, x, l, set, rows, userID, now)
}

// assignments is the SET list of a batch update from the table aliased t
// and the rows aliased u (columns f<i>, flags s<i>); cast, when not nil,
// gives the expression reading a value column.
func assignments(set []setColumn, cast func(c *Column, ref string) string) string {
	var b strings.Builder
	for i, c := range set {
		v := "u.f" + itoa(i)
		if cast != nil {
			v = cast(c.Column, v)
		}
		b.WriteString(c.SQL + " = ")
		if c.all {
			b.WriteString(v)
		} else {
			b.WriteString("CASE WHEN u.s" + itoa(i) + " THEN " + v + " ELSE t." + c.SQL + " END")
		}
		b.WriteString(", ")
	}
	b.WriteString("version = t.version + 1, ")
	return b.String()
}

func (s *Service) writeRowsPostgres(ctx context.Context, x sqlx, l *Layout, set []setColumn, rows []rowWrite, userID string, now time.Time) error {
	// Parameters: $1 time, $2 user, $3 seqs, then per column its values
	// and, when only some rows set it, their flags.
	seqs := make([]int64, len(rows))
	for i, r := range rows {
		seqs[i] = r.seq
	}
	args := []any{now, userID, seqs}
	unnest := []string{"$3::bigint[]"}
	aliases := []string{"seq"}
	for i, c := range set {
		vals := make(pgtype.FlatArray[pgtype.Text], len(rows))
		var flags []bool
		if !c.all {
			flags = make([]bool, len(rows))
		}
		for j, r := range rows {
			v, ok := r.cells[c.Field.ID]
			if !ok {
				continue
			}
			if flags != nil {
				flags[j] = true
			}
			if t, ok := pgText(v); ok {
				vals[j] = pgtype.Text{String: t, Valid: true}
			}
		}
		args = append(args, vals)
		unnest = append(unnest, "$"+itoa(len(args))+"::text[]")
		aliases = append(aliases, "f"+itoa(i))
		if flags != nil {
			args = append(args, flags)
			unnest = append(unnest, "$"+itoa(len(args))+"::boolean[]")
			aliases = append(aliases, "s"+itoa(i))
		}
	}
	q := "UPDATE " + l.Physical + " AS t SET " +
		assignments(set, func(c *Column, ref string) string { return ref + "::" + c.Type.Column(storage.Postgres) }) +
		"updated_at = $1::timestamptz, updated_by = $2::text FROM unnest(" + strings.Join(unnest, ", ") + ") AS u(" +
		strings.Join(aliases, ", ") + ") WHERE t.seq = u.seq"
	return execCount(ctx, x, l, len(rows), q, args)
}

func (s *Service) writeRowsSQLite(ctx context.Context, x sqlx, l *Layout, set []setColumn, rows []rowWrite, userID string, now time.Time) error {
	perRow := 1
	aliases := []string{"seq"}
	for i, c := range set {
		perRow++
		aliases = append(aliases, "f"+itoa(i))
		if !c.all {
			perRow++
			aliases = append(aliases, "s"+itoa(i))
		}
	}
	chunk := max(1, min(len(rows), (x.maxParams()-2)/perRow))
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", perRow), ", ") + ")"
	tail := ") UPDATE " + l.Physical + " AS t SET " + assignments(set, nil) +
		"updated_at = ?, updated_by = ? FROM u WHERE t.seq = u.seq"
	at := x.sysTime(now)
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		var q strings.Builder
		q.WriteString("WITH u(" + strings.Join(aliases, ", ") + ") AS (VALUES ")
		args := make([]any, 0, len(part)*perRow+2)
		for i, r := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(row)
			args = append(args, r.seq)
			for _, c := range set {
				v, ok := r.cells[c.Field.ID]
				args = append(args, sqliteArg(v))
				if !c.all {
					args = append(args, ok)
				}
			}
		}
		q.WriteString(tail)
		args = append(args, at, userID)
		if err := execCount(ctx, x, l, len(part), q.String(), args); err != nil {
			return err
		}
	}
	return nil
}

// execCount runs a batch update and checks that it changed want rows.
func execCount(ctx context.Context, x sqlx, l *Layout, want int, q string, args []any) error {
	res, err := x.exec(ctx, q, args...)
	if err != nil {
		return dbError(err, l, "update records")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return dbError(err, l, "update records")
	}
	if int(n) != want {
		return apperr.Wrap(errRowCount{want: want, got: int(n)}, "update records")
	}
	return nil
}

// errRowCount is a batch update that changed another number of rows than
// it was given: a bug, as the rows are locked.
type errRowCount struct{ want, got int }

func (e errRowCount) Error() string {
	return "updated " + itoa(e.got) + " rows of " + itoa(e.want)
}
