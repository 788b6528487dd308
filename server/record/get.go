package record

import (
	"context"
	"strings"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Get returns one live record of a table with the cells of the fields
// asked for (names or ids, in that order; every field when empty), and
// those fields. It reads the cached schema and makes one query, by the
// record id's unique index.
//
// Errors: NotFound for an unknown table, and for a record that is not a
// live record of this table (deleted, or of another table); FailedPrecondition
// TABLE_DELETED for a table in the trash; InvalidArgument
// (ReasonInvalidQuery) for an unknown field, at "fields[i]".
func (s *Service) Get(ctx context.Context, tableID, recordID string, fields []string) ([]*Column, *Record, error) {
	l, err := s.liveTable(ctx, tableID)
	if err != nil {
		return nil, nil, err
	}
	cols, err := project(l, fields)
	if err != nil {
		return nil, nil, err
	}
	recordID = strings.TrimSpace(recordID)
	// The most frequent query of all, with a bound parameter: on
	// PostgreSQL prepared once per connection and text, so the server
	// neither parses nor plans it again.
	ph := "?"
	if s.db.Engine == storage.Postgres {
		ph = "$1"
	}
	recs, err := scanRecords(ctx, s.db.DB.DB, cols, "SELECT "+selectList(cols)+" FROM "+l.Physical+
		" WHERE id = "+ph+" AND deleted_at IS NULL", s.db.BoundArgs([]any{recordID})...)
	if err != nil {
		return nil, nil, err
	}
	if len(recs) == 0 {
		return nil, nil, apperr.NotFoundf("no record %s in table %s", recordID, tableID).With("record_id", recordID)
	}
	return cols, recs[0], nil
}
