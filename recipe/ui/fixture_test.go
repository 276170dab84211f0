package ui_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/recipe/ui"
	"github.com/recipekit/recipekit/trigger"
)

// issue is the fixture trigger's event: what Jira sends, hostile parts
// included.
type issue struct {
	Key     string `json:"key" expr:"key"`
	Summary string `json:"summary" expr:"summary"`
	Comment string `json:"comment" expr:"comment"`
	URL     string `json:"url" expr:"url"`
}

func (i issue) EventLabel() string { return i.Key + " " + i.Summary }

type syncIn struct {
	Key      string      `json:"key" expr:"key"`
	Summary  string      `json:"summary" expr:"summary"`
	APIToken auth.Secret `json:"apiToken" expr:"apiToken"`
}

type syncOut struct {
	Synced   string `json:"synced" expr:"synced"`
	Password string `json:"password" expr:"password"`
}

// The payloads a page must show as text.
const (
	xssScript = `<script>window.__xss=1;alert(1)</script>`
	xssImg    = `"><img src=x onerror="window.__xss=1;alert(1)">`
	xssURL    = `javascript:window.__xss=1;alert(1)`
)

// fixture is an engine running one recipe over a memory store, and the UI
// over it on a loopback test server.
type fixture struct {
	store  recipe.Store
	engine *recipe.Engine
	srv    *httptest.Server
	broken sync.Map // issue key -> true: the sync step fails for it
	held   sync.Map // issue key -> chan struct{}: the sync step waits for it to close
}

const token = "s3cret-token-for-tests"

func newFixture(t *testing.T, opts ui.Options) *fixture {
	t.Helper()
	f := &fixture{store: recipe.NewMemoryStore()}
	f.broken.Store("OPS-2", true)
	events := []issue{
		{Key: "OPS-1", Summary: "Printer on fire", Comment: "plain", URL: "https://jira.example/browse/OPS-1"},
		{Key: "OPS-2", Summary: "Sync refused", Comment: "retry me", URL: "https://jira.example/browse/OPS-2"},
		{Key: "OPS-3", Summary: xssScript, Comment: xssImg, URL: xssURL},
	}
	trig := recipetest.Data(events...)
	act := recipetest.NewAction("sync", func(_ context.Context, in syncIn) (syncOut, error) {
		if gate, ok := f.held.Load(in.Key); ok {
			<-gate.(chan struct{})
		}
		if _, bad := f.broken.Load(in.Key); bad {
			return syncOut{}, action.Permanent(errors.New("the target refused " + in.Key))
		}
		return syncOut{Synced: in.Key, Password: "hunter2"}, nil
	})
	r, err := recipe.New("support-sync", trigger.Trigger[issue](trig),
		recipe.Do("sync", act, recipe.Pills{"key": `trigger.key`, "summary": `trigger.summary`, "apiToken": `"tok-123"`}))
	if err != nil {
		t.Fatal(err)
	}
	f.engine = recipe.NewEngine(f.store)
	if err := f.engine.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.engine.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("engine: %v", err)
		}
	})
	f.waitJobs(t, recipe.JobQuery{}, 3, func(j recipe.Job) bool { return j.Status.Final() })

	if opts.Auth == nil && !opts.DevLoopbackOnly {
		opts.Auth = ui.BearerToken(auth.Secret(token))
	}
	opts.Engine = f.engine
	opts.LiveInterval = 50 * time.Millisecond
	h, err := ui.New(f.store, opts)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

// waitJobs waits until n jobs matching q satisfy ok.
func (f *fixture) waitJobs(t *testing.T, q recipe.JobQuery, n int, ok func(recipe.Job) bool) []recipe.Job {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		jobs, err := recipe.CollectJobs(f.store.Jobs(context.Background(), q))
		if err != nil {
			t.Fatal(err)
		}
		var good []recipe.Job
		for _, j := range jobs {
			if ok(j) {
				good = append(good, j)
			}
		}
		if len(good) >= n {
			return good
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %d jobs matching %+v; have %d", n, q, len(good))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *fixture) failedJob(t *testing.T) recipe.Job {
	t.Helper()
	jobs := f.waitJobs(t, recipe.JobQuery{Status: recipe.JobFailed}, 1, func(recipe.Job) bool { return true })
	return jobs[0]
}

func (f *fixture) url(path string) string { return f.srv.URL + path }
