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
	return t.AccessToken != "" && (t.Expiry.IsZero() || o.now().Add(refreshMargin(t)).Before(t.Expiry))
}

func (o *OAuth2) current() (Token, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.loaded && !o.unsaved && o.fresh(o.cur) {
		return o.cur, true
	}
	return Token{}, false
}

func (o *OAuth2) set(t Token) {
	o.mu.Lock()
	o.cur, o.loaded, o.unsaved, o.spent = t, true, false, ""
	if t.RefreshToken != o.deadRT {
		o.dead, o.deadRT = nil, ""
	}
	o.mu.Unlock()
}

// errJustIssued says a 401 came back for a token obtained moments ago:
// another refresh would not help (a missing scope, a revoked grant), and
// refreshing on every such answer would burn refresh tokens.
var errJustIssued = errors.New("auth: the token was issued moments ago")

// validToken returns a token that is not about to expire, refreshing it
// (once, for all goroutines and all OAuth2 values sharing the store) when
// needed.
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
	return o.obtain(ctx, "")
}

// refreshRejected refreshes after the API refused the access token
// rejected with 401, unless the stored token has changed since.
func (o *OAuth2) refreshRejected(ctx context.Context, rejected Secret) (Token, error) {
	if err := o.lock(ctx); err != nil {
		return Token{}, err
	}
	defer o.unlock()
	return o.obtain(ctx, rejected)
}

// obtain returns a usable token under the store's lock: the stored one when
// it is fresh (and is not rejected), else a refreshed one, saved before
// the lock is released. Reading the store under the lock is what keeps
// OAuth2 values sharing it from sending a refresh token another value has
// already spent. The caller holds o's flight lock.
func (o *OAuth2) obtain(ctx context.Context, rejected Secret) (Token, error) {
	o.mu.RLock()
	mine, loaded, unsaved, spent := o.cur, o.loaded, o.unsaved, o.spent
	dead, deadRT := o.dead, o.deadRT
	o.mu.RUnlock()

	var use Token
	var refreshed *Token // set when this call spent a refresh token
	var spentRT Secret   // the refresh token it spent
	savingPending := false
	err := updateToken(ctx, o.Store, func(st *Token) (*Token, error) {
		if unsaved && (st == nil || st.RefreshToken == spent) {
			// An earlier refresh spent the stored refresh token but its
			// result is not saved yet: save it now.
			use, savingPending = mine, true
			return &mine, nil
		}
		restore := false
		if st == nil && loaded && !unsaved {
			// The store was emptied; carry on with what this value holds
			// and store it again.
			st, restore = &mine, true
		}
		if st == nil {
			return nil, fmt.Errorf("%w (%w)", ErrNoToken, ErrLoginRequired)
		}
		cur := *st
		if cur.AccessToken != rejected && o.fresh(cur) {
			use = cur
			if restore {
				return &cur, nil
			}
			return nil, nil
		}
		if rejected != "" && cur.AccessToken == rejected && !cur.Issued.IsZero() && o.now().Sub(cur.Issued) < justIssued {
			return nil, errJustIssued
		}
		if dead != nil && cur.RefreshToken == deadRT {
			return nil, dead
		}
		t, err := o.refresh(ctx, cur)
		if err != nil {
			return nil, err
		}
		refreshed, use, spentRT = &t, t, cur.RefreshToken
		return &t, nil
	})
	if err != nil {
		switch {
		case refreshed != nil:
			// The refresh token is spent and the new token is not saved:
			// keep it, unused, until a save succeeds.
			o.mu.Lock()
			o.cur, o.loaded, o.unsaved, o.spent = *refreshed, true, true, spentRT
			o.mu.Unlock()
			return Token{}, fmt.Errorf("auth: refreshed the OAuth token but could not save it (%w): fix the token store; the previous refresh token no longer works", err)
		case savingPending:
			return Token{}, fmt.Errorf("auth: the refreshed OAuth token is still not saved (%w): fix the token store; the previous refresh token no longer works", err)
		}
		return Token{}, err
	}
	o.set(use)
	return use, nil
}

// refresh trades old's refresh token for a new token pair. The caller holds
// the store's lock and saves the result before anyone uses it.
func (o *OAuth2) refresh(ctx context.Context, old Token) (Token, error) {
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
			// token (Exchange, or another process's refresh) clears this.
			o.mu.Lock()
			o.dead, o.deadRT = err, old.RefreshToken
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
	// A plain Save, not an update: the new grant replaces whatever the
	// store holds, even a token it can no longer read (a lost key, a
	// corrupt file).
	if err := o.Store.Save(ctx, t); err != nil {
		return Token{}, fmt.Errorf("auth: could not save the new OAuth token (%w): fix the token store and authorise again", err)
	}
	o.set(t)
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
		Issued:       now,
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
