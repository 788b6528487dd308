// Package filter checks record filters and sorts against a table's fields
// and turns them into SQL for the table's physical table, the same way on
// PostgreSQL and SQLite. Views keep filters and sorts; record listing
// applies them.
//
// Validate resolves a tablev1.Filter: fields named by id or by name
// (ignoring case), operators checked against the field's type, operands
// checked and normalised by the field's type (select choices by name or id
// become choice ids). Its Proto form names fields and choices by id only,
// so renaming a field or a choice never breaks a stored filter. Prune
// resolves a stored filter leniently, leaving out what no longer applies
// (conditions on deleted fields, say). ValidateSorts and PruneSorts do the
// same for sorts. Compile and OrderBy produce WHERE and ORDER BY SQL with
// bun's "?" placeholders.
//
// The operators each field type takes (docs/filters.md has the same table,
// with the operands; a test keeps the two in step):
//
//	single line text, long text,   EQUAL, NOT_EQUAL, CONTAINS, DOES_NOT_CONTAIN,
//	email, url, phone number       STARTS_WITH, ENDS_WITH, IS_ANY_OF, IS_NONE_OF,
//	                               IS_EMPTY, IS_NOT_EMPTY
//	barcode (its text)             EQUAL, NOT_EQUAL, CONTAINS, DOES_NOT_CONTAIN,
//	                               STARTS_WITH, ENDS_WITH, IS_EMPTY, IS_NOT_EMPTY
//	number, currency, percent,     EQUAL, NOT_EQUAL, LESS_THAN, LESS_THAN_OR_EQUAL,
//	rating, duration               GREATER_THAN, GREATER_THAN_OR_EQUAL, IS_EMPTY,
//	                               IS_NOT_EMPTY
//	auto number                    EQUAL, NOT_EQUAL, LESS_THAN, LESS_THAN_OR_EQUAL,
//	                               GREATER_THAN, GREATER_THAN_OR_EQUAL
//	checkbox                       EQUAL, NOT_EQUAL
//	date, date-time                BEFORE, AFTER, ON_OR_BEFORE, ON_OR_AFTER, ON,
//	                               WITHIN, IS_EMPTY, IS_NOT_EMPTY
//	created time,                  BEFORE, AFTER, ON_OR_BEFORE, ON_OR_AFTER, ON,
//	last modified time             WITHIN
//	single select                  EQUAL, NOT_EQUAL, IS_ANY_OF, IS_NONE_OF,
//	                               IS_EMPTY, IS_NOT_EMPTY
//	multiple selects               EQUAL (exactly these), HAS_ANY_OF, HAS_ALL_OF,
//	                               HAS_NONE_OF, IS_EMPTY, IS_NOT_EMPTY
//	collaborator, created by,      EQUAL, NOT_EQUAL, IS_ANY_OF, IS_NONE_OF,
//	last modified by               IS_EMPTY, IS_NOT_EMPTY
//	JSON, attachment               IS_EMPTY, IS_NOT_EMPTY
//
// A condition never holds for an empty cell, except IS_EMPTY and the
// negative operators (NOT_EQUAL, DOES_NOT_CONTAIN, IS_NONE_OF, HAS_NONE_OF,
// and NOT_EQUAL true or EQUAL false on a checkbox, which match unchecked
// cells). A not holds exactly when its filter does not: Compile pushes
// negation down to the conditions, each of which handles empty cells
// itself, so no SQL NULL ever leaks through a not.
package filter
