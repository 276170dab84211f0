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
	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/internal/sealtest"
)

func TestFileTokenStoreSurvivesRestartWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	keys := sealtest.NewKeyring(t)
	s, err := auth.NewFileTokenStore(path, keys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(t.Context()); !errors.Is(err, auth.ErrNoToken) {
		t.Fatalf("empty store: err = %v, want ErrNoToken", err)
	}
	exp := time.Date(2026, 3, 26, 16, 0, 0, 0, time.UTC)
	want := auth.Token{AccessToken: "acc", RefreshToken: "ref", TokenType: "Bearer", Expiry: exp, Issued: exp.Add(-time.Hour), Scope: "read:jira-work", CloudID: "c1"}
	if err := s.Save(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		for _, p := range []string{path, path + ".lock"} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %04o, want 0600", filepath.Base(p), st.Mode().Perm())
			}
		}
	}
	// A new process: a fresh store on the same path.
	s2, err := auth.NewFileTokenStore(path, keys)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s2.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken.Reveal() != "acc" || got.RefreshToken.Reveal() != "ref" || !got.Expiry.Equal(exp) || !got.Issued.Equal(want.Issued) || got.CloudID != "c1" || got.Scope != want.Scope || got.TokenType != "Bearer" {
		t.Errorf("reloaded %#v, want %#v", got, want)
	}
	// Overwrite leaves no temporary files behind.
	want.RefreshToken = "ref2"
	if err := s2.Save(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "token.json token.json.lock" {
		t.Errorf("directory holds %v, want only the token file and its lock file", names)
	}
}

func TestFileTokenStoreFileHoldsNoSecretInClear(t *testing.T) {
	dir := t.TempDir()
	s, err := auth.NewFileTokenStore(filepath.Join(dir, "token.json"), sealtest.NewKeyring(t))
	if err != nil {
		t.Fatal(err)
	}
	const access, refresh = "ACCESS-f3b1c9e0d2a84c", "REFRESH-9a7e5c3b1d0f42"
	if err := s.Save(t.Context(), auth.Token{AccessToken: access, RefreshToken: refresh, Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	raw := sealtest.DirBytes(t, dir)
	for _, secret := range []string{access, refresh, "f3b1c9e0", "9a7e5c3b"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the token file holds %q in clear:\n%s", secret, raw)
		}
	}
	if !strings.Contains(raw, "seal:v1:") {
		t.Errorf("the token file holds no sealed value:\n%s", raw)
	}
	got, err := s.Load(t.Context())
	if err != nil || got.AccessToken.Reveal() != access || got.RefreshToken.Reveal() != refresh {
		t.Errorf("Load = %v, %v", got, err)
	}
}

func TestFileTokenStoreMissingOrWrongKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	if _, err := auth.NewFileTokenStore(path, nil); err == nil || !strings.Contains(err.Error(), "keys is nil") {
		t.Errorf("no keyring: err = %v", err)
	}
	right := sealtest.Key(t)
	s, _ := auth.NewFileTokenStore(path, sealtest.Keyring(t, right))
	if err := s.Save(t.Context(), auth.Token{AccessToken: "a", RefreshToken: "r"}); err != nil {
		t.Fatal(err)
	}
	wrong := sealtest.Key(t)
	s2, _ := auth.NewFileTokenStore(path, sealtest.Keyring(t, wrong))
	_, err := s2.Load(t.Context())
	if !errors.Is(err, seal.ErrWrongKey) || !strings.Contains(err.Error(), right.ID()) || !strings.Contains(err.Error(), wrong.ID()) || !strings.Contains(err.Error(), path) {
		t.Errorf("wrong key: err = %v, want ErrWrongKey naming the file, key id %s and key id %s", err, right.ID(), wrong.ID())
	}
	// Update refuses too, and leaves the file as it was.
	err = s2.Update(t.Context(), func(cur *auth.Token) (*auth.Token, error) {
		t.Error("Update called fn although the token cannot be read")
		return nil, nil
	})
	if !errors.Is(err, seal.ErrWrongKey) {
		t.Errorf("Update with the wrong key: err = %v", err)
	}
	if got, err := s.Load(t.Context()); err != nil || got.RefreshToken.Reveal() != "r" {
		t.Errorf("the file changed: %v, %v", got, err)
	}
	if !strings.Contains(err.Error(), "delete the file and log in again") {
		t.Errorf("wrong key: err = %v, want the way out when the key is lost", err)
	}
}

