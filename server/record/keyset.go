package record

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/pyairtable/pyairtable/server/filter"
	"github.com/pyairtable/pyairtable/server/pagetoken"
)

// Page tokens. A list is read by keyset: a page is the first page_size
// records after the last one of the previous page in the list's order,
// (sort keys…, seq), so records inserted or deleted meanwhile never make
// a page repeat or skip one that exists throughout, and page 500 costs
// about what page 1 does. A next_page_token holds the last record's sort
// key values (as the database computed them: lower(text), a select's
// choice position, …) and its seq, signed by pagetoken.Codec and bound to
// the list: the table and a hash of the view, filter, sorts, search,
// fields, page size and trash flag it was made for, and of the sorted
// fields' types. A token used with another table or other parameters, or
// altered, is refused (InvalidArgument, INVALID_PAGE_TOKEN). Tokens do not
// expire; a token made before a sorted field's type changed is refused.

// cursor is the position a page token holds.
type cursor struct {
	// Keys are the sort key values of the last record, typed (see keyVal).
	Keys []keyVal `json:"k,omitempty"`
	// Seq is the last record's seq.
	Seq int64 `json:"q"`
	// Deleted is the last record's delete time (trash listing).
	Deleted string `json:"d,omitempty"`
}

// keyVal is a sort key value that survives JSON exactly: a type tag
// ("" for NULL, "s" text, "i" integer, "f" float, "b" boolean, "t"
// timestamp) and the value as text.
type keyVal struct {
	T string `json:"t,omitempty"`
	V string `json:"v,omitempty"`
}

// encodeKey turns a scanned key value into its cursor form.
func encodeKey(v any) (keyVal, error) {
	switch x := v.(type) {
	case nil:
		return keyVal{}, nil
	case string:
		return keyVal{"s", x}, nil
	case []byte:
		return keyVal{"s", string(x)}, nil
	case int64:
		return keyVal{"i", strconv.FormatInt(x, 10)}, nil
	case int32:
		return keyVal{"i", strconv.FormatInt(int64(x), 10)}, nil
	case int:
		return keyVal{"i", strconv.Itoa(x)}, nil
	case float64:
		return keyVal{"f", strconv.FormatFloat(x, 'g', -1, 64)}, nil
	case float32:
		return keyVal{"f", strconv.FormatFloat(float64(x), 'g', -1, 32)}, nil
	case bool:
		return keyVal{"b", strconv.FormatBool(x)}, nil
	case time.Time:
		return keyVal{"t", x.UTC().Format(time.RFC3339Nano)}, nil
	}
	return keyVal{}, fmt.Errorf("sort key of type %T", v)
}

// decode returns the value to compare with; ok is false for a malformed
// one. A NULL gives nil.
func (k keyVal) decode() (any, bool) {
	switch k.T {
	case "":
		return nil, true
	case "s":
		return k.V, true
	case "i":
		n, err := strconv.ParseInt(k.V, 10, 64)
		return n, err == nil
	case "f":
		f, err := strconv.ParseFloat(k.V, 64)
		return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	case "b":
		b, err := strconv.ParseBool(k.V)
		return b, err == nil
	case "t":
		t, err := time.Parse(time.RFC3339Nano, k.V)
		return t.UTC(), err == nil
	}
	return nil, false
}

// decodeCursor reads a page token of the list named by scope, checking it
// has one value per sort key.
func (s *Service) decodeCursor(token, scope string, nkeys int) (*cursor, []any, error) {
	var c cursor
	if err := s.pages.Decode(token, scope, &c); err != nil {
		return nil, nil, err
	}
	if len(c.Keys) != nkeys {
		return nil, nil, pagetoken.ErrMismatch
	}
	vals := make([]any, nkeys)
	for i, k := range c.Keys {
		v, ok := k.decode()
		if !ok {
			return nil, nil, pagetoken.ErrMismatch
		}
		vals[i] = v
	}
	return &c, vals, nil
}

