package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ErrLoginRequired is matched (errors.Is) by errors that only a new
// authorization can fix: the refresh token was refused, expired or revoked,
// or no token is stored.
var ErrLoginRequired = errors.New("auth: log in again")

// TokenError reports a refusal from Atlassian's token endpoint. It carries
// the OAuth error code and description, never a token or the client secret.
type TokenError struct {
	// Op is "exchange" (authorization code) or "refresh".
	Op string
	// StatusCode is the HTTP status of the token endpoint's answer.
	StatusCode int
	// Code is the OAuth error code, such as "invalid_grant".
	Code string
	// Description is the endpoint's error_description, shortened.
	Description string
}

// Error says what Atlassian refused and what to do; it holds no secret.
func (e *TokenError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "auth: Atlassian's token endpoint refused the %s (HTTP %d", e.Op, e.StatusCode)
	if e.Code != "" {
		b.WriteString(", " + e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	b.WriteString(")")
	switch {
	case e.loginRequired() && e.Op == "exchange":
		b.WriteString(": the authorization code is invalid, expired or already used; start the authorization again (AuthCodeURL)")
	case e.loginRequired():
		b.WriteString(": the refresh token expired, was revoked or was already used; log in again (AuthCodeURL, then Exchange) to authorise the app")
	case e.Code == "invalid_client":
		b.WriteString(": check ClientID and ClientSecret against the app's Settings page in the developer console")
	default:
		b.WriteString(": try again later; if it persists, log in again")
	}
	return b.String()
}

func (e *TokenError) loginRequired() bool {
	switch e.Code {
	case "invalid_grant", "unauthorized_client", "access_denied", "invalid_token":
		return true
	}
	return e.Op == "refresh" && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden)
}

// Is matches ErrLoginRequired when only a new authorization helps.
func (e *TokenError) Is(target error) bool {
	return target == ErrLoginRequired && e.loginRequired()
}

