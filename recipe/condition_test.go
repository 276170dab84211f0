package recipe_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

// finishFailStore fails the first FinishJob, as a store briefly unable to
// write.
type finishFailStore struct {
	recipe.Store
	fail atomic.Bool
}

func (s *finishFailStore) FinishJob(ctx context.Context, id string, res recipe.JobResult, steps []recipe.StepRecord) error {
	if s.fail.CompareAndSwap(true, false) {
		return errors.New("database is locked")
	}
	return s.Store.FinishJob(ctx, id, res, steps)
}

// TestUnevaluableConditionNeverRunsSteps checks that an event whose trigger
// condition cannot be evaluated is stored failed with the page: a store
// write failing afterwards cannot leave it pending, and a later run does
// not resume it and run its steps without the condition.
func TestUnevaluableConditionNeverRunsSteps(t *testing.T) {
	store := &finishFailStore{Store: recipe.NewMemoryStore()}
	store.fail.Store(true)
	rec := recorder()
	// SUP-3 has no priority: reading its name fails.
	trig := recipetest.Data(sampleIssues()[2])
	r := mustNew(t, "cond", trig,
		recipe.When(`trigger.fields.priority.name != "Low"`),
		recipe.Do("n", rec, recipe.Pills{"text": `trigger.key`}),
	)
	eng := recipe.NewEngine(store, recipe.WithClock(recipetest.NewInstantClock(time.Time{})))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for i := range 2 {
		if _, err := eng.RunOnce(ctx); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	if calls := rec.Calls(); len(calls) != 0 {
		t.Fatalf("the step ran %d times for an event whose condition could not be evaluated: %v", len(calls), texts(calls))
	}
	pending, err := store.PendingJobs(ctx, "cond")
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending jobs = %d (%v), want none", len(pending), err)
	}
	jobs, err := recipe.CollectJobs(eng.Jobs(ctx, recipe.JobQuery{Recipe: "cond"}))
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs = %d (%v), want one", len(jobs), err)
	}
	j := jobs[0]
	if j.Status != recipe.JobFailed || j.ErrorType != "pill" || !strings.Contains(j.Error, `field "when"`) || j.Finished.IsZero() || len(j.Steps) != 0 {
		t.Errorf("job = %+v, want failed with a pill error on the condition, finished, no steps", j)
	}
}
