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
	"time"

	"github.com/recipekit/recipekit/auth/seal"
)

// FileTokenStore keeps the token in a JSON file readable by its owner only
// (mode 0600), with the access and refresh tokens sealed (AES-256-GCM) by a
// key the program supplies: the file alone gives nothing away.
//
// Each Save writes a temporary file in the same directory, syncs it to disk
// and renames it over the old file, so a crash leaves either the old token
// or the new one, never a torn file. Writes and Update hold an exclusive
// lock on a companion lock file (the token file's name plus ".lock", kept
// beside it), so several processes can share one token file: OAuth2 values
// in all of them refresh once per expiry. The lock is flock(2) on Unix;
// elsewhere it only excludes other users of the store within the process.
//
// It is safe for concurrent use and is a [LockingTokenStore].
type FileTokenStore struct {
	path string
	keys *seal.Keyring
	// inproc admits one goroutine at a time to the file lock; a channel so
	// that waiting honours the context.
	inproc chan struct{}
}

var _ LockingTokenStore = (*FileTokenStore)(nil)

// The contexts the two secrets are sealed under: a sealed access token
// does not open as a refresh token.
const (
	sealAccessContext  = "recipekit oauth access token"
	sealRefreshContext = "recipekit oauth refresh token"
)

// NewFileTokenStore returns a store that keeps the token at path, sealed
// with keys (see package auth/seal; a program typically parses the keys
// from its environment with seal.ParseKeyring). The directory must exist;
// the file is created by the first Save. An existing file readable by other
// users is refused. A file written before tokens were sealed is read and
// sealed by the next Update or Save, as is one sealed with a previous key
// of the keyring.
func NewFileTokenStore(path string, keys *seal.Keyring) (*FileTokenStore, error) {
	if path == "" {
		return nil, errors.New("auth.NewFileTokenStore: path is empty: give the file that should hold the OAuth token")
	}
	if keys == nil {
		return nil, errors.New("auth.NewFileTokenStore: keys is nil: the token file holds the refresh token, which is stored encrypted with a key you supply; pass a keyring such as seal.ParseKeyring(base64 of 32 random bytes, \"\")")
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
	return &FileTokenStore{path: abs, keys: keys, inproc: make(chan struct{}, 1)}, nil
}

// Path returns the file's absolute path.
func (s *FileTokenStore) Path() string { return s.path }

// tokenFile is the on-disk form. AccessToken and RefreshToken hold sealed
// values (or, in a file written before sealing, the tokens in clear).
type tokenFile struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Issued       time.Time `json:"issued,omitzero"`
	Scope        string    `json:"scope,omitempty"`
	CloudID      string    `json:"cloud_id,omitempty"`
}

// Load reads the token, or returns ErrNoToken when the file does not
// exist. A token sealed with a key the keyring lacks is an error matching
// seal.ErrWrongKey that names the key id needed.
func (s *FileTokenStore) Load(ctx context.Context) (Token, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, err
	}
	t, _, err := s.read()
	return t, err
}

// read returns the stored token and whether the file should be sealed
// again with the keyring's current key.
func (s *FileTokenStore) read() (Token, bool, error) {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return Token{}, false, ErrNoToken
	}
	if err != nil {
		return Token{}, false, fmt.Errorf("auth: reading the token file: %w", err)
	}
	var f tokenFile
	if err := json.Unmarshal(data, &f); err != nil {
		// The syntax error carries an offset, not file content.
		return Token{}, false, fmt.Errorf("auth: token file %s is not valid JSON (%v): delete it and log in again", s.path, err)
	}
	access, err := s.open(f.AccessToken, sealAccessContext)
	if err != nil {
		return Token{}, false, err
	}
	refresh, err := s.open(f.RefreshToken, sealRefreshContext)
	if err != nil {
		return Token{}, false, err
	}
	reseal := s.keys.NeedsReseal(f.AccessToken) || f.RefreshToken != "" && s.keys.NeedsReseal(f.RefreshToken)
	return Token{
		AccessToken:  Secret(access),
		RefreshToken: Secret(refresh),
		TokenType:    f.TokenType,
		Expiry:       f.Expiry,
		Issued:       f.Issued,
		Scope:        f.Scope,
		CloudID:      f.CloudID,
	}, reseal, nil
}

// open unseals one stored token; a value that is not sealed is a token
// written in clear before sealing existed.
func (s *FileTokenStore) open(stored, context string) (string, error) {
	if stored == "" || !seal.IsSealed(stored) {
		return stored, nil
	}
	plain, err := s.keys.Open(stored, context)
	if err != nil {
		return "", fmt.Errorf("auth: token file %s: %w; if the key is lost, delete the file and log in again", s.path, err)
	}
	return string(plain), nil
}

// Save writes the token, sealed with the keyring's current key, atomically
// with mode 0600.
func (s *FileTokenStore) Save(ctx context.Context, t Token) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return s.write(t)
}

// Update calls fn with the stored token (nil when none) while holding the
// in-process and file locks, and writes the token fn returns, if any,
// before releasing them. When fn returns nil and the file was written
// in clear or sealed with a previous key, the file is sealed again with the
// current key.
func (s *FileTokenStore) Update(ctx context.Context, fn func(cur *Token) (*Token, error)) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	var cur *Token
	t, reseal, err := s.read()
	switch {
	case errors.Is(err, ErrNoToken):
	case err != nil:
		return err
	default:
		cur = &t
	}
	next, err := fn(cur)
	if err != nil {
		return err
	}
	if next == nil {
		if !reseal {
			return nil
		}
		next = cur
	}
	return s.write(*next)
}

// lock takes the in-process lock, then the file lock, waiting as long as
// ctx allows; it returns the function that releases both.
func (s *FileTokenStore) lock(ctx context.Context) (func(), error) {
	select {
	case s.inproc <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	f, err := os.OpenFile(s.path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		<-s.inproc
		return nil, fmt.Errorf("auth: opening the token lock file: %w", err)
	}
	if err := lockFile(ctx, f); err != nil {
		f.Close()
		<-s.inproc
		return nil, fmt.Errorf("auth: locking the token file %s: %w", s.path, err)
	}
	return func() {
		_ = unlockFile(f)
		f.Close()
		<-s.inproc
	}, nil
}

// write seals and writes t; the caller holds the locks.
func (s *FileTokenStore) write(t Token) error {
	f := tokenFile{TokenType: t.TokenType, Expiry: t.Expiry, Issued: t.Issued, Scope: t.Scope, CloudID: t.CloudID}
	var err error
	if f.AccessToken, err = s.keys.Seal([]byte(t.AccessToken.Reveal()), sealAccessContext); err != nil {
		return fmt.Errorf("auth: saving the token: %w", err)
	}
	if t.RefreshToken != "" {
		if f.RefreshToken, err = s.keys.Seal([]byte(t.RefreshToken.Reveal()), sealRefreshContext); err != nil {
			return fmt.Errorf("auth: saving the token: %w", err)
		}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("auth: encoding the token: %w", err)
	}
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
