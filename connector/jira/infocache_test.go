package jira

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// mapCache is an InfoCache in a map.
type mapCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *mapCache) Value(_ context.Context, key string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	if !ok {
		return nil, errors.New("not found")
	}
	return v, nil
}

func (c *mapCache) SetValue(_ context.Context, key string, value []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	c.m[key] = value
	return nil
}

// TestInfoCacheRemembersDeploymentAcrossClients: the first client of a
// site asks serverInfo and remembers it; a later one (a new process)
// with the same cache knows the deployment without asking, and one whose
// remembered answer is too old or unreadable asks again.
func TestInfoCacheRemembersDeploymentAcrossClients(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		cache := &mapCache{}
		u := e.demo.Alice
		newClient := func() *Client {
			return mustNew(t, Config{Name: "test", URL: e.srv.URL(), Auth: userAuth(e.mode, u, dcPassword), InfoCache: cache, HTTP: noSleepHTTP()})
		}
		infoRequests := func() int {
			n := 0
			for _, r := range e.srv.Requests() {
				if strings.HasSuffix(r.Path, "/serverInfo") {
					n++
				}
			}
			return n
		}
		want := Cloud
		if e.mode == jiratest.DataCenter {
			want = DataCenter
		}
		check := func(wantRequests int) {
			t.Helper()
			e.srv.ResetRequests()
			d, err := newClient().Deployment(ctx)
			if err != nil || d != want {
				t.Fatalf("Deployment = %v, %v; want %v", d, err, want)
			}
			if got := infoRequests(); got != wantRequests {
				t.Fatalf("serverInfo requests = %d, want %d", got, wantRequests)
			}
		}
		check(1)
		if len(cache.m) != 1 {
			t.Fatalf("cache holds %d values, want the site's serverInfo", len(cache.m))
		}
		check(0)
		check(0)
		for key := range cache.m {
			cache.m[key] = []byte(`{"fetched":"` + time.Now().Add(-InfoMaxAge-time.Minute).UTC().Format(time.RFC3339) + `","info":{"deploymentType":"Cloud"}}`)
		}
		check(1)
		for key := range cache.m {
			cache.m[key] = []byte(`not json`)
		}
		check(1)
		check(0)
	})
}

// TestConnectionTestUsesTheRememberedDeployment: Test on a new client whose
// cache knows the site proves the connection with myself alone, and
// reports the same account and site as the first Test did. When the URL
// no longer serves Jira, Test still says so, from the site's own answer.
func TestConnectionTestUsesTheRememberedDeployment(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		cache := &mapCache{}
		newClient := func(url string) *Client {
			return mustNew(t, Config{Name: "test", URL: url, Auth: userAuth(e.mode, e.demo.Alice, dcPassword), InfoCache: cache, HTTP: noSleepHTTP()})
		}
		first, err := newClient(e.srv.URL()).Test(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e.srv.ResetRequests()
		jc := newClient(e.srv.URL())
		again, err := jc.Test(ctx)
		if err != nil || again != first {
			t.Fatalf("Test with a warm cache = %+v, %v; want %+v", again, err, first)
		}
		for _, r := range e.srv.Requests() {
			if strings.HasSuffix(r.Path, "/serverInfo") {
				t.Fatalf("Test read serverInfo although the cache knows the site: %s %s", r.Method, r.Path)
			}
		}
		if d, err := jc.Deployment(ctx); err != nil || d == Auto {
			t.Fatalf("Deployment after Test = %v, %v", d, err)
		}

		// The same cache for an address that is not Jira (any path 404).
		notJira := httptest.NewServer(http.NotFoundHandler())
		defer notJira.Close()
		stale := newClient(notJira.URL)
		rec, ok := cache.m[jc.infoCacheKey()]
		if !ok {
			t.Fatal("the first Test left nothing in the cache")
		}
		cache.m[stale.infoCacheKey()] = rec
		if _, err := stale.Test(ctx); !errors.Is(err, ErrNotJira) {
			t.Fatalf("Test of a URL that is no longer Jira = %v, want ErrNotJira", err)
		}
	})
}
