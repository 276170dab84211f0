package recipe_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

// countingHooks records hook calls.
type countingHooks struct {
	recipe.NopHooks
	mu       sync.Mutex
	started  int
	finished map[recipe.JobStatus]int
	steps    int
	polls    []recipe.PollResult
	progress [][2]int64
	done     chan string
}

func newHooks() *countingHooks {
	return &countingHooks{finished: map[recipe.JobStatus]int{}, done: make(chan string, 100)}
}

func (h *countingHooks) JobStarted(context.Context, recipe.JobInfo) {
	h.mu.Lock()
	h.started++
	h.mu.Unlock()
}

func (h *countingHooks) JobFinished(_ context.Context, j recipe.JobInfo, r recipe.JobResult) {
	h.mu.Lock()
	h.finished[r.Status]++
	h.mu.Unlock()
	h.done <- j.EventID
}

func (h *countingHooks) StepFinished(context.Context, recipe.JobInfo, recipe.StepRecord) {
	h.mu.Lock()
	h.steps++
	h.mu.Unlock()
}

func (h *countingHooks) PollFinished(_ context.Context, _ string, r recipe.PollResult) {
	h.mu.Lock()
	h.polls = append(h.polls, r)
	h.mu.Unlock()
}

func (h *countingHooks) Progress(_ context.Context, _ string, done, total int64) {
	h.mu.Lock()
	h.progress = append(h.progress, [2]int64{done, total})
	h.mu.Unlock()
}

func TestHooksAndProgress(t *testing.T) {
	h := newHooks()
	trig := recipetest.Data(1, 2, 3, 4, 5)
	trig.PageSize = 2
	r := mustNew(t, "hooks", trig, recipe.Do("n", recorder(), recipe.Pills{"n": `trigger`}))
	res := recipetest.Run(t, r, &recipetest.Options{Hooks: h})
	if res.Succeeded() != 5 || h.started != 5 || h.finished[recipe.JobSucceeded] != 5 || h.steps != 5 {
		t.Fatalf("hooks: started %d finished %v steps %d", h.started, h.finished, h.steps)
	}
	if len(h.polls) != 3 || !h.polls[0].More || h.polls[2].More || h.polls[0].New != 2 {
		t.Errorf("polls = %+v", h.polls)
	}
	want := [][2]int64{{2, 5}, {4, 5}, {5, 5}}
	for i, p := range h.progress {
		if p != want[i] {
			t.Errorf("progress = %v, want %v", h.progress, want)
			break
		}
	}
}

func TestRerunFailedJobFromStoredEvent(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	act := recipetest.NewAction("maybe", func(_ context.Context, in note) (note, error) {
		if fail.Load() {
			return note{}, errors.New("remote said no")
		}
		return in, nil
	})
	r := mustNew(t, "rerun", recipetest.Data(sampleIssues()[0]),
		recipe.Do("maybe", act, recipe.Pills{"text": `trigger.key + " " + trigger.fields.priority.name`}))
	res := recipetest.Run(t, r, nil)
	failed := res.Job(0)
	if failed.Status != recipe.JobFailed || !strings.Contains(failed.Error, "remote said no") || failed.ErrorType != "error" {
		t.Fatalf("job = %+v", failed)
	}
	fail.Store(false)
	ctx := context.Background()
	newID, err := res.Engine.Rerun(ctx, failed.ID)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := res.Engine.RunOnce(ctx)
	if err != nil || sum.Jobs[recipe.JobSucceeded] != 1 {
		t.Fatalf("rerun: %+v %v", sum, err)
	}
	j, err := res.Store.Job(ctx, newID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != recipe.JobSucceeded || j.RerunOf != failed.ID || j.Event.ID != failed.Event.ID {
		t.Fatalf("rerun job = %+v", j)
	}
	if c := act.Calls(); c[len(c)-1].Text != "SUP-1 Highest" {
		t.Errorf("rerun input = %+v", c[len(c)-1])
	}
	if _, err := res.Engine.Rerun(ctx, "nope"); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("rerun of an unknown job: %v", err)
	}
}

func TestRetentionPrunesFinishedJobs(t *testing.T) {
	store := recipe.NewMemoryStore()
	var data []int
	for i := range 10 {
		data = append(data, i)
	}
	r := mustNew(t, "ret", recipetest.Data(data...), recipe.Do("n", recorder(), recipe.Pills{}))
	eng := recipe.NewEngine(store, recipe.WithRetention(recipe.Retention{MaxJobs: 3}), recipe.WithClock(recipetest.NewInstantClock(time.Time{})))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	jobs, _ := recipe.CollectJobs(store.Jobs(context.Background(), recipe.JobQuery{Recipe: "ret"}))
	if len(jobs) != 3 || jobs[0].Event.ID != "10" {
		t.Fatalf("kept %d jobs, newest %v", len(jobs), jobs[0].Event.ID)
	}
}

