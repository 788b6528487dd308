package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/pyairtable/pyairtable/server/ids"
)

// rawDB is direct access to the server's database, for the baselines: rows
// written without the server, and hand-written queries.
type rawDB struct {
	engine string
	pg     *pgxpool.Pool
	lite   *sql.DB
}

// openRaw connects to the database the server uses, with up to conns
// connections. SQLite gets the server's settings (WAL, synchronous NORMAL,
// write transactions that take the lock at once).
func openRaw(ctx context.Context, db *database, engine string, conns int) (*rawDB, error) {
	if engine == "sqlite" {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
		lite, err := sql.Open("sqlite", "file:"+db.sqlitePath+"?"+q.Encode())
		if err != nil {
			return nil, err
		}
		lite.SetMaxOpenConns(conns)
		lite.SetMaxIdleConns(conns)
		return &rawDB{engine: engine, lite: lite}, nil
	}
	cfg, err := pgxpool.ParseConfig(db.url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = int32(conns)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &rawDB{engine: engine, pg: pool}, nil
}

func (r *rawDB) close() {
	if r.pg != nil {
		r.pg.Close()
	}
	if r.lite != nil {
		_ = r.lite.Close()
	}
}

// ph is the n-th (1-based) placeholder of the engine.
func (r *rawDB) ph(n int) string {
	if r.engine == "sqlite" {
		return "?"
	}
	return fmt.Sprintf("$%d", n)
}

// exec runs a statement.
func (r *rawDB) exec(ctx context.Context, q string, args ...any) error {
	if r.pg != nil {
		_, err := r.pg.Exec(ctx, q, args...)
		return err
	}
	_, err := r.lite.ExecContext(ctx, q, args...)
	return err
}

// query runs a query and reads (decodes) every value of every row, as a
// client of the database would; it returns the number of rows.
func (r *rawDB) query(ctx context.Context, q string, args ...any) (int, error) {
	n := 0
	if r.pg != nil {
		rows, err := r.pg.Query(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		for rows.Next() {
			if _, err := rows.Values(); err != nil {
				return 0, err
			}
			n++
		}
		return n, rows.Err()
	}
	rows, err := r.lite.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}

// queryRow reads one row into dest.
func (r *rawDB) queryRow(ctx context.Context, q string, args []any, dest ...any) error {
	if r.pg != nil {
		return r.pg.QueryRow(ctx, q, args...).Scan(dest...)
	}
	return r.lite.QueryRowContext(ctx, q, args...).Scan(dest...)
}

// physTable is where a table's records are and which column holds each
// field, read from the server's metadata.
type physTable struct {
	// name is the quoted, schema-qualified table; bare is its unquoted
	// name and schema its PostgreSQL schema.
	name, bare, schema string
	// col maps a field name to its quoted column.
	col map[string]string
}

// physical reads a table's physical name and columns from the metadata
// tables (bases.physical_schema, user_tables.physical_name,
// fields.column_name).
func (r *rawDB) physical(ctx context.Context, tableID string) (*physTable, error) {
	p := &physTable{col: map[string]string{}}
	var schema sql.NullString
	err := r.queryRow(ctx, "SELECT b.physical_schema, t.physical_name FROM user_tables t JOIN bases b ON b.id = t.base_id WHERE t.id = "+r.ph(1),
		[]any{tableID}, &schema, &p.bare)
	if err != nil {
		return nil, fmt.Errorf("physical table of %s: %w", tableID, err)
	}
	p.schema = schema.String
	p.name = quoteIdent(p.bare)
	if r.engine == "postgres" {
		p.name = quoteIdent(p.schema) + "." + p.name
	}
	for _, n := range fieldOrder {
		var c string
		if err := r.queryRow(ctx, "SELECT column_name FROM fields WHERE table_id = "+r.ph(1)+" AND name = "+r.ph(2)+" AND deleted_at IS NULL",
			[]any{tableID, n}, &c); err != nil {
			return nil, fmt.Errorf("column of field %s: %w", n, err)
		}
		p.col[n] = quoteIdent(c)
	}
	return p, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// systemInsertColumns are the system columns a raw insert gives; seq and
// version take their defaults.
var systemInsertColumns = []string{"id", "created_at", "updated_at", "created_by", "updated_by"}

// insertColumns lists the columns of a raw insert, unquoted for CopyFrom
// and quoted for SQL.
func (p *physTable) insertColumns() (plain, quoted []string) {
	for _, c := range systemInsertColumns {
		plain = append(plain, c)
		quoted = append(quoted, c)
	}
	for _, n := range fieldOrder {
		q := p.col[n]
		plain = append(plain, strings.Trim(q, `"`))
		quoted = append(quoted, q)
	}
	return plain, quoted
}

// rawRow is a row as a raw insert writes it: new id, now, the user, then
// the stored cells.
func (r *rawDB) rawRow(x row, userID string, ch map[string]map[string]string, now time.Time) []any {
	var ts any = now
	if r.engine == "sqlite" {
		ts = now.UTC().Format("2006-01-02 15:04:05.999999-07:00")
	}
	return append([]any{ids.New(ids.Record), ts, ts, userID, userID}, x.stored(r.engine, ch)...)
}

// insert writes rows into the table in one transaction: COPY (pgx
// CopyFrom) on PostgreSQL, one multi-row INSERT on SQLite.
func (r *rawDB) insert(ctx context.Context, p *physTable, rows [][]any) error {
	plain, quoted := p.insertColumns()
	if r.pg != nil {
		_, err := r.pg.CopyFrom(ctx, pgx.Identifier{p.schema, p.bare}, plain, pgx.CopyFromRows(rows))
		return err
	}
	q, args := r.valuesSQL("INSERT INTO "+p.name+" ("+strings.Join(quoted, ", ")+") VALUES ", rows)
	tx, err := r.lite.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for i := 0; i < len(q); i++ {
		if _, err := tx.ExecContext(ctx, q[i], args[i]...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// upsert writes rows by their Email in one statement per chunk: insert,
// or on a live record with the same Email update every field, the version
// and the change time (INSERT … ON CONFLICT on the unique index).
func (r *rawDB) upsert(ctx context.Context, p *physTable, rows [][]any) error {
	_, quoted := p.insertColumns()
	var set []string
	for _, n := range fieldOrder {
		if n != fEmail {
			set = append(set, p.col[n]+" = excluded."+p.col[n])
		}
	}
	set = append(set, "version = t.version + 1", "updated_at = excluded.updated_at", "updated_by = excluded.updated_by")
	q, args := r.valuesSQL("INSERT INTO "+p.name+" AS t ("+strings.Join(quoted, ", ")+") VALUES ", rows)
	suffix := " ON CONFLICT (" + p.col[fEmail] + ") WHERE deleted_at IS NULL DO UPDATE SET " + strings.Join(set, ", ")
	if r.pg != nil {
		tx, err := r.pg.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(ctx) }()
		for i := range q {
			if _, err := tx.Exec(ctx, q[i]+suffix, args[i]...); err != nil {
				return err
			}
		}
		return tx.Commit(ctx)
	}
	tx, err := r.lite.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for i := range q {
		if _, err := tx.ExecContext(ctx, q[i]+suffix, args[i]...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// valuesSQL builds multi-row VALUES statements, chunked under the engines'
// bind-parameter limits.
func (r *rawDB) valuesSQL(prefix string, rows [][]any) ([]string, [][]any) {
	if len(rows) == 0 {
		return nil, nil
	}
	width := len(rows[0])
	per := 30000 / width
	var qs []string
	var as [][]any
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		var b strings.Builder
		b.WriteString(prefix)
		args := make([]any, 0, (end-start)*width)
		n := 0
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range width {
				if j > 0 {
					b.WriteString(", ")
				}
				n++
				b.WriteString(r.ph(n))
			}
			b.WriteByte(')')
			args = append(args, rows[i]...)
		}
		qs = append(qs, b.String())
		as = append(as, args)
	}
	return qs, as
}

// ids reads the first column of a query's rows as strings.
func (r *rawDB) ids(ctx context.Context, out *[]string, q string, args ...any) error {
	if r.pg != nil {
		rows, err := r.pg.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return scanStrings(rows, out)
	}
	rows, err := r.lite.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanStrings(rows, out)
}

// scanStrings appends the first column of every row to out; rows are
// pgx's or database/sql's.
func scanStrings(rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}, out *[]string) error {
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		*out = append(*out, s)
	}
	return rows.Err()
}
