package recipe_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

// TestServeDropsStalledBody: a sender that announces a 100 kB body and sends
// 2 bytes has its connection closed once the read timeout passes, instead of
// holding it open.
func TestServeDropsStalledBody(t *testing.T) {
	store := recipe.NewMemoryStore()
	wh := newFakeWebhook()
	rec := recorder()
	r := mustNew(t, "slow", trigger.Webhook[int](wh), recipe.Do("n", rec, recipe.Pills{"n": `trigger`}))
	eng := recipe.NewEngine(store, recipe.WithClock(newManualClock()),
		recipe.WithWebhookBaseURL("https://public.example.test/hooks"),
		recipe.WithReadTimeout(200*time.Millisecond))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- recipe.Serve(ctx, ln, eng) }()
	<-wh.subs
	waitFor(t, func() bool { _, err := store.Subscription(ctx, "slow"); return err == nil })

	stalled := func(t *testing.T, addr string, headersOnly bool) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		req := "POST /hooks/slow HTTP/1.1\r\nHost: x\r\nX-Token: tok\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nab"
		if headersOnly {
			req = "POST /hooks/slow HTTP/1.1\r\nHost: x\r\n"
		}
		if _, err := io.WriteString(conn, req); err != nil {
			t.Fatal(err)
		}
		// Wait for the server to close the connection: reads return EOF (after
		// any error answer) once it does. The deadline is far above the
		// timeout; without one the server would hold the connection forever.
		if err := conn.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(io.Discard, conn)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the server still holds the stalled connection 20s after a 200ms read timeout")
		}
	}
	t.Run("Body", func(t *testing.T) { stalled(t, ln.Addr().String(), false) })
	t.Run("Headers", func(t *testing.T) { stalled(t, ln.Addr().String(), true) })
	// Mounted on a server of the caller's that sets no timeouts (as the
	// examples' runner), the handler still bounds the body.
	t.Run("OwnServer", func(t *testing.T) {
		own := httptest.NewServer(eng.WebhookHandler())
		defer own.Close()
		stalled(t, own.Listener.Addr().String(), false)
	})
	if n := len(rec.Calls()); n != 0 {
		t.Errorf("a stalled delivery ran %d jobs", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestWithReadTimeoutRejectsNonPositive(t *testing.T) {
	eng := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithReadTimeout(0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := eng.Run(ctx); err == nil {
		t.Fatal("WithReadTimeout(0) accepted")
	}
}

// TestWebhookRefusesEventsWithoutIDOrTime: a delivery with an event whose ID
// is not valid UTF-8, or that has no time (zero, or the Unix epoch a missing
// timestamp decodes to), is answered 400 and none of its events runs.
func TestWebhookRefusesEventsWithoutIDOrTime(t *testing.T) {
	store := recipe.NewMemoryStore()
	wh := newFakeWebhook()
	rec := recorder()
	r := mustNew(t, "strict", trigger.Webhook[int](wh), recipe.Do("n", rec, recipe.Pills{"n": `trigger`}))
	eng := recipe.NewEngine(store, recipe.WithClock(newManualClock()), recipe.WithWebhookBaseURL("https://example.test/hooks"))
	ctx, stop := runEngine(t, eng, r)
	<-wh.subs
	waitFor(t, func() bool { _, err := store.Subscription(ctx, "strict"); return err == nil })

	for _, body := range []string{"good1 \xffbad", "good5 bad\ufffd", "good2 notime", "epoch good3", "good4 epoch\xff"} {
		if code := postHandler(eng, "/hooks/strict", "tok", body); code != 400 {
			t.Errorf("delivery %q answered %d, want 400", body, code)
		}
	}
	if code := postHandler(eng, "/hooks/strict", "tok", "fine"); code != 200 {
		t.Fatalf("valid delivery answered %d", code)
	}
	waitFor(t, func() bool { return len(rec.Calls()) == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	jobs, err := recipe.CollectJobs(store.Jobs(context.Background(), recipe.JobQuery{Recipe: "strict"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].Event.ID != "fine" {
		var ids []string
		for _, j := range jobs {
			ids = append(ids, fmt.Sprintf("%q at %s", j.Event.ID, j.Event.Time))
		}
		t.Errorf("stored jobs for events %v, want only \"fine\"", ids)
	}
}

// writingStore is a store that writes several jobs at once, as the memory
// store does.
type writingStore interface {
	recipe.Store
	recipe.JobWriter
}

// startRaceStore is a memory store whose first read of the unfinished jobs
// (made as a run starts) waits until the test says, and which tells when
// the run has gone on to read its cursor (after queueing those jobs).
type startRaceStore struct {
	writingStore
	readPending chan struct{} // closed by the test: read the unfinished jobs now
	once        sync.Once
	cursorRead  chan struct{} // closed when the run reads its cursor
	cursorOnce  sync.Once
}

func (s *startRaceStore) PendingJobs(ctx context.Context, name string) ([]recipe.Job, error) {
	s.once.Do(func() { <-s.readPending })
	return s.writingStore.PendingJobs(ctx, name)
}

func (s *startRaceStore) Cursor(ctx context.Context, name string) (trigger.Cursor, error) {
	s.cursorOnce.Do(func() { close(s.cursorRead) })
	return s.writingStore.Cursor(ctx, name)
}

// TestDeliveryAtRunStartRunsItsJobOnce: a webhook delivery stored and
// queued while the run is still reading the unfinished jobs it resumes is
// among those jobs; its job must run once, not once from each.
func TestDeliveryAtRunStartRunsItsJobOnce(t *testing.T) {
	store := &startRaceStore{writingStore: recipe.NewMemoryStore().(writingStore), readPending: make(chan struct{}), cursorRead: make(chan struct{})}
	wh := newFakeWebhook()
	gate := make(chan struct{})
	var calls atomic.Int32
	act := recipetest.NewAction("note", func(_ context.Context, in note) (note, error) {
		if calls.Add(1) == 1 {
			<-gate // the job is running while the run reads the unfinished jobs
		}
		return in, nil
	})
	r := mustNew(t, "race", trigger.Webhook[int](wh), recipe.Do("n", act, recipe.Pills{"n": `trigger`}))
	eng := recipe.NewEngine(store, recipe.WithClock(newManualClock()), recipe.WithWebhookBaseURL("https://example.test/hooks"))
	ctx, stop := runEngine(t, eng, r)
	<-wh.subs
	waitFor(t, func() bool { _, err := store.Subscription(ctx, "race"); return err == nil })
	if code := postHandler(eng, "/hooks/race", "tok", "fine"); code != 200 {
		t.Fatalf("delivery answered %d", code)
	}
	waitFor(t, func() bool { return calls.Load() == 1 })
	close(store.readPending)
	<-store.cursorRead
	close(gate)
	waitFor(t, func() bool {
		jobs, err := recipe.CollectJobs(store.Jobs(ctx, recipe.JobQuery{Recipe: "race", Status: recipe.JobSucceeded}))
		return err == nil && len(jobs) == 1
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the delivered event's step ran %d times, want 1", n)
	}
}

// rerunOnFailStore is a memory store (writing one job at a time) that
// reruns the recipe's failed jobs right after it stores the first failed
// end: before the engine has reported that end.
type rerunOnFailStore struct {
	recipe.Store
	eng   *recipe.Engine
	once  sync.Once
	rerun atomic.Int32 // jobs RerunFailed put back, -1 on error
}

func (s *rerunOnFailStore) FinishJob(ctx context.Context, jobID string, res recipe.JobResult, steps []recipe.StepRecord) error {
	if err := s.Store.FinishJob(ctx, jobID, res, steps); err != nil {
		return err
	}
	if res.Status == recipe.JobFailed {
		s.once.Do(func() {
			n, err := s.eng.RerunFailed(ctx, "rerun")
			if err != nil {
				n = -1
			}
			s.rerun.Store(int32(n))
		})
	}
	return nil
}

// TestRerunRightAfterTheFailedEndIsStoredRunsTheJob: a failed job put back
// to pending the moment its end is stored, before the run has let the job
// go, must still run again in this run instead of staying pending.
func TestRerunRightAfterTheFailedEndIsStoredRunsTheJob(t *testing.T) {
	store := &rerunOnFailStore{Store: recipe.NewMemoryStore()}
	wh := newFakeWebhook()
	var calls atomic.Int32
	act := recipetest.NewAction("note", func(_ context.Context, in note) (note, error) {
		if calls.Add(1) == 1 {
			return note{}, errors.New("remote said no")
		}
		return in, nil
	})
	r := mustNew(t, "rerun", trigger.Webhook[int](wh), recipe.Do("n", act, recipe.Pills{"n": `trigger`}))
	eng := recipe.NewEngine(store, recipe.WithClock(newManualClock()), recipe.WithWebhookBaseURL("https://example.test/hooks"))
	store.eng = eng
	ctx, stop := runEngine(t, eng, r)
	<-wh.subs
	waitFor(t, func() bool { _, err := store.Subscription(ctx, "rerun"); return err == nil })
	if code := postHandler(eng, "/hooks/rerun", "tok", "fine"); code != 200 {
		t.Fatalf("delivery answered %d", code)
	}
	waitFor(t, func() bool {
		jobs, err := recipe.CollectJobs(store.Jobs(ctx, recipe.JobQuery{Recipe: "rerun", Status: recipe.JobSucceeded}))
		return err == nil && len(jobs) == 1
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := store.rerun.Load(); n != 1 {
		t.Errorf("RerunFailed put back %d jobs, want 1", n)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("the step ran %d times, want 2", n)
	}
}
