package auth_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
)

func TestFileTokenStoreSurvivesRestartWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	s, err := auth.NewFileTokenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(t.Context()); !errors.Is(err, auth.ErrNoToken) {
		t.Fatalf("empty store: err = %v, want ErrNoToken", err)
	}
	exp := time.Date(2026, 3, 26, 16, 0, 0, 0, time.UTC)
	want := auth.Token{AccessToken: "acc", RefreshToken: "ref", TokenType: "Bearer", Expiry: exp, Scope: "read:jira-work", CloudID: "c1"}
	if err := s.Save(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("mode %04o, want 0600", st.Mode().Perm())
		}
	}
	// A new process: a fresh store on the same path.
	s2, err := auth.NewFileTokenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s2.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken.Reveal() != "acc" || got.RefreshToken.Reveal() != "ref" || !got.Expiry.Equal(exp) || got.CloudID != "c1" || got.Scope != want.Scope || got.TokenType != "Bearer" {
		t.Errorf("reloaded %#v, want %#v", got, want)
	}
	// Overwrite leaves no temporary files behind.
	want.RefreshToken = "ref2"
	if err := s2.Save(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the token file", len(entries))
	}
}

func TestFileTokenStoreRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := auth.NewFileTokenStore(""); err == nil {
		t.Error("empty path accepted")
	}
	if _, err := auth.NewFileTokenStore(filepath.Join(dir, "missing", "t.json")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing directory: %v", err)
	}
	if runtime.GOOS != "windows" {
		open := filepath.Join(dir, "open.json")
		os.WriteFile(open, []byte(`{}`), 0o644)
		if _, err := auth.NewFileTokenStore(open); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("world-readable file: %v", err)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"refresh_token":"hush-hush`), 0o600)
	s, err := auth.NewFileTokenStore(bad)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Load(t.Context())
	if err == nil || strings.Contains(err.Error(), "hush-hush") || !strings.Contains(err.Error(), "log in again") {
		t.Errorf("corrupt file: err = %v", err)
	}
}

func TestFileTokenStoreConcurrentSaves(t *testing.T) {
	s, err := auth.NewFileTokenStore(filepath.Join(t.TempDir(), "t.json"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := s.Save(context.Background(), auth.Token{AccessToken: auth.Secret(strings.Repeat("a", i+1))}); err != nil {
				t.Error(err)
			}
			if _, err := s.Load(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestMemoryTokenStore(t *testing.T) {
	var s auth.MemoryTokenStore
	if _, err := s.Load(t.Context()); !errors.Is(err, auth.ErrNoToken) {
		t.Fatalf("zero value: %v", err)
	}
	s.Save(t.Context(), auth.Token{AccessToken: "a"})
	if got, err := s.Load(t.Context()); err != nil || got.AccessToken.Reveal() != "a" {
		t.Errorf("Load = %v, %v", got, err)
	}
}
