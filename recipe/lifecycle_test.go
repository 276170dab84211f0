package recipe_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

// addrHandler is a slog handler that reports the address ListenAndServe
// logs when it starts serving.
type addrHandler struct{ addr chan string }

func (h addrHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h addrHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h addrHandler) WithGroup(string) slog.Handler            { return h }
func (h addrHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "serving webhooks" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "addr" {
			h.addr <- a.Value.String()
			return false
		}
		return true
	})
	return nil
}

func newFakeWebhook() *fakeWebhook {
	wh := &fakeWebhook{Trigger: recipetest.Data[int](), subs: make(chan trigger.Subscription, 10)}
	wh.Interval = 1000 * time.Hour
	return wh
}

func (f *fakeWebhook) unsubscribes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.unsubscribed
}

func deliver(t *testing.T, url, token, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestListenAndServeDeliversAndStopsWithContext(t *testing.T) {
	store := recipe.NewMemoryStore()
	h := newHooks()
	wh := newFakeWebhook()
	rec := recorder()
	r := mustNew(t, "served", trigger.Webhook[int](wh), recipe.Do("n", rec, recipe.Pills{"n": `trigger`}))
	addrs := make(chan string, 1)
	eng := recipe.NewEngine(store, recipe.WithClock(newManualClock()), recipe.WithHooks(h),
		recipe.WithLogger(slog.New(addrHandler{addr: addrs})),
		recipe.WithWebhookBaseURL("https://public.example.test/hooks"))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- recipe.ListenAndServe(ctx, "127.0.0.1:0", eng) }()
	addr := <-addrs
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("logged address %q is not the bound one", addr)
	}
	<-wh.subs
	waitFor(t, func() bool { _, err := store.Subscription(ctx, "served"); return err == nil })

	base := "http://" + addr
	if code := deliver(t, base+"/hooks/served", "tok", "a bb"); code != http.StatusOK {
		t.Fatalf("delivery: %d", code)
	}
	for range 2 {
		<-h.done
	}
	if n := len(rec.Calls()); n != 2 {
		t.Fatalf("the delivery ran %d jobs, want 2", n)
	}
	if code := deliver(t, base+"/elsewhere/served", "tok", "c"); code != http.StatusNotFound {
		t.Errorf("delivery outside the base path: %d, want 404", code)
	}
	if code := deliver(t, base+"/hooks/served", "forged", "c"); code != http.StatusUnauthorized {
		t.Errorf("forged delivery: %d, want 401", code)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe after the context ended: %v", err)
	}
	if n := wh.unsubscribes(); n != 1 {
		t.Errorf("unsubscribed %d times on shutdown, want 1", n)
	}
	if _, err := http.Post(base+"/hooks/served", "text/plain", strings.NewReader("d")); err == nil {
		t.Error("the server still answers after ListenAndServe returned")
	}
}

func TestListenAndServeReportsBadSetup(t *testing.T) {
	ctx := context.Background()
	eng := recipe.NewEngine(recipe.NewMemoryStore())
	if err := recipe.ListenAndServe(ctx, "127.0.0.1:-1", eng); err == nil || !strings.Contains(err.Error(), "listen on 127.0.0.1:-1") {
		t.Errorf("bad address: %v", err)
	}
	bad := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithWebhookBaseURL("hooks"))
	if err := recipe.ListenAndServe(ctx, "127.0.0.1:0", bad); err == nil || !strings.Contains(err.Error(), "absolute http(s) URL") {
		t.Errorf("bad base URL: %v", err)
	}
	if err := recipe.ListenAndServe(ctx, "127.0.0.1:0", nil); err == nil {
		t.Error("nil engine accepted")
	}
}

func TestServeOnCallersListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := newHooks()
	trig := recipetest.Data(7)
	trig.Interval = 1000 * time.Hour
	r := mustNew(t, "polled", trig, recipe.Do("n", recorder(), recipe.Pills{"n": `trigger`}))
	eng := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithHooks(h), recipe.WithClock(newManualClock()))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- recipe.Serve(ctx, ln, eng) }()
	if id := <-h.done; id != "1" {
		t.Fatalf("job for event %s", id)
	}
	// Without a webhook base URL the handler sits at the root: a recipe
	// whose trigger is not a webhook answers 404.
	if code := deliver(t, "http://"+ln.Addr().String()+"/polled", "", "x"); code != http.StatusNotFound {
		t.Errorf("delivery to a polling recipe: %d", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the listener is still open after Serve returned")
	}
}

