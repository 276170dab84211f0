package webhooksign

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/trigger"
)

func TestSignedBodyVerifiesAndAnythingElseIsUnauthenticated(t *testing.T) {
	secret, body := []byte("s3cret"), []byte(`{"webhookEvent":"jira:issue_created"}`)
	sig := Sign(secret, body)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("signature %q", sig)
	}
	if err := Verify(secret, sig, body); err != nil {
		t.Fatalf("own signature refused: %v", err)
	}
	for name, tc := range map[string]struct {
		secret []byte
		header string
		body   []byte
	}{
		"other secret":   {[]byte("other"), sig, body},
		"altered body":   {secret, sig, []byte(`{}`)},
		"no header":      {secret, "", body},
		"no secret":      {nil, sig, body},
		"unknown method": {secret, "sha1=" + strings.Repeat("0", 40), body},
		"short digest":   {secret, "sha256=abcd", body},
	} {
		err := Verify(tc.secret, tc.header, tc.body)
		if !errors.Is(err, trigger.ErrUnauthenticated) {
			t.Errorf("%s: %v, want trigger.ErrUnauthenticated", name, err)
		}
		if err != nil && (strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), sig[7:])) {
			t.Errorf("%s: the error quotes the secret or the signature: %v", name, err)
		}
	}
}

func TestNewSecretIsFreshHex(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := hex.DecodeString(a.Reveal())
	if err != nil || len(raw) != 32 || a.Reveal() == b.Reveal() {
		t.Errorf("secrets %d bytes (%v), distinct %v", len(raw), err, a.Reveal() != b.Reveal())
	}
}
