// Package fieldtype holds the field types of user tables: one
// implementation of Type per tablev1.FieldType, each registering itself.
//
// A type knows the SQL column it needs on each engine, checks and fills in
// its options, checks and normalises cell input (a google.protobuf.Value) into
// an engine-neutral stored Go value, turns a stored value (as written, or as
// scanned back from PostgreSQL or SQLite) into the API value, and renders it
// as plain text. Convert moves a stored value from one field type to another;
// docs/field-conversions.md describes the conversion matrix.
//
// Stored values are nil (SQL NULL) for an empty cell, or one of: string
// (text, email, url, phone, date "YYYY-MM-DD", select choice id, collaborator
// user id, compact JSON for multiple selects, JSON, barcode and attachment),
// float64 (number, currency, percent, duration), int64 (rating), bool
// (checkbox) and time.Time in UTC (date-time). Empty text and empty lists are
// stored as nil; a checkbox is stored as false, never nil.
package fieldtype
