package record_test

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
	"github.com/pyairtable/pyairtable/server/view"
)

func rSort(field string, desc bool) *tablev1.Sort {
	d := tablev1.SortDirection_SORT_DIRECTION_ASCENDING
	if desc {
		d = tablev1.SortDirection_SORT_DIRECTION_DESCENDING
	}
	return &tablev1.Sort{Field: field, Direction: d}
}

// TestReadsGet: one record, projected; deleted, foreign and unknown
// records are not found; unknown fields are refused at their index.
func TestReadsGet(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := rMixed(t, db)
		ctx := context.Background()
		cols, r, err := f.recs.Get(ctx, f.table.ID, f.ids["Apple"], []string{"amount", f.fields["Name"].ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(cols) != 2 || cols[0].Field.Name != "Amount" || cols[1].Field.Name != "Name" {
			t.Fatalf("columns %v", cols)
		}
		if r.ID != f.ids["Apple"] || len(r.Cells) != 2 || r.Cells[f.fields["Name"].ID] != "Apple" {
			t.Fatalf("record %+v", r)
		}
		byName, err := f.recs.Proto(cols, r, false)
		if err != nil || byName.Fields["Amount"].GetNumberValue() != 10.5 || byName.Fields["Name"].GetStringValue() != "Apple" {
			t.Fatalf("by name %v %v", byName, err)
		}
		byID, err := f.recs.Proto(cols, r, true)
		if err != nil || byID.Fields[f.fields["Amount"].ID].GetNumberValue() != 10.5 {
			t.Fatalf("by id %v %v", byID, err)
		}
		all, r2, err := f.recs.Get(ctx, f.table.ID, f.ids["banana"], nil)
		if err != nil || len(all) != len(f.table.Fields) || r2.Cells[f.fields["Notes"].ID] != "Straße" {
			t.Fatalf("all fields: %v %+v %v", len(all), r2, err)
		}
		_, _, err = f.recs.Get(ctx, f.table.ID, f.ids["Apple"], []string{"Name", "Nope"})
		rWantErr(t, err, apperr.InvalidArgument, record.ReasonInvalidQuery, "fields[1]")
		f.rDelete(t, time.Now(), f.ids["Apple"])
		_, _, err = f.recs.Get(ctx, f.table.ID, f.ids["Apple"], nil)
		rWantErr(t, err, apperr.NotFound, "NOT_FOUND", "")
		other := rStart(t, db, []schema.FieldSpec{{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT}})
		_, _, err = other.recs.Get(ctx, other.table.ID, f.ids["banana"], nil)
		rWantErr(t, err, apperr.NotFound, "NOT_FOUND", "")
		if !strings.Contains(err.Error(), f.ids["banana"]) || !strings.Contains(err.Error(), other.table.ID) {
			t.Fatalf("message %q", err)
		}
		_, _, err = f.recs.Get(ctx, "tblNOPE000000000", f.ids["banana"], nil)
		rWantErr(t, err, apperr.NotFound, "NOT_FOUND", "")
	})
}

// TestReadsSearch: case-insensitive substring search over text fields,
// non-ASCII included, wildcards taken literally, the same on both
// engines.
func TestReadsSearch(t *testing.T) {
	results := map[storage.Engine]map[string][]string{}
	var mu sync.Mutex
	cases := map[string][]string{
		"ÉCOLE":   {"Apple"},
		"straße":  {"banana"},
		"STRASSE": nil,
		"σοφία":   {"Cherry 50%_off"},
		"🍎":       {"apple pie"},
		"apple":   {"Apple", "apple pie"},
		"%_":      {"Cherry 50%_off"},
		"_":       {"Cherry 50%_off"},
		"x.COM":   {"Apple", "apple pie"},
		"abc1":    {"Apple"}, // the barcode's text
		"10.5":    nil,       // numbers are not searched
		"  ":      {"Apple", "banana", "Cherry 50%_off", "apple pie", "E", "Fig"},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := rMixed(t, db)
		got := map[string][]string{}
		for term, want := range cases {
			ids := f.rAll(t, record.Query{Search: term, PageSize: 2})
			names := rSorted(f.rNames(ids))
			if !slices.Equal(names, rSorted(want)) {
				t.Errorf("search %q: %v, want %v", term, names, want)
			}
			n, err := f.recs.Count(context.Background(), f.table.ID, record.Query{Search: term})
			if err != nil || int(n) != len(want) {
				t.Errorf("count search %q: %d %v", term, n, err)
			}
			got[term] = names
		}
		// Search and a filter together.
		ids := f.rAll(t, record.Query{Search: "apple", Filter: rCond("Done", tablev1.Operator_OPERATOR_EQUAL, true)})
		if names := f.rNames(ids); !slices.Equal(names, []string{"Apple"}) {
			t.Errorf("search and filter: %v", names)
		}
		mu.Lock()
		results[db.Engine] = got
		mu.Unlock()
	})
	for term := range cases {
		if !slices.Equal(results[storage.SQLite][term], results[storage.Postgres][term]) {
			t.Errorf("engines differ on %q: %v vs %v", term, results[storage.SQLite][term], results[storage.Postgres][term])
		}
	}
}

