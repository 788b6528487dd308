package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// pageSize is the page the grid queries ask for.
const pageSize = 100

// queries are the read measurements on the big table, each beside the
// hand-written SQL a person would write for the same result.
type queries struct {
	s *suite
	t *benchTable
	p *physTable
	// status is the choice the grid query filters on.
	status string
}

func newQueries(s *suite, t *benchTable, p *physTable) *queries {
	return &queries{s: s, t: t, p: p, status: "Doing"}
}

// columns is the select list of the hand-written queries: what the server
// reads for a record.
func (q *queries) columns() string {
	cols := []string{"seq", "id", "version", "created_at", "updated_at", "created_by", "updated_by", "deleted_at"}
	for _, n := range fieldOrder {
		cols = append(cols, q.p.col[n])
	}
	return strings.Join(cols, ", ")
}

// gridRequest is the grid query: Status is a choice and Active is checked,
// sorted by Rank, one page.
func (q *queries) gridRequest(token string) *datav1.ListRecordsRequest {
	return &datav1.ListRecordsRequest{
		TableId:   q.t.id,
		Filter:    q.gridFilter(),
		Sorts:     []*tablev1.Sort{{Field: fRank, Direction: tablev1.SortDirection_SORT_DIRECTION_ASCENDING}},
		PageSize:  pageSize,
		PageToken: token,
	}
}

func (q *queries) gridFilter() *tablev1.Filter {
	return filterAnd(
		&tablev1.Condition{Field: fStatus, Operator: tablev1.Operator_OPERATOR_EQUAL, Operand: &tablev1.Condition_Value{Value: structpb.NewStringValue(q.status)}},
		&tablev1.Condition{Field: fActive, Operator: tablev1.Operator_OPERATOR_EQUAL, Operand: &tablev1.Condition_Value{Value: structpb.NewBoolValue(true)}},
	)
}

// gridWhere is the grid query's condition in SQL ($1: the choice id).
func (q *queries) gridWhere() string {
	return "deleted_at IS NULL AND " + q.p.col[fStatus] + " = " + q.s.raw.ph(1) + " AND " + q.p.col[fActive] + " = TRUE"
}

// gridSQL is the hand-written grid query, with the API's order (empty
// cells first when ascending, then insertion order); after, when true,
// continues after a (Rank, seq) cursor given as the 2nd to 5th arguments
// (rank, rank, rank, seq), with a seek on Rank first.
func (q *queries) gridSQL(what string, after bool) string {
	where := q.gridWhere()
	if after {
		r := q.p.col[fRank]
		ph := q.s.raw.ph
		where += " AND " + r + " >= " + ph(2) + " AND (" + r + " > " + ph(3) + " OR (" + r + " = " + ph(4) + " AND seq > " + ph(5) + "))"
	}
	return "SELECT " + what + " FROM " + q.p.name + " WHERE " + where + " ORDER BY " + q.p.col[fRank] + " ASC NULLS FIRST, seq LIMIT " + fmt.Sprint(pageSize)
}

// filterRequest is the unindexed query: Quantity below 50, the most
// expensive first (Price descending), one page.
func (q *queries) filterRequest() *datav1.ListRecordsRequest {
	return &datav1.ListRecordsRequest{
		TableId: q.t.id,
		Filter: filterAnd(&tablev1.Condition{Field: fQuantity, Operator: tablev1.Operator_OPERATOR_LESS_THAN,
			Operand: &tablev1.Condition_Value{Value: structpb.NewNumberValue(50)}}),
		Sorts:    []*tablev1.Sort{{Field: fPrice, Direction: tablev1.SortDirection_SORT_DIRECTION_DESCENDING}},
		PageSize: pageSize,
	}
}

func (q *queries) filterSQL(what string) string {
	return "SELECT " + what + " FROM " + q.p.name + " WHERE deleted_at IS NULL AND " + q.p.col[fQuantity] + " < 50 ORDER BY " +
		q.p.col[fPrice] + " DESC NULLS LAST, seq LIMIT " + fmt.Sprint(pageSize)
}

// list returns a call of ListRecords with req that checks the page is
// full.
func (q *queries) list(req *datav1.ListRecordsRequest) func(ctx context.Context, _, _ int) (int, error) {
	return func(ctx context.Context, _, _ int) (int, error) {
		resp, err := q.s.c.records.ListRecords(ctx, connect.NewRequest(req))
		if err != nil {
			return 0, err
		}
		if len(resp.Msg.GetRecords()) != pageSize {
			return 0, fmt.Errorf("ListRecords returned %d records, want %d", len(resp.Msg.GetRecords()), pageSize)
		}
		return 1, nil
	}
}

// sql returns a call of a hand-written query that checks it reads a full
// page.
func (q *queries) sql(query string, args ...any) func(ctx context.Context, _, _ int) (int, error) {
	return func(ctx context.Context, _, _ int) (int, error) {
		n, err := q.s.raw.query(ctx, query, args...)
		if err != nil {
			return 0, err
		}
		if n != pageSize {
			return 0, fmt.Errorf("the hand-written query read %d rows, want %d", n, pageSize)
		}
		return 1, nil
	}
}

