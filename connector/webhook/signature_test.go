package webhook

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/trigger"
)

// Atlassian's published test vector (Jira Cloud webhooks page).
const (
	vectorSecret    = "It's a Secret to Everybody"
	vectorBody      = "Hello World!"
	vectorSignature = "sha256=a4771c39fbe90f317c7824e83ddef3caae9cb3d976c214ace1f2937e133263c9"
)

func TestSignHubSignatureAtlassianVector(t *testing.T) {
	if got := SignHubSignature([]byte(vectorSecret), []byte(vectorBody)); got != vectorSignature {
		t.Fatalf("SignHubSignature = %s, want %s", got, vectorSignature)
	}
}

func TestVerifyHubSignature(t *testing.T) {
	secret := []byte(vectorSecret)
	body := []byte(vectorBody)
	upper := "SHA256=" + strings.ToUpper(strings.TrimPrefix(vectorSignature, "sha256="))
	flipped := []byte(vectorSignature)
	flipped[len(flipped)-1] = '0' // last hex digit 9 -> 0

	tests := []struct {
		name    string
		secret  []byte
		header  string
		body    []byte
		wantErr string // "" for success
	}{
		{"vector", secret, vectorSignature, body, ""},
		{"upper-case method and hex", secret, upper, body, ""},
		{"surrounding spaces", secret, "  " + vectorSignature + " ", body, ""},
		{"missing header", secret, "", body, "has no X-Hub-Signature header"},
		{"no method prefix", secret, strings.TrimPrefix(vectorSignature, "sha256="), body, "malformed X-Hub-Signature"},
		{"unknown method", secret, "sha1=0123456789abcdef0123456789abcdef01234567", body, `signature method "sha1"; only sha256 is supported`},
		{"sha512 refused", secret, "sha512=" + strings.Repeat("ab", 64), body, `"sha512"`},
		{"not hex", secret, "sha256=" + strings.Repeat("zz", 32), body, "must be 64 hexadecimal characters"},
		{"short digest", secret, "sha256=abcd", body, "must be 64 hexadecimal characters"},
		{"wrong digest", secret, string(flipped), body, "does not match"},
		{"other body", secret, vectorSignature, []byte("Hello World?"), "does not match"},
		{"other secret", []byte("another secret"), vectorSignature, body, "does not match"},
		{"no secret configured", nil, vectorSignature, body, "no webhook secret is configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyHubSignature(tt.secret, tt.header, tt.body)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("VerifyHubSignature: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("VerifyHubSignature accepted %q", tt.header)
			}
			if !errors.Is(err, trigger.ErrUnauthenticated) {
				t.Errorf("error %v does not wrap trigger.ErrUnauthenticated", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), vectorSecret) || strings.Contains(err.Error(), "a4771c39") {
				t.Errorf("error leaks the secret or the expected signature: %q", err)
			}
		})
	}
}

func TestVerifyHubSignatureLongMethodIsCut(t *testing.T) {
	err := VerifyHubSignature([]byte("k"), strings.Repeat("m", 10000)+"=00", nil)
	if err == nil || len(err.Error()) > 300 {
		t.Fatalf("want a short error for a huge method name, got %d bytes", len(err.Error()))
	}
}

func TestVerifySharedSecret(t *testing.T) {
	secret := []byte("s3cr3t-token-value")
	if err := VerifySharedSecret(secret, "s3cr3t-token-value", "header X-Token"); err != nil {
		t.Fatalf("matching token refused: %v", err)
	}
	for name, token := range map[string]string{
		"empty":  "",
		"prefix": "s3cr3t",
		"longer": "s3cr3t-token-value-and-more",
		"other":  "not-the-token-at-all",
	} {
		t.Run(name, func(t *testing.T) {
			err := VerifySharedSecret(secret, token, "header X-Token")
			if !errors.Is(err, trigger.ErrUnauthenticated) {
				t.Fatalf("token %q: error %v, want ErrUnauthenticated", token, err)
			}
			if !strings.Contains(err.Error(), "header X-Token") {
				t.Errorf("error %q does not say where the token was looked for", err)
			}
			if strings.Contains(err.Error(), string(secret)) || (token != "" && strings.Contains(err.Error(), token)) {
				t.Errorf("error leaks a token: %q", err)
			}
		})
	}
	if err := VerifySharedSecret(nil, "anything", "header X-Token"); !errors.Is(err, trigger.ErrUnauthenticated) {
		t.Fatalf("no secret configured: error %v, want ErrUnauthenticated", err)
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := hex.DecodeString(a.Reveal())
	if err != nil || len(raw) != 32 {
		t.Fatalf("secret is not 32 hex-encoded bytes (len %d, err %v)", len(a.Reveal()), err)
	}
	if a.Reveal() == b.Reveal() {
		t.Fatal("two secrets are equal")
	}
	if a.String() == a.Reveal() {
		t.Fatal("the secret prints its value")
	}
}

func BenchmarkVerifyHubSignature(b *testing.B) {
	secret := []byte(vectorSecret)
	body := []byte(strings.Repeat(`{"issue":{"id":"10002","key":"PROJ-1"}}`, 100))
	sig := SignHubSignature(secret, body)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := VerifyHubSignature(secret, sig, body); err != nil {
			b.Fatal(err)
		}
	}
}