func TestPollErrorsAndBackOffInRunOnce(t *testing.T) {
	trig := recipetest.Data(1, 2)
	trig.FailNext(trigger.BackOff(time.Hour, "rate limited"))
	r := mustNew(t, "backoff", trig, recipe.Do("n", recorder(), recipe.Pills{}))
	res := recipetest.Run(t, r, nil)
	if !errors.Is(res.Err, trigger.ErrBackOff) || len(res.Jobs) != 0 {
		t.Fatalf("err %v, jobs %d", res.Err, len(res.Jobs))
	}
	sum, err := res.Engine.RunOnce(context.Background())
	if err != nil || sum.Total() != 2 {
		t.Fatalf("second run: %+v %v", sum, err)
	}
}

// TestRunPollsOnScheduleAndHonoursBackOff runs the engine with a fake clock
// it controls: each poll interval passes only when the test says.
func TestRunPollsOnScheduleAndHonoursBackOff(t *testing.T) {
	clock := newManualClock()
	h := newHooks()
	trig := recipetest.Data(1)
	trig.Interval = time.Minute
	r := mustNew(t, "run", trig, recipe.Do("n", recorder(), recipe.Pills{}))
	eng := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithClock(clock), recipe.WithHooks(h))
	_, stop := runEngine(t, eng, r)
	if id := <-h.done; id != "1" {
		t.Fatalf("first job for event %s", id)
	}
	if d := clock.nextWait(t); d != time.Minute {
		t.Fatalf("poller waits %v, want the 1m poll interval", d)
	}
	trig.FailNext(trigger.BackOff(10*time.Minute, "429"))
	clock.fire()
	if d := clock.nextWait(t); d != 10*time.Minute {
		t.Fatalf("after a back-off error the poller waits %v, want 10m", d)
	}
	trig.Add(trigger.Event[int]{ID: "2", Data: 2})
	clock.fire()
	if id := <-h.done; id != "2" {
		t.Fatalf("second job for event %s", id)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// manualClock's After channels fire only when the test calls fire.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	pending []chan time.Time
	waits   chan time.Duration
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), waits: make(chan time.Duration, 100)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	c.pending = append(c.pending, ch)
	c.mu.Unlock()
	c.waits <- d
	return ch
}

func (c *manualClock) nextWait(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.waits:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("the engine never waited")
		return 0
	}
}

func (c *manualClock) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.pending {
		ch <- c.now
	}
	c.pending = nil
}

func TestShutdownLeavesInterruptedJobsResumable(t *testing.T) {
	store := recipe.NewMemoryStore()
	entered := make(chan struct{}, 10)
	var blockOnce atomic.Bool
	blockOnce.Store(true)
	first := recipetest.NewAction("first", func(_ context.Context, in note) (note, error) { return note{Text: "first-out"}, nil })
	slow := recipetest.NewAction("slow", func(ctx context.Context, in note) (note, error) {
		if blockOnce.Load() {
			entered <- struct{}{}
			<-ctx.Done() // only the shutdown timeout ends it
			return note{}, ctx.Err()
		}
		return in, nil
	})
	r := mustNew(t, "resume", recipetest.Data(1),
		recipe.Do("first", first, recipe.Pills{}),
		recipe.Do("slow", slow, recipe.Pills{"text": `first.text`}),
	)
	pending := stopInStep(t, store, r, entered)
	if s := pending[0].Steps; len(s) != 1 || s[0].Name != "first" || pending[0].Status != recipe.JobRunning {
		t.Fatalf("checkpoints = %+v", pending[0])
	}

	// A new engine resumes the job: "first" (checkpointed) does not run again.
	blockOnce.Store(false)
	eng2 := recipe.NewEngine(store)
	if err := eng2.Add(r); err != nil {
		t.Fatal(err)
	}
	sum, err := eng2.RunOnce(context.Background())
	if err != nil || sum.Jobs[recipe.JobSucceeded] != 1 || sum.Events != 0 {
		t.Fatalf("resume: %+v %v", sum, err)
	}
	if n := len(first.Calls()); n != 1 {
		t.Errorf("first ran %d times, want 1", n)
	}
	if c := slow.Calls(); c[len(c)-1].Text != "first-out" {
		t.Errorf("resumed step read %q from the checkpoint", c[len(c)-1].Text)
	}
	j, _ := store.Job(context.Background(), pending[0].ID)
	if len(j.Steps) != 2 || j.Status != recipe.JobSucceeded {
		t.Errorf("job = %+v", j)
	}
}

