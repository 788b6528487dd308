package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// scenarios runs every measurement, each beside its baseline.
func (s *suite) scenarios(ctx context.Context) error {
	cfg := s.cfg
	baseID, err := s.c.createBase(ctx)
	if err != nil {
		return err
	}
	bulk, err := s.c.createTable(ctx, baseID, "Bulk")
	if err != nil {
		return err
	}
	rawT, err := s.c.createTable(ctx, baseID, "Raw baseline")
	if err != nil {
		return err
	}
	big, err := s.c.createTable(ctx, baseID, "Big")
	if err != nil {
		return err
	}
	physRaw, err := s.raw.physical(ctx, rawT.id)
	if err != nil {
		return err
	}
	physBig, err := s.raw.physical(ctx, big.id)
	if err != nil {
		return err
	}

	physBulk, err := s.raw.physical(ctx, bulk.id)
	if err != nil {
		return err
	}
	ids, err := s.bulkCreate(ctx, bulk, physBulk, rawT, physRaw)
	if err != nil {
		return fmt.Errorf("bulk create: %w", err)
	}
	if err := s.getByID(ctx, bulk, ids); err != nil {
		return fmt.Errorf("get by id: %w", err)
	}
	if err := s.upsert(ctx, bulk, physBulk, rawT, physRaw); err != nil {
		return fmt.Errorf("upsert: %w", err)
	}
	if err := s.loadBig(ctx, big, physBig); err != nil {
		return fmt.Errorf("load the big table: %w", err)
	}
	q := newQueries(s, big, physBig)
	if err := q.unindexed(ctx); err != nil {
		return fmt.Errorf("unindexed queries: %w", err)
	}
	s.logf("building the index (%s, %s, %s) on %d records", fStatus, fActive, fRank, cfg.Big)
	t0 := time.Now()
	if err := s.c.createIndex(ctx, big, fStatus, fActive, fRank); err != nil {
		return err
	}
	s.res.IndexBuild = time.Since(t0)
	if err := q.indexed(ctx); err != nil {
		return fmt.Errorf("indexed queries: %w", err)
	}
	return nil
}

// batches is how many batches of size hold n items.
func batches(n, size int) int { return (n + size - 1) / size }

