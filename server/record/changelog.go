package record

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
	"unsafe"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/ids"
)

// Kinds of change log entries of record writes.
const (
	ChangeCreated  = "record.created"
	ChangeUpdated  = "record.updated"
	ChangeDeleted  = "record.deleted"
	ChangeRestored = "record.restored"
	ChangePurged   = "record.purged"
)

// changeSet gathers a write's changes, in record order, as the JSON the
// change log keeps: {"rec…": {"fld…": {"before": …, "after": …}}}
// (creates have only after; deletes, restores and purges no cells). It
// is written by hand: a batch of 1000 records of 1 KB makes a megabyte.
type changeSet struct {
	ids   []string
	buf   []byte
	cells int
}

func newChangeSet(n int) *changeSet { return newChangeSetSized(n, 64*n) }

// newChangeSetSized is a change set of n records whose JSON is expected to
// take about size bytes, so that building it copies nothing.
func newChangeSetSized(n, size int) *changeSet {
	return &changeSet{ids: make([]string, 0, n), buf: append(make([]byte, 0, size+2), '{')}
}

// jsonSizeHint is about how many bytes appendJSON writes for v.
func jsonSizeHint(v any) int {
	switch x := v.(type) {
	case string:
		return len(x) + 8
	case []string:
		n := 2
		for _, e := range x {
			n += len(e) + 3
		}
		return n
	}
	return 32
}

// record starts a record's entry; end closes it.
func (c *changeSet) record(id string) {
	if len(c.ids) > 0 {
		c.buf = append(c.buf, ',')
	}
	c.ids = append(c.ids, id)
	c.buf = appendJSON(c.buf, id)
	c.buf = append(c.buf, ':', '{')
	c.cells = 0
}

func (c *changeSet) end() { c.buf = append(c.buf, '}') }

// add is a record without cells.
func (c *changeSet) add(id string) {
	c.record(id)
	c.end()
}

func (c *changeSet) field(fieldID string) {
	if c.cells > 0 {
		c.buf = append(c.buf, ',')
	}
	c.cells++
	c.buf = appendJSON(c.buf, fieldID)
	c.buf = append(c.buf, ':')
}

// created adds a new record's cell.
func (c *changeSet) created(fieldID string, after any) {
	c.field(fieldID)
	c.buf = append(c.buf, `{"after":`...)
	c.buf = appendJSON(c.buf, after)
	c.buf = append(c.buf, '}')
}

// updated adds a changed cell.
func (c *changeSet) updated(fieldID string, before, after any) {
	c.field(fieldID)
	c.buf = append(c.buf, `{"before":`...)
	c.buf = appendJSON(c.buf, before)
	c.buf = append(c.buf, `,"after":`...)
	c.buf = appendJSON(c.buf, after)
	c.buf = append(c.buf, '}')
}

// appendJSON appends a stored value as JSON.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		if plainJSON(x) {
			b = append(b, '"')
			b = append(b, x...)
			return append(b, '"')
		}
	case float64:
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		b = append(b, '"')
		b = x.UTC().AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, enc...)
}

// plainJSON reports whether text needs no escaping in JSON.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// logChanges appends one change log entry of a write, in tx.
func (s *Service) logChanges(ctx context.Context, tx bun.Tx, l *Layout, kind, actor string, cs *changeSet, at time.Time) error {
	if len(cs.ids) == 0 {
		return nil
	}
	version, err := s.schemaVersion(ctx, tx, l)
	if err != nil {
		return err
	}
	recordIDs := make([]byte, 0, 20*len(cs.ids)+2)
	recordIDs = append(recordIDs, '[')
	for i, id := range cs.ids {
		if i > 0 {
			recordIDs = append(recordIDs, ',')
		}
		recordIDs = appendJSON(recordIDs, id)
	}
	recordIDs = append(recordIDs, ']')
	x := s.sqlx(tx)
	// The change set runs to a megabyte: handed over without a copy (the
	// buffers are not touched again).
	changes := append(cs.buf, '}')
	_, err = x.exec(ctx, "INSERT INTO change_log (id, kind, table_id, schema_version_id, actor, record_ids, changes, created_at) VALUES "+
		x.inList(1, 8), ids.New(ids.Change), kind, l.Table.ID, version, actor,
		unsafe.String(unsafe.SliceData(recordIDs), len(recordIDs)), unsafe.String(unsafe.SliceData(changes), len(changes)), x.sysTime(at))
	return apperr.Wrap(err, "append change log")
}

// schemaVersion is the id of the table's latest schema version, cached per
// schema etag (every schema change records a version and a new etag).
func (s *Service) schemaVersion(ctx context.Context, tx bun.IDB, l *Layout) (string, error) {
	key := l.Table.ID + "/" + l.Table.Etag
	if v, ok := s.versions.Load(key); ok {
		return v.(string), nil
	}
	var id []string
	err := tx.NewSelect().Table("schema_versions").Column("id").Where("table_id = ?", l.Table.ID).
		Order("number DESC").Limit(1).Scan(ctx, &id)
	if err != nil {
		return "", apperr.Wrap(err, "find schema version")
	}
	if len(id) == 0 {
		return "", nil
	}
	s.versions.Store(key, id[0])
	return id[0], nil
}