// sqlPart is SQL with "?" placeholders and their arguments.
type sqlPart struct {
	sql  string
	args []any
}

// segment is one query of a keyset page: the condition that the rows
// come after the cursor, limited to a part of the first key's range so
// the database can seek to it in an index on (sort keys…, seq).
type segment sqlPart

// afterSegments returns the conditions of the rows after the cursor
// (vals, seq) in the order of keys then seq, as one or two segments to
// read in turn: the second is read only when the first ends before the
// page is full. With sorts, ascending keys put NULL first and descending
// keys last (as filter.OrderBy does), so:
//
//   - first key ascending, cursor value v: the rows with k1 >= v (a seek),
//     then nothing else (NULLs come before v);
//   - ascending, cursor NULL: the NULL rows after the cursor, then every
//     row with k1 IS NOT NULL;
//   - descending, cursor value v: the rows with k1 <= v (a backward seek),
//     then every row with k1 IS NULL;
//   - descending, cursor NULL: the NULL rows after the cursor.
//
// Without sorts it is "seq > ?".
func afterSegments(keys []filter.Key, vals []any, seq int64) []segment {
	if len(keys) == 0 {
		return []segment{{"seq > ?", []any{seq}}}
	}
	k1, v1 := keys[0], vals[0]
	rest := after(keys[1:], vals[1:], seq)
	switch {
	case !k1.Sort.Descending && v1 != nil:
		all := after(keys, vals, seq)
		return []segment{{k1.SQL + " >= ? AND " + all.sql, concat(k1.Args, []any{v1}, all.args)}}
	case !k1.Sort.Descending:
		return []segment{
			{k1.SQL + " IS NULL AND " + rest.sql, concat(k1.Args, rest.args)},
			{k1.SQL + " IS NOT NULL", k1.Args},
		}
	case v1 != nil:
		all := after(keys, vals, seq)
		return []segment{
			{k1.SQL + " <= ? AND " + all.sql, concat(k1.Args, []any{v1}, all.args)},
			{k1.SQL + " IS NULL", k1.Args},
		}
	default:
		return []segment{{k1.SQL + " IS NULL AND " + rest.sql, concat(k1.Args, rest.args)}}
	}
}

// after is the condition that a row comes after (vals, seq) in the order
// of keys then seq: the first key beyond its value, or equal to it and the
// rest after, nested.
func after(keys []filter.Key, vals []any, seq int64) sqlPart {
	if len(keys) == 0 {
		return sqlPart{"seq > ?", []any{seq}}
	}
	k, v := keys[0], vals[0]
	rest := after(keys[1:], vals[1:], seq)
	var beyond, equal sqlPart
	switch {
	case v == nil && !k.Sort.Descending:
		beyond = sqlPart{k.SQL + " IS NOT NULL", k.Args}
		equal = sqlPart{k.SQL + " IS NULL", k.Args}
	case v == nil:
		// NULLs come last in descending order: nothing is beyond.
		equal = sqlPart{k.SQL + " IS NULL", k.Args}
	case !k.Sort.Descending:
		beyond = sqlPart{k.SQL + " > ?", concat(k.Args, []any{v})}
		equal = sqlPart{k.SQL + " = ?", concat(k.Args, []any{v})}
	default:
		beyond = sqlPart{"(" + k.SQL + " < ? OR " + k.SQL + " IS NULL)", concat(k.Args, []any{v}, k.Args)}
		equal = sqlPart{k.SQL + " = ?", concat(k.Args, []any{v})}
	}
	var b strings.Builder
	var args []any
	b.WriteByte('(')
	if beyond.sql != "" {
		b.WriteString(beyond.sql + " OR ")
		args = append(args, beyond.args...)
	}
	b.WriteString("(" + equal.sql + " AND " + rest.sql + "))")
	args = append(args, equal.args...)
	args = append(args, rest.args...)
	return sqlPart{b.String(), args}
}

// concat joins argument lists into a new one.
func concat(lists ...[]any) []any {
	var out []any
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
