package webhooksign

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/trigger"
)

// Header is the header Jira (Cloud since 2024, and Data Center) and other
// WebSub-style senders put the body signature in, as
// "sha256=<lowercase hex>".
const Header = "X-Hub-Signature"

// Sign returns the X-Hub-Signature value for body: "sha256=" followed by
// the lowercase hex HMAC-SHA256 of the raw body keyed with secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks an X-Hub-Signature header value ("method=hex") against the
// HMAC of the raw body keyed with secret, in constant time.
//
// Only the sha256 method is accepted; Atlassian documents that it may add
// other methods, and an unknown one is refused with an error naming it
// rather than guessed at. Every error wraps [trigger.ErrUnauthenticated], so
// a webhook handler answers 401 and runs nothing. Errors never contain the
// secret or the expected signature.
func Verify(secret []byte, header string, body []byte) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: no webhook secret is configured to check the %s header against; set the secret the sender signs with", trigger.ErrUnauthenticated, Header)
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return fmt.Errorf("%w: the delivery has no %s header; the sender must sign deliveries with the shared secret (in Jira: set the webhook's Secret)", trigger.ErrUnauthenticated, Header)
	}
	method, digest, ok := strings.Cut(header, "=")
	if !ok {
		return fmt.Errorf("%w: malformed %s header: want \"sha256=<hex digest>\"", trigger.ErrUnauthenticated, Header)
	}
	if !strings.EqualFold(strings.TrimSpace(method), "sha256") {
		return fmt.Errorf("%w: %s uses signature method %s; only sha256 is supported", trigger.ErrUnauthenticated, Header, QuoteShort(method))
	}
	got, err := hex.DecodeString(strings.TrimSpace(digest))
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: malformed %s header: the sha256 digest must be %d hexadecimal characters", trigger.ErrUnauthenticated, Header, 2*sha256.Size)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("%w: the %s signature does not match the body; the sender signs with another secret or the body was altered", trigger.ErrUnauthenticated, Header)
	}
	return nil
}

// NewSecret returns a fresh webhook secret: 32 bytes from crypto/rand,
// hex-encoded (64 characters).
func NewSecret() (auth.Secret, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("webhook: generating a secret: %w", err)
	}
	return auth.Secret(hex.EncodeToString(b[:])), nil
}

// QuoteShort quotes s for an error message, cut to a few dozen bytes so a
// hostile sender cannot flood logs through it.
func QuoteShort(s string) string {
	const limit = 32
	if len(s) > limit {
		return fmt.Sprintf("%q…", s[:limit])
	}
	return fmt.Sprintf("%q", s)
}
