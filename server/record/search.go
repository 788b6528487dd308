package record

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/schema"
)

// Search finds text the way Airtable's search does: a record matches when
// one of its text fields (single line and long text, email, URL, phone
// number, and a barcode's text) contains the search text, ignoring case.
// The test is the same SQL on both engines, lower(cell) LIKE
// lower('%text%') with LIKE's wildcards escaped, the folding filters use
// (SQLite's lower() is Go's Unicode-aware one, see server/storage), so
// both engines find the same records. The table's search table
// (server/schema, search tables: pg_trgm on PostgreSQL, trigram FTS5 on
// SQLite) first narrows the records to those whose indexed text holds the
// search text, or that wait to be indexed, when the text is at least 3
// characters long (a trigram index cannot look up less); the exact test
// then runs on those only, so the answer is the same as without the
// index. Leading and trailing spaces of the text are ignored; text of
// only spaces searches nothing.

// addSearch adds the search condition for text (none for "").
func (p *plan) addSearch(ctx context.Context, s *Service, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	if n := utf8.RuneCountInString(text); n > MaxSearchLength {
		return apperr.Invalid("search", "string.max_len", "is "+strconv.Itoa(n)+" characters long; search text is at most "+strconv.Itoa(MaxSearchLength))
	}
	pattern := "%" + schema.EscapeLike(text) + "%"
	var parts []string
	var args []any
	for _, c := range p.layout.Columns {
		if !isTextKind(c.Field) {
			continue
		}
		parts = append(parts, schema.SearchExpr(s.db.Engine, c.Field)+` LIKE lower(?) ESCAPE '\'`)
		args = append(args, pattern)
	}
	if len(parts) == 0 {
		p.cond("1 = 0")
		return nil
	}
	if cand, candArgs := s.schemas.SearchCandidates(ctx, p.layout.Table, text); cand != "" {
		p.cond(cand, candArgs...)
	}
	p.cond("("+strings.Join(parts, " OR ")+")", args...)
	return nil
}
