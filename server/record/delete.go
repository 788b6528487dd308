package record

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
)

// Delete moves 1 to MaxBatch records to the trash atomically, in tx: it
// sets their delete time and bumps their version (unique fields stop
// counting them). It returns their ids, in the order given, and when they
// will be purged (the delete time plus the trash period).
//
// Errors, nothing written: InvalidArgument INVALID_BATCH for an empty,
// oversized or repeating list; NotFound naming the first id that is
// unknown, foreign or already deleted (violation `records[i].id`);
// FailedPrecondition ETAG_MISMATCH as Update; and LockForRecords' errors.
func (s *Service) Delete(ctx context.Context, tx bun.Tx, tableID string, refs []Ref, userID string) ([]string, time.Time, error) {
	if err := batchSize(len(refs)); err != nil {
		return nil, time.Time{}, err
	}
	ps, err := refsOf(refs)
	if err != nil {
		return nil, time.Time{}, err
	}
	l, err := s.lockSchema(ctx, tx, tableID)
	if err != nil {
		return nil, time.Time{}, err
	}
	if _, err := s.live(ctx, tx, l, ps); err != nil {
		return nil, time.Time{}, err
	}
	now := s.now()
	out := make([]string, len(ps))
	cs := newChangeSet(len(ps))
	for i, p := range ps {
		out[i] = p.id
		cs.add(p.id)
	}
	if err := s.setDeleted(ctx, tx, l, out, &now, userID, now); err != nil {
		return nil, time.Time{}, err
	}
	if err := s.logChanges(ctx, tx, l, ChangeDeleted, userID, cs, now); err != nil {
		return nil, time.Time{}, err
	}
	return out, now.Add(s.trash), nil
}

// Restore brings 1 to MaxBatch records back from the trash atomically, in
// tx, and returns the layout and the records as they are now, in the order
// given.
//
// Errors, nothing written: InvalidArgument INVALID_BATCH for an empty,
// oversized or repeating list; NotFound naming the first id that is not in
// the table's trash (unknown, foreign, live or purged); FailedPrecondition
// UNIQUE_VIOLATION naming the field and the value when a unique field's
// value is held by a live record now (or by two of the records restored);
// and LockForRecords' errors.
func (s *Service) Restore(ctx context.Context, tx bun.Tx, tableID string, recordIDs []string, userID string) (*Layout, []*Record, error) {
	if err := batchSize(len(recordIDs)); err != nil {
		return nil, nil, err
	}
	refs := make([]Ref, len(recordIDs))
	for i, id := range recordIDs {
		refs[i] = Ref{ID: id}
	}
	ps, err := refsOf(refs)
	if err != nil {
		return nil, nil, err
	}
	l, err := s.lockSchema(ctx, tx, tableID)
	if err != nil {
		return nil, nil, err
	}
	cur, err := s.lockRows(ctx, tx, l, recordIDs)
	if err != nil {
		return nil, nil, err
	}
	finals := make([]final, len(ps))
	for i, p := range ps {
		r := cur[p.id]
		if r == nil || r.DeletedAt == nil {
			return nil, nil, notFound(tableID, p.id, p.index, "'s trash")
		}
		// The restored values count as given: they return to the table.
		p.cells = r.Cells
		finals[i] = final{p: p, id: "", cells: r.Cells}
	}
	if err := s.checkUnique(ctx, tx, l, finals); err != nil {
		return nil, nil, err
	}
	now := s.now()
	cs := newChangeSet(len(ps))
	out := make([]*Record, len(ps))
	for i, p := range ps {
		r := cur[p.id]
		r.DeletedAt, r.Version, r.UpdatedAt, r.UpdatedBy = nil, r.Version+1, now, userID
		fillComputed(l, r)
		out[i] = r
		cs.add(p.id)
	}
	if err := s.setDeleted(ctx, tx, l, recordIDs, nil, userID, now); err != nil {
		return nil, nil, err
	}
	if err := s.logChanges(ctx, tx, l, ChangeRestored, userID, cs, now); err != nil {
		return nil, nil, err
	}
	return l, out, nil
}

// refsOf turns refs into inputs, refusing empty and repeated ids.
func refsOf(refs []Ref) ([]*prepared, error) {
	var vs apperr.Violations
	seen := make(map[string]int, len(refs))
	ps := make([]*prepared, len(refs))
	for i, r := range refs {
		path := "records[" + itoa(i) + "].id"
		if r.ID == "" {
			vs.Add(path, "string.min_len", "give the record's id")
		} else if j, dup := seen[r.ID]; dup {
			vs.Add(path, "records.unique", "record %s is also records[%d]; give each record once", r.ID, j)
		}
		seen[r.ID] = i
		ps[i] = &prepared{index: i, id: r.ID, etag: r.Etag, keys: map[string]string{}}
	}
	return ps, vs.Err(ReasonBatch)
}

// lockSchema locks the table's schema for a record write and returns its
// layout.
func (s *Service) lockSchema(ctx context.Context, tx bun.Tx, tableID string) (*Layout, error) {
	t, err := s.schemas.LockForRecords(ctx, tx, tableID, s.cachedTable(tableID))
	if err != nil {
		return nil, err
	}
	return s.layout(t), nil
}

// setDeleted sets (or, with nil, clears) the delete time of records and
// bumps their version, update time and user. On restore the unique index
// may refuse (UNIQUE_VIOLATION).
func (s *Service) setDeleted(ctx context.Context, tx bun.Tx, l *Layout, recordIDs []string, at *time.Time, userID string, now time.Time) error {
	x := s.sqlx(tx)
	var deleted any
	if at != nil {
		deleted = x.sysTime(*at)
	}
	for start := 0; start < len(recordIDs); start += MaxBatch {
		part := recordIDs[start:min(start+MaxBatch, len(recordIDs))]
		args := []any{deleted, x.sysTime(now), userID}
		for _, id := range part {
			args = append(args, id)
		}
		_, err := x.exec(ctx, "UPDATE "+l.Physical+" SET deleted_at = "+x.ph(1)+", version = version + 1, updated_at = "+
			x.ph(2)+", updated_by = "+x.ph(3)+" WHERE id IN "+x.inList(4, len(part)), args...)
		if err != nil {
			return dbError(err, l, "update records")
		}
	}
	return nil
}
