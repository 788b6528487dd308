package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

func TestMigrateIsIdempotentAndConcurrent(t *testing.T) {
	for _, engine := range storagetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			url := storagetest.URL(t, engine)
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db, err := storage.Open(ctx, url)
					if err != nil {
						errs[i] = err
						return
					}
					defer db.Close()
					errs[i] = db.Migrate(ctx, storage.Metadata)
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("server %d: %v", i, err)
				}
			}
			db, err := storage.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			n, err := db.NewSelect().Table("schema_migrations").Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(storage.Metadata)) {
				t.Fatalf("applied %d migration records, want %d", n, len(storage.Metadata))
			}
		})
	}
}

func TestFailedTransactionLeavesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "a", "1"); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "a", now.String())
			return err
		})
		if !storage.IsUniqueViolation(err) {
			t.Fatalf("want a unique violation, got %v", err)
		}
		n, err := db.NewSelect().Table("settings").Where("key = 'a'").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("found %d settings after a failed transaction, want 0", n)
		}
	})
}

func TestConcurrentWritersWait(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('counter', '0')"); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		const writers = 8
		errs := make(chan error, writers)
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
					var v string
					q := tx.NewSelect().Table("settings").Column("value").Where("key = 'counter'")
					if db.Engine == storage.Postgres {
						q = q.For("UPDATE")
					}
					if err := q.Scan(ctx, &v); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, "UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'counter'")
					return err
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("a writer failed instead of waiting: %v", err)
			}
		}
		var v string
		if err := db.NewSelect().Table("settings").Column("value").Where("key = 'counter'").Scan(ctx, &v); err != nil {
			t.Fatal(err)
		}
		if v != "8" {
			t.Fatalf("counter = %s after %d writers, want 8", v, writers)
		}
	})
}

// Writers under steady load take turns in the order they came: with six
// writers each writing again as soon as it is done, every transaction
// starts within a few turns of asking, not after missing free moments
// until a busy timeout (SQLite), and AfterTx hooks run once each
// transaction has ended.
func TestBusyWritersTakeTurns(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('turns', '0')"); err != nil {
			t.Fatal(err)
		}
		const writers, rounds, hold = 6, 8, 15 * time.Millisecond
		var mu sync.Mutex
		var longest time.Duration
		var hooks int
		var wg sync.WaitGroup
		errs := make(chan error, writers*rounds)
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range rounds {
					asked := time.Now()
					errs <- db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
						waited := time.Since(asked)
						mu.Lock()
						longest = max(longest, waited)
						mu.Unlock()
						storage.AfterTx(ctx, func() { mu.Lock(); hooks++; mu.Unlock() })
						q := "UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'turns'"
						if _, err := tx.ExecContext(ctx, q); err != nil {
							return err
						}
						time.Sleep(hold)
						return nil
					})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("a writer failed: %v", err)
			}
		}
		// Five others ahead at most: about 75 ms of turns. Polling for the
		// lock instead, a writer was seen to wait close to a second here.
		if longest > 500*time.Millisecond {
			t.Fatalf("a writer waited %v for its turn; want at most 500ms (five turns of %v)", longest, hold)
		}
		if hooks != writers*rounds {
			t.Fatalf("%d AfterTx hooks ran; want %d", hooks, writers*rounds)
		}
		t.Logf("longest wait %v", longest)
	})
}

// TestLargeTextCompressedWithLZ4: on PostgreSQL the change log's change
// sets and the stored responses are compressed with lz4.
func TestLargeTextCompressedWithLZ4(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		if db.Engine != storage.Postgres {
			return // SQLite does not compress
		}
		var methods []string
		err := db.NewRaw(`SELECT a.attcompression::text FROM pg_attribute a
			WHERE (a.attrelid = 'change_log'::regclass AND a.attname IN ('changes', 'record_ids'))
			   OR (a.attrelid = 'idempotency_records'::regclass AND a.attname = 'response')`).Scan(context.Background(), &methods)
		if err != nil {
			t.Fatal(err)
		}
		if len(methods) != 3 || methods[0] != "l" || methods[1] != "l" || methods[2] != "l" {
			t.Fatalf("compression methods %q, want lz4 (l) for all three columns", methods)
		}
	})
}

// TestConnectionsKeptBetweenBursts: on PostgreSQL a burst of 16
// concurrent queries leaves its connections open, so the next burst runs
// on the same ones instead of opening new ones.
func TestConnectionsKeptBetweenBursts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		if db.Engine != storage.Postgres {
			return // SQLite connections are files in this process
		}
		burst := func() map[int]bool {
			var mu sync.Mutex
			pids := map[int]bool{}
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					var pid int
					if err := db.NewRaw("SELECT pg_backend_pid() FROM pg_sleep(0.05)").Scan(context.Background(), &pid); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					pids[pid] = true
					mu.Unlock()
				})
			}
			wg.Wait()
			return pids
		}
		first := burst()
		second := burst()
		if len(first) < 16 {
			t.Fatalf("the first burst ran on %d connections, want 16", len(first))
		}
		for pid := range second {
			if !first[pid] {
				t.Fatalf("the second burst opened a new connection (backend %d); the first burst's were closed", pid)
			}
		}
	})
}
