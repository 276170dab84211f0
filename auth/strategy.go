package auth

import (
	"context"
	"fmt"
	"net/http"
)

// WebhookMode says which kind of webhook registration a credential may use.
type WebhookMode int

const (
	// AdminWebhooks are registered through /rest/webhooks/1.0/webhook. The
	// account needs the Administer Jira global permission. Available on
	// Jira Cloud and Server/Data Center to API tokens, passwords and
	// personal access tokens.
	AdminWebhooks WebhookMode = iota + 1
	// DynamicWebhooks are registered through /rest/api/2/webhook by an
	// OAuth 2.0 (or Connect) app, on Jira Cloud only. They expire after 30
	// days unless refreshed.
	DynamicWebhooks
)

// String returns the mode's name.
func (m WebhookMode) String() string {
	switch m {
	case AdminWebhooks:
		return "admin webhooks"
	case DynamicWebhooks:
		return "dynamic webhooks"
	default:
		return fmt.Sprintf("WebhookMode(%d)", int(m))
	}
}

// Strategy is a way of proving to Jira who is calling.
//
// Validate is called once, by the connector's constructor, before any
// request is sent; it reports the first field that is wrong and what to do
// about it, as a *ConfigError. Transport returns a RoundTripper that adds the
// credential to each request and sends it through base (http.DefaultTransport
// when base is nil); it never modifies the caller's request (it clones it).
// The returned RoundTripper is safe for concurrent use. WebhookMode says which
// webhook registration the credential may use.
type Strategy interface {
	Validate() error
	Transport(base http.RoundTripper) http.RoundTripper
	WebhookMode() WebhookMode
}

// APIBaser is implemented by strategies whose API calls go to another base
// URL than the site's (OAuth 2.0 calls go to
// https://api.atlassian.com/ex/jira/{cloudId}, the cloud id being discovered
// through the accessible-resources endpoint and matched against siteURL).
// The connector calls it once and caches the result.
type APIBaser interface {
	APIBaseURL(ctx context.Context, siteURL string) (string, error)
}

// ConfigError reports a strategy's configuration that cannot work: which
// field of which strategy, and what to do about it.
type ConfigError struct {
	// Strategy names the strategy, such as "auth.APIToken".
	Strategy string
	// Field names the field at fault, as spelled in Go, such as "Email".
	Field string
	// Problem says what is wrong and what to do.
	Problem string
}

// Error names the strategy and field and says what to do.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s: %s %s", e.Strategy, e.Field, e.Problem)
}

func configErr(strategy, field, format string, args ...any) error {
	return &ConfigError{Strategy: strategy, Field: field, Problem: fmt.Sprintf(format, args...)}
}

// headerTransport sets one header on a clone of each request.
type headerTransport struct {
	base  http.RoundTripper
	name  string
	value string
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set(t.name, t.value)
	return t.base.RoundTrip(r)
}

func orDefault(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		return http.DefaultTransport
	}
	return base
}
