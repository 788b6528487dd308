package record_test

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/view"
)

// rFix is a database with a base, a table made by the real schema
// service, and the record service reading it.
type rFix struct {
	db      *storage.DB
	schemas *schema.Service
	recs    *record.Service
	views   *view.Service
	userID  string
	baseID  string
	table   *schema.Table
	fields  map[string]*schema.Field
	phys    string
	ids     map[string]string // record name (the "Name" cell) -> id
}

// rStart makes a table with the given fields in a new base.
func rStart(t *testing.T, db *storage.DB, specs []schema.FieldSpec) *rFix {
	t.Helper()
	e := newTableEnv(t, db, "ada."+strings.ToLower(ids.Random(8))+"@example.com", specs)
	f := &rFix{db: db, schemas: e.schemas, recs: e.recs, views: e.views, userID: e.userID, baseID: e.baseID, table: e.table,
		fields: map[string]*schema.Field{}, ids: map[string]string{}}
	f.reload(t)
	return f
}

// reload reads the table's schema again.
func (f *rFix) reload(t *testing.T) {
	t.Helper()
	tbl, err := f.schemas.GetTable(context.Background(), f.db, f.table.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.table = tbl
	f.phys = tbl.Qualified(f.db.Engine)
	for _, fld := range tbl.Fields {
		f.fields[fld.Name] = fld
	}
}

func rTx(t *testing.T, db *storage.DB, fn func(ctx context.Context, tx bun.Tx) error) {
	t.Helper()
	if err := db.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// rInsert adds records with raw SQL, cells given as the JSON a request
// would hold (typecast), stored as the field types store them. The
// "Name" cell, when text, names the record in f.ids. It returns the ids.
func (f *rFix) rInsert(t testing.TB, rows ...map[string]any) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, row := range rows {
		id := ids.New(ids.Record)
		now := time.Now().UTC().Truncate(time.Microsecond)
		createdBy := f.userID
		cols := []string{"id", "created_at", "updated_at", "created_by", "updated_by"}
		args := []any{id, now, now, createdBy, createdBy}
		for name, raw := range row {
			if name == "_created_by" {
				args[3], args[4] = raw, raw
				continue
			}
			fld := f.fields[name]
			if fld == nil {
				t.Fatalf("no field %q", name)
			}
			v, err := structpb.NewValue(raw)
			if err != nil {
				t.Fatal(err)
			}
			typ, opts := fld.TypeOptions()
			stored, err := typ.Value(opts, v, true, fieldtype.Env{})
			if err != nil {
				t.Fatalf("value of %s: %v", name, err)
			}
			cols = append(cols, schema.QuoteIdent(fld.ColumnName))
			args = append(args, rSQLValue(stored))
			if name == "Name" {
				if s, ok := raw.(string); ok {
					f.ids[s] = id
				}
			}
		}
		q := "INSERT INTO " + f.phys + " (" + rJoin(cols) + ") VALUES (" + rPlaceholders(len(cols)) + ")"
		if _, err := f.db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("insert: %v", err)
		}
		out = append(out, id)
	}
	return out
}

// rDelete moves records to the trash with raw SQL, at the given time.
func (f *rFix) rDelete(t testing.TB, at time.Time, recIDs ...string) {
	t.Helper()
	if _, err := f.db.ExecContext(context.Background(), "UPDATE "+f.phys+" SET deleted_at = ? WHERE id IN (?)", at.UTC(), bun.In(recIDs)); err != nil {
		t.Fatal(err)
	}
}

func rSQLValue(v any) any {
	switch v.(type) {
	case nil, string, float64, int64, int, bool, time.Time:
		return v
	case json.RawMessage:
		return string(v.(json.RawMessage))
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func rJoin(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += ", "
		}
		out += p
	}
	return out
}

func rPlaceholders(n int) string {
	out := ""
	for i := 0; i < n; i++ {
		if i > 0 {
			out += ", "
		}
		out += "?"
	}
	return out
}

// rAll walks every page of a list and returns the record ids in order.
func (f *rFix) rAll(t testing.TB, q record.Query) []string {
	t.Helper()
	var out []string
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatal("too many pages")
		}
		p, err := f.recs.List(context.Background(), f.table.ID, q)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if len(p.Records) > pagetoken.Size(q.PageSize) {
			t.Fatalf("page of %d records, asked %d", len(p.Records), q.PageSize)
		}
		for _, r := range p.Records {
			out = append(out, r.ID)
		}
		if p.Next == "" {
			return out
		}
		q.PageToken = p.Next
	}
}

// rNames maps ids back to record names, sorted.
func (f *rFix) rNames(recIDs []string) []string {
	byID := map[string]string{}
	for n, id := range f.ids {
		byID[id] = n
	}
	out := make([]string, len(recIDs))
	for i, id := range recIDs {
		out[i] = byID[id]
	}
	return out
}

func rSorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// rWantErr checks err is an *apperr.Error of the kind and reason, with a
// violation at path when path is not empty.
func rWantErr(t testing.TB, err error, kind apperr.Kind, reason, path string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("want %s %s error, got %v", kind, reason, err)
	}
	if e.Kind != kind || e.Reason != reason {
		t.Fatalf("want %s %s, got %s %s: %v", kind, reason, e.Kind, e.Reason, err)
	}
	if path == "" {
		return
	}
	for _, v := range e.Violations {
		if v.Path == path {
			return
		}
	}
	t.Fatalf("want a violation at %s, got %+v", path, e.Violations)
}

func rItoa(i int) string { return strconv.Itoa(i) }

func rChoices(names ...string) *tablev1.FieldOptions {
	var cs []*tablev1.Choice
	for _, n := range names {
		cs = append(cs, &tablev1.Choice{Name: n})
	}
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{Select: &tablev1.SelectOptions{Choices: cs}}}
}

// bunTx is a transaction, for the callbacks of rTx.
type bunTx = bun.Tx
