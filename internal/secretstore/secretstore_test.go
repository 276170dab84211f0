package secretstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/internal/sealtest"
)

func TestWebhookSealsBoundToItsRecipe(t *testing.T) {
	keys := sealtest.NewKeyring(t)
	w := Webhook{Store: "sqlite", Keys: keys}
	stored, err := w.Seal("a", auth.Secret("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, "s3cret") || !seal.IsSealed(stored) {
		t.Fatalf("stored form %q is not sealed", stored)
	}
	if got, err := w.Open("a", stored); err != nil || got != "s3cret" {
		t.Fatalf("Open(a) = %q, %v; want the secret", got, err)
	}
	if _, err := w.Open("b", stored); err == nil {
		t.Fatal("a secret sealed for recipe a opened as recipe b's")
	}
	if got, changed, err := w.Reseal("a", stored); err != nil || changed || got != stored {
		t.Errorf("Reseal of a secret sealed with the current key = %q, %v, %v; want it unchanged", got, changed, err)
	}
	resealed, changed, err := w.Reseal("a", "clear")
	if err != nil || !changed || !seal.IsSealed(resealed) {
		t.Fatalf("Reseal of a secret stored in clear = %q, %v, %v; want it sealed", resealed, changed, err)
	}
	if got, err := w.Open("a", resealed); err != nil || got != "clear" {
		t.Errorf("Open of the resealed secret = %q, %v; want clear", got, err)
	}
}

func TestWebhookWithoutKeysSaysWhichOptionToUse(t *testing.T) {
	keys := sealtest.NewKeyring(t)
	stored, err := Webhook{Store: "postgres", Keys: keys}.Seal("a", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	none := Webhook{Store: "postgres"}
	if _, err := none.Seal("a", "s3cret"); !errors.Is(err, seal.ErrNoKey) || !strings.Contains(err.Error(), "postgres.WithSecretKeys") {
		t.Errorf("Seal without keys: %v; want seal.ErrNoKey naming postgres.WithSecretKeys", err)
	}
	if _, err := none.Open("a", stored); !errors.Is(err, seal.ErrNoKey) || !strings.Contains(err.Error(), "key id "+keys.CurrentID()) {
		t.Errorf("Open without keys: %v; want seal.ErrNoKey naming the key id", err)
	}
	if got, err := none.Open("a", "clear"); err != nil || got != "clear" {
		t.Errorf("Open of a clear value = %q, %v; want it as stored", got, err)
	}
	if got, changed, err := none.Reseal("a", "clear"); err != nil || changed || got != "clear" {
		t.Errorf("Reseal without keys of a clear value = %q, %v, %v; want it unchanged", got, changed, err)
	}
	if _, _, err := none.Reseal("a", stored); !errors.Is(err, seal.ErrNoKey) {
		t.Errorf("Reseal without keys of a sealed value: %v; want seal.ErrNoKey", err)
	}
	if s, err := none.Seal("a", ""); err != nil || s != "" {
		t.Errorf("Seal of no secret = %q, %v; want empty", s, err)
	}
}
