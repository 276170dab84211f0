package secretstore

import (
	"fmt"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
)

// Webhook seals and opens the webhook secrets of one store. Its zero Keys
// means the store was opened without keys: it then refuses to store a
// secret and to open a sealed one, and says how to give it the keys.
type Webhook struct {
	// Store is the store's package name ("sqlite", "postgres"): it
	// begins every error and names the option that gives the keys
	// (<Store>.WithSecretKeys).
	Store string
	// Keys seals with its current key and opens with any of its keys;
	// nil when none was given.
	Keys *seal.Keyring
}

// bindingFor binds a sealed webhook secret to its recipe, so that a value
// copied to another recipe's row does not open.
func bindingFor(recipe string) string { return "recipekit webhook secret\x00" + recipe }

// Seal returns the stored form of a recipe's webhook secret: empty for no
// secret, else sealed with the current key.
func (w Webhook) Seal(recipe string, secret auth.Secret) (string, error) {
	if secret == "" {
		return "", nil
	}
	if w.Keys == nil {
		return "", fmt.Errorf("%s: storing the webhook secret of recipe %q: webhook secrets are only stored encrypted and the store has no key: open it with %s.WithSecretKeys (%w)", w.Store, recipe, w.Store, seal.ErrNoKey)
	}
	sealed, err := w.Keys.Seal([]byte(secret.Reveal()), bindingFor(recipe))
	if err != nil {
		return "", fmt.Errorf("%s: storing the webhook secret of recipe %q: %w", w.Store, recipe, err)
	}
	return sealed, nil
}

// Open returns a recipe's webhook secret from its stored form. A value
// that is not sealed was stored in clear by an earlier version and is
// returned as it is; the store seals it again when it opens (see
// [Webhook.Reseal]).
func (w Webhook) Open(recipe, stored string) (auth.Secret, error) {
	if stored == "" || !seal.IsSealed(stored) {
		return auth.Secret(stored), nil
	}
	if w.Keys == nil {
		id, _ := seal.KeyID(stored)
		return "", fmt.Errorf("%s: the webhook secret of recipe %q is sealed with key id %s and the store has no key: open it with %s.WithSecretKeys and that key (%w)", w.Store, recipe, id, w.Store, seal.ErrNoKey)
	}
	plain, err := w.Keys.Open(stored, bindingFor(recipe))
	if err != nil {
		return "", fmt.Errorf("%s: the webhook secret of recipe %q: %w", w.Store, recipe, err)
	}
	return auth.Secret(plain), nil
}

// Reseal checks a stored secret when the store opens: it returns an error
// when the secret does not open with the store's keys, and, when it is
// stored in clear or under a previous key, its form sealed with the current
// key and true. Without keys a value in clear stays as it is.
func (w Webhook) Reseal(recipe, stored string) (resealed string, changed bool, err error) {
	plain, err := w.Open(recipe, stored)
	if err != nil {
		return "", false, err
	}
	if w.Keys == nil || !w.Keys.NeedsReseal(stored) {
		return stored, false, nil
	}
	resealed, err = w.Seal(recipe, plain)
	if err != nil {
		return "", false, err
	}
	return resealed, true, nil
}

// Rows is a query's result as both database/sql and pgx give it, each row a
// recipe's name and its stored secret.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Resealed is a recipe's webhook secret sealed again with the current key,
// for the store to write over the stored one.
type Resealed struct {
	Recipe string
	Sealed string
}

// ResealAll checks, when the store opens, every stored secret rows yields
// (see [Webhook.Reseal]) and returns those to write again. It fails on the
// first secret that does not open; the caller closes rows.
func (w Webhook) ResealAll(rows Rows) ([]Resealed, error) {
	var stale []Resealed
	for rows.Next() {
		var recipe, stored string
		if err := rows.Scan(&recipe, &stored); err != nil {
			return nil, fmt.Errorf("reading the webhook secrets: %w", err)
		}
		sealed, changed, err := w.Reseal(recipe, stored)
		if err != nil {
			return nil, err
		}
		if changed {
			stale = append(stale, Resealed{recipe, sealed})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the webhook secrets: %w", err)
	}
	return stale, nil
}
