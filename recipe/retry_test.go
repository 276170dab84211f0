package recipe_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

// failing returns an action that fails with the errors given, one per call,
// then succeeds; it records the effect of every call.
func failing(errs ...error) (*recipetest.Action[note, note], func() []action.Effect) {
	var mu sync.Mutex
	var effects []action.Effect
	calls := 0
	a := recipetest.NewAction("write", func(ctx context.Context, in note) (note, error) {
		mu.Lock()
		defer mu.Unlock()
		e, _ := action.EffectOf(ctx)
		effects = append(effects, e)
		calls++
		if calls <= len(errs) {
			return note{}, errs[calls-1]
		}
		return in, nil
	})
	return a, func() []action.Effect {
		mu.Lock()
		defer mu.Unlock()
		return append([]action.Effect(nil), effects...)
	}
}

var (
	err503  = action.Retryable(errors.New("503 service unavailable"))
	errPerm = action.Permanent(errors.New("403 forbidden"))
)

func TestStepsRetryRetryableErrorsByDefault(t *testing.T) {
	write, effects := failing(err503, err503)
	clock := recipetest.NewInstantClock(time.Time{})
	r := mustNew(t, "default-retry", recipetest.Data(1), recipe.Do("write", write, recipe.Pills{"text": `"x"`}))
	if got := r.Settings().StepRetry; got != recipe.DefaultStepRetry() {
		t.Errorf("default step retry = %+v", got)
	}
	res := recipetest.Run(t, r, &recipetest.Options{Clock: clock})
	if res.Succeeded() != 1 {
		t.Fatalf("summary %+v: %+v", res.Summary, res.Jobs)
	}
	if st := res.Steps(0, "write"); len(st) != 1 || st[0].Attempts != 3 {
		t.Errorf("step records = %+v, want one with 3 attempts", st)
	}
	if w := clock.Waits(); len(w) != 2 || w[0] != time.Second || w[1] != 2*time.Second {
		t.Errorf("waits = %v, want [1s 2s]", w)
	}
	eff := effects()
	if len(eff) != 3 || eff[0].Key == "" || eff[0].Key != eff[2].Key || eff[0].MayExist || !eff[1].MayExist {
		t.Errorf("effects = %+v: want one key, MayExist from the second attempt", eff)
	}

	// A permanent error is not retried.
	perm, _ := failing(errPerm)
	r = mustNew(t, "permanent", recipetest.Data(1), recipe.Do("write", perm, recipe.Pills{}))
	res = recipetest.Run(t, r, nil)
	if st := res.Steps(0, "write"); len(st) != 1 || st[0].Attempts != 1 || res.Failed() != 1 {
		t.Errorf("a permanent error: records %+v, summary %+v", st, res.Summary)
	}
}

