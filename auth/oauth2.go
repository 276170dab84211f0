package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Default Atlassian OAuth 2.0 endpoints.
const (
	DefaultAuthURL       = "https://auth.atlassian.com/authorize"
	DefaultTokenURL      = "https://auth.atlassian.com/oauth/token"
	DefaultResourcesURL  = "https://api.atlassian.com/oauth/token/accessible-resources"
	DefaultAPIGatewayURL = "https://api.atlassian.com/ex/jira"
)

// DefaultScopes are the classic Jira scopes requested when OAuth2.Scopes is
// empty. offline_access is always added.
var DefaultScopes = []string{"read:jira-user", "read:jira-work", "write:jira-work", "manage:jira-project", "manage:jira-webhook"}

// refreshMargin returns how long before its expiry t is refreshed: a
// tenth of its lifetime, at most five minutes, so that an hour-long token
// is refreshed five minutes early and a 30-second one three seconds early
// (not on every call). A token of unknown lifetime gets one minute.
func refreshMargin(t Token) time.Duration {
	if t.Issued.IsZero() || !t.Expiry.After(t.Issued) {
		return time.Minute
	}
	return min(5*time.Minute, t.Expiry.Sub(t.Issued)/10)
}

// justIssued is how recently a token must have been issued for a 401
// answer to it to be returned as is rather than trigger a refresh.
const justIssued = time.Minute

// OAuth2 authenticates to Jira Cloud as an Atlassian OAuth 2.0 (3LO) app on
// behalf of a user. Use it as a *OAuth2 and do not copy it after first use.
//
// The flow: send the user to AuthCodeURL(state) (state from NewState); on
// the callback, check state and call Exchange with the code, which saves
// the token in Store. From then on Transport authorises each request with
// the access token, refreshing it when it is expired, close to expiry (a
// tenth of its lifetime before, at most five minutes), or rejected once
// with 401. Atlassian rotates refresh tokens (each works once), so every
// refresh reads Store again first, runs under the store's lock (see
// [LockingTokenStore]: one refresh per store, however many OAuth2 values
// or processes share it) and saves the new token before it is used.
//
// API calls go to APIBaseURL(ctx, siteURL), not to the site URL.
type OAuth2 struct {
	// ClientID is the app's client id from the Atlassian developer console.
	ClientID string
	// ClientSecret is the app's secret from the developer console.
	ClientSecret Secret
	// RedirectURL is the callback URL registered in the developer console.
	RedirectURL string
	// Scopes to request; DefaultScopes when empty. offline_access is always
	// added so that a refresh token is issued.
	Scopes []string
	// Store keeps the current token; required.
	Store TokenStore

	// AuthURL, TokenURL, ResourcesURL and APIGatewayURL override Atlassian's
	// endpoints (for tests); empty means the Default* constants. The API
	// base of a site is APIGatewayURL + "/" + cloud id. (The gateway field
	// is not called APIBaseURL because that is the APIBaser method.)
	AuthURL, TokenURL, ResourcesURL, APIGatewayURL string

	// HTTPClient sends token and accessible-resources requests; a client
	// with a 30-second timeout when nil.
	HTTPClient *http.Client
	// Now returns the current time; time.Now when nil.
	Now func() time.Time

	once sync.Once
	// flight admits one goroutine at a time to load, refresh or save the
	// token; it is a channel so that waiting honours the context.
	flight chan struct{}

	mu      sync.RWMutex // guards the fields below
	cur     Token        // the token in use
	loaded  bool         // cur came from Store or a refresh
	unsaved bool         // cur was refreshed but saving it failed
	spent   Secret       // when unsaved: the refresh token that refresh used up
	dead    error        // the endpoint refused deadRT; kept until the store holds another
	deadRT  Secret
}

// Validate reports the first configuration field that cannot work.
func (o *OAuth2) Validate() error {
	const name = "auth.OAuth2"
	if o == nil {
		return configErr(name, "OAuth2", "is nil: pass a *auth.OAuth2 with ClientID, ClientSecret, RedirectURL and Store")
	}
	switch {
	case strings.TrimSpace(o.ClientID) == "":
		return configErr(name, "ClientID", "is empty: copy the client id from your app's Settings page in the Atlassian developer console")
	case o.ClientSecret.Reveal() == "":
		return configErr(name, "ClientSecret", "is empty: copy the secret from your app's Settings page in the Atlassian developer console")
	case strings.TrimSpace(o.RedirectURL) == "":
		return configErr(name, "RedirectURL", "is empty: set the callback URL registered under Authorization > OAuth 2.0 (3LO) in the developer console")
	case o.Store == nil:
		return configErr(name, "Store", "is nil: use auth.NewFileTokenStore (survives restarts) or &auth.MemoryTokenStore{}")
	}
	if err := checkAbsURL(name, "RedirectURL", o.RedirectURL); err != nil {
		return err
	}
	for _, f := range []struct{ field, value string }{
		{"AuthURL", o.AuthURL}, {"TokenURL", o.TokenURL}, {"ResourcesURL", o.ResourcesURL}, {"APIGatewayURL", o.APIGatewayURL},
	} {
		if f.value == "" {
			continue
		}
		if err := checkAbsURL(name, f.field, f.value); err != nil {
			return err
		}
	}
	for _, s := range o.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n") {
			return configErr(name, "Scopes", "contains %q: give one scope per element, such as \"read:jira-work\"", s)
		}
	}
	return nil
}