func TestStopAndStartPersist(t *testing.T) {
	store := recipe.NewMemoryStore()
	r := mustNew(t, "stoppable", recipetest.Data(1), recipe.Do("n", recorder(), recipe.Pills{}))
	eng := recipe.NewEngine(store)
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := eng.Stop(ctx, "stoppable"); err != nil {
		t.Fatal(err)
	}
	sum, err := eng.RunOnce(ctx)
	if err != nil || sum.Events != 0 {
		t.Fatalf("a stopped recipe ran: %+v %v", sum, err)
	}
	eng2 := recipe.NewEngine(store)
	_ = eng2.Add(r)
	if sum, _ := eng2.RunOnce(ctx); sum.Events != 0 {
		t.Fatal("the stopped state did not survive a new engine")
	}
	if err := eng2.Start(ctx, "stoppable"); err != nil {
		t.Fatal(err)
	}
	if sum, _ := eng2.RunOnce(ctx); sum.Total() != 1 {
		t.Fatalf("after Start: %+v", sum)
	}
	if err := eng2.Stop(ctx, "nope"); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("Stop of an unknown recipe: %v", err)
	}
	if err := eng2.Add(r); err == nil {
		t.Error("a recipe name was added twice")
	}
}

// fakeWebhook is a webhook trigger: deliveries are words, each an event
// whose ID is the word (a word starting with "notime" has no time, one
// starting with "epoch" the Unix epoch, as a missing timestamp decodes),
// and the header X-Token must equal the subscription's secret.
type fakeWebhook struct {
	*recipetest.Trigger[int]
	mu           sync.Mutex
	subscribed   []trigger.Subscription // priors passed to Subscribe
	renewed      int
	unsubscribed int
	subs         chan trigger.Subscription
}

func (f *fakeWebhook) Subscribe(_ context.Context, cb string, prior trigger.Subscription) (trigger.Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subscribed = append(f.subscribed, prior)
	s := trigger.Subscription{ID: "sub-1", CallbackURL: cb, Secret: "tok", ExpiresAt: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}
	f.subs <- s
	return s, nil
}

func (f *fakeWebhook) Renew(_ context.Context, s trigger.Subscription) (trigger.Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.renewed++
	s.ExpiresAt = s.ExpiresAt.Add(24 * time.Hour)
	s.ID = "sub-renewed"
	f.subs <- s
	return s, nil
}

func (f *fakeWebhook) Unsubscribe(context.Context, trigger.Subscription) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unsubscribed++
	return nil
}

func (f *fakeWebhook) Parse(sub trigger.Subscription, h http.Header, body []byte) ([]trigger.Event[int], error) {
	if h.Get("X-Token") != sub.Secret.Reveal() {
		return nil, trigger.ErrUnauthenticated
	}
	var out []trigger.Event[int]
	for _, f := range strings.Fields(string(body)) {
		if f == "bad" {
			return nil, errors.New("malformed delivery")
		}
		at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		switch {
		case strings.HasPrefix(f, "notime"):
			at = time.Time{}
		case strings.HasPrefix(f, "epoch"):
			at = time.UnixMilli(0)
		}
		out = append(out, trigger.Event[int]{ID: f, Time: at, Data: len(f)})
	}
	return out, nil
}

func (f *fakeWebhook) RenewBefore() time.Duration { return time.Hour }