// bulkCreate creates cfg.Records records through the API, then writes the
// same rows into the raw table with COPY (or INSERT on SQLite), each with
// WriteClients clients in batches of Batch. It returns the new records'
// ids.
func (s *suite) bulkCreate(ctx context.Context, t *benchTable, phys *physTable, rawT *benchTable, physRaw *physTable) ([]string, error) {
	cfg := s.cfg
	rows := make([]row, cfg.Records)
	for i := range rows {
		rows[i] = s.gen.row(i, 0)
	}
	n := batches(cfg.Records, cfg.Batch)
	ids := make([]string, cfg.Records)
	s.logf("bulk create: %d records through the API", cfg.Records)
	api, err := run(ctx, cfg.WriteClients, n, func(ctx context.Context, _, b int) (int, error) {
		lo, hi := b*cfg.Batch, min((b+1)*cfg.Batch, cfg.Records)
		req := &datav1.CreateRecordsRequest{TableId: t.id}
		for i := lo; i < hi; i++ {
			req.Records = append(req.Records, &datav1.RecordInput{Fields: rows[i].input()})
		}
		resp, err := s.c.records.CreateRecords(ctx, connect.NewRequest(req))
		if err != nil {
			return 0, err
		}
		if len(resp.Msg.GetRecords()) != hi-lo {
			return 0, fmt.Errorf("CreateRecords returned %d records for %d", len(resp.Msg.GetRecords()), hi-lo)
		}
		for i, r := range resp.Msg.GetRecords() {
			ids[lo+i] = r.GetId()
		}
		return hi - lo, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.searchCatchUp(ctx, phys, cfg.Records, "bulk create"); err != nil {
		return nil, err
	}
	s.logf("bulk create: the same rows raw")
	raw, err := run(ctx, cfg.WriteClients, n, func(ctx context.Context, _, b int) (int, error) {
		lo, hi := b*cfg.Batch, min((b+1)*cfg.Batch, cfg.Records)
		now := time.Now()
		batch := make([][]any, 0, hi-lo)
		for i := lo; i < hi; i++ {
			batch = append(batch, s.raw.rawRow(rows[i], s.userID, rawT.choices, now))
		}
		return hi - lo, s.raw.insert(ctx, physRaw, batch)
	})
	if err != nil {
		return nil, err
	}
	if err := s.sameRows(ctx, t, rawT, physRaw, ids[0], rows[0].Email); err != nil {
		return nil, err
	}
	if cfg.Engine == "postgres" {
		if err := s.withoutSearchIndexes(ctx, rows, rawT, physRaw, raw); err != nil {
			return nil, fmt.Errorf("raw COPY without search indexes: %w", err)
		}
	}
	rawName := "raw pgx CopyFrom"
	if cfg.Engine == "sqlite" {
		rawName = "raw multi-row INSERT"
	}
	s.res.add(Figure{Key: "bulk_create", Name: fmt.Sprintf("Bulk create %s records (batches of %d, %d clients)", num(cfg.Records), cfg.Batch, cfg.WriteClients),
		Value: api.perSecond(), Unit: "records/s", Baseline: raw.perSecond(), BaselineName: rawName, Ratio: api.perSecond() / raw.perSecond(),
		Goal: bulkGoal(cfg.Engine), Pass: ptr(api.perSecond()/raw.perSecond() >= 0.5 && api.perSecond() >= bulkMin(cfg.Engine)),
		Detail: fmt.Sprintf("per batch: API p50 %s, p99 %s; raw p50 %s, p99 %s", ms(api.p50), ms(api.p99), ms(raw.p50), ms(raw.p99))})
	return ids, nil
}

// withoutSearchIndexes writes the same rows with COPY into a copy of the
// raw table (LIKE … INCLUDING ALL, which copies indexes but not triggers)
// without its search triggers, to show what queueing records for the
// search index costs every write. The copy is dropped after.
func (s *suite) withoutSearchIndexes(ctx context.Context, rows []row, rawT *benchTable, physRaw *physTable, withSearch stats) error {
	cfg := s.cfg
	plain := &physTable{schema: physRaw.schema, bare: physRaw.bare + "_nosearch", col: physRaw.col}
	plain.name = quoteIdent(plain.schema) + "." + quoteIdent(plain.bare)
	if err := s.raw.exec(ctx, "CREATE TABLE "+plain.name+" (LIKE "+physRaw.name+" INCLUDING ALL)"); err != nil {
		return err
	}
	defer func() { _ = s.raw.exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+plain.name) }()
	s.logf("bulk create: the same rows raw, without the search triggers")
	st, err := run(ctx, cfg.WriteClients, batches(cfg.Records, cfg.Batch), func(ctx context.Context, _, b int) (int, error) {
		lo, hi := b*cfg.Batch, min((b+1)*cfg.Batch, cfg.Records)
		now := time.Now()
		batch := make([][]any, 0, hi-lo)
		for i := lo; i < hi; i++ {
			batch = append(batch, s.raw.rawRow(rows[i], s.userID, rawT.choices, now))
		}
		return hi - lo, s.raw.insert(ctx, plain, batch)
	})
	if err != nil {
		return err
	}
	s.res.add(Figure{Key: "bulk_raw_nosearch", Name: "For comparison: raw pgx CopyFrom of the same rows into a copy of the table without its search triggers",
		Value: st.perSecond(), Unit: "records/s", Baseline: withSearch.perSecond(), BaselineName: "raw pgx CopyFrom with them", Ratio: st.perSecond() / withSearch.perSecond()})
	return nil
}

// searchCatchUp waits, on PostgreSQL, until the server's background
// search indexer has emptied the table's search queue after a write
// phase, so the next phase does not share the machine with it, and
// reports how long that took after the phase's last write (the indexer
// starts once writes pause for a second). On SQLite the indexer waits
// for a search, so there is nothing to wait for.
func (s *suite) searchCatchUp(ctx context.Context, p *physTable, records int, phase string) error {
	if s.cfg.Engine != "postgres" {
		return nil
	}
	todo := quoteIdent(p.schema) + "." + quoteIdent(p.bare+"_search_todo")
	t0 := time.Now()
	s.logf("%s: waiting for the search index to catch up", phase)
	for {
		var waiting bool
		if err := s.raw.queryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+todo+")", nil, &waiting); err != nil {
			return fmt.Errorf("search queue of %s: %w", p.bare, err)
		}
		if !waiting {
			break
		}
		if time.Since(t0) > 30*time.Minute {
			return fmt.Errorf("the search queue of %s is not empty after 30 minutes", p.bare)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	d := time.Since(t0)
	s.res.add(Figure{Key: "search_catchup_" + strings.ReplaceAll(phase, " ", "_"),
		Name:  fmt.Sprintf("Search index caught up after the %s (background indexer, after writes pause for 1 s)", phase),
		Value: d.Seconds(), Unit: "s", Detail: fmt.Sprintf("%s records written", num(records))})
	return nil
}

func bulkMin(engine string) float64 {
	if engine == "sqlite" {
		return 10_000
	}
	return 20_000
}

func bulkGoal(engine string) string {
	if engine == "sqlite" {
		return "≥ 0.5 of raw and ≥ 10,000/s"
	}
	return "≥ 0.5 of raw and ≥ 20,000/s"
}

// sameRows checks that a row written raw reads back through the API as
// the same record the API created, so the baseline wrote the same data.
func (s *suite) sameRows(ctx context.Context, t, rawT *benchTable, physRaw *physTable, id, email string) error {
	var rawID string
	if err := s.raw.queryRow(ctx, "SELECT id FROM "+physRaw.name+" WHERE "+physRaw.col[fEmail]+" = "+s.raw.ph(1), []any{email}, &rawID); err != nil {
		return fmt.Errorf("find the raw row: %w", err)
	}
	a, err := s.c.records.GetRecord(ctx, connect.NewRequest(&datav1.GetRecordRequest{TableId: t.id, RecordId: id}))
	if err != nil {
		return err
	}
	b, err := s.c.records.GetRecord(ctx, connect.NewRequest(&datav1.GetRecordRequest{TableId: rawT.id, RecordId: rawID}))
	if err != nil {
		return fmt.Errorf("read a raw row through the API: %w", err)
	}
	fa := &structpb.Struct{Fields: a.Msg.GetRecord().GetFields()}
	fb := &structpb.Struct{Fields: b.Msg.GetRecord().GetFields()}
	if !proto.Equal(fa, fb) {
		return fmt.Errorf("a raw row reads back unlike the API's record:\nAPI %v\nraw %v", fa, fb)
	}
	s.res.check("raw rows read back through the API as the API's records")
	return nil
}

// getByID reads records by id with GetClients clients, then asks a bare
// connect handler for a canned copy of one as often.
func (s *suite) getByID(ctx context.Context, t *benchTable, ids []string) error {
	cfg := s.cfg
	get := func(c *clients, tableID string) func(ctx context.Context, _, i int) (int, error) {
		return func(ctx context.Context, _, i int) (int, error) {
			id := ids[(i*7919)%len(ids)]
			resp, err := c.records.GetRecord(ctx, connect.NewRequest(&datav1.GetRecordRequest{TableId: tableID, RecordId: id}))
			if err != nil {
				return 0, err
			}
			if len(resp.Msg.GetRecord().GetFields()) == 0 {
				return 0, fmt.Errorf("record %s came back without cells", id)
			}
			return 1, nil
		}
	}
	warmN := min(cfg.GetRequests/10, 2000)
	s.logf("get by id: %d calls, %d clients", cfg.GetRequests, cfg.GetClients)
	if err := warm(ctx, cfg.GetClients, warmN, get(s.c, t.id)); err != nil {
		return err
	}
	api, err := run(ctx, cfg.GetClients, cfg.GetRequests, get(s.c, t.id))
	if err != nil {
		return err
	}
	canned, err := s.c.records.GetRecord(ctx, connect.NewRequest(&datav1.GetRecordRequest{TableId: t.id, RecordId: ids[0]}))
	if err != nil {
		return err
	}
	bare, err := startBare(ctx, s.dir, canned.Msg)
	if err != nil {
		return err
	}
	defer bare.stop()
	s.res.RecordBytes = proto.Size(canned.Msg)
	bc := newClients(newHTTPClient(cfg.HTTP, cfg.GetClients), bare.url, clientOptions("", cfg.Gzip))
	if err := warm(ctx, cfg.GetClients, warmN, get(bc, t.id)); err != nil {
		return err
	}
	s.logf("get by id: the bare handler")
	b, err := run(ctx, cfg.GetClients, cfg.GetRequests, get(bc, t.id))
	if err != nil {
		return err
	}
	name := fmt.Sprintf("Get by id (%d clients, %s calls)", cfg.GetClients, num(cfg.GetRequests))
	s.res.add(Figure{Key: "get_rps", Name: name, Value: api.perSecond(), Unit: "requests/s", Baseline: b.perSecond(), BaselineName: "bare connect handler",
		Ratio: api.perSecond() / b.perSecond(), Goal: "≥ 0.5 of bare", Pass: ptr(api.perSecond()/b.perSecond() >= 0.5)})
	s.res.add(latency("get_p50", "Get by id p50", api.p50, b.p50, "bare connect handler", ""))
	s.res.add(latency("get_p99", "Get by id p99", api.p99, b.p99, "bare connect handler", ""))
	return nil
}

// upsert writes Upserts records by Email, half of them existing (new
// values) and half new, through the API into the bulk table and raw (INSERT
// … ON CONFLICT) into the raw table, which hold the same rows.
func (s *suite) upsert(ctx context.Context, t *benchTable, phys *physTable, rawT *benchTable, physRaw *physTable) error {
	cfg := s.cfg
	rows := make([]row, cfg.Upserts)
	fresh := 0
	for k := range rows {
		if k%2 == 0 && k < cfg.Records {
			rows[k] = s.gen.row(k, 1) // an existing record, new values
		} else {
			fresh++
			rows[k] = s.gen.row(cfg.Records+k, 0) // a new one
		}
	}
	n := batches(cfg.Upserts, cfg.Batch)
	s.logf("upsert: %d records through the API", cfg.Upserts)
	var created, updated atomic.Int64
	api, err := run(ctx, cfg.WriteClients, n, func(ctx context.Context, _, b int) (int, error) {
		lo, hi := b*cfg.Batch, min((b+1)*cfg.Batch, cfg.Upserts)
		req := &datav1.UpdateRecordsRequest{TableId: t.id, MergeFields: []string{fEmail}}
		for i := lo; i < hi; i++ {
			req.Records = append(req.Records, &datav1.RecordUpdate{Fields: rows[i].input()})
		}
		resp, err := s.c.records.UpdateRecords(ctx, connect.NewRequest(req))
		if err != nil {
			return 0, err
		}
		if len(resp.Msg.GetRecords()) != hi-lo {
			return 0, fmt.Errorf("UpdateRecords returned %d records for %d", len(resp.Msg.GetRecords()), hi-lo)
		}
		created.Add(int64(len(resp.Msg.GetCreatedRecordIds())))
		updated.Add(int64(len(resp.Msg.GetUpdatedRecordIds())))
		return hi - lo, nil
	})
	if err != nil {
		return err
	}
	if int(created.Load()) != fresh || int(updated.Load()) != cfg.Upserts-fresh {
		return fmt.Errorf("the API created %d and updated %d records; want %d and %d", created.Load(), updated.Load(), fresh, cfg.Upserts-fresh)
	}
	s.res.check(fmt.Sprintf("upsert: the API created %d records and updated %d, as expected", fresh, cfg.Upserts-fresh))
	if err := s.searchCatchUp(ctx, phys, cfg.Upserts, "upsert"); err != nil {
		return err
	}
	s.logf("upsert: the same rows raw")
	raw, err := run(ctx, cfg.WriteClients, n, func(ctx context.Context, _, b int) (int, error) {
		lo, hi := b*cfg.Batch, min((b+1)*cfg.Batch, cfg.Upserts)
		now := time.Now()
		batch := make([][]any, 0, hi-lo)
		for i := lo; i < hi; i++ {
			batch = append(batch, s.raw.rawRow(rows[i], s.userID, rawT.choices, now))
		}
		return hi - lo, s.raw.upsert(ctx, physRaw, batch)
	})
	if err != nil {
		return err
	}
	s.res.add(Figure{Key: "upsert", Name: fmt.Sprintf("Upsert %s records by a unique email (%s new; batches of %d, %d clients)", num(cfg.Upserts), num(fresh), cfg.Batch, cfg.WriteClients),
		Value: api.perSecond(), Unit: "records/s", Baseline: raw.perSecond(), BaselineName: "raw INSERT … ON CONFLICT", Ratio: api.perSecond() / raw.perSecond(),
		Detail: fmt.Sprintf("the API reported %d created and %d updated", created.Load(), updated.Load())})
	return nil
}

// loadBig fills the query table with Big rows: through the API (measured,
// with WriteClients clients in batches of Batch) or raw. Then it runs
// ANALYZE, as autovacuum would after such a load, so that the server's and
// the hand-written queries plan on the same statistics.
func (s *suite) loadBig(ctx context.Context, t *benchTable, p *physTable) error {
	cfg := s.cfg
	n := batches(cfg.Big, cfg.Batch)
	s.logf("loading %d records into the big table (%s)", cfg.Big, cfg.BigLoad)
	st, err := run(ctx, cfg.WriteClients, n, func(ctx context.Context, _, b int) (int, error) {
		lo, hi := b*cfg.Batch, min((b+1)*cfg.Batch, cfg.Big)
		if cfg.BigLoad == "raw" {
			now := time.Now()
			batch := make([][]any, 0, hi-lo)
			for i := lo; i < hi; i++ {
				batch = append(batch, s.raw.rawRow(s.gen.row(i, 0), s.userID, t.choices, now))
			}
			return hi - lo, s.raw.insert(ctx, p, batch)
		}
		req := &datav1.CreateRecordsRequest{TableId: t.id}
		for i := lo; i < hi; i++ {
			req.Records = append(req.Records, &datav1.RecordInput{Fields: s.gen.row(i, 0).input()})
		}
		if _, err := s.c.records.CreateRecords(ctx, connect.NewRequest(req)); err != nil {
			return 0, err
		}
		return hi - lo, nil
	})
	if err != nil {
		return err
	}
	if cfg.BigLoad != "raw" {
		s.res.add(Figure{Key: "big_load", Name: fmt.Sprintf("Load %s records into the query table (batches of %d, %d clients)", num(cfg.Big), cfg.Batch, cfg.WriteClients),
			Value: st.perSecond(), Unit: "records/s", Goal: bulkGoal(cfg.Engine)[len("≥ 0.5 of raw and "):], Pass: ptr(st.perSecond() >= bulkMin(cfg.Engine))})
	}
	if cfg.BigLoad != "raw" {
		if err := s.searchCatchUp(ctx, p, cfg.Big, "big load"); err != nil {
			return err
		}
	}
	analyze := "ANALYZE " + p.name
	if err := s.raw.exec(ctx, analyze); err != nil {
		return err
	}
	return nil
}

// latency is a figure of one latency beside its baseline.
func latency(key, name string, v, base time.Duration, baseName, goal string) Figure {
	f := Figure{Key: key, Name: name, Value: msf(v), Unit: "ms", Baseline: msf(base), BaselineName: baseName, Goal: goal}
	if base > 0 {
		f.Ratio = float64(v) / float64(base)
	}
	return f
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", msf(d)) }

func ptr[T any](v T) *T { return &v }

// num formats a whole number with thousands separators.
func num(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// filterAnd is a filter of conditions that must all hold.
func filterAnd(conds ...*tablev1.Condition) *tablev1.Filter {
	var fs []*tablev1.Filter
	for _, c := range conds {
		fs = append(fs, &tablev1.Filter{Node: &tablev1.Filter_Condition{Condition: c}})
	}
	if len(fs) == 1 {
		return fs[0]
	}
	return &tablev1.Filter{Node: &tablev1.Filter_And{And: &tablev1.FilterGroup{Filters: fs}}}
}