func TestStepRetryCapsAttemptsAndTime(t *testing.T) {
	errs := make([]error, 50)
	for i := range errs {
		errs[i] = err503
	}
	for _, tt := range []struct {
		name     string
		parts    []recipe.Part
		opts     []recipe.StepOption
		attempts int
	}{
		{"RecipeAttempts", []recipe.Part{recipe.StepRetry(action.RetryPolicy{MaxAttempts: 4, InitialInterval: time.Second})}, nil, 4},
		// Waits 1s, 2s, 4s: the fourth attempt would start 7s after the first.
		{"RecipeElapsed", []recipe.Part{recipe.StepRetry(action.RetryPolicy{MaxAttempts: 100, InitialInterval: time.Second, MaxElapsed: 5 * time.Second})}, nil, 3},
		{"StepOverridesRecipe", []recipe.Part{recipe.StepRetry(action.RetryPolicy{MaxAttempts: 4})}, []recipe.StepOption{recipe.Retry(action.RetryPolicy{MaxAttempts: 2})}, 2},
		{"Off", []recipe.Part{recipe.StepRetry(action.RetryPolicy{MaxAttempts: 1})}, nil, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			write, _ := failing(errs...)
			parts := append([]recipe.Part{recipe.Do("write", write, recipe.Pills{}, tt.opts...), recipe.JobRetry(action.RetryPolicy{MaxAttempts: 1})}, tt.parts...)
			res := recipetest.Run(t, mustNew(t, "capped", recipetest.Data(1), parts...), nil)
			if st := res.Steps(0, "write"); len(st) != 1 || st[0].Attempts != tt.attempts || res.Failed() != 1 {
				t.Errorf("records %+v, summary %+v; want %d attempts and a failed job", st, res.Summary, tt.attempts)
			}
		})
	}
	_, err := recipe.New("bad", recipetest.Data(1), recipe.StepRetry(action.RetryPolicy{MaxAttempts: -1}))
	if err == nil || !strings.Contains(err.Error(), "MaxAttempts") {
		t.Errorf("a negative MaxAttempts: %v", err)
	}
	_, err = recipe.New("bad", recipetest.Data(1), recipe.Do("w", recorder(), recipe.Pills{}, recipe.Retry(action.RetryPolicy{MaxElapsed: -time.Second})))
	if err == nil || !strings.Contains(err.Error(), "MaxElapsed") {
		t.Errorf("a negative MaxElapsed: %v", err)
	}
}

// TestFailedJobRunsAgainFromItsCheckpoints: a job whose step keeps failing
// with a retryable error is stored failed with a next attempt; a later
// RunOnce past that time runs it again without running its earlier steps
// again, and the step's effect key is the same and marked MayExist.
func TestFailedJobRunsAgainFromItsCheckpoints(t *testing.T) {
	clock := recipetest.NewInstantClock(time.Time{})
	store := recipe.NewMemoryStore()
	first := recorder()
	write, effects := failing(err503, err503)
	r := mustNew(t, "resume", recipetest.Data(1),
		recipe.StepRetry(action.RetryPolicy{MaxAttempts: 1}),
		recipe.Do("first", first, recipe.Pills{"text": `"first"`}),
		recipe.Do("write", write, recipe.Pills{"text": `first.text + "!"`}),
	)
	eng := recipe.NewEngine(store, recipe.WithClock(clock))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	runOnce := func() recipe.Job {
		t.Helper()
		if _, err := eng.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		jobs, err := recipe.CollectJobs(eng.Jobs(ctx, recipe.JobQuery{Recipe: "resume"}))
		if err != nil || len(jobs) != 1 {
			t.Fatalf("jobs = %+v, %v", jobs, err)
		}
		return jobs[0]
	}
	failedAt := clock.Now()
	j := runOnce()
	if j.Status != recipe.JobFailed || !j.RetryScheduled() || !j.NextAttempt.Equal(failedAt.Add(time.Minute)) || j.Retries != 0 {
		t.Fatalf("after the first run: %s, next attempt %v (want %v), retries %d", j.Status, j.NextAttempt, failedAt.Add(time.Minute), j.Retries)
	}
	// Not due yet: nothing runs.
	if j = runOnce(); j.Retries != 0 || len(effects()) != 1 {
		t.Fatalf("the job ran again before its next attempt: retries %d, write calls %d", j.Retries, len(effects()))
	}
	clock.After(time.Minute)
	failedAt = clock.Now()
	j = runOnce()
	if j.Status != recipe.JobFailed || j.Retries != 1 || !j.NextAttempt.Equal(failedAt.Add(2*time.Minute)) {
		t.Fatalf("after the second run: %s, retries %d, next attempt %v", j.Status, j.Retries, j.NextAttempt)
	}
	clock.After(2 * time.Minute)
	j = runOnce()
	if j.Status != recipe.JobSucceeded || j.Retries != 2 || !j.NextAttempt.IsZero() {
		t.Fatalf("after the third run: %s (%s), retries %d, next attempt %v", j.Status, j.Error, j.Retries, j.NextAttempt)
	}
	if n := len(first.Calls()); n != 1 {
		t.Errorf("the step before the failing one ran %d times, want 1 (its checkpoint replays)", n)
	}
	if len(j.Steps) != 2 || j.Steps[1].Name != "write" || j.Steps[1].Failed() || string(j.Steps[1].Output) != `{"text":"first!","n":0}` {
		t.Errorf("steps = %+v", j.Steps)
	}
	eff := effects()
	if len(eff) != 3 || eff[0].Key != eff[1].Key || eff[1].Key != eff[2].Key || eff[0].MayExist || !eff[1].MayExist || !eff[2].MayExist {
		t.Errorf("effects over the runs = %+v: want one key, MayExist on the reruns", eff)
	}
}

