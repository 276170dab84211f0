package jira

import (
	"context"
	"errors"
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
