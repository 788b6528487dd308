package storage

import (
	"database/sql/driver"
	"strings"

	"modernc.org/sqlite"
)

// SQLite's built-in lower() and upper() change ASCII letters only, while
// PostgreSQL's follow Unicode (the server's databases use UTF-8 locales).
// Comparisons that ignore case, such as filters, must answer the same on
// both engines, so every SQLite connection gets lower() and upper() that use
// Go's Unicode case mapping instead. NULL stays NULL; numbers are returned
// unchanged.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("lower", 1, foldCase(strings.ToLower))
	sqlite.MustRegisterDeterministicScalarFunction("upper", 1, foldCase(strings.ToUpper))
}

func foldCase(fold func(string) string) func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
	return func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return fold(v), nil
		case []byte:
			return fold(string(v)), nil
		default:
			return v, nil
		}
	}
}