func TestJobRetryStopsAtTheCapAndForFinalErrors(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		err   error
		parts []recipe.Part
		runs  int
	}{
		{"Attempts", err503, []recipe.Part{recipe.JobRetry(action.RetryPolicy{MaxAttempts: 3, InitialInterval: time.Minute})}, 3},
		// Runs at 0, 1m, 3m; the next would start at 7m, past 5m.
		{"Elapsed", err503, []recipe.Part{recipe.JobRetry(action.RetryPolicy{MaxAttempts: 100, InitialInterval: time.Minute, MaxInterval: time.Hour, MaxElapsed: 5 * time.Minute})}, 3},
		{"Permanent", errPerm, nil, 1},
		{"Unknown outcome of a write that is not repeatable", action.ErrOutcomeUnknown, nil, 1},
		{"Off", err503, []recipe.Part{recipe.JobRetry(action.RetryPolicy{MaxAttempts: 1})}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			errs := make([]error, 20)
			for i := range errs {
				errs[i] = tt.err
			}
			write, effects := failing(errs...)
			clock := recipetest.NewInstantClock(time.Time{})
			parts := append([]recipe.Part{recipe.StepRetry(action.RetryPolicy{MaxAttempts: 1}), recipe.Do("write", write, recipe.Pills{})}, tt.parts...)
			eng := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithClock(clock))
			if err := eng.Add(mustNew(t, "capped", recipetest.Data(1), parts...)); err != nil {
				t.Fatal(err)
			}
			for range 30 {
				if _, err := eng.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				clock.After(time.Minute)
			}
			if n := len(effects()); n != tt.runs {
				t.Errorf("the job ran %d times, want %d", n, tt.runs)
			}
			jobs, _ := recipe.CollectJobs(eng.Jobs(ctx, recipe.JobQuery{Recipe: "capped"}))
			if len(jobs) != 1 || jobs[0].Status != recipe.JobFailed || jobs[0].RetryScheduled() {
				t.Errorf("job = %+v; want failed for good", jobs)
			}
		})
	}
}

