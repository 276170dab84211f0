package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
)

// WithSecretKeys seals the webhook secrets the store keeps (AES-256-GCM,
// package auth/seal) with the keyring's current key; previous keys still
// open secrets sealed before a rotation. Without it the store refuses to
// store a webhook secret, and [Open] refuses a database that holds sealed
// ones. Every process sharing the database needs the keys.
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
		return "", fmt.Errorf("postgres: storing the webhook secret of recipe %q: webhook secrets are only stored encrypted and the store has no key: open it with postgres.WithSecretKeys (%w)", name, seal.ErrNoKey)
	}
	sealed, err := s.keys.Seal([]byte(secret.Reveal()), secretContext(name))
	if err != nil {
		return "", fmt.Errorf("postgres: storing the webhook secret of recipe %q: %w", name, err)
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
		return "", fmt.Errorf("postgres: the webhook secret of recipe %q is sealed with key id %s and the store has no key: open it with postgres.WithSecretKeys and that key (%w)", name, id, seal.ErrNoKey)
	}
	plain, err := s.keys.Open(stored, secretContext(name))
	if err != nil {
		return "", fmt.Errorf("postgres: the webhook secret of recipe %q: %w", name, err)
	}
	return auth.Secret(plain), nil
}

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
		type row struct {
			recipe string
			plain  auth.Secret
		}
		var stale []row
		for rows.Next() {
			var name, stored string
			if err := rows.Scan(&name, &stored); err != nil {
				rows.Close()
				return fmt.Errorf("reading the webhook secrets: %w", err)
			}
			plain, err := s.openSecret(name, stored)
			if err != nil {
				rows.Close()
				return err
			}
			if s.keys != nil && s.keys.NeedsReseal(stored) {
				stale = append(stale, row{name, plain})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("reading the webhook secrets: %w", err)
		}
		for _, r := range stale {
			sealed, err := s.sealSecret(r.recipe, r.plain)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE subscriptions SET secret = $1 WHERE recipe = $2`, sealed, r.recipe); err != nil {
				return fmt.Errorf("sealing the webhook secret of recipe %q again: %w", r.recipe, err)
			}
		}
		return nil
	})
}
