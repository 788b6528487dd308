package record

import (
	"context"
	"sort"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
)

// Update changes 1 to MaxBatch records atomically, in tx, each at most
// once: a patch sets the fields given; with o.Replace the fields left out
// are emptied. With o.MergeFields it is an upsert instead (see upsert).
// Every record changed gets a new version (its etag), update time and
// user. The rows are locked (FOR UPDATE on PostgreSQL; SQLite write
// transactions are serial), so a read-modify-write with etags loses no
// update. Result.Records are in the order given.
//
// Errors, nothing written: InvalidArgument for bad cells as Create
// (required fields may not be emptied; with Replace they must be given),
// and reason INVALID_BATCH for a missing or repeated id; NotFound naming
// the first unknown, deleted or foreign record id (violation
// `records[i].id`); FailedPrecondition ETAG_MISMATCH (metadata record_id
// and its current etag) when an etag given is not the record's; and the
// UNIQUE_VIOLATION and schema errors of Create.
func (s *Service) Update(ctx context.Context, tx bun.Tx, tableID string, updates []Update, o UpdateOptions) (*Layout, *UpdateResult, error) {
	if err := batchSize(len(updates)); err != nil {
		return nil, nil, err
	}
	if len(o.MergeFields) > 0 {
		return s.upsert(ctx, tx, tableID, updates, o)
	}
	var vs apperr.Violations
	seen := make(map[string]int, len(updates))
	ins := make([]input, len(updates))
	for i, u := range updates {
		path := "records[" + itoa(i) + "].id"
		if u.ID == "" {
			vs.Add(path, "string.min_len", "give the id of the record to update")
		} else if j, dup := seen[u.ID]; dup {
			vs.Add(path, "records.unique", "record %s is also records[%d]; give each record once", u.ID, j)
		}
		seen[u.ID] = i
		ins[i] = input{index: i, id: u.ID, etag: u.Etag, fields: u.Fields}
	}
	if err := vs.Err(ReasonBatch); err != nil {
		return nil, nil, err
	}
	l, ps, pr, err := s.start(ctx, tx, tableID, ins, o.Typecast, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	checkRequired(l, ps, allFull(len(ps), o.Replace), pr)
	if err := pr.err(); err != nil {
		return nil, nil, err
	}
	recs, err := s.change(ctx, tx, l, ps, o.Replace, o.UserID)
	if err != nil {
		return nil, nil, err
	}
	res := &UpdateResult{Records: recs, Updated: make([]string, len(recs))}
	for i, r := range recs {
		res.Updated[i] = r.ID
	}
	return l, res, nil
}

// lockRows reads the records with the ids (live or deleted) with every
// field's cell, locking their rows until tx ends, in id order so that
// concurrent batches queue instead of deadlocking.
func (s *Service) lockRows(ctx context.Context, tx bun.Tx, l *Layout, recordIDs []string) (map[string]*Record, error) {
	out := make(map[string]*Record, len(recordIDs))
	sorted := append([]string(nil), recordIDs...)
	sort.Strings(sorted)
	for start := 0; start < len(sorted); start += MaxBatch {
		part := sorted[start:min(start+MaxBatch, len(sorted))]
		rows, err := scanRecords(ctx, tx, l.Columns, "SELECT "+selectList(l.Columns)+" FROM "+l.Physical+
			" WHERE id IN (?) ORDER BY id"+s.sqlx(tx).forUpdate(), bun.In(part))
		if err != nil {
			return nil, dbError(err, l, "read records")
		}
		for _, r := range rows {
			out[r.ID] = r
		}
	}
	return out, nil
}

// notFound is the error of a record id the table has not (or only in the
// trash).
func notFound(tableID, id string, index int, what string) error {
	e := apperr.NotFoundf("record %s not found in table %s%s", id, tableID, what).With("record_id", id)
	e.Violations = []apperr.Violation{{Path: "records[" + itoa(index) + "].id", Rule: "record.exists", Message: e.Message}}
	return e
}

// etagMismatch is the error of a write with a stale etag.
func etagMismatch(id, given string, current int64, index int) error {
	cur := itoa(int(current))
	e := apperr.New(apperr.FailedPrecondition, ReasonEtagMismatch,
		"record %s changed since you read it (etag %s, now %s); read it again and retry", id, given, cur).
		With("record_id", id).With("etag", cur)
	e.Violations = []apperr.Violation{{Path: "records[" + itoa(index) + "].etag", Rule: "record.etag", Message: e.Message}}
	return e
}

// live loads and locks the records of the inputs and checks that each is
// live and, when an etag is given, current.
func (s *Service) live(ctx context.Context, tx bun.Tx, l *Layout, ps []*prepared) (map[string]*Record, error) {
	recordIDs := make([]string, len(ps))
	for i, p := range ps {
		recordIDs[i] = p.id
	}
	cur, err := s.lockRows(ctx, tx, l, recordIDs)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		r := cur[p.id]
		if r == nil || r.DeletedAt != nil {
			return nil, notFound(l.Table.ID, p.id, p.index, "")
		}
		if p.etag != "" && p.etag != r.Etag() {
			return nil, etagMismatch(p.id, p.etag, r.Version, p.index)
		}
	}
	return cur, nil
}

