package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
)

// fakeAtlassian imitates auth.atlassian.com and api.atlassian.com: it
// issues rotating refresh tokens and fails the test if a spent one is sent
// again.
type fakeAtlassian struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	n         int             // tokens issued
	live      map[string]bool // refresh tokens that still work
	spent     map[string]bool
	access    map[string]bool // access tokens accepted by the API
	refreshes atomic.Int32
	reuses    atomic.Int32 // refreshes that sent a spent refresh token (refused)
	exchanges atomic.Int32
	// refreshDelay holds each refresh answer back, widening the window in
	// which a caller without the store's lock would send the same refresh
	// token again; no assertion depends on its length.
	refreshDelay time.Duration
	bodies       []map[string]string
	expiresIn    int
	refuseNext   string // an OAuth error code to answer the next refresh with
	resources    []auth.Resource
}

const (
	testClientID     = "client-abc"
	testClientSecret = "client-secret-XYZ"
	testRedirect     = "https://app.example.com/callback"
	testCode         = "code-from-callback"
)

func newFakeAtlassian(t *testing.T) (*auth.OAuth2, *fakeAtlassian) {
	t.Helper()
	f := &fakeAtlassian{t: t, live: map[string]bool{}, spent: map[string]bool{}, access: map[string]bool{}, expiresIn: 3600}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", f.token)
	mux.HandleFunc("GET /oauth/token/accessible-resources", f.accessible)
	mux.HandleFunc("/ex/jira/", f.api)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	f.resources = []auth.Resource{
		{ID: "cloud-1", URL: "https://alpha.atlassian.net", Name: "alpha", Scopes: []string{"read:jira-work"}},
		{ID: "cloud-2", URL: "https://beta.atlassian.net", Name: "beta", Scopes: []string{"read:jira-work"}},
	}
	o := &auth.OAuth2{
		ClientID: testClientID, ClientSecret: testClientSecret, RedirectURL: testRedirect,
		Store:         &auth.MemoryTokenStore{},
		AuthURL:       f.srv.URL + "/authorize",
		TokenURL:      f.srv.URL + "/oauth/token",
		ResourcesURL:  f.srv.URL + "/oauth/token/accessible-resources",
		APIGatewayURL: f.srv.URL + "/ex/jira",
	}
	// Seed a valid grant.
	access, refresh := f.issue()
	if err := o.Store.Save(context.Background(), auth.Token{AccessToken: auth.Secret(access), RefreshToken: auth.Secret(refresh), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return o, f
}

// issue mints a token pair; the caller holds no lock.
func (f *fakeAtlassian) issue() (access, refresh string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	access, refresh = fmt.Sprintf("access-%d", f.n), fmt.Sprintf("refresh-%d", f.n)
	f.live[refresh] = true
	f.access[access] = true
	return access, refresh
}

func (f *fakeAtlassian) token(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != "application/json" {
		f.t.Errorf("token request Content-Type = %q, want application/json", r.Header.Get("Content-Type"))
	}
	var body map[string]string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("token request body is not JSON: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if body["client_id"] != testClientID || body["client_secret"] != testClientSecret {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"Unauthorized"}`)
		return
	}
	switch body["grant_type"] {
	case "authorization_code":
		f.exchanges.Add(1)
		if body["code"] != testCode || body["redirect_uri"] != testRedirect {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Invalid authorization code"}`)
			return
		}
	case "refresh_token":
		f.refreshes.Add(1)
		rt := body["refresh_token"]
		f.mu.Lock()
		reused := f.spent[rt]
		ok := f.live[rt]
		refuse := f.refuseNext
		f.refuseNext = ""
		if ok {
			delete(f.live, rt)
			f.spent[rt] = true
		}
		f.mu.Unlock()
		if reused {
			f.reuses.Add(1)
			f.t.Errorf("refresh token %q was sent a second time", rt)
		}
		if f.refreshDelay > 0 {
			time.Sleep(f.refreshDelay)
		}
		if !ok || refuse != "" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"error":%q,"error_description":"Unknown or invalid refresh token %s."}`, cmp(refuse, "invalid_grant"), rt)
			return
		}
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"unsupported_grant_type"}`)
		return
	}
	access, refresh := f.issue()
	f.mu.Lock()
	exp := f.expiresIn
	f.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{"access_token": access, "refresh_token": refresh, "expires_in": exp, "token_type": "Bearer", "scope": "read:jira-work offline_access"})
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (f *fakeAtlassian) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	defer f.mu.Unlock()
	return ok && f.access[tok]
}

func (f *fakeAtlassian) accessible(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	json.NewEncoder(w).Encode(f.resources)
}

