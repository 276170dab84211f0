package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
)

// WithSecretKeys seals the webhook secrets the store keeps (AES-256-GCM,
// package auth/seal) with the keyring's current key; previous keys still
// open secrets sealed before a rotation. Without it the store refuses to
// store a webhook secret, and [Open] refuses a file that holds sealed ones.
func WithSecretKeys(keys *seal.Keyring) Option { return func(c *config) { c.keys = keys } }

// secretContext binds a sealed webhook secret to its recipe, so that a
// value copied to another recipe's row does not open.
func secretContext(recipe string) string { return "recipekit webhook secret\x00" + recipe }

// sealSecret returns the stored form of a recipe's webhook secret: empty
// for no secret, else sealed with the current key.
func (s *Store) sealSecret(name string, secret auth.Secret) (string, error) {
	if secret == "" {
		return "", nil
	}
	if s.keys == nil {
		return "", fmt.Errorf("sqlite: storing the webhook secret of recipe %q: webhook secrets are only stored encrypted and the store has no key: open it with sqlite.WithSecretKeys (%w)", name, seal.ErrNoKey)
	}
	sealed, err := s.keys.Seal([]byte(secret.Reveal()), secretContext(name))
	if err != nil {
		return "", fmt.Errorf("sqlite: storing the webhook secret of recipe %q: %w", name, err)
	}
	return sealed, nil
}

// openSecret returns a recipe's webhook secret from its stored form. A
// value that is not sealed was stored in clear by an earlier version; Open
// seals it when the store has a key.
func (s *Store) openSecret(name, stored string) (auth.Secret, error) {
	if stored == "" || !seal.IsSealed(stored) {
		return auth.Secret(stored), nil
	}
	if s.keys == nil {
		id, _ := seal.KeyID(stored)
		return "", fmt.Errorf("sqlite: the webhook secret of recipe %q is sealed with key id %s and the store has no key: open it with sqlite.WithSecretKeys and that key (%w)", name, id, seal.ErrNoKey)
	}
	plain, err := s.keys.Open(stored, secretContext(name))
	if err != nil {
		return "", fmt.Errorf("sqlite: the webhook secret of recipe %q: %w", name, err)
	}
	return auth.Secret(plain), nil
}

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
	type row struct{ recipe, stored string }
	var stale []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.recipe, &r.stored); err != nil {
			rows.Close()
			return fmt.Errorf("reading the webhook secrets: %w", err)
		}
		if _, err := s.openSecret(r.recipe, r.stored); err != nil {
			rows.Close()
			return err
		}
		if s.keys != nil && s.keys.NeedsReseal(r.stored) {
			stale = append(stale, r)
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("reading the webhook secrets: %w", err)
	}
	if err := rows.Err(); err != nil {
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
			plain, err := s.openSecret(r.recipe, r.stored)
			if err != nil {
				return err
			}
			sealed, err := s.sealSecret(r.recipe, plain)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET secret = ? WHERE recipe = ?`, sealed, r.recipe); err != nil {
				return fmt.Errorf("sealing the webhook secret of recipe %q again: %w", r.recipe, err)
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
