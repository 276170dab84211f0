package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/recipekit/recipekit/auth/seal"
)

// WithSecretKeys seals the webhook secrets the store keeps (AES-256-GCM,
// package auth/seal) with the keyring's current key; previous keys still
// open secrets sealed before a rotation. Without it the store refuses to
// store a webhook secret, and [Open] refuses a file that holds sealed ones.
func WithSecretKeys(keys *seal.Keyring) Option { return func(c *config) { c.keys = keys } }

// resealSecrets checks, when the store opens, that every stored webhook
// secret opens with the store's keys, and seals again with the current key
// those stored in clear or under a previous key, in one transaction. The
// rewrite runs with secure_delete on and is checkpointed into the file at
// once, so the old bytes do not linger in the file's free space.
func (s *Store) resealSecrets(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT recipe, secret FROM subscriptions WHERE secret != ''`)
	if err != nil {
		return fmt.Errorf("reading the webhook secrets: %w", err)
	}
	stale, err := s.secrets.ResealAll(rows)
	if err != nil {
		rows.Close()
		return err
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("reading the webhook secrets: %w", err)
	}
	if len(stale) == 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("sealing the webhook secrets again: %w", err)
	}
	defer s.db.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = OFF`)
	err = s.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range stale {
			if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET secret = ? WHERE recipe = ?`, r.Sealed, r.Recipe); err != nil {
				return fmt.Errorf("sealing the webhook secret of recipe %q again: %w", r.Recipe, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Copy the rewritten pages into the file now rather than at some later
	// checkpoint, so the file no longer holds the old values.
	if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("sealing the webhook secrets again: checkpoint: %w", err)
	}
	return nil
}
