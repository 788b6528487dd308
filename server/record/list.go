package record

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/pagetoken"
)

// List returns a page of a table's live records, or of its trash.
//
// Live records: the view (by id or name), if any, gives its filter (ANDed
// with q.Filter), its sorts (unless q.Sorts are given) and its visible
// fields (unless q.Fields are given); what the saved view names but no
// longer fits the table is left out (see package view). Then the search
// text (see addSearch), sorts (without sorts: creation order, seq), and
// the fields to return (names or ids; none: every field). Pages are read
// by keyset (see the page token rules in keyset.go): q.PageToken must be
// the Next of a page of the same list, else InvalidArgument
// INVALID_PAGE_TOKEN.
//
// Trash (q.Deleted): the deleted records, most recently deleted first
// (ties by seq, newest first), with the fields asked for. The trash takes
// no view, filter, sorts or search: they are refused (InvalidArgument,
// ReasonInvalidQuery), not ignored, so a caller never mistakes the whole
// trash for a filtered one.
//
// Errors: NotFound for an unknown table or view, FailedPrecondition
// TABLE_DELETED for a table in the trash, InvalidArgument for a bad
// filter (filter.ReasonInvalidFilter, violations at "filter…"), sorts
// (filter.ReasonInvalidSort, at "sorts[i]…"), fields (at "fields[i]"),
// search text (at "search") or page token.
func (s *Service) List(ctx context.Context, tableID string, q Query) (*Page, error) {
	l, err := s.liveTable(ctx, tableID)
	if err != nil {
		return nil, err
	}
	size := pagetoken.Size(q.PageSize)
	if q.Deleted {
		return s.listTrash(ctx, l, q, size)
	}
	p, err := s.plan(ctx, l, q, true)
	if err != nil {
		return nil, err
	}
	sc := scope(tableID, q, size, p.keys)
	segs := []segment{{}}
	if q.PageToken != "" {
		c, vals, err := s.decodeCursor(q.PageToken, sc, len(p.keys))
		if err != nil {
			return nil, err
		}
		segs = afterSegments(p.keys, vals, c.Seq)
	}
	// SELECT cells, keys … WHERE conditions [AND segment] ORDER BY keys, seq.
	var keyCols, order strings.Builder
	var keyArgs, orderArgs []any
	for i, k := range p.keys {
		keyCols.WriteString(", " + k.SQL + " AS k" + strconv.Itoa(i))
		keyArgs = append(keyArgs, k.Args...)
		dir := " ASC NULLS FIRST"
		if k.Sort.Descending {
			dir = " DESC NULLS LAST"
		}
		order.WriteString(k.SQL + dir + ", ")
		orderArgs = append(orderArgs, k.Args...)
	}
	order.WriteString("seq ASC")
	head := "SELECT " + selectList(p.cols) + keyCols.String() + " FROM " + l.Physical + " WHERE " + p.whereSQL()
	var recs []*Record
	var keys [][]any
	for _, seg := range segs {
		want := size + 1 - len(recs)
		if want <= 0 {
			break
		}
		query, args := head, concat(keyArgs, p.args)
		if seg.sql != "" {
			query += " AND " + seg.sql
			args = append(args, seg.args...)
		}
		query += " ORDER BY " + order.String() + " LIMIT " + strconv.Itoa(want)
		rs, ks, err := scanKeyed(ctx, s.db, p.cols, len(p.keys), query, concat(args, orderArgs)...)
		if err != nil {
			return nil, err
		}
		recs, keys = append(recs, rs...), append(keys, ks...)
	}
	page := &Page{Columns: p.cols, Records: recs}
	if len(recs) > size {
		last := size - 1
		c := cursor{Seq: recs[last].Seq, Keys: make([]keyVal, len(p.keys))}
		for i, v := range keys[last] {
			if c.Keys[i], err = encodeKey(v); err != nil {
				return nil, apperr.Wrap(err, "make page token")
			}
		}
		if page.Next, err = s.pages.Encode(sc, c); err != nil {
			return nil, err
		}
		page.Records = recs[:size]
	}
	return page, nil
}

// listTrash lists deleted records, most recently deleted first.
func (s *Service) listTrash(ctx context.Context, l *Layout, q Query, size int) (*Page, error) {
	var vs apperr.Violations
	refuse := func(set bool, path, what string) {
		if set {
			vs.Add(path, "trash.unsupported", "the trash lists every deleted record, most recently deleted first; it takes no %s", what)
		}
	}
	refuse(q.View != "", "view", "view")
	refuse(q.Filter != nil, "filter", "filter")
	refuse(len(q.Sorts) > 0, "sorts", "sorts")
	refuse(strings.TrimSpace(q.Search) != "", "search", "search")
	if err := vs.Err(ReasonInvalidQuery); err != nil {
		return nil, err
	}
	cols, err := project(l, q.Fields)
	if err != nil {
		return nil, err
	}
	sc := scope(l.Table.ID, q, size, nil)
	query := "SELECT " + selectList(cols) + " FROM " + l.Physical + " WHERE deleted_at IS NOT NULL"
	var args []any
	if q.PageToken != "" {
		var c cursor
		if err := s.pages.Decode(q.PageToken, sc, &c); err != nil {
			return nil, err
		}
		at, err := time.Parse(time.RFC3339Nano, c.Deleted)
		if err != nil {
			return nil, pagetoken.ErrMismatch
		}
		query += " AND (deleted_at < ? OR (deleted_at = ? AND seq < ?))"
		args = append(args, at.UTC(), at.UTC(), c.Seq)
	}
	query += " ORDER BY deleted_at DESC, seq DESC LIMIT " + strconv.Itoa(size+1)
	recs, err := scanRecords(ctx, s.db, cols, query, args...)
	if err != nil {
		return nil, err
	}
	page := &Page{Columns: cols}
	page.Records, page.Next, err = pagetoken.Trim(s.pages, sc, recs, size, func(r *Record) any {
		return cursor{Seq: r.Seq, Deleted: r.DeletedAt.UTC().Format(time.RFC3339Nano)}
	})
	return page, err
}

// scanKeyed runs a query selecting selectList(cols) then nkeys sort keys,
// and returns the records and each one's key values.
func scanKeyed(ctx context.Context, db bun.IDB, cols []*Column, nkeys int, query string, args ...any) ([]*Record, [][]any, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, apperr.Wrap(err, "read records")
	}
	defer rows.Close()
	var recs []*Record
	var keys [][]any
	for rows.Next() {
		r, k, err := scanRow(rows, cols, nkeys)
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, r)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, apperr.Wrap(err, "read records")
	}
	return recs, keys, nil
}