// TestRerunFailedResumesInPlace: an operator reruns a recipe's failed jobs
// (a final failure included); each resumes from its checkpoints with the
// same effect key, and succeeded jobs are left alone.
func TestRerunFailedResumesInPlace(t *testing.T) {
	ctx := context.Background()
	first := recorder()
	write, effects := failing(errPerm)
	eng := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithClock(recipetest.NewInstantClock(time.Time{})))
	r := mustNew(t, "ops", recipetest.Data(1, 2),
		recipe.Do("first", first, recipe.Pills{"n": `trigger`}),
		recipe.Do("write", write, recipe.Pills{"n": `first.n`}),
	)
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	if sum, err := eng.RunOnce(ctx); err != nil || sum.Jobs[recipe.JobFailed] != 1 || sum.Jobs[recipe.JobSucceeded] != 1 {
		t.Fatalf("first run: %+v, %v", sum, err)
	}
	if _, err := eng.RerunFailed(ctx, "nope"); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("RerunFailed of an unknown recipe: %v", err)
	}
	n, err := eng.RerunFailed(ctx, "ops")
	if err != nil || n != 1 {
		t.Fatalf("RerunFailed = %d, %v", n, err)
	}
	if sum, err := eng.RunOnce(ctx); err != nil || sum.Jobs[recipe.JobSucceeded] != 1 || sum.Total() != 1 {
		t.Fatalf("run after RerunFailed: %+v, %v", sum, err)
	}
	jobs, _ := recipe.CollectJobs(eng.Jobs(ctx, recipe.JobQuery{Recipe: "ops"}))
	for _, j := range jobs {
		if j.Status != recipe.JobSucceeded {
			t.Errorf("job %s is %s", j.ID, j.Status)
		}
	}
	if n := len(first.Calls()); n != 2 {
		t.Errorf("the first step ran %d times for 2 jobs", n)
	}
	eff := effects()
	if len(eff) != 3 || eff[0].Key != eff[2].Key || !eff[2].MayExist {
		t.Errorf("effects = %+v; the rerun must reuse the failed run's key, marked MayExist", eff)
	}
	if n, err := eng.RerunFailed(ctx, "ops"); err != nil || n != 0 {
		t.Errorf("RerunFailed with nothing failed = %d, %v", n, err)
	}
}

// fastClock runs scale times faster than the real clock, so that a running
// engine's waits (poll intervals, retry schedules) pass quickly while the
// code under test waits as it would in production.
type fastClock struct {
	start time.Time
	base  time.Time
	scale time.Duration
}

func newFastClock(scale time.Duration) *fastClock {
	return &fastClock{start: time.Now(), base: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), scale: scale}
}

func (c *fastClock) Now() time.Time { return c.base.Add(time.Since(c.start) * c.scale) }
func (c *fastClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	time.AfterFunc(d/c.scale, func() { ch <- c.Now() })
	return ch
}

// TestRunRetriesFailedJobsOnItsOwn: a running engine runs a job that failed
// with a retryable error again when its next attempt comes, with no call
// from the operator, including a job left failed by an earlier process.
func TestRunRetriesFailedJobsOnItsOwn(t *testing.T) {
	store := recipe.NewMemoryStore()
	clock := newFastClock(1000)
	var fails atomic.Int32
	fails.Store(2)
	write := recipetest.NewAction("write", func(ctx context.Context, in note) (note, error) {
		if fails.Add(-1) >= 0 {
			return note{}, err503
		}
		return in, nil
	})
	trig := recipetest.Data(1)
	trig.Interval = 1000 * time.Hour
	newRecipe := func() *recipe.Recipe {
		return mustNew(t, "auto", trig, recipe.StepRetry(action.RetryPolicy{MaxAttempts: 1}), recipe.Do("write", write, recipe.Pills{}))
	}
	ctx := context.Background()
	// An earlier process ran the job once and left it failed.
	old := recipe.NewEngine(store, recipe.WithClock(clock))
	if err := old.Add(newRecipe()); err != nil {
		t.Fatal(err)
	}
	if sum, err := old.RunOnce(ctx); err != nil || sum.Jobs[recipe.JobFailed] != 1 {
		t.Fatalf("first run: %+v, %v", sum, err)
	}

	eng := recipe.NewEngine(store, recipe.WithClock(clock))
	if err := eng.Add(newRecipe()); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()
	waitFor(t, func() bool {
		j, _ := recipe.CollectJobs(eng.Jobs(ctx, recipe.JobQuery{Recipe: "auto"}))
		return len(j) == 1 && j[0].Status == recipe.JobSucceeded
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	j, _ := recipe.CollectJobs(eng.Jobs(ctx, recipe.JobQuery{Recipe: "auto"}))
	if j[0].Retries != 2 || len(write.Calls()) != 3 {
		t.Errorf("retries %d, write calls %d; want 2 and 3", j[0].Retries, len(write.Calls()))
	}
}
