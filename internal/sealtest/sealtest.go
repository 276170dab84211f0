package sealtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/trigger"
)

// Key returns a new random key, or fails the test.
func Key(tb testing.TB) seal.Key {
	tb.Helper()
	k, err := seal.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// Keyring returns a keyring sealing with current and opening with it and
// the previous keys, or fails the test.
func Keyring(tb testing.TB, current seal.Key, previous ...seal.Key) *seal.Keyring {
	tb.Helper()
	kr, err := seal.NewKeyring(current, previous...)
	if err != nil {
		tb.Fatal(err)
	}
	return kr
}

// NewKeyring returns a keyring of one new random key, or fails the test.
func NewKeyring(tb testing.TB) *seal.Keyring {
	tb.Helper()
	return Keyring(tb, Key(tb))
}

// DirBytes returns the bytes of every file directly in dir (a database
// with its journal files, a token store's folder), concatenated, so that a
// test can check that a secret is not among them.
func DirBytes(tb testing.TB, dir string) string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// Subscriptions is a recipe store's reading of webhook subscriptions.
type Subscriptions interface {
	Subscription(ctx context.Context, recipe string) (trigger.Subscription, error)
}

// WantSecrets checks that the subscription of each recipe in want opens to
// its webhook secret there; when says at which step of the test, for the
// message.
func WantSecrets(tb testing.TB, store Subscriptions, want map[string]string, when string) {
	tb.Helper()
	for name, secret := range want {
		if got, err := store.Subscription(context.Background(), name); err != nil || got.Secret.Reveal() != secret {
			tb.Errorf("%s %s: %v", name, when, err)
		}
	}
}