// TestReadsSortsAndPages: sorts with ties and empty cells in both
// directions and several keys, walked with several page sizes, give the
// order a Go sort of the same rule gives.
func TestReadsSortsAndPages(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := rStart(t, db, []schema.FieldSpec{
			{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
			{Name: "N", Type: tablev1.FieldType_FIELD_TYPE_NUMBER, Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: 1}}}},
			{Name: "T", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
			{Name: "S", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, Options: rChoices("Low", "Mid", "High")},
			{Name: "When", Type: tablev1.FieldType_FIELD_TYPE_DATE_TIME},
		})
		type row struct {
			name string
			n    *float64
			t    *string
			s    int // choice position, -1 empty
			when *time.Time
			seq  int
		}
		rnd := rand.New(rand.NewSource(7))
		texts := []string{"alpha", "Alpha", "beta", "Gamma", "éclair", "Zeta"}
		choices := []string{"Low", "Mid", "High"}
		base := time.Date(2024, 3, 1, 12, 0, 0, 123456000, time.UTC)
		var rows []row
		for i := 0; i < 60; i++ {
			r := row{name: fmt.Sprintf("r%02d", i), s: -1, seq: i}
			cells := map[string]any{"Name": r.name}
			if rnd.Intn(4) > 0 {
				v := float64(rnd.Intn(5)) / 2
				r.n = &v
				cells["N"] = v
			}
			if rnd.Intn(4) > 0 {
				v := texts[rnd.Intn(len(texts))]
				r.t = &v
				cells["T"] = v
			}
			if rnd.Intn(4) > 0 {
				r.s = rnd.Intn(3)
				cells["S"] = choices[r.s]
			}
			if rnd.Intn(4) > 0 {
				v := base.Add(time.Duration(rnd.Intn(4)) * time.Second)
				r.when = &v
				cells["When"] = v.Format(time.RFC3339Nano)
			}
			f.rInsert(t, cells)
			rows = append(rows, r)
		}
		// cmp orders by one key: empty first ascending, last descending.
		type key func(r row) (bool, float64, string)
		keys := map[string]key{
			"N":    func(r row) (bool, float64, string) { return r.n == nil, deref(r.n), "" },
			"T":    func(r row) (bool, float64, string) { return r.t == nil, 0, strings.ToLower(derefS(r.t)) },
			"S":    func(r row) (bool, float64, string) { return r.s < 0, float64(r.s), "" },
			"When": func(r row) (bool, float64, string) { return r.when == nil, float64(derefT(r.when).UnixNano()), "" },
		}
		cmpKey := func(k key, desc bool, a, b row) int {
			ae, an, as := k(a)
			be, bn, bs := k(b)
			c := 0
			switch {
			case ae && be:
				c = 0
			case ae:
				c = -1
			case be:
				c = 1
			case an != bn:
				c = map[bool]int{true: -1, false: 1}[an < bn]
			default:
				c = strings.Compare(as, bs)
			}
			if desc {
				c = -c
			}
			return c
		}
		sortsCases := [][]*tablev1.Sort{
			nil,
			{rSort("N", false)},
			{rSort("N", true)},
			{rSort("T", false), rSort("N", true)},
			{rSort("T", true), rSort("S", false)},
			{rSort("S", true), rSort("When", false)},
			{rSort("When", true), rSort("N", false), rSort("T", true)},
		}
		for _, sorts := range sortsCases {
			want := slices.Clone(rows)
			sort.SliceStable(want, func(i, j int) bool {
				for _, s := range sorts {
					if c := cmpKey(keys[s.Field], s.Direction == tablev1.SortDirection_SORT_DIRECTION_DESCENDING, want[i], want[j]); c != 0 {
						return c < 0
					}
				}
				return want[i].seq < want[j].seq
			})
			var wantNames []string
			for _, r := range want {
				wantNames = append(wantNames, r.name)
			}
			for _, size := range []int{1, 7, 60, 100} {
				if size == 1 && len(sorts) > 1 {
					continue // keep the run short
				}
				got := f.rNames(f.rAll(t, record.Query{Sorts: sorts, PageSize: size}))
				if !slices.Equal(got, wantNames) {
					t.Fatalf("sorts %v, page size %d:\n got %v\nwant %v", sorts, size, got, wantNames)
				}
			}
		}
	})
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func derefS(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func derefT(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

// TestReadsViews: a view's filter (ANDed with the request's), sorts and
// visible fields apply; the request's sorts and fields win; views are
// found by id or name; stale fields are ignored.
func TestReadsViews(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := rMixed(t, db)
		ctx := context.Background()
		var v *view.Resolved
		rTx(t, db, func(ctx context.Context, tx bunTx) error {
			var err error
			v, err = f.views.CreateView(ctx, tx, f.table.ID, f.userID, view.Spec{
				Name: "Open", Kind: tablev1.ViewKind_VIEW_KIND_GRID,
				Filter:          rCond("Name", tablev1.Operator_OPERATOR_IS_NOT_EMPTY, nil),
				Sorts:           []*tablev1.Sort{rSort("Name", true)},
				VisibleFieldIDs: []string{f.fields["Name"].ID, f.fields["Amount"].ID},
			})
			return err
		})
		for _, ref := range []string{v.ID, "open", " OPEN "} {
			p, err := f.recs.List(ctx, f.table.ID, record.Query{View: ref})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range p.Records {
				names = append(names, r.Cells[f.fields["Name"].ID].(string))
			}
			if !slices.Equal(names, []string{"Fig", "Cherry 50%_off", "banana", "apple pie", "Apple"}) {
				t.Fatalf("view %q: %v", ref, names)
			}
			if len(p.Columns) != 2 || p.Columns[1].Field.Name != "Amount" {
				t.Fatalf("view columns %v", p.Columns)
			}
		}
		p, err := f.recs.List(ctx, f.table.ID, record.Query{View: "Open", Filter: rCond("Name", tablev1.Operator_OPERATOR_CONTAINS, "apple"),
			Sorts: []*tablev1.Sort{rSort("Name", false)}, Fields: []string{"Notes"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Records) != 2 || p.Records[0].ID != f.ids["Apple"] || len(p.Columns) != 1 || p.Columns[0].Field.Name != "Notes" {
			t.Fatalf("view and request: %+v", p)
		}
		n, err := f.recs.Count(ctx, f.table.ID, record.Query{View: "open"})
		if err != nil || n != 5 {
			t.Fatalf("count view: %d %v", n, err)
		}
		_, err = f.recs.List(ctx, f.table.ID, record.Query{View: "Nope"})
		rWantErr(t, err, apperr.NotFound, "NOT_FOUND", "")
		// Deleting the sorted field leaves a view that still lists.
		rTx(t, db, func(ctx context.Context, tx bunTx) error {
			_, err := f.schemas.DeleteField(ctx, tx, f.table.ID, f.fields["Amount"].ID, "")
			return err
		})
		p, err = f.recs.List(ctx, f.table.ID, record.Query{View: "Open"})
		if err != nil || len(p.Records) != 5 || len(p.Columns) != 1 {
			t.Fatalf("stale view: %+v %v", p, err)
		}
	})
}

// TestReadsTokens: tokens of another table or query, or altered, are
// refused; the trash lists deleted records newest first and refuses
// filters.
func TestReadsTokens(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := rMixed(t, db)
		ctx := context.Background()
		q := record.Query{PageSize: 2, Sorts: []*tablev1.Sort{rSort("Amount", false)}}
		p, err := f.recs.List(ctx, f.table.ID, q)
		if err != nil || p.Next == "" {
			t.Fatalf("first page: %v %v", p, err)
		}
		bad := []record.Query{
			{PageSize: 3, Sorts: q.Sorts, PageToken: p.Next},
			{PageSize: 2, PageToken: p.Next},
			{PageSize: 2, Sorts: q.Sorts, Search: "a", PageToken: p.Next},
			{PageSize: 2, Sorts: q.Sorts, PageToken: p.Next[:len(p.Next)-2] + "AA"},
			{PageSize: 2, Sorts: q.Sorts, PageToken: "garbage"},
			{PageSize: 2, Sorts: q.Sorts, Deleted: true, PageToken: p.Next},
		}
		for i, b := range bad {
			if b.Deleted {
				b.Sorts = nil
			}
			_, err := f.recs.List(ctx, f.table.ID, b)
			if e, ok := apperr.As(err); !ok || e.Kind != apperr.InvalidArgument || e.Reason != "INVALID_PAGE_TOKEN" {
				t.Errorf("bad token %d: %v", i, err)
			}
		}
		other := rStart(t, db, []schema.FieldSpec{{Name: "Amount", Type: tablev1.FieldType_FIELD_TYPE_NUMBER}})
		_, err = other.recs.List(ctx, other.table.ID, record.Query{PageSize: 2, Sorts: q.Sorts, PageToken: p.Next})
		rWantErr(t, err, apperr.InvalidArgument, "INVALID_PAGE_TOKEN", "")
		// The good token still works.
		q.PageToken = p.Next
		if _, err := f.recs.List(ctx, f.table.ID, q); err != nil {
			t.Fatal(err)
		}
		// Trash.
		t0 := time.Now().UTC().Truncate(time.Second)
		f.rDelete(t, t0, f.ids["Apple"])
		f.rDelete(t, t0.Add(time.Second), f.ids["banana"], f.ids["Fig"])
		got := f.rNames(f.rAll(t, record.Query{Deleted: true, PageSize: 1}))
		if !slices.Equal(got, []string{"Fig", "banana", "Apple"}) {
			t.Fatalf("trash %v", got)
		}
		live := f.rAll(t, record.Query{})
		if len(live) != 3 {
			t.Fatalf("live %v", f.rNames(live))
		}
		_, err = f.recs.List(ctx, f.table.ID, record.Query{Deleted: true, Search: "x", Filter: rCond("Name", tablev1.Operator_OPERATOR_IS_EMPTY, nil)})
		rWantErr(t, err, apperr.InvalidArgument, record.ReasonInvalidQuery, "search")
		rWantErr(t, err, apperr.InvalidArgument, record.ReasonInvalidQuery, "filter")
	})
}