func (f *fakeAtlassian) api(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(r) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"code":401,"message":"Unauthorized"}`)
		return
	}
	fmt.Fprint(w, `{"ok":true}`)
}

func (f *fakeAtlassian) revokeAccess() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.access)
}

// countingStore is a TokenStore without its own lock (not a
// LockingTokenStore) that counts saves and can be made to fail them.
type countingStore struct {
	mem   auth.MemoryTokenStore
	saves atomic.Int32
	fail  atomic.Bool
}

// withExpiredToken returns the OAuth2 client of a fake Atlassian whose
// counting store holds an expired token with a live refresh token.
func withExpiredToken(t *testing.T) (*auth.OAuth2, *fakeAtlassian, *countingStore) {
	t.Helper()
	o, f := newFakeAtlassian(t)
	store := &countingStore{}
	o.Store = store
	_, refresh := f.issue()
	store.mem.Save(t.Context(), auth.Token{AccessToken: "expired-access", RefreshToken: auth.Secret(refresh), Expiry: time.Now().Add(-time.Minute)})
	return o, f, store
}

func (s *countingStore) Load(ctx context.Context) (auth.Token, error) { return s.mem.Load(ctx) }

func (s *countingStore) Save(ctx context.Context, t auth.Token) error {
	if s.fail.Load() {
		return errors.New("disk full")
	}
	s.saves.Add(1)
	return s.mem.Save(ctx, t)
}

func TestAuthCodeURLCarriesEveryParameter(t *testing.T) {
	o := &auth.OAuth2{ClientID: testClientID, ClientSecret: testClientSecret, RedirectURL: testRedirect, Store: &auth.MemoryTokenStore{}}
	state, err := auth.NewState()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := auth.NewState()
	if len(state) < 32 || state == other {
		t.Fatalf("NewState gave %q then %q: want long random values", state, other)
	}
	u, err := url.Parse(o.AuthCodeURL(state))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != auth.DefaultAuthURL {
		t.Errorf("endpoint = %s, want %s", got, auth.DefaultAuthURL)
	}
	q := u.Query()
	want := map[string]string{
		"audience": "api.atlassian.com", "client_id": testClientID, "redirect_uri": testRedirect,
		"state": state, "response_type": "code", "prompt": "consent",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	scopes := strings.Fields(q.Get("scope"))
	for _, s := range append(slices.Clone(auth.DefaultScopes), "offline_access") {
		if !slices.Contains(scopes, s) {
			t.Errorf("scope %q missing from %q", s, q.Get("scope"))
		}
	}
	o.Scopes = []string{"read:jira-work"}
	q, _ = url.ParseQuery(strings.SplitN(o.AuthCodeURL("s"), "?", 2)[1])
	if got := q.Get("scope"); got != "read:jira-work offline_access" {
		t.Errorf("overridden scope = %q, want read:jira-work offline_access", got)
	}
	if strings.Contains(o.AuthCodeURL("s"), testClientSecret) {
		t.Error("the authorization URL carries the client secret")
	}
}

func TestExchangeSavesTheToken(t *testing.T) {
	o, f := newFakeAtlassian(t)
	store := &countingStore{}
	o.Store = store
	tok, err := o.Exchange(t.Context(), testCode)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken.Reveal() != "access-2" || tok.RefreshToken.Reveal() != "refresh-2" || tok.TokenType != "Bearer" {
		t.Errorf("token = %#v", tok)
	}
	if until := time.Until(tok.Expiry); until < 59*time.Minute || until > time.Hour+time.Minute {
		t.Errorf("expiry in %s, want about an hour", until)
	}
	saved, err := store.Load(t.Context())
	if err != nil || saved.RefreshToken != tok.RefreshToken || store.saves.Load() != 1 {
		t.Errorf("store holds %v (%v) after %d saves", saved, err, store.saves.Load())
	}
	body := f.bodies[len(f.bodies)-1]
	if body["grant_type"] != "authorization_code" || body["redirect_uri"] != testRedirect || body["code"] != testCode {
		t.Errorf("exchange body = %v", body)
	}

	_, err = o.Exchange(t.Context(), "stale-code")
	if !errors.Is(err, auth.ErrLoginRequired) || !strings.Contains(err.Error(), "start the authorization again") {
		t.Errorf("bad code: err = %v, want ErrLoginRequired saying to start again", err)
	}
	if _, err := o.Exchange(t.Context(), ""); err == nil {
		t.Error("empty code accepted")
	}
	o.ClientSecret = "wrong-secret-value"
	_, err = o.Exchange(t.Context(), testCode)
	var te *auth.TokenError
	if !errors.As(err, &te) || te.Code != "invalid_client" || !strings.Contains(err.Error(), "ClientSecret") {
		t.Errorf("wrong secret: err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Error("error leaks the client secret")
	}
}

func TestAccessibleResourcesAndCloudID(t *testing.T) {
	o, _ := newFakeAtlassian(t)
	rs, err := o.AccessibleResources(t.Context())
	if err != nil || len(rs) != 2 || rs[1].ID != "cloud-2" || rs[1].URL != "https://beta.atlassian.net" {
		t.Fatalf("AccessibleResources = %v, %v", rs, err)
	}
	id, err := o.CloudID(t.Context(), "https://BETA.atlassian.net/")
	if err != nil || id != "cloud-2" {
		t.Fatalf("CloudID = %q, %v; want cloud-2", id, err)
	}
	base, err := o.APIBaseURL(t.Context(), "https://alpha.atlassian.net")
	if err != nil || base != o.APIGatewayURL+"/cloud-1" {
		t.Errorf("APIBaseURL = %q, %v", base, err)
	}
	saved, _ := o.Store.Load(t.Context())
	if saved.CloudID != "cloud-1" {
		t.Errorf("cloud id not cached in the stored token: %q", saved.CloudID)
	}
	_, err = o.CloudID(t.Context(), "https://gamma.atlassian.net")
	if err == nil || !strings.Contains(err.Error(), "https://alpha.atlassian.net, https://beta.atlassian.net") || !strings.Contains(err.Error(), "gamma") {
		t.Errorf("unknown site: err = %v, want the sites the grant reaches listed", err)
	}
	for _, blank := range []string{"", " \n"} {
		if id, err := o.CloudID(t.Context(), blank); err != nil || id != "cloud-1" {
			t.Errorf("site URL %q after a lookup: %q, %v; want the cached cloud-1", blank, id, err)
		}
	}
	if id, err := o.CloudID(t.Context(), " https://beta.atlassian.net\n"); err != nil || id != "cloud-2" {
		t.Errorf("site URL with surrounding spaces: %q, %v; want cloud-2", id, err)
	}
	if id, err := o.CloudID(t.Context(), ""); err != nil || id != "cloud-2" {
		t.Errorf("no site URL after looking up beta: %q, %v; want the cached cloud-2", id, err)
	}
	saved.CloudID = ""
	o.Store.Save(t.Context(), saved)
	o2, _ := newFakeAtlassian(t)
	if _, err := o2.CloudID(t.Context(), ""); err == nil || !strings.Contains(err.Error(), "give the site URL") {
		t.Errorf("two sites and no site URL: err = %v", err)
	}
	o3, f3 := newFakeAtlassian(t)
	f3.resources = f3.resources[:1]
	if id, err := o3.CloudID(t.Context(), " \t"); err != nil || id != "cloud-1" {
		t.Errorf("one site, blank site URL: %q, %v; want the only site's cloud-1", id, err)
	}
	if _, err := o.CloudID(t.Context(), "alpha.atlassian.net"); err == nil || !strings.Contains(err.Error(), "absolute URL") {
		t.Errorf("site URL without scheme: err = %v", err)
	}
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	o, f, store := withExpiredToken(t)

	client := &http.Client{Transport: o.Transport(nil)}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			<-start
			resp, err := client.Get(f.srv.URL + "/ex/jira/cloud-1/rest/api/2/myself")
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := f.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want exactly 1", n)
	}
	if n := store.saves.Load(); n != 1 {
		t.Errorf("%d store saves, want exactly 1", n)
	}
}

func TestRefreshNearExpiryRotatesAndNeverReusesTheOldToken(t *testing.T) {
	o, f := newFakeAtlassian(t)
	now := time.Now()
	o.Now = func() time.Time { return now }
	client := &http.Client{Transport: o.Transport(nil)}
	get := func() {
		t.Helper()
		resp, err := client.Get(f.srv.URL + "/ex/jira/cloud-1/rest/api/2/myself")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	get() // fresh token: no refresh
	if f.refreshes.Load() != 0 {
		t.Fatalf("refreshed a fresh token")
	}
	for i := 1; i <= 3; i++ {
		now = now.Add(59*time.Minute + 30*time.Second) // within a minute of expiry
		get()
		if got := f.refreshes.Load(); got != int32(i) {
			t.Fatalf("after step %d: %d refreshes", i, got)
		}
		saved, _ := o.Store.Load(t.Context())
		if want := fmt.Sprintf("refresh-%d", i+1); saved.RefreshToken.Reveal() != want {
			t.Fatalf("stored refresh token %q, want the rotated %q", saved.RefreshToken.Reveal(), want)
		}
	}
	// The fake endpoint fails the test on reuse; check the bodies too.
	seen := map[string]bool{}
	for _, b := range f.bodies {
		if rt := b["refresh_token"]; rt != "" {
			if seen[rt] {
				t.Errorf("refresh token %s sent twice", rt)
			}
			seen[rt] = true
		}
	}
}

func TestRefreshOn401ThenRetryOnce(t *testing.T) {
	o, f := newFakeAtlassian(t)
	now := time.Now()
	o.Now = func() time.Time { return now }
	client := &http.Client{Transport: o.Transport(nil)}
	f.revokeAccess() // the access token still looks fresh but the API refuses it
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, f.srv.URL+"/ex/jira/cloud-1/rest/api/2/issue", strings.NewReader(`{"fields":{}}`))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || f.refreshes.Load() != 1 {
		t.Errorf("status %d after %d refreshes; want 200 after 1", resp.StatusCode, f.refreshes.Load())
	}
	// A 401 for the token just issued is returned as is: refreshing again
	// would not help and would burn refresh tokens.
	f.revokeAccess()
	for range 3 {
		resp, err = client.Get(f.srv.URL + "/ex/jira/cloud-1/rest/api/2/myself")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || f.refreshes.Load() != 1 {
			t.Errorf("401 right after a refresh: status %d after %d refreshes, want 401 after 1", resp.StatusCode, f.refreshes.Load())
		}
	}
	// Later, a 401 refreshes again.
	now = now.Add(5 * time.Minute)
	resp, err = client.Get(f.srv.URL + "/ex/jira/cloud-1/rest/api/2/myself")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if f.refreshes.Load() != 2 || resp.StatusCode != http.StatusOK {
		t.Errorf("later revocation: status %d after %d refreshes", resp.StatusCode, f.refreshes.Load())
	}
}

func TestRefusedRefreshAsksToLogInAgainWithoutSecrets(t *testing.T) {
	o, f := newFakeAtlassian(t)
	saved, _ := o.Store.Load(t.Context())
	saved.Expiry = time.Now().Add(-time.Hour)
	o.Store.Save(t.Context(), saved)
	f.mu.Lock()
	f.refuseNext = "invalid_grant"
	f.mu.Unlock()
	client := &http.Client{Transport: o.Transport(nil)}
	_, err := client.Get(f.srv.URL + "/ex/jira/cloud-1/rest/api/2/myself")
	if !errors.Is(err, auth.ErrLoginRequired) {
		t.Fatalf("err = %v, want ErrLoginRequired", err)
	}
	for _, s := range []string{saved.RefreshToken.Reveal(), testClientSecret} {
		if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v", err), s) {
			t.Errorf("error leaks a secret: %v", err)
		}
	}
	if !strings.Contains(err.Error(), "log in again") {
		t.Errorf("error %q does not say to log in again", err)
	}
	// The refused token is not sent again.
	_, err = client.Get(f.srv.URL + "/ex/jira/cloud-1/rest/api/2/myself")
	if !errors.Is(err, auth.ErrLoginRequired) || f.refreshes.Load() != 1 {
		t.Errorf("second call: err %v after %d refreshes, want the same error and no new refresh", err, f.refreshes.Load())
	}
	// A new authorization clears it.
	if _, err := o.Exchange(t.Context(), testCode); err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(f.srv.URL + "/ex/jira/cloud-1/rest/api/2/myself")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestSaveFailureKeepsTheNewTokenUnused(t *testing.T) {
	o, f, store := withExpiredToken(t)
	store.fail.Store(true)
	client := &http.Client{Transport: o.Transport(nil)}
	if _, err := client.Get(f.srv.URL + "/ex/jira/x"); err == nil || !strings.Contains(err.Error(), "could not save") {
		t.Fatalf("err = %v, want a save failure", err)
	}
	if _, err := client.Get(f.srv.URL + "/ex/jira/x"); err == nil || !strings.Contains(err.Error(), "not saved") {
		t.Fatalf("err = %v, want the token kept unused until saved", err)
	}
	store.fail.Store(false)
	resp, err := client.Get(f.srv.URL + "/ex/jira/cloud-1/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if f.refreshes.Load() != 1 || store.saves.Load() != 1 {
		t.Errorf("%d refreshes, %d saves; want the pending token saved without a second refresh", f.refreshes.Load(), store.saves.Load())
	}
}

func TestNoTokenAsksForAuthorization(t *testing.T) {
	o, f := newFakeAtlassian(t)
	o.Store = &auth.MemoryTokenStore{}
	_, err := (&http.Client{Transport: o.Transport(nil)}).Get(f.srv.URL + "/ex/jira/x")
	if !errors.Is(err, auth.ErrNoToken) || !errors.Is(err, auth.ErrLoginRequired) {
		t.Errorf("err = %v, want ErrNoToken and ErrLoginRequired", err)
	}
}
