package record

import (
	"context"
	"encoding/json"
	"time"

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

// changeRow is a row of the change log (DESIGN.md, "Change log").
type changeRow struct {
	bun.BaseModel `bun:"table:change_log"`

	ID              string    `bun:"id,pk"`
	Kind            string    `bun:"kind"`
	TableID         string    `bun:"table_id"`
	SchemaVersionID string    `bun:"schema_version_id"`
	Actor           string    `bun:"actor"`
	RecordIDs       string    `bun:"record_ids"`
	Changes         string    `bun:"changes"`
	CreatedAt       time.Time `bun:"created_at"`
}

// createDiff is a cell of a created record in the change log.
type createDiff struct {
	After any `json:"after"`
}

// updateDiff is the change of a cell in the change log: the stored values
// before and after.
type updateDiff struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// changeSet gathers a write's changes, in record order.
type changeSet struct {
	ids     []string
	changes map[string]map[string]any // record id -> field id -> diff
}

func newChangeSet(n int) *changeSet {
	return &changeSet{ids: make([]string, 0, n), changes: make(map[string]map[string]any, n)}
}

// add records a record with its cell changes (nil for none).
func (c *changeSet) add(id string, cells map[string]any) {
	c.ids = append(c.ids, id)
	if cells == nil {
		cells = map[string]any{}
	}
	c.changes[id] = cells
}

// logChanges appends one change log entry of a write, in tx.
func (s *Service) logChanges(ctx context.Context, tx bun.IDB, l *Layout, kind, actor string, cs *changeSet, at time.Time) error {
	if len(cs.ids) == 0 {
		return nil
	}
	version, err := s.schemaVersion(ctx, tx, l)
	if err != nil {
		return err
	}
	recordIDs, err := json.Marshal(cs.ids)
	if err != nil {
		return apperr.Wrap(err, "encode change")
	}
	changes, err := json.Marshal(cs.changes)
	if err != nil {
		return apperr.Wrap(err, "encode change")
	}
	_, err = tx.NewInsert().Model(&changeRow{ID: ids.New(ids.Change), Kind: kind, TableID: l.Table.ID,
		SchemaVersionID: version, Actor: actor, RecordIDs: string(recordIDs), Changes: string(changes), CreatedAt: at}).Exec(ctx)
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
