package record

import (
	"context"

	"github.com/uptrace/bun"
)

// Create adds 1 to MaxBatch records atomically, in tx, and returns the
// layout the values were checked against and the new records, in the
// order given, with every field's cell (stored values; see Proto).
//
// The schema is locked for the write (schema.Service.LockForRecords) and
// every cell is checked against it; with typecast, select choices the
// input names that do not exist yet are added to their fields first, in
// the same transaction. Nothing is written when it fails:
//   - InvalidArgument, with a violation per bad cell at
//     `records[i].fields["Key"]` (the key as given): reason
//     INVALID_CELL_VALUE (a value the field refuses), UNKNOWN_FIELD (no such
//     field), READ_ONLY_FIELD (a computed field), REQUIRED_FIELD (a
//     required field left empty), the reason of the first problem; reason
//     INVALID_BATCH for an empty or oversized batch;
//   - FailedPrecondition UNIQUE_VIOLATION when a unique field's value
//     repeats in the batch or is held by a live record, with a violation
//     naming the value (also when the unique index refuses a racing write);
//   - the errors of LockForRecords (NotFound, TABLE_DELETED, BASE_DELETED)
//     and of schema.Service.AddChoices.
func (s *Service) Create(ctx context.Context, tx bun.Tx, tableID string, records []Cells, o WriteOptions) (*Layout, []*Record, error) {
	if err := batchSize(len(records)); err != nil {
		return nil, nil, err
	}
	ins := newInputs(records)
	l, ps, pr, err := s.start(ctx, tx, tableID, ins, o.Typecast, records, o.Checked)
	if err != nil {
		return nil, nil, err
	}
	checkRequired(l, ps, allFull(len(ps), true), pr)
	if err := pr.err(); err != nil {
		return nil, nil, err
	}
	recs, err := s.create(ctx, tx, l, ps, o.UserID)
	if err != nil {
		return nil, nil, err
	}
	return l, recs, nil
}

// create checks the unique fields of new records, stores them and logs
// them.
func (s *Service) create(ctx context.Context, tx bun.Tx, l *Layout, ps []*prepared, userID string) ([]*Record, error) {
	finals := make([]final, len(ps))
	for i, p := range ps {
		finals[i] = final{p: p, cells: p.cells}
	}
	if err := s.checkUnique(ctx, tx, l, finals); err != nil {
		return nil, err
	}
	now := s.now()
	recs, err := s.insert(ctx, tx, l, ps, userID, now)
	if err != nil {
		return nil, err
	}
	if err := s.logChanges(ctx, tx, l, ChangeCreated, userID, createChanges(writableColumns(l), recs), now); err != nil {
		return nil, err
	}
	return recs, nil
}