func TestWebhookLifecycleAndHandler(t *testing.T) {
	clock := newManualClock()
	store := recipe.NewMemoryStore()
	h := newHooks()
	wh := &fakeWebhook{Trigger: recipetest.Data[int](), subs: make(chan trigger.Subscription, 10)}
	wh.Interval = time.Hour
	rec := recorder()
	r := mustNew(t, "hooked", trigger.Webhook[int](wh), recipe.Do("n", rec, recipe.Pills{"n": `trigger`}))
	eng := recipe.NewEngine(store, recipe.WithClock(clock), recipe.WithHooks(h),
		recipe.WithWebhookBaseURL("https://example.test/hooks/"), recipe.WithMaxBodyBytes(64))
	ctx, stop := runEngine(t, eng, r)
	sub := <-wh.subs
	if sub.CallbackURL != "https://example.test/hooks/hooked" {
		t.Fatalf("callback = %q", sub.CallbackURL)
	}
	// The subscription is stored (Run saves it right after Subscribe returns).
	waitFor(t, func() bool { s, err := store.Subscription(ctx, "hooked"); return err == nil && s.ID == "sub-1" })

	srv := httptest.NewServer(eng.WebhookHandler())
	defer srv.Close()
	post := func(path, token, body string) int { return deliver(t, srv.URL+path, token, body) }
	if code := post("/hooks/hooked", "wrong", "a"); code != http.StatusUnauthorized {
		t.Errorf("bad token: %d", code)
	}
	if code := post("/hooks/hooked", "tok", "bad"); code != http.StatusBadRequest {
		t.Errorf("bad body: %d", code)
	}
	if code := post("/hooks/hooked", "tok", strings.Repeat("x", 100)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("big body: %d", code)
	}
	if code := post("/hooks/nosuch", "tok", "a"); code != http.StatusNotFound {
		t.Errorf("unknown recipe: %d", code)
	}
	if code := post("/hooks/hooked", "tok", "abc de"); code != http.StatusOK {
		t.Fatalf("delivery: %d", code)
	}
	// 200 means stored: the jobs exist before they run.
	jobs, _ := recipe.CollectJobs(store.Jobs(ctx, recipe.JobQuery{Recipe: "hooked"}))
	if len(jobs) != 2 {
		t.Fatalf("jobs after 200: %d", len(jobs))
	}
	if code := post("/hooks/hooked", "tok", "abc"); code != http.StatusOK {
		t.Fatalf("redelivery: %d", code)
	}
	for range 2 {
		<-h.done
	}
	jobs, _ = recipe.CollectJobs(store.Jobs(ctx, recipe.JobQuery{Recipe: "hooked"}))
	if len(jobs) != 2 || len(rec.Calls()) != 2 {
		t.Fatalf("a redelivered event ran again: %d jobs, %d calls", len(jobs), len(rec.Calls()))
	}

	// Renewal: the engine waits until an hour before expiry, then renews.
	clock.fire()
	renewed := <-wh.subs
	if renewed.ID != "sub-renewed" {
		t.Fatalf("renewed = %+v", renewed)
	}
	waitFor(t, func() bool { s, _ := store.Subscription(ctx, "hooked"); return s.ID == "sub-renewed" })

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if wh.unsubscribed != 1 {
		t.Errorf("unsubscribed %d times on shutdown", wh.unsubscribed)
	}
	if _, err := store.Subscription(context.Background(), "hooked"); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("subscription after unsubscribe: %v", err)
	}
}

