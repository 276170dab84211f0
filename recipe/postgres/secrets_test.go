package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/internal/pgtest"
	"github.com/recipekit/recipekit/internal/sealtest"
	"github.com/recipekit/recipekit/recipe/postgres"
	"github.com/recipekit/recipekit/trigger"
)

// storedSecrets returns the secret column of every subscription row as the
// database holds it.
func storedSecrets(t *testing.T, s *postgres.Store) string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `SELECT secret FROM subscriptions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		b.WriteString(v + "\n")
	}
	return b.String()
}

func TestWebhookSecretsAreSealedAndRotate(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	const whsec = "whsec-8c1f0a6e2d4b"
	sub := trigger.Subscription{ID: "1", CallbackURL: "https://example.com/hooks/r", Secret: whsec, ExpiresAt: time.Now().Add(time.Hour).Truncate(time.Second)}
	oldKey, newKey := sealtest.Key(t), sealtest.Key(t)

	// No key: a secret is refused, a subscription without one is kept.
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSubscription(ctx, "r", sub); !errors.Is(err, seal.ErrNoKey) || !strings.Contains(err.Error(), "WithSecretKeys") {
		t.Errorf("no key: err = %v", err)
	}
	s.Close()

	s, err = postgres.Open(ctx, url, postgres.WithSecretKeys(sealtest.Keyring(t, oldKey)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSubscription(ctx, "r", sub); err != nil {
		t.Fatal(err)
	}
	const legacy = "legacy-secret-51ab"
	if _, err := s.Pool().Exec(ctx, `INSERT INTO subscriptions (recipe, id, callback_url, secret, expires_at, state) VALUES ('old', '2', 'https://example.com/hooks/old', $1, 0, NULL)`, legacy); err != nil {
		t.Fatal(err)
	}
	if raw := storedSecrets(t, s); strings.Contains(raw, whsec) || !strings.Contains(raw, "seal:v1:"+oldKey.ID()+":") {
		t.Errorf("the secret column holds %q", raw)
	}
	s.Close()

	// A sealed secret in the database: no key or a wrong key is refused,
	// naming the key id needed.
	if _, err := postgres.Open(ctx, url); !errors.Is(err, seal.ErrNoKey) || !strings.Contains(err.Error(), oldKey.ID()) {
		t.Errorf("no key, open: err = %v", err)
	}
	if _, err := postgres.Open(ctx, url, postgres.WithSecretKeys(sealtest.Keyring(t, newKey))); !errors.Is(err, seal.ErrWrongKey) || !strings.Contains(err.Error(), oldKey.ID()) {
		t.Errorf("wrong key, open: err = %v", err)
	}

	// Rotation: new key current, old key previous; Open seals everything
	// (the row in clear too) with the new key.
	s, err = postgres.Open(ctx, url, postgres.WithSecretKeys(sealtest.Keyring(t, newKey, oldKey)))
	if err != nil {
		t.Fatal(err)
	}
	raw := storedSecrets(t, s)
	if strings.Contains(raw, legacy) || strings.Contains(raw, oldKey.ID()) || strings.Count(raw, "seal:v1:"+newKey.ID()+":") != 2 {
		t.Errorf("after opening with the new key the secret column holds %q", raw)
	}
	s.Close()
	s, err = postgres.Open(ctx, url, postgres.WithSecretKeys(sealtest.Keyring(t, newKey)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sealtest.WantSecrets(t, s, map[string]string{"r": whsec, "old": legacy}, "with the new key alone")
}
