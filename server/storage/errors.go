package storage

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsUniqueViolation reports whether err is a unique or primary key
// violation on either engine.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		code := liteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Conflict kinds of database errors that a concurrent change causes.
const (
	ConflictNone        = ""
	ConflictUnique      = "unique"      // a unique or primary key
	ConflictForeignKey  = "foreign_key" // a referenced row went away
	ConflictConcurrency = "concurrency" // a serialization failure, deadlock or busy database
)

// ConflictOf classifies an error caused by a concurrent change.
func ConflictOf(err error) string {
	if IsUniqueViolation(err) {
		return ConflictUnique
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23503":
			return ConflictForeignKey
		case "40001", "40P01", "55P03":
			return ConflictConcurrency
		}
		return ConflictNone
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return ConflictConcurrency
		}
		if liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
			return ConflictForeignKey
		}
	}
	return ConflictNone
}