func TestWebhookKeepsSubscriptionWhenConfigured(t *testing.T) {
	store := recipe.NewMemoryStore()
	wh := &fakeWebhook{Trigger: recipetest.Data[int](), subs: make(chan trigger.Subscription, 10)}
	r := mustNew(t, "kept", trigger.Webhook[int](wh), recipe.Do("n", recorder(), recipe.Pills{}))
	for round := range 2 {
		eng := recipe.NewEngine(store, recipe.WithClock(newManualClock()),
			recipe.WithWebhookBaseURL("https://example.test/hooks"), recipe.WithUnsubscribeOnStop(false))
		_ = eng.Add(r)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- eng.Run(ctx) }()
		<-wh.subs
		waitFor(t, func() bool { _, err := store.Subscription(ctx, "kept"); return err == nil })
		cancel()
		<-done
		wh.mu.Lock()
		prior := wh.subscribed[round]
		wh.mu.Unlock()
		if round == 1 && prior.ID != "sub-1" {
			t.Errorf("the second Subscribe got prior %+v, want the stored subscription", prior)
		}
	}
	if wh.unsubscribed != 0 {
		t.Errorf("unsubscribed %d times", wh.unsubscribed)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

var _ = action.RetryPolicy{}

// runEngine adds r to eng and runs the engine in the background until
// stop, which cancels ctx and returns what Run returned; the engine also
// stops when the test ends.
func runEngine(t *testing.T, eng *recipe.Engine, r *recipe.Recipe) (ctx context.Context, stop func() error) {
	t.Helper()
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	stop = sync.OnceValue(func() error {
		cancel()
		return <-done
	})
	t.Cleanup(func() { _ = stop() })
	return ctx, stop
}

// startupFailStore fails the first PendingJobs or Cursor read, as a store
// that is briefly unreachable when the engine starts.
type startupFailStore struct {
	recipe.Store
	failPending, failCursor atomic.Bool
}

func (s *startupFailStore) PendingJobs(ctx context.Context, name string) ([]recipe.Job, error) {
	if s.failPending.CompareAndSwap(true, false) {
		return nil, errors.New("database is locked")
	}
	return s.Store.PendingJobs(ctx, name)
}

func (s *startupFailStore) Cursor(ctx context.Context, name string) (trigger.Cursor, error) {
	if s.failCursor.CompareAndSwap(true, false) {
		return nil, errors.New("database is locked")
	}
	return s.Store.Cursor(ctx, name)
}

// TestRunRetriesStoreReadsAtStart checks that Run keeps a recipe alive when
// the store fails while the recipe starts: it waits a poll interval, reads
// again and polls, instead of never polling until a restart.
func TestRunRetriesStoreReadsAtStart(t *testing.T) {
	for _, what := range []string{"pending", "cursor"} {
		t.Run(what, func(t *testing.T) {
			store := &startupFailStore{Store: recipe.NewMemoryStore()}
			store.failPending.Store(what == "pending")
			store.failCursor.Store(what == "cursor")
			clock := newManualClock()
			h := newHooks()
			trig := recipetest.Data(1)
			trig.Interval = time.Minute
			r := mustNew(t, "restart", trig, recipe.Do("n", recorder(), recipe.Pills{}))
			eng := recipe.NewEngine(store, recipe.WithClock(clock), recipe.WithHooks(h))
			_, stop := runEngine(t, eng, r)
			if d := clock.nextWait(t); d != time.Minute {
				t.Fatalf("after the store failed the recipe waits %v, want the 1m poll interval", d)
			}
			if n := trig.Polls(); n != 0 {
				t.Fatalf("polled %d times before the store was read", n)
			}
			clock.fire()
			if id := <-h.done; id != "1" {
				t.Fatalf("first job for event %s", id)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRunOnceReportsStoreReadErrors checks that RunOnce does not wait on a
// store that fails at start: it returns the error.
func TestRunOnceReportsStoreReadErrors(t *testing.T) {
	store := &startupFailStore{Store: recipe.NewMemoryStore()}
	store.failCursor.Store(true)
	trig := recipetest.Data(1)
	r := mustNew(t, "once", trig, recipe.Do("n", recorder(), recipe.Pills{}))
	eng := recipe.NewEngine(store, recipe.WithClock(recipetest.NewInstantClock(time.Time{})))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	sum, err := eng.RunOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "database is locked") || trig.Polls() != 0 || sum.Total() != 0 {
		t.Fatalf("RunOnce = %+v, %v after %d polls; want the store error and no poll", sum, err, trig.Polls())
	}
}

// chanInput cannot be encoded as JSON: its record cannot be kept.
type chanInput struct {
	Text string   `expr:"text" json:"text"`
	C    chan int `json:"c"`
}

// TestUnrecordableInputIsLoggedNotHidden checks that a step input that
// cannot be encoded as JSON leaves the record's Input empty, says so in the
// log, and does not stop the action from running.
func TestUnrecordableInputIsLoggedNotHidden(t *testing.T) {
	var logs bytes.Buffer
	act := recipetest.NewAction("chan", func(_ context.Context, in chanInput) (note, error) { return note{Text: in.Text}, nil })
	r := mustNew(t, "chan", recipetest.Data(1), recipe.Do("c", act, recipe.Pills{"text": `"hi"`}))
	res := recipetest.Run(t, r, &recipetest.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if res.Succeeded() != 1 || len(act.Calls()) != 1 {
		t.Fatalf("summary %+v, calls %d", res.Summary, len(act.Calls()))
	}
	if s := res.Step(0, "c"); len(s.Input) != 0 || string(s.Output) != `{"text":"hi","n":0}` {
		t.Errorf("record input %q output %q", s.Input, s.Output)
	}
	if !strings.Contains(logs.String(), "cannot record a step input as JSON") {
		t.Errorf("log %q does not mention the unrecorded input", logs.String())
	}
}

// stopInStep runs r until one of its steps signals entered, stops the
// engine there and returns the one job left pending in store.
func stopInStep(t *testing.T, store recipe.Store, r *recipe.Recipe, entered <-chan struct{}) []recipe.Job {
	t.Helper()
	eng := recipe.NewEngine(store, recipe.WithShutdownTimeout(0))
	_, stop := runEngine(t, eng, r)
	<-entered
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	pending, err := store.PendingJobs(context.Background(), r.Name())
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending = %d, %v", len(pending), err)
	}
	return pending
}