// change applies checked updates to existing records: it locks them,
// checks etags and unique fields, writes the rows (writeRows: one
// statement per batch on PostgreSQL, per chunk on SQLite) and logs the
// changes.
func (s *Service) change(ctx context.Context, tx bun.Tx, l *Layout, ps []*prepared, replace bool, userID string) ([]*Record, error) {
	cur, err := s.live(ctx, tx, l, ps)
	if err != nil {
		return nil, err
	}
	cols := writableColumns(l)
	finals := make([]final, len(ps))
	for i, p := range ps {
		cells := make(map[string]any, len(cols))
		for _, c := range cols {
			if v, given := p.cells[c.Field.ID]; given || replace {
				cells[c.Field.ID] = v
			} else {
				cells[c.Field.ID] = cur[p.id].Cells[c.Field.ID]
			}
		}
		finals[i] = final{p: p, id: p.id, cells: cells}
	}
	if err := s.checkUnique(ctx, tx, l, finals); err != nil {
		return nil, err
	}
	now := s.now()
	rows := make([]rowWrite, len(ps))
	for i, p := range ps {
		w := rowWrite{seq: cur[p.id].Seq, cells: p.cells}
		if replace {
			w.cells = finals[i].cells
		}
		rows[i] = w
	}
	if err := s.writeRows(ctx, s.sqlx(tx), l, rows, userID, now); err != nil {
		return nil, err
	}
	cs := newChangeSet(len(ps))
	out := make([]*Record, len(ps))
	for i, p := range ps {
		old := cur[p.id]
		r := &Record{ID: old.ID, Seq: old.Seq, Version: old.Version + 1, CreatedAt: old.CreatedAt, UpdatedAt: now,
			CreatedBy: old.CreatedBy, UpdatedBy: userID, Cells: make(map[string]any, len(l.Columns))}
		cs.record(r.ID)
		for _, c := range cols {
			after := finals[i].cells[c.Field.ID]
			if after != nil {
				r.Cells[c.Field.ID] = after
			}
			if _, given := p.cells[c.Field.ID]; !given && !replace {
				continue // kept as it was
			}
			if before := canon(c, old.Cells[c.Field.ID]); !sameCanon(c, before, after) {
				cs.updated(c.Field.ID, before, after)
			}
		}
		fillComputed(l, r)
		cs.end()
		out[i] = r
	}
	if err := s.logChanges(ctx, tx, l, ChangeUpdated, userID, cs, now); err != nil {
		return nil, err
	}
	return out, nil
}

// sameCanon reports whether a cell's value before a write (canon) and
// after it (as fieldtype.Type.Value made it) are the same value. Scalars
// of one type compare directly, as both are in canonical form; anything
// else compares by canonKey.
func sameCanon(c *Column, before, after any) bool {
	switch b := before.(type) {
	case string:
		if a, ok := after.(string); ok {
			return a == b
		}
	case float64:
		if a, ok := after.(float64); ok {
			return a == b
		}
	case int64:
		if a, ok := after.(int64); ok {
			return a == b
		}
	case bool:
		if a, ok := after.(bool); ok {
			return a == b
		}
	case nil:
		if after == nil {
			return true
		}
	}
	return canonKey(c, before) == canonKey(c, after)
}
