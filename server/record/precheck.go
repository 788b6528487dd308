package record

import (
	"context"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// Checked is a batch of new records checked before its transaction
// (Precheck), so that a write spends less of its transaction, and on
// SQLite less of the one write lock, on checking values. Create uses it
// only when the schema it locks is the one the batch was checked against;
// otherwise it checks the batch again.
type Checked struct {
	records  []Cells
	layout   *Layout
	typecast bool
	ps       []*prepared
	pr       *problems
	used     bool
}

// Used reports whether a write took the batch as checked (its schema had
// not changed since) rather than checking it again.
func (c *Checked) Used() bool { return c != nil && c.used }

// Precheck checks records for CreateRecords against the table's schema as
// this process last saw it, outside any transaction; pass the result in
// WriteOptions.Checked. It returns nil when it cannot help: a table not
// seen yet, a typecast that will add select choices (a schema change,
// made inside the write), or a batch with collaborator cells (whose
// members are looked up inside the write, as they stand there).
func (s *Service) Precheck(ctx context.Context, tableID string, records []Cells, typecast bool) *Checked {
	t := s.cachedTable(tableID)
	if t == nil || batchSize(len(records)) != nil {
		return nil
	}
	l := s.layout(t)
	ins := newInputs(records)
	if typecast && len(missingChoices(l, ins)) > 0 || namesCollaborator(l, records) {
		return nil
	}
	pr := &problems{}
	ps := s.prepare(l, ins, typecast, s.env(ctx, s.db, t), pr)
	return &Checked{records: records, layout: l, typecast: typecast, ps: ps, pr: pr}
}

// use returns the checked batch when it is records, checked against the
// schema l in the same mode; nil otherwise.
func (c *Checked) use(records []Cells, l *Layout, typecast bool) ([]*prepared, *problems) {
	if c == nil || c.typecast != typecast || !sameBatch(c.records, records) || !sameSchema(c.layout, l) {
		return nil, nil
	}
	c.used = true
	return c.ps, c.pr
}

// sameBatch reports whether two batches are the same slice.
func sameBatch(a, b []Cells) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// namesCollaborator reports whether any record gives a collaborator field.
func namesCollaborator(l *Layout, records []Cells) bool {
	has := false
	for _, c := range l.Columns {
		has = has || c.Field.Kind() == tablev1.FieldType_FIELD_TYPE_COLLABORATOR
	}
	if !has {
		return false
	}
	for _, r := range records {
		for key := range r {
			if c := l.Column(key); c != nil && c.Field.Kind() == tablev1.FieldType_FIELD_TYPE_COLLABORATOR {
				return true
			}
		}
	}
	return false
}

// sameSchema reports whether two layouts are of the same version of a
// table's schema.
func sameSchema(a, b *Layout) bool {
	return a == b || (a.Table.ID == b.Table.ID && a.Table.Etag == b.Table.Etag && a.Table.UpdatedAt.Equal(b.Table.UpdatedAt))
}

// newInputs numbers new records' cells for checking.
func newInputs(records []Cells) []input {
	ins := make([]input, len(records))
	for i, r := range records {
		ins[i] = input{index: i, fields: r}
	}
	return ins
}
