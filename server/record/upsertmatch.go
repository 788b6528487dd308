package record

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/storage"
)

// match finds the live records whose merge fields hold each input's
// values: merge key -> record ids, in seq order. PostgreSQL takes the
// batch in one query joining the table to unnest(one array per merge
// field); SQLite takes IN lists (one merge field) or ORs of ANDs, in
// chunks under its parameter limit.
func (s *Service) match(ctx context.Context, tx bun.Tx, l *Layout, merge []*Column, ps []*prepared) (map[string][]string, error) {
	x := s.sqlx(tx)
	out := map[string][]string{}
	var cols strings.Builder
	for _, c := range merge {
		cols.WriteString(", t." + c.SQL)
	}
	if x.engine == storage.Postgres {
		var unnest, aliases, on []string
		args := make([]any, 0, len(merge))
		for i, c := range merge {
			vals := make(pgtype.FlatArray[pgtype.Text], len(ps))
			for j, p := range ps {
				if t, ok := pgText(p.cells[c.Field.ID]); ok {
					vals[j] = pgtype.Text{String: t, Valid: true}
				}
			}
			args = append(args, vals)
			unnest = append(unnest, "$"+itoa(i+1)+"::text[]")
			aliases = append(aliases, "k"+itoa(i))
			on = append(on, "t."+c.SQL+" = u.k"+itoa(i)+"::"+c.Type.Column(storage.Postgres))
		}
		q := "SELECT t.id" + cols.String() + " FROM " + l.Physical + " AS t JOIN unnest(" + strings.Join(unnest, ", ") +
			") AS u(" + strings.Join(aliases, ", ") + ") ON " + strings.Join(on, " AND ") +
			" WHERE t.deleted_at IS NULL ORDER BY t.seq"
		return out, s.readMatches(ctx, x, l, merge, out, q, args)
	}
	head := "SELECT t.id" + cols.String() + " FROM " + l.Physical + " AS t WHERE t.deleted_at IS NULL AND ("
	chunk := 1000 / len(merge)
	for start := 0; start < len(ps); start += chunk {
		part := ps[start:min(start+chunk, len(ps))]
		var where strings.Builder
		var args []any
		if len(merge) == 1 {
			c := merge[0]
			where.WriteString("t." + c.SQL + " IN (")
			for i, p := range part {
				if i > 0 {
					where.WriteString(", ")
				}
				args = append(args, x.arg(p.cells[c.Field.ID]))
				where.WriteString(x.typed(len(args), c))
			}
			where.WriteString(")")
		} else {
			for i, p := range part {
				if i > 0 {
					where.WriteString(" OR ")
				}
				where.WriteString("(")
				for j, c := range merge {
					if j > 0 {
						where.WriteString(" AND ")
					}
					args = append(args, x.arg(p.cells[c.Field.ID]))
					where.WriteString("t." + c.SQL + " = " + x.typed(len(args), c))
				}
				where.WriteString(")")
			}
		}
		if err := s.readMatches(ctx, x, l, merge, out, head+where.String()+") ORDER BY t.seq", args); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readMatches runs a match query (id, then the merge fields) and adds
// each row's id under its merge key.
func (s *Service) readMatches(ctx context.Context, x sqlx, l *Layout, merge []*Column, out map[string][]string, q string, args []any) error {
	rows, err := x.query(ctx, q, args...)
	if err != nil {
		return dbError(err, l, "match records")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		vals := make([]any, len(merge))
		dest := []any{&id}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return dbError(err, l, "match records")
		}
		parts := make([]string, len(merge))
		for i, c := range merge {
			parts[i] = canonKey(c, vals[i])
		}
		k := strings.Join(parts, "\x00")
		out[k] = append(out[k], id)
	}
	return dbError(rows.Err(), l, "match records")
}
