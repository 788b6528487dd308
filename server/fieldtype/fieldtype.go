package fieldtype

import (
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Type is one field type: its column, options, values and text.
type Type interface {
	// Kind is the contract's enum value for the type.
	Kind() tablev1.FieldType
	// Column is the SQL column type on the engine: "" for computed types,
	// which read the record's system columns, and for an unknown engine.
	Column(engine storage.Engine) string
	// ReadOnly reports whether the server computes the values (auto number,
	// created and last modified time and by); Value refuses all input.
	ReadOnly() bool
	// CanBePrimary reports whether a field of the type may be the table's
	// primary field, the record's name.
	CanBePrimary() bool
	// NormalizeOptions checks options and fills in defaults, returning the
	// options to store (a new message; o is not changed). Types without
	// options return nil. Errors are *apperr.Error of kind InvalidArgument,
	// reason ReasonInvalidOptions, whose violation paths start with
	// "options.".
	NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error)
	// Value checks and normalises one input cell into the value to store. A
	// nil or null v is an empty cell: nil (false for a checkbox). With
	// typecast, text (and other kinds) are read leniently, as a person would
	// type them. o must be normalised options. Errors are *apperr.Error of
	// kind InvalidArgument, reason ReasonInvalidCell (ReasonReadOnly for
	// computed types), without a path: see AtPath.
	Value(o *tablev1.FieldOptions, v *structpb.Value, typecast bool, env Env) (any, error)
	// Cell turns a stored value into the API value. It accepts what Value
	// returns and what either engine scans back from the column (or, for
	// computed types, from the system column). nil gives nil (false for a
	// checkbox). A value it cannot read is an Internal *apperr.Error.
	Cell(o *tablev1.FieldOptions, stored any) (*structpb.Value, error)
	// Text renders a stored value as plain text, for conversions and
	// search: "" for an empty cell or a value it cannot read.
	Text(o *tablev1.FieldOptions, stored any) string
}

// Env gives Value and Convert what they need from outside the field.
type Env struct {
	// ResolveUser finds a member of the base's workspace by "usr…" id or by
	// email; ok is false if there is none. Nil resolves nobody.
	ResolveUser func(idOrEmail string) (userID string, ok bool)
	// Now is the current time, for "today" and "now" typed into date and
	// date-time cells. Nil means time.Now.
	Now func() time.Time
}

func (e Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e Env) resolve(idOrEmail string) (string, bool) {
	if e.ResolveUser == nil {
		return "", false
	}
	return e.ResolveUser(idOrEmail)
}