func checkAbsURL(strategy, field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return configErr(strategy, field, "is not a valid URL (%v): give an absolute https:// URL", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return configErr(strategy, field, "%q has no http(s) scheme or host: give an absolute URL such as https://example.com/callback", raw)
	}
	return nil
}

// WebhookMode returns DynamicWebhooks.
func (o *OAuth2) WebhookMode() WebhookMode { return DynamicWebhooks }

func (o *OAuth2) init() {
	o.once.Do(func() { o.flight = make(chan struct{}, 1) })
}

func (o *OAuth2) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *OAuth2) scopes() []string {
	s := slices.Clone(o.Scopes)
	if len(s) == 0 {
		s = slices.Clone(DefaultScopes)
	}
	if !slices.Contains(s, "offline_access") {
		s = append(s, "offline_access")
	}
	return s
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (o *OAuth2) httpClient() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return defaultHTTPClient
}

var defaultHTTPClient = &http.Client{Timeout: 30 * time.Second}

// AuthCodeURL returns the URL of Atlassian's consent screen. It carries
// audience=api.atlassian.com, client_id, the scopes (with offline_access),
// redirect_uri, state, response_type=code and prompt=consent. state must
// be an unguessable value (see NewState) that the callback checks.
func (o *OAuth2) AuthCodeURL(state string) string {
	cfg := oauth2.Config{
		ClientID:    o.ClientID,
		Endpoint:    oauth2.Endpoint{AuthURL: or(o.AuthURL, DefaultAuthURL)},
		RedirectURL: o.RedirectURL,
		Scopes:      o.scopes(),
	}
	return cfg.AuthCodeURL(state,
		oauth2.SetAuthURLParam("audience", "api.atlassian.com"),
		oauth2.SetAuthURLParam("prompt", "consent"),
	)
}

// NewState returns a random value for the state parameter of AuthCodeURL,
// which protects the callback against cross-site request forgery.
func NewState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: generating an OAuth state value: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Transport returns base decorated with "Authorization: Bearer <access
// token>", refreshing the token as needed. A request answered 401 is sent
// once more after a refresh when its body can be replayed.
func (o *OAuth2) Transport(base http.RoundTripper) http.RoundTripper {
	o.init()
	return &oauthTransport{o: o, base: orDefault(base)}
}

// TokenSource returns an oauth2.TokenSource backed by the same single-flight,
// store-first refresh logic, for code that wants golang.org/x/oauth2 types.
func (o *OAuth2) TokenSource(ctx context.Context) oauth2.TokenSource {
	o.init()
	return tokenSource{ctx: ctx, o: o}
}

type tokenSource struct {
	ctx context.Context
	o   *OAuth2
}

func (s tokenSource) Token() (*oauth2.Token, error) {
	t, err := s.o.validToken(s.ctx)
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{
		AccessToken:  t.AccessToken.Reveal(),
		TokenType:    or(t.TokenType, "Bearer"),
		RefreshToken: t.RefreshToken.Reveal(),
		Expiry:       t.Expiry,
	}, nil
}

type oauthTransport struct {
	o    *OAuth2
	base http.RoundTripper
}

func (t *oauthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	tok, err := t.o.validToken(ctx)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	r := req.Clone(ctx)
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken.Reveal())
	resp, err := t.base.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !replayable || tok.RefreshToken == "" {
		return resp, err
	}
	// The access token was refused (revoked, or the clock is off): refresh
	// once, unless another goroutine already did, and try again.
	fresh, rerr := t.o.refreshRejected(ctx, tok.AccessToken)
	if errors.Is(rerr, errJustIssued) {
		return resp, nil
	}
	if rerr != nil {
		drain(resp)
		return nil, rerr
	}
	r2 := req.Clone(ctx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		r2.Body = body
	}
	drain(resp)
	r2.Header.Set("Authorization", "Bearer "+fresh.AccessToken.Reveal())
	return t.base.RoundTrip(r2)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
