package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/pagetoken"
)

// Version is an immutable record of a table's schema after a change.
type Version struct {
	bun.BaseModel `bun:"table:schema_versions"`

	ID        string    `bun:"id,pk"`
	TableID   string    `bun:"table_id"`
	Number    int64     `bun:"number"`
	Summary   string    `bun:"summary"`
	Snapshot  string    `bun:"snapshot"`
	Author    string    `bun:"author"`
	CreatedAt time.Time `bun:"created_at"`
}

// snapshot is the part of a table a version keeps.
type snapshot struct {
	Name           string      `json:"name"`
	Description    string      `json:"description"`
	PrimaryFieldID string      `json:"primary"`
	Fields         []snapField `json:"fields"`
}

type snapField struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	Options     string `json:"options"`
	Required    bool   `json:"required"`
	Unique      bool   `json:"unique"`
	Position    int    `json:"position"`
	Column      string `json:"column"`
}

// changeEntry is a row of the change log.
type changeEntry struct {
	bun.BaseModel `bun:"table:change_log"`

	ID              string    `bun:"id,pk"`
	Kind            string    `bun:"kind"`
	TableID         string    `bun:"table_id"`
	SchemaVersionID string    `bun:"schema_version_id"`
	Actor           string    `bun:"actor"`
	Changes         string    `bun:"changes"`
	CreatedAt       time.Time `bun:"created_at"`
}

func actor(ctx context.Context) string {
	if p, ok := access.FromContext(ctx); ok {
		return p.UserID
	}
	return ""
}

// recordVersion stores the table's schema as a new version and appends the
// change to the change log, inside tx.
func (s *Service) recordVersion(ctx context.Context, tx bun.IDB, t *Table, summary string) (*Version, error) {
	snap := snapshot{Name: t.Name, Description: t.Description, PrimaryFieldID: t.PrimaryFieldID}
	for _, f := range t.Fields {
		snap.Fields = append(snap.Fields, snapField{ID: f.ID, Name: f.Name, Description: f.Description, Type: f.Type,
			Options: f.Options, Required: f.Required, Unique: f.Unique, Position: f.Position, Column: f.ColumnName})
	}
	raw, err := json.Marshal(snap)
	if err != nil {
		return nil, apperr.Wrap(err, "encode version")
	}
	var last sql.NullInt64
	if err := tx.NewSelect().Table("schema_versions").ColumnExpr("MAX(number)").Where("table_id = ?", t.ID).Scan(ctx, &last); err != nil {
		return nil, apperr.Wrap(err, "number version")
	}
	v := &Version{ID: ids.New(ids.Version), TableID: t.ID, Number: last.Int64 + 1, Summary: summary,
		Snapshot: string(raw), Author: actor(ctx), CreatedAt: s.now()}
	if _, err := tx.NewInsert().Model(v).Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "store version")
	}
	change, _ := json.Marshal(map[string]any{"summary": summary, "version": v.Number})
	if _, err := tx.NewInsert().Model(&changeEntry{ID: ids.New(ids.Change), Kind: "schema", TableID: t.ID,
		SchemaVersionID: v.ID, Actor: v.Author, Changes: string(change), CreatedAt: v.CreatedAt}).Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "append change log")
	}
	return v, nil
}

// VersionPage is a page of versions.
type VersionPage struct {
	Versions []*Version
	Next     string
}

// ListVersions lists a table's versions, newest first.
func (s *Service) ListVersions(ctx context.Context, db bun.IDB, tableID string, size int, pageToken string) (*VersionPage, error) {
	size = pagetoken.Size(size)
	q := db.NewSelect().Model((*Version)(nil)).ExcludeColumn("snapshot").Where("table_id = ?", tableID)
	scope := "versions:" + tableID
	if pageToken != "" {
		var before int64
		if err := s.pages.Decode(pageToken, scope, &before); err != nil {
			return nil, err
		}
		q = q.Where("number < ?", before)
	}
	var rows []*Version
	if err := q.Order("number DESC").Limit(int64(size+1)).Scan(ctx, &rows); err != nil {
		return nil, apperr.Wrap(err, "list versions")
	}
	rows, next, err := pagetoken.Trim(s.pages, scope, rows, size, func(last *Version) any { return last.Number })
	return &VersionPage{Versions: rows, Next: next}, err
}

// GetVersion returns a version and the table's schema at it.
func (s *Service) GetVersion(ctx context.Context, db bun.IDB, tableID, id string) (*Version, *Table, error) {
	v := new(Version)
	err := db.NewSelect().Model(v).Where("id = ? AND table_id = ?", id, tableID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, apperr.NotFoundf("version %q not found", id).With("version_id", id)
	}
	if err != nil {
		return nil, nil, apperr.Wrap(err, "load version")
	}
	var snap snapshot
	if err := json.Unmarshal([]byte(v.Snapshot), &snap); err != nil {
		return nil, nil, apperr.Wrap(err, "decode version")
	}
	t := &Table{ID: tableID, Name: snap.Name, Description: snap.Description, PrimaryFieldID: snap.PrimaryFieldID}
	for _, sf := range snap.Fields {
		t.Fields = append(t.Fields, &Field{ID: sf.ID, TableID: tableID, Name: sf.Name, NameKey: nameKey(sf.Name),
			Description: sf.Description, Type: sf.Type, Options: sf.Options, Required: sf.Required, Unique: sf.Unique,
			Position: sf.Position, ColumnName: sf.Column})
	}
	return v, t, nil
}