// pair times an API call and its hand-written SQL, iters calls each with
// QueryClients clients, after a few untimed calls of each.
func (q *queries) pair(ctx context.Context, iters int, api, sql func(ctx context.Context, _, _ int) (int, error)) (stats, stats, error) {
	return q.pairWith(ctx, q.s.cfg.QueryClients, iters, api, sql)
}

// pairWith is pair with c clients.
func (q *queries) pairWith(ctx context.Context, c, iters int, api, sql func(ctx context.Context, _, _ int) (int, error)) (stats, stats, error) {
	w := max(c, iters/20)
	if err := warm(ctx, c, w, api); err != nil {
		return stats{}, stats{}, err
	}
	a, err := run(ctx, c, iters, api)
	if err != nil {
		return stats{}, stats{}, err
	}
	if err := warm(ctx, c, w, sql); err != nil {
		return stats{}, stats{}, fmt.Errorf("hand-written SQL: %w", err)
	}
	b, err := run(ctx, c, iters, sql)
	if err != nil {
		return stats{}, stats{}, fmt.Errorf("hand-written SQL: %w", err)
	}
	return a, b, nil
}

// sameIDs checks that the API's page holds the records the hand-written
// query finds, in the same order.
func (q *queries) sameIDs(ctx context.Context, what string, req *datav1.ListRecordsRequest, query string, args ...any) error {
	resp, err := q.s.c.records.ListRecords(ctx, connect.NewRequest(req))
	if err != nil {
		return err
	}
	var api []string
	for _, r := range resp.Msg.GetRecords() {
		api = append(api, r.GetId())
	}
	var want []string
	if err := q.s.raw.ids(ctx, &want, query, args...); err != nil {
		return err
	}
	if !slices.Equal(api, want) {
		return fmt.Errorf("%s: the API's page differs from the hand-written query's (%d and %d records)", what, len(api), len(want))
	}
	q.s.res.check(what + ": the API's page is the hand-written query's")
	return nil
}

// unindexed measures the grid query and the unindexed filter before the
// grid query has an index.
func (q *queries) unindexed(ctx context.Context) error {
	cfg := q.s.cfg
	choice := q.t.choices[fStatus][q.status]
	if err := q.sameIDs(ctx, "grid query, no index", q.gridRequest(""), q.gridSQL("id", false), choice); err != nil {
		return err
	}
	q.s.logf("grid query without an index: %d calls each", cfg.SlowIters)
	a, b, err := q.pair(ctx, cfg.SlowIters, q.list(q.gridRequest("")), q.sql(q.gridSQL(q.columns(), false), choice))
	if err != nil {
		return err
	}
	name := fmt.Sprintf("Grid query, no user index (%s records)", num(cfg.Big))
	q.s.res.add(latency("grid_noindex_p50", name+" p50", a.p50, b.p50, "hand-written SQL", ""))
	q.s.res.add(latency("grid_noindex_p99", name+" p99", a.p99, b.p99, "hand-written SQL", ""))

	if err := q.sameIDs(ctx, "unindexed filter", q.filterRequest(), q.filterSQL("id")); err != nil {
		return err
	}
	q.s.logf("unindexed filter: %d calls each", cfg.SlowIters)
	a, b, err = q.pair(ctx, cfg.SlowIters, q.list(q.filterRequest()), q.sql(q.filterSQL(q.columns())))
	if err != nil {
		return err
	}
	name = fmt.Sprintf("Unindexed filter and sort (Quantity < 50, by Price descending; %s records)", num(cfg.Big))
	f := latency("filter_p50", name+" p50", a.p50, b.p50, "hand-written SQL", "≤ 1.5× hand-written")
	f.Pass = ptr(f.Ratio <= 1.5)
	q.s.res.add(f)
	q.s.res.add(latency("filter_p99", name+" p99", a.p99, b.p99, "hand-written SQL", ""))
	return nil
}

