package record

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Bind-parameter limits of the engines.
const (
	sqliteMaxParams   = 32766
	postgresMaxParams = 65535
)

// sqliteTime is how timestamps are kept on SQLite: the form bun writes, so
// that text comparisons (filters, catch-ups) see one format.
const sqliteTime = "2006-01-02 15:04:05.999999-07:00"

// sqlx runs statements with the driver's own parameter binding ($n on
// PostgreSQL, ? on SQLite) on the transaction, bypassing bun's
// interpolation of arguments into the text.
type sqlx struct {
	tx     *sql.Tx
	engine storage.Engine
	db     *storage.DB
}

func (s *Service) sqlx(tx bun.Tx) sqlx { return sqlx{tx: tx.Tx, engine: s.db.Engine, db: s.db} }

// ph returns the placeholder of the n-th parameter (from 1).
func (x sqlx) ph(n int) string {
	if x.engine == storage.Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// typed returns the placeholder of the n-th parameter, cast to the column
// type on PostgreSQL (the value is sent as text, see arg).
func (x sqlx) typed(n int, c *Column) string {
	if x.engine == storage.Postgres {
		return "$" + strconv.Itoa(n) + "::text::" + c.Type.Column(storage.Postgres)
	}
	return "?"
}

// arg turns a stored value into a parameter: on PostgreSQL its text form
// (the statement casts it, see typed), on SQLite what the driver stores
// as the columns expect.
func (x sqlx) arg(v any) any {
	if x.engine == storage.Postgres {
		t, ok := pgText(v)
		if !ok {
			return nil
		}
		return t
	}
	return sqliteArg(v)
}

// pgText is a stored value's text as PostgreSQL reads it into the
// column's type; ok is false for NULL.
func pgText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case []byte:
		return string(x), true
	case json.RawMessage:
		return string(x), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case bool:
		return strconv.FormatBool(x), true
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// sqliteArg is a stored value as SQLite stores it.
func sqliteArg(v any) any {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case time.Time:
		return x.UTC().Format(sqliteTime)
	case json.RawMessage:
		return string(x)
	case []byte:
		return string(x)
	}
	return v
}

// sysTime is a system timestamp as a parameter.
func (x sqlx) sysTime(t time.Time) any {
	if x.engine == storage.SQLite {
		return t.UTC().Format(sqliteTime)
	}
	return t
}

// exec runs a statement with bound parameters.
func (x sqlx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return x.tx.ExecContext(ctx, query, x.db.BoundArgs(args)...)
}

// query runs a query with bound parameters.
func (x sqlx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return x.tx.QueryContext(ctx, query, x.db.BoundArgs(args)...)
}

// maxParams is the engine's bind-parameter limit.
func (x sqlx) maxParams() int {
	if x.engine == storage.Postgres {
		return postgresMaxParams
	}
	return sqliteMaxParams
}

// inList returns "(p1, p2, …)" for n parameters numbered from first.
func (x sqlx) inList(first, n int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x.ph(first + i))
	}
	b.WriteByte(')')
	return b.String()
}

// forUpdate is the locking clause of a read of rows about to change.
func (x sqlx) forUpdate() string {
	if x.engine == storage.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// dbError turns a database error of a write into a domain error: a
// unique index's refusal is FailedPrecondition UNIQUE_VIOLATION naming the
// field when it can be told; cancellation is returned as it is; other
// errors are Internal (the API edge maps serialisation failures and
// deadlocks to Aborted).
func dbError(err error, l *Layout, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	if ctxErr := contextError(err); ctxErr != nil {
		return ctxErr
	}
	if storage.IsUniqueViolation(err) {
		e := apperr.New(apperr.FailedPrecondition, ReasonUnique,
			"a unique field's value is already held by another record (a concurrent write took it); nothing was written")
		if col := uniqueColumn(err); col != "" && l != nil {
			for _, c := range l.Columns {
				if c.Field.ColumnName == col {
					e = apperr.New(apperr.FailedPrecondition, ReasonUnique,
						"%q is unique and a value given is already held by another record (a concurrent write took it); nothing was written",
						c.Field.Name).With("field_id", c.Field.ID)
					break
				}
			}
		}
		e.Cause = err
		return e
	}
	return apperr.Wrap(err, what)
}

// uniqueColumn is the column a unique violation names: PostgreSQL's
// detail "Key (c3)=(…) already exists.", SQLite's "UNIQUE constraint
// failed: table.c3"; "" when it cannot be told.
func uniqueColumn(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		if rest, ok := strings.CutPrefix(pg.Detail, "Key ("); ok {
			if i := strings.Index(rest, ")="); i > 0 {
				return strings.Trim(rest[:i], `"`)
			}
		}
		return ""
	}
	msg := err.Error()
	if i := strings.Index(msg, "UNIQUE constraint failed: "); i >= 0 {
		col := strings.TrimSpace(msg[i+len("UNIQUE constraint failed: "):])
		if j := strings.IndexAny(col, " ,)"); j >= 0 {
			col = col[:j]
		}
		if k := strings.LastIndexByte(col, '.'); k >= 0 {
			col = col[k+1:]
		}
		return col
	}
	return ""
}

// contextError returns the context's error when err comes from a
// cancelled or expired call.
func contextError(err error) error {
	for _, target := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, target) {
			return target
		}
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
