package record

import (
	"context"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// MaxMergeFields is the most fields an upsert matches on.
const MaxMergeFields = 3

// upsert is Update with merge fields: each input is matched on the stored
// values of the merge fields among the live records; no match creates a
// record, one match updates it (patch, or replace), several are
// FailedPrecondition AMBIGUOUS_MATCH naming the values and the records.
// Inputs must not give an id, must give every merge field a value, and no
// two may share merge values (InvalidArgument). On PostgreSQL the call
// takes a transaction-scoped advisory lock per merge key (in key order)
// before it looks, so concurrent upserts of one new key create one
// record; SQLite write transactions are serial already.
func (s *Service) upsert(ctx context.Context, tx bun.Tx, tableID string, updates []Update, o UpdateOptions) (*Layout, *UpdateResult, error) {
	var vs apperr.Violations
	if len(o.MergeFields) > MaxMergeFields {
		vs.Add("merge_fields", "repeated.max_items", "match on at most %d fields, not %d", MaxMergeFields, len(o.MergeFields))
	}
	ins := make([]input, len(updates))
	for i, u := range updates {
		if u.ID != "" {
			vs.Add("records["+itoa(i)+"].id", "upsert.no_id",
				"leave the id empty in an upsert: records are matched on the merge fields")
		}
		ins[i] = input{index: i, etag: u.Etag, fields: u.Fields}
	}
	if err := vs.Err(ReasonBatch); err != nil {
		return nil, nil, err
	}
	l, ps, pr, err := s.start(ctx, tx, tableID, ins, o.Typecast, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	merge := mergeColumns(l, o.MergeFields, pr)
	keys := make([]string, len(ps))
	first := map[string]int{}
	for i, p := range ps {
		parts := make([]string, len(merge))
		ok := true
		for j, c := range merge {
			v := p.cells[c.Field.ID]
			if isEmpty(v) {
				pr.add(ReasonRequired, cellPath(p.index, p.keyOf(c)), "upsert.merge_value",
					"give "+strconv.Quote(c.Field.Name)+" a value: the upsert matches records on it")
				ok = false
				continue
			}
			parts[j] = canonKey(c, v)
		}
		if !ok || len(merge) == 0 {
			continue
		}
		keys[i] = strings.Join(parts, "\x00")
		if j, dup := first[keys[i]]; dup {
			pr.add(ReasonBatch, "records["+itoa(p.index)+"]", "upsert.unique_keys",
				"has the same merge field values as records["+itoa(j)+"]; give each record once")
			continue
		}
		first[keys[i]] = p.index
	}
	if err := pr.err(); err != nil {
		return nil, nil, err
	}
	if err := s.lockKeys(ctx, tx, tableID, keys); err != nil {
		return nil, nil, err
	}
	matches, err := s.match(ctx, tx, l, merge, ps)
	if err != nil {
		return nil, nil, err
	}
	var creates, changes []*prepared
	full := make([]bool, len(ps))
	for i, p := range ps {
		switch m := matches[keys[i]]; len(m) {
		case 0:
			creates, full[i] = append(creates, p), true
		case 1:
			p.id, full[i] = m[0], o.Replace
			changes = append(changes, p)
		default:
			var vals []string
			for _, c := range merge {
				vals = append(vals, c.Field.Name+"="+strconv.Quote(c.Type.Text(c.Options, p.cells[c.Field.ID])))
			}
			e := apperr.New(apperr.FailedPrecondition, ReasonAmbiguousMatch,
				"records[%d] matches %d records (%s) on %s; make the merge fields identify one record",
				p.index, len(m), strings.Join(m, ", "), strings.Join(vals, ", ")).
				With("record_ids", strings.Join(m, ",")).With("values", strings.Join(vals, ", "))
			e.Violations = []apperr.Violation{{Path: "records[" + itoa(p.index) + "]", Rule: "upsert.ambiguous", Message: e.Message}}
			return nil, nil, e
		}
	}
	checkRequired(l, ps, full, pr)
	if err := pr.err(); err != nil {
		return nil, nil, err
	}
	res := &UpdateResult{Records: make([]*Record, len(ps))}
	pos := make(map[int]int, len(ps))
	for i, p := range ps {
		pos[p.index] = i
	}
	// Updates first: the new records' unique check then sees the values
	// the updates leave.
	if len(changes) > 0 {
		recs, err := s.change(ctx, tx, l, changes, o.Replace, o.UserID)
		if err != nil {
			return nil, nil, err
		}
		for i, r := range recs {
			res.Records[pos[changes[i].index]] = r
			res.Updated = append(res.Updated, r.ID)
		}
	}
	if len(creates) > 0 {
		recs, err := s.create(ctx, tx, l, creates, o.UserID)
		if err != nil {
			return nil, nil, err
		}
		for i, r := range recs {
			res.Records[pos[creates[i].index]] = r
			res.Created = append(res.Created, r.ID)
		}
	}
	return l, res, nil
}

// mergeColumns resolves the merge fields: fields with one comparable
// value per cell, each once.
func mergeColumns(l *Layout, refs []string, pr *problems) []*Column {
	var out []*Column
	for i, ref := range refs {
		path := "merge_fields[" + itoa(i) + "]"
		c := l.Column(ref)
		switch {
		case c == nil:
			pr.add(ReasonUnknownField, path, "field.exists", "no field "+strconv.Quote(ref)+" in the table")
		case !writable(c) || c.Type.Column(storage.Postgres) == "JSONB":
			pr.add(ReasonBatch, path, "upsert.merge_type", strconv.Quote(c.Field.Name)+
				" cannot be a merge field: use fields with one value per cell, such as text, number, date, email or single select")
		case slices.Contains(out, c):
			pr.add(ReasonBatch, path, "upsert.merge_once", strconv.Quote(c.Field.Name)+" is given twice")
		default:
			out = append(out, c)
		}
	}
	return out
}

// lockKeys serialises upserts of the same merge keys on PostgreSQL with
// transaction-scoped advisory locks, one per key, taken in one statement
// in key order to avoid deadlocks. Measured: 1000 keys take a few
// milliseconds. Each lock holds a slot of PostgreSQL's shared lock table
// (max_locks_per_transaction × max_connections, 6,400 by default) until
// the transaction ends: with the defaults, a dozen or more concurrent
// upserts of 1000 new keys can run it out ("out of shared memory"), so
// deployments expecting that raise max_locks_per_transaction. Locking the
// table instead for big batches bounds the count but made 4 concurrent
// clients' upserts 3 times slower.
func (s *Service) lockKeys(ctx context.Context, tx bun.Tx, tableID string, keys []string) error {
	if s.db.Engine != storage.Postgres {
		return nil
	}
	hashes := make([]int64, 0, len(keys))
	for _, k := range keys {
		h := fnv.New64a()
		h.Write([]byte(tableID))
		h.Write([]byte{0})
		h.Write([]byte(k))
		hashes = append(hashes, int64(h.Sum64()))
	}
	slices.Sort(hashes)
	hashes = slices.Compact(hashes)
	_, err := s.sqlx(tx).exec(ctx,
		"SELECT pg_advisory_xact_lock(k) FROM (SELECT k FROM unnest($1::bigint[]) AS k ORDER BY k OFFSET 0) AS s", hashes)
	return dbError(err, nil, "lock merge keys")
}
