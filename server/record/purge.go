package record

import (
	"context"
	"errors"
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
)

// purgeBatch is the most records one purge transaction removes.
const purgeBatch = 1000

// PurgeExpired removes for good the records whose time in the trash is
// over (deleted before now minus the trash period), in every live table,
// and returns how many. Each table is purged in transactions of at most
// purgeBatch records, each logging a record.purged change with the ids it
// removed. A table that fails is logged and skipped; the first such error
// is returned after the others are done. The janitor calls it; several
// servers may run it at once.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	var tableIDs []string
	err := s.db.NewSelect().TableExpr("user_tables AS t").Join("JOIN bases AS b ON b.id = t.base_id").
		Column("t.id").Where("t.deleted_at IS NULL AND b.deleted_at IS NULL").Order("t.id").Scan(ctx, &tableIDs)
	if err != nil {
		return 0, apperr.Wrap(err, "list tables")
	}
	var total int64
	var first error
	for _, id := range tableIDs {
		n, err := s.purgeTable(ctx, id)
		total += n
		if err != nil {
			if ctx.Err() != nil {
				return total, ctx.Err()
			}
			slog.WarnContext(ctx, "purging deleted records failed", "table_id", id, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return total, first
}

// purgeTable purges one table's expired records, batch by batch.
func (s *Service) purgeTable(ctx context.Context, tableID string) (int64, error) {
	var total int64
	for {
		var n int
		err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			l, err := s.lockSchema(ctx, tx, tableID)
			if err != nil {
				return err
			}
			now := s.now()
			x := s.sqlx(tx)
			rows, err := x.query(ctx, "DELETE FROM "+l.Physical+" WHERE seq IN (SELECT seq FROM "+l.Physical+
				" WHERE deleted_at IS NOT NULL AND deleted_at < "+x.ph(1)+" ORDER BY seq LIMIT "+itoa(purgeBatch)+") RETURNING id",
				x.sysTime(now.Add(-s.trash)))
			if err != nil {
				return dbError(err, l, "purge records")
			}
			cs := newChangeSet(purgeBatch)
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return dbError(err, l, "purge records")
				}
				cs.add(id)
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return dbError(err, l, "purge records")
			}
			n = len(cs.ids)
			return s.logChanges(ctx, tx, l, ChangePurged, "", cs, now)
		})
		if err != nil {
			var e *apperr.Error
			if errors.As(err, &e) && e.Kind == apperr.FailedPrecondition {
				// The table or its base went to the trash meanwhile.
				return total, nil
			}
			return total, err
		}
		total += int64(n)
		if n < purgeBatch {
			return total, nil
		}
	}
}
