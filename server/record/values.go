package record

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/schema"
)

// Reasons of the errors of writes, besides those of fieldtype.
const (
	// ReasonUnknownField is the reason of a cell naming no field.
	ReasonUnknownField = "UNKNOWN_FIELD"
	// ReasonRequired is the reason of a required field left empty.
	ReasonRequired = "REQUIRED_FIELD"
	// ReasonUnique is the reason of a value a unique field holds already.
	ReasonUnique = "UNIQUE_VIOLATION"
	// ReasonEtagMismatch is the reason of a write with a stale etag.
	ReasonEtagMismatch = "ETAG_MISMATCH"
	// ReasonAmbiguousMatch is the reason of an upsert matching several
	// records.
	ReasonAmbiguousMatch = "AMBIGUOUS_MATCH"
	// ReasonBatch is the reason of a malformed batch (size, repeats, ids).
	ReasonBatch = "INVALID_BATCH"
)

// input is one record of a write as given: its position, and for updates
// its id and etag.
type input struct {
	index    int
	id, etag string
	fields   Cells
}

// prepared is one record's input checked against the layout: the stored
// value of each field given (by field id), and the key each was given
// under, for error paths.
type prepared struct {
	index    int
	id, etag string
	cells    map[string]any
	keys     map[string]string
}

// cellPath is the violation path of a cell, with the key as given.
func cellPath(index int, key string) string {
	return "records[" + strconv.Itoa(index) + "].fields[" + strconv.Quote(key) + "]"
}

// keyOf is the key a field was given under, else its name.
func (p *prepared) keyOf(c *Column) string {
	if k, ok := p.keys[c.Field.ID]; ok {
		return k
	}
	return c.Field.Name
}

// writable reports whether a column takes input: not computed.
func writable(c *Column) bool { return !c.Type.ReadOnly() && c.Field.ColumnName != "" }

// isEmpty reports whether a stored value is an empty cell.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	}
	return false
}

// problems collects violations with the reason of the first, so that a
// write reports every bad cell at once.
type problems struct {
	vs     apperr.Violations
	reason string
}

func (p *problems) add(reason, path, rule, msg string) {
	if p.reason == "" {
		p.reason = reason
	}
	p.vs = append(p.vs, apperr.Violation{Path: path, Rule: rule, Message: msg})
}

// addErr adds the violations of a cell error, placed at path.
func (p *problems) addErr(err error, path string) {
	e, ok := apperr.As(fieldtype.AtPath(err, path))
	if !ok || len(e.Violations) == 0 {
		p.add(fieldtype.ReasonInvalidCell, path, "cell", err.Error())
		return
	}
	if p.reason == "" {
		p.reason = e.Reason
	}
	p.vs = append(p.vs, e.Violations...)
}

func (p *problems) err() error { return p.vs.Err(p.reason) }

// sortedKeys returns a record's input keys in order, for stable reports.
func sortedKeys(in Cells) []string {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// prepare checks each input's cells against the layout and returns their
// stored values; the bad cells are added to pr.
func (s *Service) prepare(l *Layout, ins []input, typecast bool, env fieldtype.Env, pr *problems) []*prepared {
	out := make([]*prepared, len(ins))
	for i, in := range ins {
		p := &prepared{index: in.index, id: in.id, etag: in.etag,
			cells: make(map[string]any, len(in.fields)), keys: make(map[string]string, len(in.fields))}
		for _, key := range sortedKeys(in.fields) {
			c := l.Column(key)
			if c == nil {
				pr.add(ReasonUnknownField, cellPath(in.index, key), "field.exists", "no field "+strconv.Quote(key)+" in the table")
				continue
			}
			if prev, dup := p.keys[c.Field.ID]; dup {
				pr.add(fieldtype.ReasonInvalidCell, cellPath(in.index, key), "field.once",
					"names the same field as "+strconv.Quote(prev)+"; give each field once")
				continue
			}
			v, err := c.Type.Value(c.Options, in.fields[key], typecast, env)
			if err != nil {
				pr.addErr(err, cellPath(in.index, key))
				continue
			}
			if c.Field.ColumnName == "" {
				// A computed type without a column takes no input; Value
				// refuses it, this is a second guard.
				pr.add(fieldtype.ReasonReadOnly, cellPath(in.index, key), "field.read_only", strconv.Quote(c.Field.Name)+" is computed and takes no input")
				continue
			}
			p.cells[c.Field.ID], p.keys[c.Field.ID] = v, key
		}
		out[i] = p
	}
	return out
}

// checkRequired refuses required fields left empty: on a full record
// (create, replace) every required field must hold a value; on a patch,
// those given must not be emptied.
func checkRequired(l *Layout, ps []*prepared, full []bool, pr *problems) {
	for i, p := range ps {
		for _, c := range l.Columns {
			if !c.Field.Required || !writable(c) {
				continue
			}
			v, given := p.cells[c.Field.ID]
			if (given || full[i]) && isEmpty(v) {
				pr.add(ReasonRequired, cellPath(p.index, p.keyOf(c)), "field.required",
					strconv.Quote(c.Field.Name)+" is required: give it a value")
			}
		}
	}
}

// allFull is a slice of n trues (every record is full) or falses.
func allFull(n int, full bool) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = full
	}
	return out
}

