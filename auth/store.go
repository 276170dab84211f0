package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
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
}

// ErrNoToken is returned by TokenStore.Load when no token has been saved yet.
var ErrNoToken = errors.New("auth: no OAuth token stored yet: complete the authorization flow (OAuth2.AuthCodeURL, then OAuth2.Exchange)")

// TokenStore keeps the current OAuth 2.0 token across restarts.
//
// Load returns the token last saved, or an error wrapping ErrNoToken when
// there is none. Save replaces it; when Save returns nil the token must
// survive a crash, because the refresh token it replaces no longer works.
// Both may be called from many goroutines at once.
type TokenStore interface {
	Load(ctx context.Context) (Token, error)
	Save(ctx context.Context, t Token) error
}

// MemoryTokenStore keeps the token in memory. Its zero value is ready to use
// and safe for concurrent use. A process restart loses the token, so use it
// for tests and short-lived programs only.
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

// FileTokenStore keeps the token in a JSON file readable by its owner only
// (mode 0600). Each Save writes a temporary file in the same directory,
// syncs it to disk and renames it over the old file, so a crash leaves
// either the old token or the new one, never a torn file. It is safe for
// concurrent use within one process.
type FileTokenStore struct {
	path string
	mu   sync.Mutex
}

// NewFileTokenStore returns a store that keeps the token at path. The
// directory must exist; the file is created by the first Save. An existing
// file readable by other users is refused.
func NewFileTokenStore(path string) (*FileTokenStore, error) {
	if path == "" {
		return nil, errors.New("auth.NewFileTokenStore: path is empty: give the file that should hold the OAuth token")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("auth.NewFileTokenStore: %w", err)
	}
	dir := filepath.Dir(abs)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("auth.NewFileTokenStore: directory %s does not exist: create it (mode 0700) first", dir)
	}
	if st, err := os.Stat(abs); err == nil {
		if st.IsDir() {
			return nil, fmt.Errorf("auth.NewFileTokenStore: %s is a directory: give a file path", abs)
		}
		if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("auth.NewFileTokenStore: %s is readable by other users (mode %04o): run chmod 600 on it", abs, st.Mode().Perm())
		}
	}
	return &FileTokenStore{path: abs}, nil
}

// Path returns the file's absolute path.
func (s *FileTokenStore) Path() string { return s.path }

// tokenFile is the on-disk form; unlike Token it holds the secrets in clear.
type tokenFile struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scope        string    `json:"scope,omitempty"`
	CloudID      string    `json:"cloud_id,omitempty"`
}

// Load reads the token, or returns ErrNoToken when the file does not exist.
func (s *FileTokenStore) Load(ctx context.Context) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return Token{}, ErrNoToken
	}
	if err != nil {
		return Token{}, fmt.Errorf("auth: reading the token file: %w", err)
	}
	var f tokenFile
	if err := json.Unmarshal(data, &f); err != nil {
		// The syntax error carries an offset, not file content.
		return Token{}, fmt.Errorf("auth: token file %s is not valid JSON (%v): delete it and log in again", s.path, err)
	}
	return Token{
		AccessToken:  Secret(f.AccessToken),
		RefreshToken: Secret(f.RefreshToken),
		TokenType:    f.TokenType,
		Expiry:       f.Expiry,
		Scope:        f.Scope,
		CloudID:      f.CloudID,
	}, nil
}

// Save writes the token atomically with mode 0600.
func (s *FileTokenStore) Save(ctx context.Context, t Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(tokenFile{
		AccessToken:  t.AccessToken.Reveal(),
		RefreshToken: t.RefreshToken.Reveal(),
		TokenType:    t.TokenType,
		Expiry:       t.Expiry,
		Scope:        t.Scope,
		CloudID:      t.CloudID,
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("auth: encoding the token: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := filepath.Dir(s.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(s.path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("auth: saving the token: %w", err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("auth: saving the token: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("auth: saving the token: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("auth: saving the token: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("auth: saving the token: %w", err)
	}
	if err := os.Rename(tmpName, s.path); err != nil {
		return fmt.Errorf("auth: saving the token: %w", err)
	}
	ok = true
	// Make the rename itself durable; not every platform can sync a directory.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
