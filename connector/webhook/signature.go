package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/internal/webhooksign"
	"github.com/recipekit/recipekit/trigger"
)

// HubSignatureHeader is the header Jira (Cloud since 2024, and Data Center)
// and other WebSub-style senders put the body signature in, as
// "sha256=<lowercase hex>".
const HubSignatureHeader = webhooksign.Header

// SignHubSignature returns the X-Hub-Signature value for body:
// "sha256=" followed by the lowercase hex HMAC-SHA256 of the raw body keyed
// with secret. Senders and tests use it; receivers call [VerifyHubSignature].
func SignHubSignature(secret, body []byte) string { return webhooksign.Sign(secret, body) }

// VerifyHubSignature checks an X-Hub-Signature header value ("method=hex")
// against the HMAC of the raw body keyed with secret, in constant time.
//
// Only the sha256 method is accepted; Atlassian documents that it may add
// other methods, and an unknown one is refused with an error naming it
// rather than guessed at. Every error wraps [trigger.ErrUnauthenticated], so
// a webhook handler answers 401 and runs nothing. Errors never contain the
// secret or the expected signature.
func VerifyHubSignature(secret []byte, header string, body []byte) error {
	return webhooksign.Verify(secret, header, body)
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
func NewSecret() (auth.Secret, error) { return webhooksign.NewSecret() }

// quoteShort quotes s for an error message, cut to a few dozen bytes so a
// hostile sender cannot flood logs through it.
func quoteShort(s string) string { return webhooksign.QuoteShort(s) }
