package recipe_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

// pushOnly is a webhook trigger without a backup poll.
type pushOnly struct{ *fakeWebhook }

// Info reports no poll interval: the trigger is push-only.
func (p pushOnly) Info() trigger.Info {
	info := p.fakeWebhook.Info()
	info.PollInterval = 0
	return info
}

// A push-only webhook trigger (no backup poll, as the generic Webhooks
// connector's) keeps its recipe's workers running for the whole Run:
// deliveries that arrive after the start run their jobs.
func TestPushOnlyWebhookRunsDeliveriesUntilStopped(t *testing.T) {
	store := recipe.NewMemoryStore()
	h := newHooks()
	wh := &fakeWebhook{Trigger: recipetest.Data[int](), subs: make(chan trigger.Subscription, 10)}
	rec := recorder()
	r := mustNew(t, "pushed", trigger.Webhook[int](pushOnly{wh}), recipe.Do("n", rec, recipe.Pills{"n": `trigger`}))
	// The manual clock never reaches the renewal time of the fake's
	// subscription.
	eng := recipe.NewEngine(store, recipe.WithClock(newManualClock()), recipe.WithHooks(h), recipe.WithWebhookBaseURL("https://example.test/hooks/"))
	ctx, stop := runEngine(t, eng, r)
	<-wh.subs
	waitFor(t, func() bool { _, err := store.Subscription(ctx, "pushed"); return err == nil })
	srv := httptest.NewServer(eng.WebhookHandler())
	defer srv.Close()
	defer func() { _ = stop() }() // before the server closes, should the test fail early
	for i, body := range []string{"first", "second"} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks/pushed", bytes.NewBufferString(body))
		req.Header.Set("X-Token", "tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("delivery %d: %d", i+1, resp.StatusCode)
		}
		select {
		case <-h.done:
		case <-time.After(30 * time.Second):
			t.Fatalf("the job of delivery %d never ran", i+1)
		}
	}
	if n := len(rec.Calls()); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
