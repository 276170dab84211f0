package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/internal/sealtest"
	"github.com/recipekit/recipekit/recipe/sqlite"
	"github.com/recipekit/recipekit/trigger"
)

const whsec = "whsec-4f9d2c7a1b3e8f60"

func subscription(secret auth.Secret) trigger.Subscription {
	return trigger.Subscription{ID: "hook-1", CallbackURL: "https://example.com/hooks/r", Secret: secret, ExpiresAt: time.Now().Add(time.Hour).Truncate(time.Second), State: []byte(`{"mode":"admin"}`)}
}

func TestWebhookSecretIsNotInTheFileInClear(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "recipes.db")
	keys := sealtest.NewKeyring(t)
	s, err := sqlite.Open(ctx, path, sqlite.WithSecretKeys(keys))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSubscription(ctx, "r", subscription(whsec)); err != nil {
		t.Fatal(err)
	}
	// While the store is open (the row may still be in the WAL file) and
	// after it is closed.
	if raw := sealtest.DirBytes(t, dir); strings.Contains(raw, whsec) || !strings.Contains(raw, "seal:v1:"+keys.CurrentID()+":") {
		t.Errorf("open store: the secret is in the files in clear, or not sealed with key %s", keys.CurrentID())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if raw := sealtest.DirBytes(t, dir); strings.Contains(raw, whsec) {
		t.Error("closed store: the secret is in the file in clear")
	}
	s, err = sqlite.Open(ctx, path, sqlite.WithSecretKeys(keys))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Subscription(ctx, "r")
	if err != nil || got.Secret.Reveal() != whsec || got.ID != "hook-1" || string(got.State) != `{"mode":"admin"}` {
		t.Errorf("reopened: %+v, %v", got, err)
	}
}

func TestWebhookSecretKeyMissingOrWrong(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "recipes.db")
	right := sealtest.Key(t)

	// No key: a secret cannot be stored; a subscription without one can.
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	err = s.SaveSubscription(ctx, "r", subscription(whsec))
	if !errors.Is(err, seal.ErrNoKey) || !strings.Contains(err.Error(), "WithSecretKeys") || strings.Contains(err.Error(), whsec) {
		t.Errorf("no key, save: err = %v", err)
	}
	if err := s.SaveSubscription(ctx, "dynamic", subscription("")); err != nil {
		t.Errorf("no key, subscription without a secret: %v", err)
	}
	s.Close()

	s, err = sqlite.Open(ctx, path, sqlite.WithSecretKeys(sealtest.Keyring(t, right)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSubscription(ctx, "r", subscription(whsec)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// The file holds a sealed secret: opening it without a key, or with
	// another key, fails naming the key id needed.
	_, err = sqlite.Open(ctx, path)
	if !errors.Is(err, seal.ErrNoKey) || !strings.Contains(err.Error(), right.ID()) || !strings.Contains(err.Error(), "WithSecretKeys") {
		t.Errorf("no key, open: err = %v", err)
	}
	wrong := sealtest.Key(t)
	_, err = sqlite.Open(ctx, path, sqlite.WithSecretKeys(sealtest.Keyring(t, wrong)))
	if !errors.Is(err, seal.ErrWrongKey) || !strings.Contains(err.Error(), right.ID()) || !strings.Contains(err.Error(), wrong.ID()) || !strings.Contains(err.Error(), "previous key") {
		t.Errorf("wrong key, open: err = %v", err)
	}
	// Nothing was changed by the refused opens.
	s, err = sqlite.Open(ctx, path, sqlite.WithSecretKeys(sealtest.Keyring(t, right)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.Subscription(ctx, "r"); err != nil || got.Secret.Reveal() != whsec {
		t.Errorf("after the refused opens: %v, %v", got.Secret.Reveal() == whsec, err)
	}
}

func TestWebhookSecretRotationAndSecretsStoredInClear(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "recipes.db")
	oldKey, newKey := sealtest.Key(t), sealtest.Key(t)
	s, err := sqlite.Open(ctx, path, sqlite.WithSecretKeys(sealtest.Keyring(t, oldKey)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSubscription(ctx, "sealed-old", subscription(whsec)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSubscription(ctx, "legacy", subscription("placeholder")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A row an earlier version wrote in clear.
	const legacy = "legacy-secret-0e5b7d9c33"
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE subscriptions SET secret = ? WHERE recipe = 'legacy'`, legacy); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if !strings.Contains(sealtest.DirBytes(t, dir), legacy) {
		t.Fatal("setup: the legacy secret is not in the file in clear")
	}

	// Rotation, step 1: new key current, old key previous. Open seals
	// everything again with the new key and scrubs the old bytes.
	s, err = sqlite.Open(ctx, path, sqlite.WithSecretKeys(sealtest.Keyring(t, newKey, oldKey)))
	if err != nil {
		t.Fatal(err)
	}
	sealtest.WantSecrets(t, s, map[string]string{"sealed-old": whsec, "legacy": legacy}, "during rotation")
	if raw := sealtest.DirBytes(t, dir); strings.Contains(raw, legacy) || strings.Contains(raw, "seal:v1:"+oldKey.ID()+":") {
		t.Errorf("after opening with the new key the file still holds the legacy secret in clear (%v) or a value sealed with the old key (%v)",
			strings.Contains(raw, legacy), strings.Contains(raw, "seal:v1:"+oldKey.ID()+":"))
	}
	s.Close()

	// Step 2: the old key dropped.
	s, err = sqlite.Open(ctx, path, sqlite.WithSecretKeys(sealtest.Keyring(t, newKey)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sealtest.WantSecrets(t, s, map[string]string{"sealed-old": whsec, "legacy": legacy}, "with the new key alone")
}

func TestWebhookSecretBoundToItsRecipe(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "recipes.db")
	keys := sealtest.NewKeyring(t)
	s, err := sqlite.Open(ctx, path, sqlite.WithSecretKeys(keys))
	if err != nil {
		t.Fatal(err)
	}
	s.SaveSubscription(ctx, "a", subscription(whsec))
	s.SaveSubscription(ctx, "b", subscription("other"))
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE subscriptions SET secret = (SELECT secret FROM subscriptions WHERE recipe = 'a') WHERE recipe = 'b'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := sqlite.Open(ctx, path, sqlite.WithSecretKeys(keys)); !errors.Is(err, seal.ErrWrongKey) || !strings.Contains(err.Error(), `recipe "b"`) {
		t.Errorf("a secret copied to another recipe's row: err = %v", err)
	}
}