// TestReadsPagesUnderWrites: while records are inserted and deleted, a
// walk through the pages sees every record that exists throughout exactly
// once, in order, for several sorts.
func TestReadsPagesUnderWrites(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := rStart(t, db, []schema.FieldSpec{
			{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
			{Name: "N", Type: tablev1.FieldType_FIELD_TYPE_NUMBER},
		})
		const stable, churn = 150, 100
		var stableIDs, churnIDs []string
		for i := 0; i < stable+churn; i++ {
			cells := map[string]any{"Name": fmt.Sprintf("s%03d", i)}
			if i%5 != 0 {
				cells["N"] = float64(i % 7)
			}
			id := f.rInsert(t, cells)[0]
			if i%5 == 4 || i >= stable+churn-churn/2 {
				churnIDs = append(churnIDs, id)
			} else {
				stableIDs = append(stableIDs, id)
			}
		}
		for _, sorts := range [][]*tablev1.Sort{nil, {rSort("N", false)}, {rSort("N", true)}, {rSort("Name", true)}} {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				rnd := rand.New(rand.NewSource(1))
				// A bounded number of writes, so the walk ends.
				for i := 0; i < len(churnIDs)+50; i++ {
					select {
					case <-stop:
						return
					default:
					}
					cells := map[string]any{"Name": fmt.Sprintf("new%05d", i)}
					if i%3 != 0 {
						cells["N"] = float64(rnd.Intn(7))
					}
					f.rInsert(t, cells)
					if i < len(churnIDs) {
						f.rDelete(t, time.Now(), churnIDs[i])
					}
				}
			}()
			seen := map[string]int{}
			q := record.Query{Sorts: sorts, PageSize: 7}
			for {
				p, err := f.recs.List(context.Background(), f.table.ID, q)
				if err != nil {
					close(stop)
					wg.Wait()
					t.Fatal(err)
				}
				for _, r := range p.Records {
					seen[r.ID]++
				}
				if p.Next == "" {
					break
				}
				q.PageToken = p.Next
			}
			close(stop)
			wg.Wait()
			for _, id := range stableIDs {
				if seen[id] != 1 {
					t.Fatalf("sorts %v: record %s seen %d times", sorts, id, seen[id])
				}
			}
			for id, n := range seen {
				if n != 1 {
					t.Fatalf("sorts %v: record %s seen %d times", sorts, id, n)
				}
			}
			// Undelete the churn for the next round.
			if _, err := db.ExecContext(context.Background(), "UPDATE "+f.phys+" SET deleted_at = NULL"); err != nil {
				t.Fatal(err)
			}
		}
	})
}
