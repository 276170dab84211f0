package recipetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
)

// TestJobWriter is the conformance suite for stores that implement
// recipe.JobWriter, beside [TestStore]. open must return a new, empty
// store that implements it; TestJobWriter closes it.
func TestJobWriter(t *testing.T, open func(t *testing.T) recipe.Store) {
	t.Helper()
	run := func(name string, f func(t *testing.T, ctx context.Context, s recipe.Store, w recipe.JobWriter)) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			w, ok := s.(recipe.JobWriter)
			if !ok {
				t.Fatalf("%T does not implement recipe.JobWriter", s)
			}
			f(t, context.Background(), s, w)
		})
	}
	run("WritesCheckpointsAndEnds", testWriteJobs)
	run("RefusedWritesFailAlone", testWriteJobsRefused)
	run("RefusedMarksFailAlone", testWriteJobsRefusedMarks)
	run("ConcurrentWriters", testWriteJobsConcurrent)
}

func acceptJobs(t *testing.T, ctx context.Context, s recipe.Store, ids ...string) {
	t.Helper()
	b := recipe.Batch{Recipe: "r", At: t0}
	for _, id := range ids {
		b.Jobs = append(b.Jobs, newJob("r", id, "e-"+id))
	}
	_, err := s.Accept(ctx, b)
	must(t, err)
}

// testWriteJobs: checkpoints (with and without records) and ends of
// several jobs in one call are each stored as SaveSteps and FinishJob
// store them.
func testWriteJobs(t *testing.T, ctx context.Context, s recipe.Store, w recipe.JobWriter) {
	acceptJobs(t, ctx, s, "mark", "save", "done", "failed")
	fin := t0.Add(time.Minute)
	retry := t0.Add(time.Hour)
	errs := w.WriteJobs(ctx, []recipe.JobWrite{
		{JobID: "mark"},
		{JobID: "save", Steps: []recipe.StepRecord{{Seq: 0, Name: "a", Output: []byte(`{"n":1}`), Attempts: 1, Started: t0}}},
		{JobID: "done", Steps: []recipe.StepRecord{{Seq: 0, Name: "a", Attempts: 1}, {Seq: 1, Name: "b", Attempts: 2}},
			Result: &recipe.JobResult{Status: recipe.JobSucceeded, Message: "ok", Finished: fin}},
		{JobID: "failed", Result: &recipe.JobResult{Status: recipe.JobFailed, Error: "boom", ErrorType: "retryable", Finished: fin, NextAttempt: retry}},
	})
	if errs != nil {
		t.Fatalf("WriteJobs: %v", errs)
	}
	for id, want := range map[string]string{
		"mark":   "running|0|",
		"save":   `running|1|{"n":1}`,
		"done":   "succeeded|2|",
		"failed": "failed|0|",
	} {
		j, err := s.Job(ctx, id)
		must(t, err)
		out := ""
		if len(j.Steps) > 0 {
			out = string(j.Steps[0].Output)
		}
		eq(t, id, fmt.Sprintf("%s|%d|%s", j.Status, len(j.Steps), out), want)
	}
	done, err := s.Job(ctx, "done")
	must(t, err)
	eq(t, "message", done.Message, "ok")
	if !done.Finished.Equal(fin) {
		t.Errorf("finished = %v, want %v", done.Finished, fin)
	}
	failed, err := s.Job(ctx, "failed")
	must(t, err)
	if !failed.NextAttempt.Equal(retry) {
		t.Errorf("next attempt = %v, want %v", failed.NextAttempt, retry)
	}
	if errs := w.WriteJobs(ctx, nil); errs != nil {
		t.Errorf("WriteJobs of nothing: %v", errs)
	}
}

