package seal_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/internal/sealtest"
)

func TestSealOpenRoundTripHidesThePlaintext(t *testing.T) {
	k := sealtest.Key(t)
	kr := sealtest.Keyring(t, k)
	secret := []byte("whsec-very-secret-value")
	sealed, err := kr.Seal(secret, "webhook secret of r1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, string(secret)) || !strings.HasPrefix(sealed, "seal:v1:"+k.ID()+":") {
		t.Fatalf("sealed = %q", sealed)
	}
	again, _ := kr.Seal(secret, "webhook secret of r1")
	if again == sealed {
		t.Error("sealing twice gave the same text: the nonce is not random")
	}
	got, err := kr.Open(sealed, "webhook secret of r1")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if id, ok := seal.KeyID(sealed); !ok || id != k.ID() {
		t.Errorf("KeyID = %q, %v", id, ok)
	}
	// Bound to its context: a value copied to another record does not open.
	if _, err := kr.Open(sealed, "webhook secret of r2"); !errors.Is(err, seal.ErrWrongKey) || !strings.Contains(err.Error(), "another record") {
		t.Errorf("other context: err = %v", err)
	}
	// Altered ciphertext.
	tampered := sealed[:len(sealed)-2] + "AA"
	if tampered == sealed {
		tampered = sealed[:len(sealed)-2] + "BB"
	}
	if _, err := kr.Open(tampered, "webhook secret of r1"); !errors.Is(err, seal.ErrWrongKey) {
		t.Errorf("tampered: err = %v", err)
	}
	if _, err := kr.Open("whsec-plain", "x"); err == nil || !strings.Contains(err.Error(), "not a sealed value") {
		t.Errorf("plain text: err = %v", err)
	}
	if _, err := kr.Open("seal:v1:"+k.ID()+":AAAA", "x"); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated: err = %v", err)
	}
}

func TestWrongOrMissingKeyNamesTheKeyIDAndHowToRotate(t *testing.T) {
	oldKey, newKey := sealtest.Key(t), sealtest.Key(t)
	oldRing, _ := seal.NewKeyring(oldKey)
	sealed, err := oldRing.Seal([]byte("s3cr3t"), "ctx")
	if err != nil {
		t.Fatal(err)
	}
	newRing, _ := seal.NewKeyring(newKey)
	_, err = newRing.Open(sealed, "ctx")
	var ke *seal.KeyError
	if !errors.As(err, &ke) || !errors.Is(err, seal.ErrWrongKey) || ke.Want != oldKey.ID() {
		t.Fatalf("wrong key: err = %v", err)
	}
	for _, want := range []string{oldKey.ID(), newKey.ID(), "previous key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	var none *seal.Keyring
	if _, err := none.Open(sealed, "ctx"); !errors.Is(err, seal.ErrNoKey) || !strings.Contains(err.Error(), oldKey.ID()) {
		t.Errorf("no keyring, open: err = %v", err)
	}
	if _, err := none.Seal([]byte("x"), "ctx"); !errors.Is(err, seal.ErrNoKey) {
		t.Errorf("no keyring, seal: err = %v", err)
	}

	// Rotation: the new key current, the old one previous.
	rotating := sealtest.Keyring(t, newKey, oldKey)
	if got, err := rotating.Open(sealed, "ctx"); err != nil || string(got) != "s3cr3t" {
		t.Fatalf("rotating keyring: %q, %v", got, err)
	}
	if !rotating.NeedsReseal(sealed) || !rotating.NeedsReseal("plain") {
		t.Error("a value sealed with the previous key (or not sealed) does not need resealing")
	}
	resealed, _ := rotating.Seal([]byte("s3cr3t"), "ctx")
	if rotating.NeedsReseal(resealed) {
		t.Error("a value sealed with the current key needs resealing")
	}
	if got, err := newRing.Open(resealed, "ctx"); err != nil || string(got) != "s3cr3t" {
		t.Errorf("after rotation the new key alone opens the re-sealed value: %q, %v", got, err)
	}
}

func TestParseKeyAndKeyring(t *testing.T) {
	k := sealtest.Key(t)
	for _, text := range []string{k.Base64(), " " + k.Base64() + "\n", strings.TrimRight(k.Base64(), "=")} {
		got, err := seal.ParseKey(text)
		if err != nil || got.ID() != k.ID() {
			t.Errorf("ParseKey(%q) = %v, %v", text, got, err)
		}
	}
	for text, want := range map[string]string{
		"":                  "empty",
		"not base64 at all": "not base64",
		"c2hvcnQ=":          "is 5 bytes, want 32",
	} {
		if _, err := seal.ParseKey(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKey(%q): err = %v, want %q", text, err, want)
		}
	}
	if s := fmt.Sprintf("%v %s %#v", k, k, k); strings.Contains(s, k.Base64()) || !strings.Contains(s, k.ID()) {
		t.Errorf("a key prints as %q", s)
	}
	p1, p2 := sealtest.Key(t), sealtest.Key(t)
	kr, err := seal.ParseKeyring(k.Base64(), p1.Base64()+", "+p2.Base64())
	if err != nil {
		t.Fatal(err)
	}
	if ids := kr.IDs(); len(ids) != 3 || ids[0] != k.ID() || ids[2] != p2.ID() || kr.CurrentID() != k.ID() {
		t.Errorf("IDs = %v", ids)
	}
	if _, err := seal.ParseKeyring(k.Base64(), "junk"); err == nil || !strings.Contains(err.Error(), "previous key 1") {
		t.Errorf("bad previous key: err = %v", err)
	}
	if _, err := seal.ParseKeyring(k.Base64(), k.Base64()); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate key: err = %v", err)
	}
	if _, err := seal.NewKeyring(seal.Key{}); err == nil {
		t.Error("the zero Key was accepted")
	}
}