// missingChoices lists, per select field, the names in the inputs that are
// not yet choices of the field, as typecast reads them (in order of first
// appearance, without repeats ignoring case).
func missingChoices(l *Layout, ins []input) map[string][]string {
	out := map[string][]string{}
	seen := map[string]bool{}
	for _, in := range ins {
		for _, key := range sortedKeys(in.fields) {
			c := l.Column(key)
			if c == nil {
				continue
			}
			kind := c.Field.Kind()
			if kind != tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT && kind != tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS {
				continue
			}
			for _, name := range choiceNames(c.Options, kind, in.fields[key]) {
				name = strings.TrimSpace(name)
				k := c.Field.ID + "\x00" + strings.ToLower(name)
				if name == "" || len([]rune(name)) > fieldtype.MaxChoiceNameLength || seen[k] || hasChoice(c.Options, name) {
					continue
				}
				seen[k] = true
				out[c.Field.ID] = append(out[c.Field.ID], name)
			}
		}
	}
	return out
}

// choiceNames reads the choice names of a select cell as typecast does:
// text or a scalar for one choice; a list of them, or text split at
// commas unless it names one choice, for several.
func choiceNames(o *tablev1.FieldOptions, kind tablev1.FieldType, v *structpb.Value) []string {
	if fieldtype.IsEmpty(v) {
		return nil
	}
	if kind == tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT {
		if t, ok := scalarText(v); ok {
			return []string{t}
		}
		return nil
	}
	if list, ok := v.Kind.(*structpb.Value_ListValue); ok {
		var names []string
		for _, item := range list.ListValue.GetValues() {
			if t, ok := scalarText(item); ok {
				names = append(names, t)
			}
		}
		return names
	}
	t, ok := scalarText(v)
	if !ok {
		return nil
	}
	if hasChoice(o, t) {
		return []string{t}
	}
	return strings.Split(t, ",")
}

// scalarText renders text, a number or a boolean as typecast does.
func scalarText(v *structpb.Value) (string, bool) {
	switch k := v.Kind.(type) {
	case *structpb.Value_StringValue:
		return k.StringValue, true
	case *structpb.Value_NumberValue:
		return strconv.FormatFloat(k.NumberValue, 'f', -1, 64), true
	case *structpb.Value_BoolValue:
		return strconv.FormatBool(k.BoolValue), true
	}
	return "", false
}

// hasChoice reports whether a select field has a choice with the id or
// the name (ignoring case and surrounding spaces).
func hasChoice(o *tablev1.FieldOptions, s string) bool {
	s = strings.TrimSpace(s)
	for _, c := range o.GetSelect().GetChoices() {
		if c.GetId() == s || strings.EqualFold(c.GetName(), s) {
			return true
		}
	}
	return false
}

// start begins a write in tx: it locks the table's schema for the write
// (LockForRecords), adds the select choices that typecast inputs name (in
// the same transaction), and checks the inputs' cells against the schema
// that holds. It returns the layout, the checked inputs and the problems
// found in them (the caller may add more before it reports them).
func (s *Service) start(ctx context.Context, tx bun.Tx, tableID string, ins []input, typecast bool, records []Cells, checked *Checked) (*Layout, []*prepared, *problems, error) {
	cached := s.cachedTable(tableID)
	if typecast && cached != nil && len(missingChoices(s.layout(cached), ins)) > 0 {
		// This write will change the schema: take the schema change's
		// lock first, so concurrent ones queue rather than deadlock.
		if err := s.schemas.LockForChange(ctx, tx, tableID); err != nil {
			return nil, nil, nil, err
		}
	}
	t, err := s.schemas.LockForRecords(ctx, tx, tableID, cached)
	if err != nil {
		return nil, nil, nil, err
	}
	l := s.layout(t)
	if typecast {
		if add := missingChoices(l, ins); len(add) > 0 {
			t, err = s.schemas.AddChoices(ctx, tx, tableID, add)
			if err != nil {
				return nil, nil, nil, err
			}
			l = s.layout(t)
		}
	}
	if ps, pr := checked.use(records, l, typecast); ps != nil {
		return l, ps, pr, nil
	}
	pr := &problems{}
	ps := s.prepare(l, ins, typecast, s.env(ctx, tx, t), pr)
	return l, ps, pr, nil
}

// cachedTable is the schema of the table's last layout, nil if none:
// LockForRecords checks it inside the transaction and loads the schema
// there when it is stale. Writes never read through s.db while they hold
// a transaction's connection, so concurrent writes cannot exhaust the pool
// waiting on each other.
func (s *Service) cachedTable(tableID string) *schema.Table {
	if v, ok := s.layouts.Load(tableID); ok {
		return v.(*Layout).Table
	}
	return nil
}

// env is what values need from outside: members of the base's workspace,
// looked up when a collaborator cell asks, and the time.
func (s *Service) env(ctx context.Context, tx bun.IDB, t *schema.Table) fieldtype.Env {
	var resolve func(string) (string, bool)
	return fieldtype.Env{Now: s.now, ResolveUser: func(idOrEmail string) (string, bool) {
		if resolve == nil {
			var ws string
			if err := tx.NewSelect().Table("bases").Column("workspace_id").Where("id = ?", t.BaseID).Scan(ctx, &ws); err != nil {
				return "", false
			}
			resolve = s.schemas.MemberResolver(ctx, tx, ws)
		}
		return resolve(idOrEmail)
	}}
}

// batchSize refuses an empty batch or one over MaxBatch.
func batchSize(n int) error {
	var vs apperr.Violations
	if n == 0 {
		vs.Add("records", "repeated.min_items", "give at least one record")
	}
	if n > MaxBatch {
		vs.Add("records", "repeated.max_items", "at most %d records a call, not %d; split the batch", MaxBatch, n)
	}
	return vs.Err(ReasonBatch)
}
