package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/trigger"
)

// HubSignatureHeader is the header Jira (Cloud since 2024, and Data Center)
// and other WebSub-style senders put the body signature in, as
// "sha256=<lowercase hex>".
const HubSignatureHeader = "X-Hub-Signature"

// SignHubSignature returns the X-Hub-Signature value for body:
// "sha256=" followed by the lowercase hex HMAC-SHA256 of the raw body keyed
// with secret. Senders and tests use it; receivers call [VerifyHubSignature].
func SignHubSignature(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyHubSignature checks an X-Hub-Signature header value ("method=hex")
// against the HMAC of the raw body keyed with secret, in constant time.
//
// Only the sha256 method is accepted; Atlassian documents that it may add
// other methods, and an unknown one is refused with an error naming it
// rather than guessed at. Every error wraps [trigger.ErrUnauthenticated], so
// a webhook handler answers 401 and runs nothing. Errors never contain the
// secret or the expected signature.
func VerifyHubSignature(secret []byte, header string, body []byte) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: no webhook secret is configured to check the %s header against; set the secret the sender signs with", trigger.ErrUnauthenticated, HubSignatureHeader)
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return fmt.Errorf("%w: the delivery has no %s header; the sender must sign deliveries with the shared secret (in Jira: set the webhook's Secret)", trigger.ErrUnauthenticated, HubSignatureHeader)
	}
	method, digest, ok := strings.Cut(header, "=")
	if !ok {
		return fmt.Errorf("%w: malformed %s header: want \"sha256=<hex digest>\"", trigger.ErrUnauthenticated, HubSignatureHeader)
	}
	if !strings.EqualFold(strings.TrimSpace(method), "sha256") {
		return fmt.Errorf("%w: %s uses signature method %s; only sha256 is supported", trigger.ErrUnauthenticated, HubSignatureHeader, quoteShort(method))
	}
	got, err := hex.DecodeString(strings.TrimSpace(digest))
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: malformed %s header: the sha256 digest must be %d hexadecimal characters", trigger.ErrUnauthenticated, HubSignatureHeader, 2*sha256.Size)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("%w: the %s signature does not match the body; the sender signs with another secret or the body was altered", trigger.ErrUnauthenticated, HubSignatureHeader)
	}
	return nil
}

// VerifySharedSecret checks a token a sender presents (in a header or a
// query parameter) against the shared secret, in constant time: both are
// hashed first, so neither their contents nor their lengths leak through
// timing. name says where the token was looked for ("header X-Token"), for
// the error message. Every error wraps [trigger.ErrUnauthenticated] and
// none contains either value.
func VerifySharedSecret(secret []byte, token, name string) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: no webhook secret is configured to check the %s against; set the token the sender presents", trigger.ErrUnauthenticated, name)
	}
	if token == "" {
		return fmt.Errorf("%w: the delivery carries no token in the %s; the sender must present the shared secret there", trigger.ErrUnauthenticated, name)
	}
	want := sha256.Sum256(secret)
	got := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
		return fmt.Errorf("%w: the token in the %s does not match the shared secret", trigger.ErrUnauthenticated, name)
	}
	return nil
}

// NewSecret returns a fresh webhook secret: 32 bytes from crypto/rand,
// hex-encoded (64 characters). Give the same value to the sender (in Jira:
// the webhook's Secret field) and to [TriggerOptions].Secret.
func NewSecret() (auth.Secret, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("webhook: generating a secret: %w", err)
	}
	return auth.Secret(hex.EncodeToString(b[:])), nil
}

// quoteShort quotes s for an error message, cut to a few dozen bytes so a
// hostile sender cannot flood logs through it.
func quoteShort(s string) string {
	const limit = 32
	if len(s) > limit {
		return fmt.Sprintf("%q…", s[:limit])
	}
	return fmt.Sprintf("%q", s)
}
