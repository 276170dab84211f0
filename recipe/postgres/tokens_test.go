package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/internal/sealtest"
	"github.com/recipekit/recipekit/recipe/postgres"
)

// TestTokenRefreshIsSingleFlightAcrossProcesses has two stores (two
// connection pools, as two processes would) refresh one stale token from
// many goroutines: the rotating refresh token must be spent exactly once.
func TestTokenRefreshIsSingleFlightAcrossProcesses(t *testing.T) {
	url := pgtestDatabase(t)
	ctx := context.Background()
	keys := sealtest.NewKeyring(t)
	var tokenStores []*postgres.TokenStore
	for range 2 {
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		ts, err := s.TokenStore("jira", keys)
		if err != nil {
			t.Fatal(err)
		}
		tokenStores = append(tokenStores, ts)
	}
	if _, err := tokenStores[0].Load(ctx); !errors.Is(err, auth.ErrNoToken) {
		t.Fatalf("Load before any Save: %v, want ErrNoToken", err)
	}
	stale := auth.Token{AccessToken: "a0", RefreshToken: "r0", TokenType: "Bearer", Expiry: time.Now().Add(-time.Minute).UTC().Truncate(time.Microsecond), Scope: "read:jira-work offline_access", CloudID: "c1"}
	if err := tokenStores[0].Save(ctx, stale); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	spent := map[string]int{} // refresh token -> times sent to the token endpoint
	var wg sync.WaitGroup
	for i := range 16 {
		ts := tokenStores[i%2]
		wg.Go(func() {
			err := ts.Update(ctx, func(cur *auth.Token) (*auth.Token, error) {
				if cur == nil || cur.AccessToken.Reveal() != "a0" {
					return nil, nil // someone refreshed already
				}
				mu.Lock()
				spent[cur.RefreshToken.Reveal()]++
				mu.Unlock()
				next := *cur
				next.AccessToken, next.RefreshToken, next.Expiry = "a1", "r1", time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
				return &next, nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if fmt.Sprint(spent) != "map[r0:1]" {
		t.Fatalf("refresh tokens sent = %v, want r0 once", spent)
	}
	got, err := tokenStores[1].Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken.Reveal() != "a1" || got.RefreshToken.Reveal() != "r1" || got.CloudID != "c1" || got.Scope != stale.Scope || !got.Expiry.After(time.Now()) {
		t.Errorf("token after the refresh = %+v", got)
	}
	// An error from fn is returned as is and saves nothing.
	boom := errors.New("token endpoint said no")
	if err := tokenStores[0].Update(ctx, func(*auth.Token) (*auth.Token, error) { return &stale, boom }); err != boom {
		t.Errorf("Update returned %v, want fn's error as is", err)
	}
	if got, _ := tokenStores[0].Load(ctx); got.AccessToken.Reveal() != "a1" {
		t.Errorf("a failed Update changed the token to %q", got.AccessToken.Reveal())
	}
}

func TestTokenStoreSealsTokens(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.TokenStore("jira", nil); !errors.Is(err, seal.ErrNoKey) {
		t.Fatalf("TokenStore without a keyring: %v, want seal.ErrNoKey", err)
	}
	ts, err := s.TokenStore("jira", sealtest.NewKeyring(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Save(ctx, auth.Token{AccessToken: "access-plain", RefreshToken: "refresh-plain"}); err != nil {
		t.Fatal(err)
	}
	var access, refresh string
	if err := s.Pool().QueryRow(ctx, `SELECT access_token, refresh_token FROM oauth_tokens WHERE name = 'jira'`).Scan(&access, &refresh); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(access+refresh, "plain") || !seal.IsSealed(access) || !seal.IsSealed(refresh) {
		t.Errorf("stored tokens are not sealed: %q %q", access, refresh)
	}
	// Another keyring cannot read them and says so without the token.
	other, err := s.TokenStore("jira", sealtest.NewKeyring(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Load(ctx); err == nil || strings.Contains(err.Error(), "plain") {
		t.Errorf("Load with the wrong key = %v", err)
	}
}
