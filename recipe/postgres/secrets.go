package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/recipekit/recipekit/auth/seal"
)

// WithSecretKeys seals the webhook secrets the store keeps (AES-256-GCM,
// package auth/seal) with the keyring's current key; previous keys still
// open secrets sealed before a rotation. Without it the store refuses to
// store a webhook secret, and [Open] refuses a database that holds sealed
// ones. Every process sharing the database needs the keys.
func WithSecretKeys(keys *seal.Keyring) Option { return func(c *config) { c.keys = keys } }

// resealSecrets checks, when the store opens, that every stored webhook
// secret opens with the store's keys, and seals again with the current key
// those stored in clear or under a previous key, in one transaction that
// locks the rows it reads (another process may be doing the same).
func (s *Store) resealSecrets(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT recipe, secret FROM subscriptions WHERE secret <> '' FOR UPDATE`)
		if err != nil {
			return fmt.Errorf("reading the webhook secrets: %w", err)
		}
		stale, err := s.secrets.ResealAll(rows)
		rows.Close()
		if err != nil {
			return err
		}
		for _, r := range stale {
			if _, err := tx.Exec(ctx, `UPDATE subscriptions SET secret = $1 WHERE recipe = $2`, r.Sealed, r.Recipe); err != nil {
				return fmt.Errorf("sealing the webhook secret of recipe %q again: %w", r.Recipe, err)
			}
		}
		return nil
	})
}
