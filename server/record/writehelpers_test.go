package record_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
)

// wFix is a database with a table made by the real schema service and the
// record service writing it.
type wFix struct {
	db      *storage.DB
	schemas *schema.Service
	recs    *record.Service
	userID  string
	baseID  string
	table   *schema.Table
	last    *record.Layout // of the last create
}

// wStart makes a table with the given fields in a new base.
func wStart(t testing.TB, db *storage.DB, specs ...schema.FieldSpec) *wFix {
	t.Helper()
	e := newTableEnv(t, db, "grace@example.com", specs)
	f := &wFix{db: db, schemas: e.schemas, recs: e.recs, userID: e.userID, baseID: e.baseID, table: e.table}
	return f
}

// sibling makes another table in the same base.
func (f *wFix) sibling(t testing.TB, name string, specs ...schema.FieldSpec) *wFix {
	t.Helper()
	g := *f
	wMust(t, f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		g.table, err = f.schemas.CreateTable(ctx, tx, f.baseID, f.userID, name, "", specs)
		return err
	}))
	return &g
}

// wMust fails the test on an error.
func wMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wSpec is a field spec.
func wSpec(name string, kind tablev1.FieldType) schema.FieldSpec {
	return schema.FieldSpec{Name: name, Type: kind}
}

// wSelect is a select field spec with choices.
func wSelect(name string, kind tablev1.FieldType, choices ...string) schema.FieldSpec {
	var cs []*tablev1.Choice
	for _, n := range choices {
		cs = append(cs, &tablev1.Choice{Name: n})
	}
	return schema.FieldSpec{Name: name, Type: kind,
		Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{Select: &tablev1.SelectOptions{Choices: cs}}}}
}

// wCells turns plain Go values (as JSON would hold them) into input
// cells.
func wCells(t testing.TB, m map[string]any) record.Cells {
	t.Helper()
	out := record.Cells{}
	for k, v := range m {
		pv, err := structpb.NewValue(v)
		if err != nil {
			t.Fatalf("cell %s: %v", k, err)
		}
		out[k] = pv
	}
	return out
}

// create runs Create in its own transaction.
func (f *wFix) create(t testing.TB, typecast bool, rows ...map[string]any) ([]*record.Record, error) {
	t.Helper()
	in := make([]record.Cells, len(rows))
	for i, r := range rows {
		in[i] = wCells(t, r)
	}
	var out []*record.Record
	err := f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		var l *record.Layout
		l, out, err = f.recs.Create(ctx, tx, f.table.ID, in, record.WriteOptions{UserID: f.userID, Typecast: typecast})
		if l != nil {
			f.last = l
		}
		return err
	})
	return out, err
}

// mustCreate is create that must work; it returns the ids.
func (f *wFix) mustCreate(t testing.TB, rows ...map[string]any) []string {
	t.Helper()
	recs, err := f.create(t, false, rows...)
	wMust(t, err)
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	return ids
}

// update runs Update in its own transaction.
func (f *wFix) update(t testing.TB, o record.UpdateOptions, ups ...record.Update) (*record.UpdateResult, error) {
	t.Helper()
	if o.UserID == "" {
		o.UserID = f.userID
	}
	var out *record.UpdateResult
	err := f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		_, out, err = f.recs.Update(ctx, tx, f.table.ID, ups, o)
		return err
	})
	return out, err
}

// wUp is one update.
func wUp(t testing.TB, id, etag string, m map[string]any) record.Update {
	return record.Update{ID: id, Etag: etag, Fields: wCells(t, m)}
}

// get reads a live record's cells as the API gives them, by field name.
func (f *wFix) get(t testing.TB, id string) (map[string]any, string) {
	t.Helper()
	cols, r, err := f.recs.Get(context.Background(), f.table.ID, id, nil)
	wMust(t, err)
	p, err := f.recs.Proto(cols, r, false)
	wMust(t, err)
	out := map[string]any{}
	for k, v := range p.Fields {
		out[k] = v.AsInterface()
	}
	return out, p.Etag
}

// phys is the table's physical name.
func (f *wFix) phys(t testing.TB) string {
	t.Helper()
	tbl, err := f.schemas.GetTable(context.Background(), f.db, f.table.ID)
	wMust(t, err)
	return tbl.Qualified(f.db.Engine)
}

// rows counts the table's rows: live ones, and all.
func (f *wFix) rows(t testing.TB) (live, all int) {
	t.Helper()
	ctx := context.Background()
	wMust(t, f.db.NewRaw("SELECT COUNT(*) FROM "+f.phys(t)+" WHERE deleted_at IS NULL").Scan(ctx, &live))
	wMust(t, f.db.NewRaw("SELECT COUNT(*) FROM "+f.phys(t)).Scan(ctx, &all))
	return live, all
}

// wLog is a change log entry of a record write.
type wLog struct {
	Kind      string
	Actor     string
	Version   string
	RecordIDs []string
	Changes   map[string]map[string]map[string]any
}

// log returns the table's record change log, oldest first.
func (f *wFix) log(t testing.TB) []wLog {
	t.Helper()
	var rows []struct {
		Kind      string `bun:"kind"`
		Actor     string `bun:"actor"`
		Version   string `bun:"schema_version_id"`
		RecordIDs string `bun:"record_ids"`
		Changes   string `bun:"changes"`
	}
	wMust(t, f.db.NewSelect().Table("change_log").Column("kind", "actor", "schema_version_id", "record_ids", "changes").
		Where("table_id = ? AND kind LIKE 'record.%'", f.table.ID).Order("created_at", "id").Scan(context.Background(), &rows))
	out := make([]wLog, len(rows))
	for i, r := range rows {
		out[i] = wLog{Kind: r.Kind, Actor: r.Actor, Version: r.Version}
		wMust(t, json.Unmarshal([]byte(r.RecordIDs), &out[i].RecordIDs))
		wMust(t, json.Unmarshal([]byte(r.Changes), &out[i].Changes))
	}
	return out
}

// wWantErr checks an error's kind, reason and (when given) that a
// violation's path is path.
func wWantErr(t testing.TB, err error, kind apperr.Kind, reason, path string) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("want a %s %s error, got %v", kind, reason, err)
	}
	if e.Kind != kind || e.Reason != reason {
		t.Fatalf("want %s %s, got %s %s: %s", kind, reason, e.Kind, e.Reason, e.Message)
	}
	if path != "" {
		var paths []string
		for _, v := range e.Violations {
			if v.Path == path {
				return e
			}
			paths = append(paths, v.Path)
		}
		t.Fatalf("want a violation at %s, got %s (%s)", path, strings.Join(paths, ", "), e.Message)
	}
	return e
}

// snapshot is the state that a refused write must leave alone.
type wState struct{ live, all, log int }

func (f *wFix) state(t testing.TB) wState {
	t.Helper()
	live, all := f.rows(t)
	var n int
	wMust(t, f.db.NewRaw("SELECT COUNT(*) FROM change_log WHERE table_id = ? AND kind LIKE 'record.%'", f.table.ID).
		Scan(context.Background(), &n))
	return wState{live, all, n}
}

// unchanged fails when the state moved.
func (f *wFix) unchanged(t testing.TB, before wState) {
	t.Helper()
	if now := f.state(t); now != before {
		t.Fatalf("a refused write changed the table: before %+v, after %+v", before, now)
	}
}
