package schema

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pyairtable/pyairtable/server/cache"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/operation"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Service manages bases, tables and fields.
type Service struct {
	db    *storage.DB
	pages *pagetoken.Codec
	// Trash is how long deleted bases and tables can be restored.
	trash  time.Duration
	now    func() time.Time
	cache  Cache         // nil: no cache
	settle time.Duration // see SetCache
	// inlineRows is the most records a type change converts in the request.
	inlineRows  int64
	runner      *operation.Runner      // nil: Purge leaves its operations to the workers
	budget      int                    // field columns per table before compaction
	trgmOps     atomic.Pointer[string] // pg_trgm's GIN operator class, once looked up
	links       sync.Map               // base id -> workspace id, table id -> base id (see resolve.go)
	searchReady sync.Map               // qualified table names whose search table exists
	kicks       searchKicks            // search indexing after writes (search_index.go)
	decoded     cache.Decoded[*Table]  // cached tables decoded (see Table)
}

// NewService returns a Service keeping deleted bases and tables restorable
// for trash.
func NewService(db *storage.DB, pages *pagetoken.Codec, trash time.Duration) *Service {
	return &Service{db: db, pages: pages, trash: trash, inlineRows: DefaultInlineRows, budget: maxColumns,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// DB returns the database.
func (s *Service) DB() *storage.DB { return s.db }

// Limits.
const (
	// MaxFields is the most fields a table may have.
	MaxFields = 500
	// maxColumns keeps within PostgreSQL's 1600 columns per table, hidden
	// (retired) columns included; the system columns take 8 (see
	// createPhysicalTable).
	maxColumns = 1600 - 8
)

func nameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

func newEtag() string { return ids.Random(16) }
