package fieldtype

import "github.com/pyairtable/pyairtable/server/storage"

// column names a field's SQL column type on each engine.
type column struct {
	postgres, sqlite string
}

// on returns the column type for the engine, "" for an unknown engine.
func (c column) on(e storage.Engine) string {
	switch e {
	case storage.Postgres:
		return c.postgres
	case storage.SQLite:
		return c.sqlite
	}
	return ""
}

// The column types of the stored values.
var (
	textColumn      = column{"TEXT", "TEXT"}
	floatColumn     = column{"DOUBLE PRECISION", "REAL"}
	intColumn       = column{"BIGINT", "INTEGER"}
	boolColumn      = column{"BOOLEAN", "INTEGER"}
	dateColumn      = column{"DATE", "TEXT"}
	timestampColumn = column{"TIMESTAMPTZ", "TIMESTAMP"}
	jsonColumn      = column{"JSONB", "TEXT"}
)