// testWriteJobsRefused: a write to a missing or finished job, or with a
// status that is not final, fails alone; the others are stored.
func testWriteJobsRefused(t *testing.T, ctx context.Context, s recipe.Store, w recipe.JobWriter) {
	acceptJobs(t, ctx, s, "ok1", "finished", "notfinal", "ok2")
	must(t, s.FinishJob(ctx, "finished", recipe.JobResult{Status: recipe.JobSucceeded, Finished: t0}, nil))
	end := &recipe.JobResult{Status: recipe.JobSucceeded, Finished: t0}
	errs := w.WriteJobs(ctx, []recipe.JobWrite{
		{JobID: "ok1", Result: end, Steps: []recipe.StepRecord{{Seq: 0, Name: "a"}}},
		{JobID: "missing", Result: end},
		{JobID: "finished", Steps: []recipe.StepRecord{{Seq: 3, Name: "late"}}},
		{JobID: "notfinal", Result: &recipe.JobResult{Status: recipe.JobRunning}},
		{JobID: "missing", Steps: []recipe.StepRecord{{Seq: 0, Name: "a"}}},
		{JobID: "ok2"},
	})
	if len(errs) != 6 {
		t.Fatalf("WriteJobs returned %d errors for 6 writes: %v", len(errs), errs)
	}
	for i, failed := range []bool{false, true, true, true, true, false} {
		if (errs[i] != nil) != failed {
			t.Errorf("write %d: error %v, want failure %v", i, errs[i], failed)
		}
	}
	if !errors.Is(errs[1], recipe.ErrNotFound) || !errors.Is(errs[4], recipe.ErrNotFound) {
		t.Errorf("writes to a missing job: %v, %v; want errors wrapping ErrNotFound", errs[1], errs[4])
	}
	for id, want := range map[string]string{"ok1": "succeeded|1", "finished": "succeeded|0", "notfinal": "pending|0", "ok2": "running|0"} {
		j, err := s.Job(ctx, id)
		must(t, err)
		eq(t, id, fmt.Sprintf("%s|%d", j.Status, len(j.Steps)), want)
	}
}

// testWriteJobsRefusedMarks: among running marks written together (the
// jobs the engine takes ahead), those of a missing or finished job fail
// alone and the others mark their jobs running, also when a job is named
// twice.
func testWriteJobsRefusedMarks(t *testing.T, ctx context.Context, s recipe.Store, w recipe.JobWriter) {
	acceptJobs(t, ctx, s, "a", "finished", "b", "c")
	must(t, s.FinishJob(ctx, "finished", recipe.JobResult{Status: recipe.JobSucceeded, Finished: t0}, nil))
	ids := []string{"a", "missing", "finished", "b", "b", "c"}
	ws := make([]recipe.JobWrite, len(ids))
	for i, id := range ids {
		ws[i] = recipe.JobWrite{JobID: id}
	}
	errs := w.WriteJobs(ctx, ws)
	if len(errs) != len(ids) {
		t.Fatalf("WriteJobs returned %d errors for %d writes: %v", len(errs), len(ids), errs)
	}
	for i, id := range ids {
		failed := id == "missing" || id == "finished"
		if (errs[i] != nil) != failed {
			t.Errorf("mark of %s: error %v, want failure %v", id, errs[i], failed)
		}
	}
	if !errors.Is(errs[1], recipe.ErrNotFound) {
		t.Errorf("mark of a missing job: %v; want an error wrapping ErrNotFound", errs[1])
	}
	for id, want := range map[string]recipe.JobStatus{"a": recipe.JobRunning, "b": recipe.JobRunning, "c": recipe.JobRunning, "finished": recipe.JobSucceeded} {
		j, err := s.Job(ctx, id)
		must(t, err)
		eq(t, id, j.Status, want)
	}
}

// testWriteJobsConcurrent: calls from several goroutines at once each
// store every one of their writes.
func testWriteJobsConcurrent(t *testing.T, ctx context.Context, s recipe.Store, w recipe.JobWriter) {
	const writers, perCall, calls = 4, 5, 10
	var ids []string
	for i := range writers * perCall * calls {
		ids = append(ids, fmt.Sprintf("j%d", i))
	}
	acceptJobs(t, ctx, s, ids...)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range calls {
				var ws []recipe.JobWrite
				for k := range perCall {
					id := ids[(g*calls+c)*perCall+k]
					ws = append(ws, recipe.JobWrite{JobID: id, Steps: []recipe.StepRecord{{Seq: 0, Name: id}},
						Result: &recipe.JobResult{Status: recipe.JobSucceeded, Finished: t0}})
				}
				if errs := w.WriteJobs(ctx, ws); errs != nil {
					t.Errorf("WriteJobs: %v", errs)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		j, err := s.Job(ctx, id)
		must(t, err)
		if j.Status != recipe.JobSucceeded || len(j.Steps) != 1 || j.Steps[0].Name != id {
			t.Errorf("job %s: %s with steps %+v", id, j.Status, j.Steps)
		}
	}
}
