package recipetest

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
)

// Options configure [Run]. The zero value (or nil) uses a fresh memory
// store and an [InstantClock].
type Options struct {
	// Store keeps the jobs; default recipe.NewMemoryStore().
	Store recipe.Store
	// Clock is the engine's clock; default NewInstantClock(zero time), so
	// retry waits do not slow tests down.
	Clock recipe.Clock
	// Hooks observe the run.
	Hooks recipe.Hooks
	// Logger receives the engine's log.
	Logger *slog.Logger
}

// Result is what a recipe did in [Run].
type Result struct {
	t testing.TB
	// Summary is what Engine.RunOnce returned.
	Summary recipe.Summary
	// Err is the error RunOnce returned (poll errors), nil if none.
	Err error
	// Jobs are the recipe's jobs in the store, oldest first.
	Jobs []recipe.Job
	// Engine is the engine that ran the recipe, for further runs.
	Engine *recipe.Engine
	// Store is the store the engine used.
	Store recipe.Store
}

// Run runs r once (Engine.RunOnce: poll until caught up, run every job) and
// returns its jobs. It fails the test if the engine cannot run.
func Run(t testing.TB, r *recipe.Recipe, opts *Options) *Result {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Store == nil {
		o.Store = recipe.NewMemoryStore()
	}
	if o.Clock == nil {
		o.Clock = NewInstantClock(time.Time{})
	}
	eopts := []recipe.Option{recipe.WithClock(o.Clock)}
	if o.Hooks != nil {
		eopts = append(eopts, recipe.WithHooks(o.Hooks))
	}
	if o.Logger != nil {
		eopts = append(eopts, recipe.WithLogger(o.Logger))
	}
	eng := recipe.NewEngine(o.Store, eopts...)
	if err := eng.Add(r); err != nil {
		t.Fatalf("recipetest: %v", err)
	}
	res := &Result{t: t, Engine: eng, Store: o.Store}
	res.Summary, res.Err = eng.RunOnce(context.Background())
	res.Reload()
	return res
}

// Reload reads the recipe's jobs from the store again (after a further
// RunOnce or Rerun).
func (r *Result) Reload() {
	r.t.Helper()
	var all []recipe.Job
	for _, name := range r.Engine.Recipes() {
		jobs, err := recipe.CollectJobs(r.Store.Jobs(context.Background(), recipe.JobQuery{Recipe: name}))
		if err != nil {
			r.t.Fatalf("recipetest: list jobs: %v", err)
		}
		slices.Reverse(jobs)
		all = append(all, jobs...)
	}
	r.Jobs = all
}

// Count returns the number of jobs with status st.
func (r *Result) Count(st recipe.JobStatus) int {
	n := 0
	for _, j := range r.Jobs {
		if j.Status == st {
			n++
		}
	}
	return n
}

// Succeeded returns the number of succeeded jobs.
func (r *Result) Succeeded() int { return r.Count(recipe.JobSucceeded) }

// Failed returns the number of failed jobs.
func (r *Result) Failed() int { return r.Count(recipe.JobFailed) }

// Job returns job i (0 is the oldest), failing the test if there is none.
func (r *Result) Job(i int) recipe.Job {
	r.t.Helper()
	if i < 0 || i >= len(r.Jobs) {
		r.t.Fatalf("recipetest: job %d asked for, but the recipe has %d jobs", i, len(r.Jobs))
	}
	return r.Jobs[i]
}

// Steps returns every record of the named step in job i, in order (a step
// in a loop or a retried Try block has several).
func (r *Result) Steps(i int, name string) []recipe.StepRecord {
	r.t.Helper()
	var out []recipe.StepRecord
	for _, s := range r.Job(i).Steps {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Step returns the last record of the named step in job i, failing the
// test if the step did not run.
func (r *Result) Step(i int, name string) recipe.StepRecord {
	r.t.Helper()
	steps := r.Steps(i, name)
	if len(steps) == 0 {
		var names []string
		for _, s := range r.Job(i).Steps {
			names = append(names, s.Name)
		}
		r.t.Fatalf("recipetest: job %d has no step %q; it ran %v", i, name, names)
	}
	return steps[len(steps)-1]
}

// Output decodes the output of the named step of job i (its last record).
func Output[T any](r *Result, i int, name string) T {
	r.t.Helper()
	var v T
	s := r.Step(i, name)
	if err := json.Unmarshal(s.Output, &v); err != nil {
		r.t.Fatalf("recipetest: decode output of step %q of job %d: %v", name, i, err)
	}
	return v
}