// indexed measures the grid query with its index, a late page of it, and
// a count.
func (q *queries) indexed(ctx context.Context) error {
	cfg := q.s.cfg
	choice := q.t.choices[fStatus][q.status]
	if err := q.sameIDs(ctx, "grid query", q.gridRequest(""), q.gridSQL("id", false), choice); err != nil {
		return err
	}
	q.s.logf("grid query with the index: %d calls each", cfg.QueryIters)
	p1, p1sql, err := q.pair(ctx, cfg.QueryIters, q.list(q.gridRequest("")), q.sql(q.gridSQL(q.columns(), false), choice))
	if err != nil {
		return err
	}
	name := fmt.Sprintf("Grid query, first page of %d (%s records, index on %s, %s, %s)", pageSize, num(cfg.Big), fStatus, fActive, fRank)
	f := latency("grid_p50", name+" p50", p1.p50, p1sql.p50, "hand-written SQL", "< 5 ms")
	f.Pass = ptr(f.Value < 5)
	q.s.res.add(f)
	f = latency("grid_p99", name+" p99", p1.p99, p1sql.p99, "hand-written SQL", "< 25 ms")
	f.Pass = ptr(f.Value < 25)
	q.s.res.add(f)
	if n := cfg.LoadClients; n > cfg.QueryClients {
		// The same query with several clients at once on the same cores:
		// reported, beside the hand-written SQL at the same concurrency.
		q.s.logf("grid query with the index, %d clients at once: %d calls each", n, cfg.QueryIters)
		l, lsql, err := q.pairWith(ctx, n, cfg.QueryIters, q.list(q.gridRequest("")), q.sql(q.gridSQL(q.columns(), false), choice))
		if err != nil {
			return err
		}
		loaded := fmt.Sprintf("Grid query, first page, %d clients at once,", n)
		q.s.res.add(latency("grid_load_p50", loaded+" p50", l.p50, lsql.p50, "hand-written SQL, as many clients", ""))
		q.s.res.add(latency("grid_load_p99", loaded+" p99", l.p99, lsql.p99, "hand-written SQL, as many clients", ""))
	}

	// The late page: its token, by paging through; its cursor, by offset.
	var matches int64
	if err := q.s.raw.queryRow(ctx, "SELECT count(*) FROM "+q.p.name+" WHERE "+q.gridWhere(), []any{choice}, &matches); err != nil {
		return err
	}
	deep := min(cfg.DeepPage, int(matches)/pageSize)
	if deep < 2 {
		return fmt.Errorf("the grid query matches %d records: too few for a second page", matches)
	}
	q.s.logf("paging to page %d", deep)
	token := ""
	for range deep - 1 {
		resp, err := q.s.c.records.ListRecords(ctx, connect.NewRequest(q.gridRequest(token)))
		if err != nil {
			return err
		}
		if token = resp.Msg.GetNextPageToken(); token == "" {
			return fmt.Errorf("the grid query ended before page %d", deep)
		}
	}
	var rank float64
	var seq int64
	err = q.s.raw.queryRow(ctx, "SELECT "+q.p.col[fRank]+", seq FROM "+q.p.name+" WHERE "+q.gridWhere()+" ORDER BY "+q.p.col[fRank]+" ASC NULLS FIRST, seq LIMIT 1 OFFSET "+fmt.Sprint((deep-1)*pageSize-1),
		[]any{choice}, &rank, &seq)
	if err != nil {
		return err
	}
	if err := q.sameIDs(ctx, fmt.Sprintf("grid query page %d", deep), q.gridRequest(token), q.gridSQL("id", true), choice, rank, rank, rank, seq); err != nil {
		return err
	}
	q.s.logf("grid query page %d: %d calls each", deep, cfg.QueryIters)
	pd, pdsql, err := q.pair(ctx, cfg.QueryIters, q.list(q.gridRequest(token)), q.sql(q.gridSQL(q.columns(), true), choice, rank, rank, rank, seq))
	if err != nil {
		return err
	}
	f = latency("grid_deep_p50", fmt.Sprintf("Grid query page %d p50", deep), pd.p50, p1.p50, "page 1 (API)", "≤ 1.5× page 1")
	f.Pass = ptr(f.Ratio <= 1.5)
	f.Detail = fmt.Sprintf("hand-written keyset SQL: p50 %s, p99 %s", ms(pdsql.p50), ms(pdsql.p99))
	q.s.res.add(f)
	f = latency("grid_deep_p99", fmt.Sprintf("Grid query page %d p99", deep), pd.p99, p1.p99, "page 1 (API)", "")
	q.s.res.add(f)

	// The count of the grid query's filter.
	count := func(ctx context.Context, _, _ int) (int, error) {
		resp, err := q.s.c.records.CountRecords(ctx, connect.NewRequest(&datav1.CountRecordsRequest{TableId: q.t.id, Filter: q.gridFilter()}))
		if err != nil {
			return 0, err
		}
		if resp.Msg.GetCount() != matches {
			return 0, fmt.Errorf("CountRecords = %d, the hand-written count %d", resp.Msg.GetCount(), matches)
		}
		return 1, nil
	}
	countSQL := func(ctx context.Context, _, _ int) (int, error) {
		var n int64
		if err := q.s.raw.queryRow(ctx, "SELECT count(*) FROM "+q.p.name+" WHERE "+q.gridWhere(), []any{choice}, &n); err != nil {
			return 0, err
		}
		return 1, nil
	}
	// A count reads every match (a tenth of the table): as many calls as
	// the other slow queries.
	q.s.logf("count: %d calls each", cfg.SlowIters)
	c, csql, err := q.pair(ctx, cfg.SlowIters, count, countSQL)
	if err != nil {
		return err
	}
	name = fmt.Sprintf("Count with the grid filter (%s of %s records)", num(int(matches)), num(cfg.Big))
	q.s.res.add(latency("count_p50", name+" p50", c.p50, csql.p50, "hand-written SQL", ""))
	q.s.res.add(latency("count_p99", name+" p99", c.p99, csql.p99, "hand-written SQL", ""))
	return nil
}
