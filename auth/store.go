package auth

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Token is an OAuth 2.0 token pair as Atlassian issues it. Its secrets print
// and marshal (JSON, text) as "[redacted]", so a TokenStore must persist
// AccessToken.Reveal() and RefreshToken.Reveal(), not json.Marshal(token).
type Token struct {
	// AccessToken authorises API calls for about an hour.
	AccessToken Secret
	// RefreshToken obtains the next token pair. Atlassian rotates it: each
	// refresh token works once.
	RefreshToken Secret
	// TokenType is "Bearer".
	TokenType string
	// Expiry is when AccessToken stops working; zero means unknown.
	Expiry time.Time
	// Scope lists the granted scopes, space-separated.
	Scope string
	// CloudID caches the Jira site's cloud id once discovered; optional.
	CloudID string
	// Issued is when the token endpoint issued AccessToken; zero when
	// unknown. With Expiry it gives the token's lifetime, which sets how
	// early OAuth2 refreshes it.
	Issued time.Time
}

// ErrNoToken is returned by TokenStore.Load when no token has been saved yet.
var ErrNoToken = errors.New("auth: no OAuth token stored yet: complete the authorization flow (OAuth2.AuthCodeURL, then OAuth2.Exchange)")

// TokenStore keeps the current OAuth 2.0 token across restarts.
//
// Load returns the token last saved, or an error wrapping ErrNoToken when
// there is none. Save replaces it; when Save returns nil the token must
// survive a crash, because the refresh token it replaces no longer works.
// Both may be called from many goroutines at once.
//
// OAuth2 reads the store again before every refresh and refreshes under a
// lock per store: OAuth2 values sharing one store value (or, for a store
// implementing [LockingTokenStore], one stored token across processes)
// refresh once per expiry and never send a spent refresh token. A store
// that persists tokens should keep them encrypted (see package
// auth/seal) and implement LockingTokenStore when several processes share
// it, as [FileTokenStore] does.
type TokenStore interface {
	Load(ctx context.Context) (Token, error)
	Save(ctx context.Context, t Token) error
}

// MemoryTokenStore keeps the token in memory. Its zero value is ready to use
// and safe for concurrent use; it is a [LockingTokenStore] within the
// process. A process restart loses the token, so use it for tests and
// short-lived programs only.
type MemoryTokenStore struct {
	mu    sync.Mutex
	token Token
	ok    bool
}

// Load returns the saved token or ErrNoToken.
func (s *MemoryTokenStore) Load(ctx context.Context) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ok {
		return Token{}, ErrNoToken
	}
	return s.token, nil
}

// Save replaces the saved token.
func (s *MemoryTokenStore) Save(ctx context.Context, t Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token, s.ok = t, true
	return nil
}

// Update calls fn with the saved token (nil when none) while no other
// Update of s runs, and saves the token fn returns, if any.
func (s *MemoryTokenStore) Update(ctx context.Context, fn func(cur *Token) (*Token, error)) error {
	unlock, err := storeLocks.lock(ctx, s)
	if err != nil {
		return err
	}
	defer unlock()
	s.mu.Lock()
	cur, ok := s.token, s.ok
	s.mu.Unlock()
	var p *Token
	if ok {
		p = &cur
	}
	next, err := fn(p)
	if err != nil || next == nil {
		return err
	}
	return s.Save(ctx, *next)
}
