package recipe_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

// gatedWebhook's Subscribe blocks until released, as a real registration
// does while the sender may already be delivering to the new webhook.
type gatedWebhook struct {
	*fakeWebhook
	entered, release chan struct{}
}

func (g *gatedWebhook) Subscribe(ctx context.Context, cb string, prior trigger.Subscription) (trigger.Subscription, error) {
	close(g.entered)
	<-g.release
	return g.fakeWebhook.Subscribe(ctx, cb, prior)
}

// TestDeliveryDuringRegistrationIsRetriedNotLost checks that a delivery
// arriving before Subscribe has returned gets a retryable 503 (senders drop
// deliveries answered 401 or 404), and that the same delivery is accepted
// once the registration is done.
func TestDeliveryDuringRegistrationIsRetriedNotLost(t *testing.T) {
	store := recipe.NewMemoryStore()
	wh := &gatedWebhook{
		fakeWebhook: &fakeWebhook{Trigger: recipetest.Data[int](), subs: make(chan trigger.Subscription, 10)},
		entered:     make(chan struct{}),
		release:     make(chan struct{}),
	}
	wh.Interval = time.Hour
	r := mustNew(t, "gated", trigger.Webhook[int](wh), recipe.Do("n", recorder(), recipe.Pills{"n": `trigger`}))
	eng := recipe.NewEngine(store, recipe.WithClock(newManualClock()), recipe.WithWebhookBaseURL("https://example.test/hooks/"))
	ctx, stop := runEngine(t, eng, r)
	defer func() { _ = stop() }()
	srv := httptest.NewServer(eng.WebhookHandler())
	defer srv.Close()
	post := func() *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks/gated", bytes.NewBufferString("early"))
		req.Header.Set("X-Token", "tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	<-wh.entered
	resp := post()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("delivery during registration: %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(wh.release)
	waitFor(t, func() bool { _, err := store.Subscription(ctx, "gated"); return err == nil })
	if resp := post(); resp.StatusCode != http.StatusOK {
		t.Fatalf("the retried delivery: %d, want 200", resp.StatusCode)
	}
	jobs, _ := recipe.CollectJobs(store.Jobs(ctx, recipe.JobQuery{Recipe: "gated"}))
	if len(jobs) != 1 {
		t.Fatalf("jobs = %d, want 1", len(jobs))
	}
}
