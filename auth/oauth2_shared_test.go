package auth_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/auth/seal"
	"github.com/recipekit/recipekit/internal/sealtest"
	"github.com/recipekit/recipekit/internal/testclock"
)

// oauthValue returns a new OAuth2 value talking to f over store.
func oauthValue(f *fakeAtlassian, store auth.TokenStore, now func() time.Time) *auth.OAuth2 {
	base := f.srv.URL
	return &auth.OAuth2{
		ClientID: testClientID, ClientSecret: testClientSecret, RedirectURL: testRedirect,
		Store:         store,
		AuthURL:       base + "/authorize",
		TokenURL:      base + "/oauth/token",
		ResourcesURL:  base + "/oauth/token/accessible-resources",
		APIGatewayURL: base + "/ex/jira",
		Now:           now,
	}
}

// callAll makes n concurrent API calls through each client, released
// together, and reports any that failed.
func callAll(t *testing.T, url string, n int, clients ...*http.Client) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range clients {
		for range n {
			wg.Go(func() {
				<-start
				resp, err := c.Get(url)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("API call: status %d", resp.StatusCode)
				}
			})
		}
	}
	close(start)
	wg.Wait()
}

func TestTwoOAuth2ValuesOnOneStoreRefreshOncePerExpiry(t *testing.T) {
	cases := []struct {
		name   string
		stores func(t *testing.T) (auth.TokenStore, auth.TokenStore)
	}{
		{"MemoryTokenStore", func(t *testing.T) (auth.TokenStore, auth.TokenStore) {
			s := &auth.MemoryTokenStore{}
			return s, s
		}},
		{"FileTokenStore", func(t *testing.T) (auth.TokenStore, auth.TokenStore) {
			s, err := auth.NewFileTokenStore(filepath.Join(t.TempDir(), "token.json"), sealtest.NewKeyring(t))
			if err != nil {
				t.Fatal(err)
			}
			return s, s
		}},
		{"two FileTokenStores on one file", func(t *testing.T) (auth.TokenStore, auth.TokenStore) {
			path, keys := filepath.Join(t.TempDir(), "token.json"), sealtest.NewKeyring(t)
			s1, err1 := auth.NewFileTokenStore(path, keys)
			s2, err2 := auth.NewFileTokenStore(path, keys)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			return s1, s2
		}},
		{"a store without its own lock", func(t *testing.T) (auth.TokenStore, auth.TokenStore) {
			s := &countingStore{}
			return s, s
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, f := newFakeAtlassian(t)
			clock := testclock.New(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
			s1, s2 := tc.stores(t)
			o1, o2 := oauthValue(f, s1, clock.Now), oauthValue(f, s2, clock.Now)
			c1 := &http.Client{Transport: o1.Transport(nil)}
			c2 := &http.Client{Transport: o2.Transport(nil)}
			// An expired token in the store.
			access, refresh := f.issue()
			if err := s1.Save(t.Context(), auth.Token{AccessToken: auth.Secret(access), RefreshToken: auth.Secret(refresh), Issued: clock.Now().Add(-2 * time.Hour), Expiry: clock.Now().Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
			const rounds, callers = 3, 32
			for round := 1; round <= rounds; round++ {
				callAll(t, f.srv.URL+"/ex/jira/cloud-1/rest/api/2/myself", callers, c1, c2)
				if got := f.refreshes.Load(); got != int32(round) {
					t.Fatalf("expiry %d: %d refreshes in all, want exactly %d (one per expiry)", round, got, round)
				}
				if n := f.reuses.Load(); n != 0 {
					t.Fatalf("expiry %d: a spent refresh token was sent %d times", round, n)
				}
				stored, err := s2.Load(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("refresh-%d", round+2); stored.RefreshToken.Reveal() != want {
					t.Fatalf("expiry %d: the store holds %s, want the rotated %s", round, stored.RefreshToken.Reveal(), want)
				}
				clock.Set(stored.Expiry.Add(time.Second)) // the next expiry
			}
		})
	}
}

func TestRefreshMarginScalesWithLifetime(t *testing.T) {
	for _, tc := range []struct {
		lifetime, step, span time.Duration
		want                 int32
	}{
		// A 30-second token is refreshed 3 s before expiry (a tenth of its
		// life): at 27, 54, 81 and 108 s, not on every call.
		{30 * time.Second, time.Second, 120 * time.Second, 4},
		// A 10-minute token a minute early: at 9, 18 and 27 minutes.
		{10 * time.Minute, 10 * time.Second, 30 * time.Minute, 3},
		// An hour-long token five minutes early: at 55 and 110 minutes.
		{time.Hour, time.Minute, 2 * time.Hour, 2},
	} {
		t.Run(tc.lifetime.String(), func(t *testing.T) {
			o, f := newFakeAtlassian(t)
			f.expiresIn = int(tc.lifetime / time.Second)
			clock := testclock.New(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
			o.Now = clock.Now
			access, refresh := f.issue()
			o.Store.Save(t.Context(), auth.Token{AccessToken: auth.Secret(access), RefreshToken: auth.Secret(refresh), Issued: clock.Now(), Expiry: clock.Now().Add(tc.lifetime)})
			client := &http.Client{Transport: o.Transport(nil)}
			start := clock.Now()
			for d := time.Duration(0); d <= tc.span; d += tc.step {
				clock.Set(start.Add(d))
				callAll(t, f.srv.URL+"/ex/jira/cloud-1/rest/api/2/myself", 1, client)
				tok, _ := o.Store.Load(t.Context())
				if !clock.Now().Before(tok.Expiry) {
					t.Fatalf("at +%s the stored token expired at +%s", d, tok.Expiry.Sub(start))
				}
			}
			if got := f.refreshes.Load(); got != tc.want {
				t.Errorf("%d refreshes over %s of calls every %s, want %d", got, tc.span, tc.step, tc.want)
			}
		})
	}
}

// The helper process of TestTwoProcessesOnOneTokenFileRefreshOnce is this
// test binary run again with these variables set.
const (
	helperFileEnv   = "RECIPEKIT_AUTH_HELPER_TOKEN_FILE"
	helperKeyEnv    = "RECIPEKIT_AUTH_HELPER_KEY"
	helperServerEnv = "RECIPEKIT_AUTH_HELPER_SERVER"
	helperReady     = "helper-ready"
)

func TestTwoProcessesOnOneTokenFileRefreshOnce(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skipf("cannot re-run the test binary: %v", err)
	}
	_, f := newFakeAtlassian(t)
	f.refreshDelay = 50 * time.Millisecond
	key := sealtest.Key(t)
	path := filepath.Join(t.TempDir(), "token.json")
	store, err := auth.NewFileTokenStore(path, sealtest.Keyring(t, key))
	if err != nil {
		t.Fatal(err)
	}
	access, refresh := f.issue()
	if err := store.Save(t.Context(), auth.Token{AccessToken: auth.Secret(access), RefreshToken: auth.Secret(refresh), Issued: time.Now().Add(-2 * time.Hour), Expiry: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}

	type helper struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   strings.Builder
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var helpers []*helper
	ready := make(chan error, 2)
	for range 2 {
		h := &helper{cmd: exec.CommandContext(ctx, exe, "-test.run=^TestTokenFileHelperProcess$", "-test.count=1")}
		h.cmd.Env = append(os.Environ(), helperFileEnv+"="+path, helperKeyEnv+"="+key.Base64(), helperServerEnv+"="+f.srv.URL)
		h.cmd.Stderr = &h.out
		stdout, err := h.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if h.stdin, err = h.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := h.cmd.Start(); err != nil {
			t.Skipf("cannot re-run the test binary: %v", err)
		}
		helpers = append(helpers, h)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if sc.Text() == helperReady {
					ready <- nil
					io.Copy(io.Discard, stdout)
					return
				}
			}
			ready <- fmt.Errorf("the helper process ended before it was ready: %v", sc.Err())
		}()
	}
	for range helpers {
		if err := <-ready; err != nil {
			t.Fatal(err)
		}
	}
	// Both processes are set up; release them together.
	for _, h := range helpers {
		io.WriteString(h.stdin, "go\n")
	}
	for i, h := range helpers {
		if err := h.cmd.Wait(); err != nil {
			t.Errorf("helper process %d: %v\n%s", i, err, h.out.String())
		}
	}
	if n := f.refreshes.Load(); n != 1 {
		t.Errorf("two processes refreshed %d times, want exactly once", n)
	}
	if n := f.reuses.Load(); n != 0 {
		t.Errorf("a spent refresh token was sent %d times", n)
	}
	if got, err := store.Load(t.Context()); err != nil || got.RefreshToken.Reveal() != "refresh-3" {
		t.Errorf("the token file holds %v (%v), want the rotated refresh-3", got.RefreshToken.Reveal(), err)
	}
}

// TestTokenFileHelperProcess is one of the processes of
// TestTwoProcessesOnOneTokenFileRefreshOnce: two OAuth2 values, each with
// its own FileTokenStore on the shared file, 32 callers each.
func TestTokenFileHelperProcess(t *testing.T) {
	path := os.Getenv(helperFileEnv)
	if path == "" {
		t.Skip("a helper process of TestTwoProcessesOnOneTokenFileRefreshOnce; it runs only when started by that test")
	}
	keys, err := seal.ParseKeyring(os.Getenv(helperKeyEnv), "")
	if err != nil {
		t.Fatal(err)
	}
	server := os.Getenv(helperServerEnv)
	var clients []*http.Client
	for range 2 {
		store, err := auth.NewFileTokenStore(path, keys)
		if err != nil {
			t.Fatal(err)
		}
		o := &auth.OAuth2{
			ClientID: testClientID, ClientSecret: testClientSecret, RedirectURL: testRedirect,
			Store:         store,
			TokenURL:      server + "/oauth/token",
			APIGatewayURL: server + "/ex/jira",
		}
		clients = append(clients, &http.Client{Transport: o.Transport(nil)})
	}
	fmt.Println(helperReady)
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	callAll(t, server+"/ex/jira/cloud-1/rest/api/2/myself", 32, clients...)
}

func TestExchangeReplacesATokenFileSealedWithALostKey(t *testing.T) {
	o, f := newFakeAtlassian(t)
	path := filepath.Join(t.TempDir(), "token.json")
	lost, _ := auth.NewFileTokenStore(path, sealtest.NewKeyring(t))
	if err := lost.Save(t.Context(), auth.Token{AccessToken: "a", RefreshToken: "r"}); err != nil {
		t.Fatal(err)
	}
	store, _ := auth.NewFileTokenStore(path, sealtest.NewKeyring(t))
	o.Store = store
	if _, err := o.Exchange(t.Context(), testCode); err != nil {
		t.Fatalf("Exchange over a file sealed with another key: %v", err)
	}
	got, err := store.Load(t.Context())
	if err != nil || got.RefreshToken.Reveal() != "refresh-2" {
		t.Errorf("after Exchange the file holds %v (%v)", got.RefreshToken.Reveal(), err)
	}
	resp, err := (&http.Client{Transport: o.Transport(nil)}).Get(f.srv.URL + "/ex/jira/cloud-1/rest/api/2/myself")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}