func (o *OAuth2) lock(ctx context.Context) error {
	o.init()
	select {
	case o.flight <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (o *OAuth2) unlock() { <-o.flight }

func (o *OAuth2) fresh(t Token) bool {
	return t.AccessToken != "" && (t.Expiry.IsZero() || o.now().Add(refreshMargin).Before(t.Expiry))
}

func (o *OAuth2) current() (Token, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.loaded && !o.unsaved && o.fresh(o.cur) {
		return o.cur, true
	}
	return Token{}, false
}

func (o *OAuth2) set(t Token, unsaved bool) {
	o.mu.Lock()
	o.cur, o.loaded, o.unsaved, o.dead = t, true, unsaved, nil
	o.mu.Unlock()
}

// issuedNow records that cur was just obtained from the token endpoint.
func (o *OAuth2) issuedNow() {
	o.mu.Lock()
	o.issued = o.now()
	o.mu.Unlock()
}

// errJustIssued says a 401 came back for a token obtained moments ago:
// another refresh would not help (a missing scope, a revoked grant), and
// refreshing on every such answer would burn refresh tokens.
var errJustIssued = errors.New("auth: the token was issued moments ago")

// validToken returns a token that is not about to expire, refreshing it
// (once, for all goroutines) when needed.
func (o *OAuth2) validToken(ctx context.Context) (Token, error) {
	if t, ok := o.current(); ok {
		return t, nil
	}
	if err := o.lock(ctx); err != nil {
		return Token{}, err
	}
	defer o.unlock()
	// Another goroutine may have refreshed while this one waited.
	if t, ok := o.current(); ok {
		return t, nil
	}
	t, err := o.settle(ctx)
	if err != nil {
		return Token{}, err
	}
	if o.fresh(t) {
		return t, nil
	}
	return o.refreshLocked(ctx, t)
}

// settle returns the current token after saving a pending one or loading
// it from the Store; the caller holds the flight lock.
func (o *OAuth2) settle(ctx context.Context) (Token, error) {
	o.mu.RLock()
	cur, loaded, unsaved, dead := o.cur, o.loaded, o.unsaved, o.dead
	o.mu.RUnlock()
	if unsaved {
		if err := o.Store.Save(ctx, cur); err != nil {
			return Token{}, fmt.Errorf("auth: the refreshed OAuth token is still not saved (%w): fix the token store; the previous refresh token no longer works", err)
		}
		o.set(cur, false)
		return cur, nil
	}
	if loaded && o.fresh(cur) {
		return cur, nil
	}
	// Re-check the Store: another process, or Exchange, may have saved a
	// newer token.
	st, err := o.Store.Load(ctx)
	switch {
	case errors.Is(err, ErrNoToken) && loaded:
		// The store was emptied; keep using what this process holds.
	case errors.Is(err, ErrNoToken):
		return Token{}, fmt.Errorf("%w (%w)", ErrNoToken, ErrLoginRequired)
	case err != nil:
		return Token{}, fmt.Errorf("auth: loading the OAuth token: %w", err)
	case !loaded || st.RefreshToken != cur.RefreshToken || st.AccessToken != cur.AccessToken:
		o.set(st, false)
		return st, nil
	}
	if dead != nil {
		return Token{}, dead
	}
	return cur, nil
}

// refreshRejected refreshes after the API refused rejected with 401, unless
// the token in use has changed since.
func (o *OAuth2) refreshRejected(ctx context.Context, rejected Secret) (Token, error) {
	if err := o.lock(ctx); err != nil {
		return Token{}, err
	}
	defer o.unlock()
	t, err := o.settle(ctx)
	if err != nil {
		return Token{}, err
	}
	if t.AccessToken != rejected && o.fresh(t) {
		return t, nil
	}
	o.mu.RLock()
	issued := o.issued
	o.mu.RUnlock()
	if t.AccessToken == rejected && !issued.IsZero() && o.now().Sub(issued) < refreshMargin {
		return Token{}, errJustIssued
	}
	return o.refreshLocked(ctx, t)
}

// refreshLocked trades old's refresh token for a new token pair and saves
// it before returning it. The caller holds the flight lock.
func (o *OAuth2) refreshLocked(ctx context.Context, old Token) (Token, error) {
	if old.RefreshToken == "" {
		return Token{}, fmt.Errorf("auth: the OAuth access token expired and there is no refresh token (the grant lacks offline_access): log in again (%w)", ErrLoginRequired)
	}
	resp, err := o.tokenRequest(ctx, "refresh", map[string]string{
		"grant_type":    "refresh_token",
		"client_id":     o.ClientID,
		"client_secret": o.ClientSecret.Reveal(),
		"refresh_token": old.RefreshToken.Reveal(),
	}, old.RefreshToken.Reveal())
	if err != nil {
		var te *TokenError
		if errors.As(err, &te) && te.loginRequired() {
			// The refresh token is spent: never send it again; only a new
			// token (Exchange, or another process's Save) clears this.
			o.mu.Lock()
			o.dead = err
			o.mu.Unlock()
		}
		return Token{}, err
	}
	t := resp.token(o.now())
	if t.RefreshToken == "" {
		t.RefreshToken = old.RefreshToken // the endpoint does not rotate
	}
	if t.Scope == "" {
		t.Scope = old.Scope
	}
	t.CloudID = old.CloudID
	if err := o.Store.Save(ctx, t); err != nil {
		// Keep the new token in memory only to avoid reusing the spent
		// refresh token; it is not used until saved.
		o.set(t, true)
		return Token{}, fmt.Errorf("auth: refreshed the OAuth token but could not save it (%w): fix the token store; the previous refresh token no longer works", err)
	}
	o.set(t, false)
	o.issuedNow()
	return t, nil
}

// Exchange trades the authorization code from the callback for a token
// pair, saves it to Store and returns it.
func (o *OAuth2) Exchange(ctx context.Context, code string) (Token, error) {
	if err := o.Validate(); err != nil {
		return Token{}, err
	}
	if strings.TrimSpace(code) == "" {
		return Token{}, errors.New("auth: the authorization code is empty: pass the code query parameter of the callback request")
	}
	if err := o.lock(ctx); err != nil {
		return Token{}, err
	}
	defer o.unlock()
	resp, err := o.tokenRequest(ctx, "exchange", map[string]string{
		"grant_type":    "authorization_code",
		"client_id":     o.ClientID,
		"client_secret": o.ClientSecret.Reveal(),
		"code":          code,
		"redirect_uri":  o.RedirectURL,
	}, code)
	if err != nil {
		return Token{}, err
	}
	t := resp.token(o.now())
	if err := o.Store.Save(ctx, t); err != nil {
		return Token{}, fmt.Errorf("auth: could not save the new OAuth token (%w): fix the token store and authorise again", err)
	}
	o.set(t, false)
	o.issuedNow()
	return t, nil
}

type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	Scope            string `json:"scope"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func (r tokenResponse) token(now time.Time) Token {
	t := Token{
		AccessToken:  Secret(r.AccessToken),
		RefreshToken: Secret(r.RefreshToken),
		TokenType:    r.TokenType,
		Scope:        r.Scope,
	}
	if r.ExpiresIn > 0 {
		t.Expiry = now.Add(time.Duration(r.ExpiresIn) * time.Second)
	}
	return t
}

// tokenRequest posts a JSON body to the token endpoint, as Atlassian
// documents it. secret is scrubbed from any error text along with the
// client secret.
func (o *OAuth2) tokenRequest(ctx context.Context, op string, body map[string]string, secret string) (tokenResponse, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return tokenResponse{}, fmt.Errorf("auth: encoding the token request: %w", err)
	}
	endpoint := or(o.TokenURL, DefaultTokenURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return tokenResponse{}, fmt.Errorf("auth: token endpoint %q: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := o.httpClient().Do(req)
	if err != nil {
		return tokenResponse{}, fmt.Errorf("auth: OAuth token %s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return tokenResponse{}, fmt.Errorf("auth: OAuth token %s: reading the answer: %w", op, err)
	}
	var tr tokenResponse
	jsonErr := json.Unmarshal(data, &tr)
	if resp.StatusCode/100 != 2 || tr.Error != "" {
		desc := tr.ErrorDescription
		if jsonErr != nil {
			desc = firstLine(string(data))
		}
		desc = scrub(shorten(desc, 200), secret, o.ClientSecret.Reveal())
		return tokenResponse{}, &TokenError{Op: op, StatusCode: resp.StatusCode, Code: scrub(shorten(tr.Error, 64), secret, o.ClientSecret.Reveal()), Description: desc}
	}
	if jsonErr != nil {
		return tokenResponse{}, fmt.Errorf("auth: OAuth token %s: the answer is not JSON (HTTP %d): check TokenURL", op, resp.StatusCode)
	}
	if tr.AccessToken == "" {
		return tokenResponse{}, fmt.Errorf("auth: OAuth token %s: the answer holds no access_token: check TokenURL", op)
	}
	return tr, nil
}

func scrub(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
