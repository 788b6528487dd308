package record

import (
	"context"

	"github.com/pyairtable/pyairtable/server/apperr"
)

// Count counts the live records a query lets through: its view's filter,
// its filter and its search, as List applies them (its sorts, fields and
// page are ignored; so is Deleted: the trash is not counted). It is a
// query of its own, SELECT COUNT(*), which a list never waits on. Errors
// are List's.
func (s *Service) Count(ctx context.Context, tableID string, q Query) (int64, error) {
	l, err := s.liveTable(ctx, tableID)
	if err != nil {
		return 0, err
	}
	p, err := s.plan(ctx, l, q, false)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+l.Physical+" WHERE "+p.whereSQL(), p.args...).Scan(&n); err != nil {
		return 0, apperr.Wrap(err, "count records")
	}
	return n, nil
}
