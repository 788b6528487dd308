package app

import (
	"context"
	"crypto/sha256"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/storage"
)

// secretKey returns the key that signs page tokens and cookies: the
// configured one, or one generated on first start and kept in the database
// so that every server sharing it signs alike.
func secretKey(ctx context.Context, db *storage.DB, configured string) ([]byte, error) {
	if configured != "" {
		sum := sha256.Sum256([]byte(configured))
		return sum[:], nil
	}
	var key string
	err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Insert-if-absent, then read: servers starting together agree.
		if _, err := tx.ExecContext(ctx,
			"INSERT INTO settings (key, value) VALUES ('secret_key', ?) ON CONFLICT (key) DO NOTHING",
			ids.Random(64)); err != nil {
			return err
		}
		return tx.NewSelect().Table("settings").Column("value").Where("key = 'secret_key'").Scan(ctx, &key)
	})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(key))
	return sum[:], nil
}
