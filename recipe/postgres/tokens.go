package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
)

// TokenStore is an auth.LockingTokenStore in the database: every process
// sharing the database sees one token per name, and an OAuth refresh runs
// in one process at a time (a transaction-scoped advisory lock on the
// name), so a rotating refresh token is spent once. The access and refresh
// tokens are stored sealed with the keyring's current key.
type TokenStore struct {
	s    *Store
	name string
	keys *seal.Keyring
}

var _ auth.LockingTokenStore = (*TokenStore)(nil)

// TokenStore returns the token store named name (one per OAuth connection,
// such as "jira-support"), sealing tokens with keys. keys is required:
// tokens are never stored in clear.
func (s *Store) TokenStore(name string, keys *seal.Keyring) (*TokenStore, error) {
	if name == "" {
		return nil, errors.New("postgres: TokenStore: the name is empty: name the OAuth connection, such as \"jira\"")
	}
	if keys == nil {
		return nil, fmt.Errorf("postgres: TokenStore %q: %w: tokens are only ever stored encrypted; pass a keyring (see package auth/seal)", name, seal.ErrNoKey)
	}
	return &TokenStore{s: s, name: name, keys: keys}, nil
}

func (ts *TokenStore) contexts() (access, refresh string) {
	return "recipekit oauth access token " + ts.name, "recipekit oauth refresh token " + ts.name
}

func (ts *TokenStore) read(ctx context.Context, q pgx.Tx) (auth.Token, bool, error) {
	var t auth.Token
	var access, refresh string
	var expiry, issued int64
	row := ts.s.pool.QueryRow
	if q != nil {
		row = q.QueryRow
	}
	err := row(ctx, `SELECT access_token, refresh_token, token_type, expiry, scope, cloud_id, issued FROM oauth_tokens WHERE name = $1`, ts.name).
		Scan(&access, &refresh, &t.TokenType, &expiry, &t.Scope, &t.CloudID, &issued)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("postgres: read OAuth token %q: %w", ts.name, err)
	}
	ac, rc := ts.contexts()
	a, err := ts.keys.Open(access, ac)
	if err != nil {
		return t, false, fmt.Errorf("postgres: OAuth token %q: %w", ts.name, err)
	}
	t.AccessToken = auth.Secret(a)
	if refresh != "" {
		r, err := ts.keys.Open(refresh, rc)
		if err != nil {
			return t, false, fmt.Errorf("postgres: OAuth token %q: %w", ts.name, err)
		}
		t.RefreshToken = auth.Secret(r)
	}
	t.Expiry, t.Issued = fromUnix(expiry), fromUnix(issued)
	return t, true, nil
}

func (ts *TokenStore) write(ctx context.Context, tx pgx.Tx, t auth.Token) error {
	ac, rc := ts.contexts()
	access, err := ts.keys.Seal([]byte(t.AccessToken.Reveal()), ac)
	if err != nil {
		return err
	}
	refresh := ""
	if t.RefreshToken != "" {
		if refresh, err = ts.keys.Seal([]byte(t.RefreshToken.Reveal()), rc); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO oauth_tokens (name, access_token, refresh_token, token_type, expiry, scope, cloud_id, issued, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
		ON CONFLICT (name) DO UPDATE SET access_token = excluded.access_token, refresh_token = excluded.refresh_token, token_type = excluded.token_type,
			expiry = excluded.expiry, scope = excluded.scope, cloud_id = excluded.cloud_id, issued = excluded.issued, updated = now()`,
		ts.name, access, refresh, t.TokenType, unix(t.Expiry), t.Scope, t.CloudID, unix(t.Issued))
	if err != nil {
		return fmt.Errorf("postgres: save OAuth token %q: %w", ts.name, err)
	}
	return nil
}

// Load implements auth.TokenStore.
func (ts *TokenStore) Load(ctx context.Context) (auth.Token, error) {
	t, ok, err := ts.read(ctx, nil)
	if err != nil {
		return auth.Token{}, err
	}
	if !ok {
		return auth.Token{}, auth.ErrNoToken
	}
	return t, nil
}

// Save implements auth.TokenStore.
func (ts *TokenStore) Save(ctx context.Context, t auth.Token) error {
	return ts.Update(ctx, func(*auth.Token) (*auth.Token, error) { return &t, nil })
}

// Update implements auth.LockingTokenStore: fn runs inside a transaction
// holding an advisory lock on the token's name, so it runs in one process
// at a time; the token it returns is saved before the lock is released.
func (ts *TokenStore) Update(ctx context.Context, fn func(cur *auth.Token) (*auth.Token, error)) error {
	return pgx.BeginFunc(ctx, ts.s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('recipekit.token:' || $1, 0))`, ts.name); err != nil {
			return fmt.Errorf("postgres: lock OAuth token %q: %w", ts.name, err)
		}
		t, ok, err := ts.read(ctx, tx)
		if err != nil {
			return err
		}
		var cur *auth.Token
		if ok {
			cur = &t
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		return ts.write(ctx, tx, *next)
	})
}
