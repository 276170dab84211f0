package webhook

import (
	"context"
	"net/http"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

func TestIdempotencyKeyHeader(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, body []byte) { w.WriteHeader(200) })
	c := newClient(t, ClientOptions{})
	effect := action.Effect{Key: "rk1-0123456789abcdef", Attempt: 1}
	ctx := action.WithEffect(context.Background(), effect)
	for _, tt := range []struct {
		method  string
		headers map[string]string
		want    string
	}{
		{"POST", nil, effect.Key},
		{"PATCH", nil, effect.Key},
		{"post", nil, effect.Key},
		{"GET", nil, ""},
		{"PUT", nil, ""},
		{"DELETE", nil, ""},
		{"POST", map[string]string{"idempotency-key": "mine"}, "mine"},
	} {
		if _, err := c.Send(ctx, RequestInput{Method: tt.method, URL: rec.srv.URL, Headers: tt.headers, Body: "x"}); err != nil {
			t.Fatalf("%s: %v", tt.method, err)
		}
		if got := rec.last(t).Header.Get("Idempotency-Key"); got != tt.want {
			t.Errorf("%s %v: Idempotency-Key %q, want %q", tt.method, tt.headers, got, tt.want)
		}
	}

	// Outside a recipe every Send gets a fresh key.
	shape := regexp.MustCompile(`^[A-Za-z0-9-]{8,64}$`)
	var keys []string
	for range 2 {
		if _, err := c.Send(context.Background(), RequestInput{Method: "POST", URL: rec.srv.URL}); err != nil {
			t.Fatal(err)
		}
		k := rec.last(t).Header.Get("Idempotency-Key")
		if !shape.MatchString(k) {
			t.Errorf("key %q outside a recipe", k)
		}
		keys = append(keys, k)
	}
	if keys[0] == keys[1] {
		t.Errorf("two separate Sends share the key %q", keys[0])
	}

	other := newClient(t, ClientOptions{IdempotencyHeader: "X-Request-Id"})
	if _, err := other.Send(ctx, RequestInput{Method: "POST", URL: rec.srv.URL}); err != nil {
		t.Fatal(err)
	}
	if h := rec.last(t).Header; h.Get("X-Request-Id") != effect.Key || h.Get("Idempotency-Key") != "" {
		t.Errorf("IdempotencyHeader X-Request-Id: headers %v", h)
	}
	none := newClient(t, ClientOptions{IdempotencyHeader: "-"})
	if _, err := none.Send(ctx, RequestInput{Method: "POST", URL: rec.srv.URL}); err != nil {
		t.Fatal(err)
	}
	if h := rec.last(t).Header; h.Get("Idempotency-Key") != "" {
		t.Errorf(`IdempotencyHeader "-" still sent %q`, h.Get("Idempotency-Key"))
	}
	if _, err := NewClient(ClientOptions{IdempotencyHeader: "Bad Header"}); err == nil {
		t.Error("NewClient accepted an IdempotencyHeader with a space")
	}
}

// A step that POSTs sends one key on every attempt: the HTTP layer's
// resend after a refusal and the step's own retry, so a receiver that
// honours the key applies the request once.
func TestIdempotencyKeyIsStableAcrossAttemptsOfAStep(t *testing.T) {
	var n atomic.Int32
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		switch n.Add(1) {
		case 1, 2:
			// Refused: resent once by the HTTP layer, then the step retries.
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.WriteHeader(http.StatusCreated)
		}
	})
	c := newClient(t, ClientOptions{HTTP: httpx.Options{MaxRetries: 1}})
	r, err := recipe.New("notify", recipetest.Data(1, 2),
		recipe.Do("post", c.Request(), recipe.Pills{"method": `"POST"`, "url": `"` + rec.srv.URL + `"`},
			recipe.Retry(action.RetryPolicy{MaxAttempts: 3})),
	)
	if err != nil {
		t.Fatal(err)
	}
	store := recipe.NewMemoryStore()
	eng := recipe.NewEngine(store, recipe.WithClock(recipetest.NewInstantClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	reqs := append([]recorded(nil), rec.reqs...)
	rec.mu.Unlock()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4 (three for the first job, one for the second)", len(reqs))
	}
	first := reqs[0].Header.Get("Idempotency-Key")
	for i, q := range reqs[:3] {
		if k := q.Header.Get("Idempotency-Key"); k == "" || k != first {
			t.Errorf("attempt %d of the first job's step sent key %q, want %q", i+1, k, first)
		}
	}
	if reqs[3].Header.Get("Idempotency-Key") == first {
		t.Errorf("the second job's step reused the first job's key %q", first)
	}
	jobs, err := recipe.CollectJobs(store.Jobs(context.Background(), recipe.JobQuery{Recipe: "notify"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Status != recipe.JobSucceeded {
			t.Errorf("job %s: %s %s", j.ID, j.Status, j.Error)
		}
	}
}