func TestStopRemovesWebhookRegistration(t *testing.T) {
	for _, keep := range []bool{false, true} {
		name := map[bool]string{false: "Unsubscribe", true: "Keep"}[keep]
		t.Run(name, func(t *testing.T) {
			store := recipe.NewMemoryStore()
			wh := newFakeWebhook()
			r := mustNew(t, "stopme", trigger.Webhook[int](wh), recipe.Do("n", recorder(), recipe.Pills{}))
			eng := recipe.NewEngine(store, recipe.WithClock(newManualClock()),
				recipe.WithWebhookBaseURL("https://example.test/hooks"), recipe.WithUnsubscribeOnStop(!keep))
			ctx, stop := runEngine(t, eng, r)
			<-wh.subs
			waitFor(t, func() bool { _, err := store.Subscription(ctx, "stopme"); return err == nil })

			if err := eng.Stop(ctx, "stopme"); err != nil {
				t.Fatal(err)
			}
			st, err := store.State(ctx, "stopme")
			if err != nil || !st.Stopped {
				t.Fatalf("state after Stop = %+v, %v", st, err)
			}
			_, subErr := store.Subscription(ctx, "stopme")
			code := postHandler(eng, "/hooks/stopme", "tok", "late")
			if keep {
				if n := wh.unsubscribes(); n != 0 {
					t.Errorf("unsubscribed %d times with WithUnsubscribeOnStop(false)", n)
				}
				if subErr != nil {
					t.Errorf("the stored subscription is gone: %v", subErr)
				}
				// The registration stays, so deliveries are still stored,
				// as pending jobs for when the recipe starts again.
				if code != http.StatusOK {
					t.Errorf("delivery to a stopped recipe that keeps its registration: %d", code)
				}
				pending, _ := store.PendingJobs(ctx, "stopme")
				if len(pending) != 1 {
					t.Errorf("pending jobs = %d, want 1", len(pending))
				}
			} else {
				if n := wh.unsubscribes(); n != 1 {
					t.Errorf("unsubscribed %d times on Stop, want 1", n)
				}
				if !errors.Is(subErr, recipe.ErrNotFound) {
					t.Errorf("stored subscription after Stop: %v", subErr)
				}
				if code != http.StatusNotFound {
					t.Errorf("delivery after the registration was removed: %d, want 404", code)
				}
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			want := map[bool]int{false: 1, true: 0}[keep]
			if n := wh.unsubscribes(); n != want {
				t.Errorf("after shutdown: unsubscribed %d times, want %d", n, want)
			}
		})
	}
}

// postHandler delivers body to the engine's handler in process.
func postHandler(eng *recipe.Engine, path, token, body string) int {
	req, _ := http.NewRequest(http.MethodPost, "https://example.test"+path, strings.NewReader(body))
	req.Header.Set("X-Token", token)
	rw := &statusRecorder{header: http.Header{}}
	eng.WebhookHandler().ServeHTTP(rw, req)
	return rw.code
}

type statusRecorder struct {
	header http.Header
	code   int
}

func (r *statusRecorder) Header() http.Header { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return len(b), nil
}
func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

// flakyWebhook fails its first subscriptions.
type flakyWebhook struct {
	*fakeWebhook
	fmu   sync.Mutex
	fails int
}

func (f *flakyWebhook) Subscribe(ctx context.Context, cb string, prior trigger.Subscription) (trigger.Subscription, error) {
	f.fmu.Lock()
	if f.fails > 0 {
		f.fails--
		f.fmu.Unlock()
		return trigger.Subscription{}, errors.New("remote answered 503")
	}
	f.fmu.Unlock()
	return f.fakeWebhook.Subscribe(ctx, cb, prior)
}

func TestWebhookSubscribeRetryBacksOff(t *testing.T) {
	cases := []struct {
		name  string
		opt   recipe.Option
		fails int
		want  []time.Duration
	}{
		{"Configured", recipe.WithSubscribeRetry(time.Second, 4*time.Second), 5,
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}},
		{"Default", nil, 2, []time.Duration{30 * time.Second, time.Minute}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := newManualClock()
			store := recipe.NewMemoryStore()
			wh := &flakyWebhook{fakeWebhook: newFakeWebhook(), fails: tc.fails}
			r := mustNew(t, "flaky", trigger.Webhook[int](wh), recipe.Do("n", recorder(), recipe.Pills{}))
			eng := recipe.NewEngine(store, recipe.WithClock(clock), tc.opt,
				recipe.WithWebhookBaseURL("https://example.test/hooks"))
			ctx, stop := runEngine(t, eng, r)
			var got []time.Duration
			for len(got) < len(tc.want) {
				d := clock.nextWait(t)
				if d >= time.Hour { // the poll interval, not a retry
					continue
				}
				got = append(got, d)
				clock.fire()
			}
			sub := <-wh.subs
			if sub.ID != "sub-1" {
				t.Fatalf("subscription = %+v", sub)
			}
			waitFor(t, func() bool { _, err := store.Subscription(ctx, "flaky"); return err == nil })
			for i := range tc.want {
				if got[i] != tc.want[i] {
					t.Fatalf("retry waits = %v, want %v", got, tc.want)
				}
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWithSubscribeRetryRejectsBadWaits(t *testing.T) {
	for _, w := range [][2]time.Duration{{0, time.Minute}, {-time.Second, time.Minute}, {time.Minute, time.Second}} {
		eng := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithSubscribeRetry(w[0], w[1]))
		err := eng.Run(context.Background())
		if err == nil || !strings.Contains(err.Error(), "WithSubscribeRetry") {
			t.Errorf("WithSubscribeRetry(%v, %v): Run returned %v", w[0], w[1], err)
		}
	}
}