func TestFileTokenStoreRotationReseals(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	oldKey, newKey := sealtest.Key(t), sealtest.Key(t)
	s, _ := auth.NewFileTokenStore(path, sealtest.Keyring(t, oldKey))
	if err := s.Save(t.Context(), auth.Token{AccessToken: "acc-1", RefreshToken: "ref-1"}); err != nil {
		t.Fatal(err)
	}
	// Step 1: the new key current, the old one previous. Reading works; the
	// first Update seals the file again with the new key.
	rotating, _ := auth.NewFileTokenStore(path, sealtest.Keyring(t, newKey, oldKey))
	if got, err := rotating.Load(t.Context()); err != nil || got.RefreshToken.Reveal() != "ref-1" {
		t.Fatalf("Load during rotation = %v, %v", got, err)
	}
	if err := rotating.Update(t.Context(), func(*auth.Token) (*auth.Token, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	raw := sealtest.DirBytes(t, dir)
	if strings.Contains(raw, oldKey.ID()) || !strings.Contains(raw, "seal:v1:"+newKey.ID()+":") {
		t.Errorf("after Update the file is not sealed with the new key only:\n%s", raw)
	}
	// Step 2: the old key dropped.
	done, _ := auth.NewFileTokenStore(path, sealtest.Keyring(t, newKey))
	if got, err := done.Load(t.Context()); err != nil || got.AccessToken.Reveal() != "acc-1" || got.RefreshToken.Reveal() != "ref-1" {
		t.Errorf("Load with the new key alone = %v, %v", got, err)
	}
}

func TestFileTokenStoreSealsAFileWrittenInClear(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	legacy := `{"access_token":"clear-access-77","refresh_token":"clear-refresh-88","token_type":"Bearer","expiry":"2026-03-26T16:00:00Z"}`
	if err := os.WriteFile(path, []byte(legacy), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := auth.NewFileTokenStore(path, sealtest.NewKeyring(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(t.Context())
	if err != nil || got.RefreshToken.Reveal() != "clear-refresh-88" || got.AccessToken.Reveal() != "clear-access-77" {
		t.Fatalf("Load of a file in clear = %v, %v", got, err)
	}
	if err := s.Update(t.Context(), func(*auth.Token) (*auth.Token, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if raw := sealtest.DirBytes(t, dir); strings.Contains(raw, "clear-access-77") || strings.Contains(raw, "clear-refresh-88") {
		t.Errorf("the file still holds a token in clear after Update:\n%s", raw)
	}
	if got, err := s.Load(t.Context()); err != nil || got.RefreshToken.Reveal() != "clear-refresh-88" {
		t.Errorf("Load after sealing = %v, %v", got, err)
	}
}

func TestFileTokenStoreRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	keys := sealtest.NewKeyring(t)
	if _, err := auth.NewFileTokenStore("", keys); err == nil {
		t.Error("empty path accepted")
	}
	if _, err := auth.NewFileTokenStore(filepath.Join(dir, "missing", "t.json"), keys); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing directory: %v", err)
	}
	if runtime.GOOS != "windows" {
		open := filepath.Join(dir, "open.json")
		os.WriteFile(open, []byte(`{}`), 0o644)
		if _, err := auth.NewFileTokenStore(open, keys); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("world-readable file: %v", err)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"refresh_token":"hush-hush`), 0o600)
	s, err := auth.NewFileTokenStore(bad, keys)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Load(t.Context())
	if err == nil || strings.Contains(err.Error(), "hush-hush") || !strings.Contains(err.Error(), "log in again") {
		t.Errorf("corrupt file: err = %v", err)
	}
	tampered := filepath.Join(dir, "tampered.json")
	os.WriteFile(tampered, []byte(`{"access_token":"seal:v1:`+keys.CurrentID()+`:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`), 0o600)
	s, _ = auth.NewFileTokenStore(tampered, keys)
	if _, err := s.Load(t.Context()); !errors.Is(err, seal.ErrWrongKey) || !strings.Contains(err.Error(), "altered") {
		t.Errorf("altered file: err = %v", err)
	}
}

func TestFileTokenStoreConcurrentSaves(t *testing.T) {
	s, err := auth.NewFileTokenStore(filepath.Join(t.TempDir(), "t.json"), sealtest.NewKeyring(t))
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

// TestUpdateIsExclusive checks the LockingTokenStore contract on both
// stores: concurrent Updates (through two FileTokenStore values on one
// file, as two processes would have) never see the same token, so a
// read-modify-write never loses an increment.
func TestUpdateIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.json")
	keys := sealtest.NewKeyring(t)
	f1, _ := auth.NewFileTokenStore(path, keys)
	f2, _ := auth.NewFileTokenStore(path, keys)
	mem := &auth.MemoryTokenStore{}
	for name, stores := range map[string][]auth.LockingTokenStore{"file": {f1, f2}, "memory": {mem, mem}} {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			const perStore = 20
			for _, s := range stores {
				for range perStore {
					wg.Go(func() {
						err := s.Update(context.Background(), func(cur *auth.Token) (*auth.Token, error) {
							n := ""
							if cur != nil {
								n = cur.AccessToken.Reveal()
							}
							return &auth.Token{AccessToken: auth.Secret(n + "x")}, nil
						})
						if err != nil {
							t.Error(err)
						}
					})
				}
			}
			wg.Wait()
			got, err := stores[0].Load(context.Background())
			if err != nil || len(got.AccessToken.Reveal()) != 2*perStore {
				t.Errorf("after %d Updates the token has %d increments (%v)", 2*perStore, len(got.AccessToken.Reveal()), err)
			}
			// An error from fn is returned as is and nothing is saved.
			boom := errors.New("boom")
			if err := stores[0].Update(context.Background(), func(*auth.Token) (*auth.Token, error) { return &auth.Token{}, boom }); err != boom {
				t.Errorf("Update returned %v, want fn's error as is", err)
			}
			if again, _ := stores[0].Load(context.Background()); again.AccessToken != got.AccessToken {
				t.Error("Update saved a token although fn failed")
			}
			// Waiting for the lock honours the context.
			held := make(chan struct{})
			release := make(chan struct{})
			go stores[0].Update(context.Background(), func(*auth.Token) (*auth.Token, error) {
				close(held)
				<-release
				return nil, nil
			})
			<-held
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := stores[1].Update(ctx, func(*auth.Token) (*auth.Token, error) { return nil, nil }); !errors.Is(err, context.Canceled) {
				t.Errorf("Update while locked with a cancelled context: %v", err)
			}
			close(release)
		})
	}
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
