package recipetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/trigger"
)

// TestStore is the conformance suite for recipe.Store implementations.
// open must return a new, empty store; TestStore closes it.
func TestStore(t *testing.T, open func(t *testing.T) recipe.Store) {
	t.Helper()
	run := func(name string, f func(t *testing.T, ctx context.Context, s recipe.Store)) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			f(t, context.Background(), s)
		})
	}
	run("AcceptDedupsAndMovesCursor", testAccept)
	run("AcceptIsAtomic", testAcceptAtomic)
	run("AcceptKeepsFailedJobs", testAcceptFailed)
	run("ConcurrentAcceptStoresEachEventOnce", testAcceptConcurrent)
	run("PendingJobsAndCheckpoints", testPending)
	run("FinishJob", testFinish)
	run("JobsQuery", testJobsQuery)
	run("JobsIteratesOverEveryJob", testJobsIterate)
	run("JobsFilterAndPage", testJobsFilterAndPage)
	run("JobCounts", testJobCounts)
	run("StepStats", testStepStats)
	run("AddJobBypassesLedger", testAddJob)
	run("Subscriptions", testSubscriptions)
	run("RecipeState", testState)
	run("Prune", testPrune)
	run("RetryJob", testRetryJob)
	run("Values", testValues)
}

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func newJob(recipeName, id, eventID string) recipe.Job {
	return recipe.Job{
		ID:      id,
		Recipe:  recipeName,
		Event:   recipe.EventRecord{ID: eventID, Time: t0, Data: []byte(`{"key":"` + eventID + `"}`)},
		Status:  recipe.JobPending,
		Created: t0,
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ids(jobs []recipe.Job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func testAccept(t *testing.T, ctx context.Context, s recipe.Store) {
	c, err := s.Cursor(ctx, "r")
	must(t, err)
	if c != nil {
		t.Fatalf("cursor of a new recipe = %q, want nil", c)
	}
	res, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "j1", "e1"), newJob("r", "j2", "e2"), newJob("r", "j2b", "e2")},
		Dropped: []string{"d1"}, Cursor: trigger.Cursor("c1"), SetCursor: true, At: t0})
	must(t, err)
	eq(t, "stored", fmt.Sprint(res.Stored), "[true true false]")
	eq(t, "new dropped", fmt.Sprint(res.DroppedNew), "[true]")
	c, err = s.Cursor(ctx, "r")
	must(t, err)
	eq(t, "cursor", string(c), "c1")

	res, err = s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "j3", "e2"), newJob("r", "j4", "e3"), newJob("r", "j5", "d1")},
		Dropped: []string{"d1", "d2", "d3", "d2"}, At: t0})
	must(t, err)
	eq(t, "stored", fmt.Sprint(res.Stored), "[false true false]")
	eq(t, "new dropped (d1 seen before, d2 twice in the batch)", fmt.Sprint(res.DroppedNew), "[false true true false]")
	c, err = s.Cursor(ctx, "r")
	must(t, err)
	eq(t, "cursor after a batch without SetCursor", string(c), "c1")

	// The ledger and the cursor are per recipe.
	res, err = s.Accept(ctx, recipe.Batch{Recipe: "other", Jobs: []recipe.Job{newJob("other", "o1", "e1")}, At: t0})
	must(t, err)
	eq(t, "other recipe stored", fmt.Sprint(res.Stored), "[true]")
	c, err = s.Cursor(ctx, "other")
	must(t, err)
	if c != nil {
		t.Errorf("other recipe's cursor = %q", c)
	}
	pending, err := s.PendingJobs(ctx, "r")
	must(t, err)
	eq(t, "pending", fmt.Sprint(ids(pending)), "[j1 j2 j4]")
	j := pending[0]
	eq(t, "event id", j.Event.ID, "e1")
	eq(t, "event data", string(j.Event.Data), `{"key":"e1"}`)
	eq(t, "status", j.Status, recipe.JobPending)
	if !j.Event.Time.Equal(t0) || !j.Created.Equal(t0) {
		t.Errorf("times = %v %v", j.Event.Time, j.Created)
	}
}

// testAcceptFailed checks that a job accepted already failed (its trigger
// condition could not be evaluated) keeps its result and is not pending.
func testAcceptFailed(t *testing.T, ctx context.Context, s recipe.Store) {
	bad := newJob("r", "j2", "e2")
	bad.Status, bad.Error, bad.ErrorType, bad.Finished = recipe.JobFailed, `step "", field "when": nil`, "pill", t0.Add(time.Second)
	res, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "j1", "e1"), bad}, At: t0})
	must(t, err)
	eq(t, "stored", fmt.Sprint(res.Stored), "[true true]")
	pending, err := s.PendingJobs(ctx, "r")
	must(t, err)
	eq(t, "pending", fmt.Sprint(ids(pending)), "[j1]")
	j, err := s.Job(ctx, "j2")
	must(t, err)
	eq(t, "status", j.Status, recipe.JobFailed)
	eq(t, "error", j.Error, bad.Error)
	eq(t, "error type", j.ErrorType, "pill")
	if !j.Finished.Equal(bad.Finished) {
		t.Errorf("finished = %v, want %v", j.Finished, bad.Finished)
	}
}

func testAcceptAtomic(t *testing.T, ctx context.Context, s recipe.Store) {
	_, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "j1", "e1")}, Cursor: trigger.Cursor("c1"), SetCursor: true, At: t0})
	must(t, err)
	// A batch that cannot be stored (a job ID that exists) changes nothing.
	_, err = s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "j2", "e2"), newJob("r", "j1", "e3")},
		Dropped: []string{"d9"}, Cursor: trigger.Cursor("c2"), SetCursor: true, At: t0})
	if err == nil {
		t.Fatal("Accept with a duplicate job ID succeeded")
	}
	c, err := s.Cursor(ctx, "r")
	must(t, err)
	eq(t, "cursor", string(c), "c1")
	res, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "j2", "e2"), newJob("r", "j3", "e3")}, Dropped: []string{"d9"}, At: t0})
	must(t, err)
	eq(t, "stored after a failed batch", fmt.Sprint(res.Stored), "[true true]")
	eq(t, "dropped after a failed batch", fmt.Sprint(res.DroppedNew), "[true]")
	// A cancelled context stores nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Accept(cctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "j9", "e9")}, At: t0}); err == nil {
		t.Error("Accept with a cancelled context succeeded")
	}
	if _, err := s.Job(ctx, "j9"); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("job of a cancelled Accept: %v", err)
	}
}

func testAcceptConcurrent(t *testing.T, ctx context.Context, s recipe.Store) {
	const workers, events = 4, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored := 0
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for e := range events {
				res, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", fmt.Sprintf("w%d-e%d", w, e), fmt.Sprintf("e%d", e))}, At: t0})
				if err != nil {
					errs <- err
					return
				}
				if res.Stored[0] {
					mu.Lock()
					stored++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	eq(t, "stored", stored, events)
	pending, err := s.PendingJobs(ctx, "r")
	must(t, err)
	eq(t, "pending", len(pending), events)
}

func testPending(t *testing.T, ctx context.Context, s recipe.Store) {
	_, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "j1", "e1"), newJob("r", "j2", "e2")}, At: t0})
	must(t, err)
	steps := []recipe.StepRecord{
		{Seq: 0, Name: "a", Action: "x.a", Input: []byte(`{"in":1}`), Output: []byte(`{"out":1}`), Attempts: 1, Started: t0, Duration: time.Second},
		{Seq: 1, Name: "b", Error: "boom", ErrorType: "retryable", Retryable: true, Attempts: 2, Started: t0},
	}
	must(t, s.SaveSteps(ctx, "j1", steps))
	// Saving a Seq again replaces it.
	must(t, s.SaveSteps(ctx, "j1", []recipe.StepRecord{{Seq: 1, Name: "b", Output: []byte(`2`), Attempts: 3, Started: t0}}))
	pending, err := s.PendingJobs(ctx, "r")
	must(t, err)
	eq(t, "pending", fmt.Sprint(ids(pending)), "[j1 j2]")
	j := pending[0]
	eq(t, "status", j.Status, recipe.JobRunning)
	if len(j.Steps) != 2 {
		t.Fatalf("steps = %+v", j.Steps)
	}
	a, b := j.Steps[0], j.Steps[1]
	eq(t, "a", fmt.Sprintf("%d %s %s %s %s %d %v", a.Seq, a.Name, a.Action, a.Input, a.Output, a.Attempts, a.Duration), `0 a x.a {"in":1} {"out":1} 1 1s`)
	eq(t, "b", fmt.Sprintf("%d %s %q %s %d", b.Seq, b.Name, b.Error, b.Output, b.Attempts), `1 b "" 2 3`)
	if !a.Started.Equal(t0) {
		t.Errorf("started = %v", a.Started)
	}
	eq(t, "steps of j2", len(pending[1].Steps), 0)
	if err := s.SaveSteps(ctx, "nope", steps); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("SaveSteps of an unknown job: %v", err)
	}
}

func testFinish(t *testing.T, ctx context.Context, s recipe.Store) {
	_, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "j1", "e1")}, At: t0})
	must(t, err)
	must(t, s.SaveSteps(ctx, "j1", []recipe.StepRecord{{Seq: 0, Name: "a", Attempts: 1}}))
	if err := s.FinishJob(ctx, "j1", recipe.JobResult{Status: recipe.JobRunning}, nil); err == nil {
		t.Error("FinishJob accepted a status that is not final")
	}
	fin := t0.Add(time.Minute)
	must(t, s.FinishJob(ctx, "j1", recipe.JobResult{Status: recipe.JobFailed, Error: "step \"b\": boom", ErrorType: "error", Message: "m", Finished: fin},
		[]recipe.StepRecord{{Seq: 1, Name: "b", Error: "boom", Attempts: 1}}))
	j, err := s.Job(ctx, "j1")
	must(t, err)
	eq(t, "result", fmt.Sprintf("%s|%s|%s|%s|%d", j.Status, j.Error, j.ErrorType, j.Message, len(j.Steps)), `failed|step "b": boom|error|m|2`)
	if !j.Finished.Equal(fin) {
		t.Errorf("finished = %v", j.Finished)
	}
	if err := s.FinishJob(ctx, "j1", recipe.JobResult{Status: recipe.JobSucceeded, Finished: fin}, nil); err == nil {
		t.Error("a job was finished twice")
	}
	if err := s.SaveSteps(ctx, "j1", []recipe.StepRecord{{Seq: 5, Name: "late"}}); err == nil {
		t.Error("steps were saved to a finished job")
	}
	pending, err := s.PendingJobs(ctx, "r")
	must(t, err)
	eq(t, "pending after finish", len(pending), 0)
	if err := s.FinishJob(ctx, "nope", recipe.JobResult{Status: recipe.JobSucceeded}, nil); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("FinishJob of an unknown job: %v", err)
	}
	if _, err := s.Job(ctx, "nope"); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("Job of an unknown job: %v", err)
	}
}

func testJobsQuery(t *testing.T, ctx context.Context, s recipe.Store) {
	for i := range 5 {
		_, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", fmt.Sprintf("j%d", i), fmt.Sprintf("e%d", i))}, At: t0})
		must(t, err)
	}
	_, err := s.Accept(ctx, recipe.Batch{Recipe: "q", Jobs: []recipe.Job{newJob("q", "q0", "e0")}, At: t0})
	must(t, err)
	must(t, s.FinishJob(ctx, "j1", recipe.JobResult{Status: recipe.JobSucceeded, Finished: t0}, []recipe.StepRecord{{Seq: 0, Name: "a"}}))
	must(t, s.FinishJob(ctx, "j3", recipe.JobResult{Status: recipe.JobSucceeded, Finished: t0}, nil))
	jobs, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Recipe: "r"}))
	must(t, err)
	eq(t, "all, newest first", fmt.Sprint(ids(jobs)), "[j4 j3 j2 j1 j0]")
	jobs, err = recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Recipe: "r", Status: recipe.JobSucceeded}))
	must(t, err)
	eq(t, "succeeded", fmt.Sprint(ids(jobs)), "[j3 j1]")
	eq(t, "steps come with jobs", len(jobs[1].Steps), 1)
	jobs, err = recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Recipe: "r", Limit: 2}))
	must(t, err)
	eq(t, "limit", fmt.Sprint(ids(jobs)), "[j4 j3]")
	jobs, err = recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{EventID: "e0"}))
	must(t, err)
	eq(t, "by event", fmt.Sprint(ids(jobs)), "[q0 j0]")
}

// testJobsIterate lists more jobs than any store reads in one page: a
// zero Limit lists every one, newest first, each once, even while jobs
// finish and new ones arrive during the listing, and the loop body may
// call the store.
func testJobsIterate(t *testing.T, ctx context.Context, s recipe.Store) {
	const n = 1100
	batch := recipe.Batch{Recipe: "r", At: t0}
	for i := range n {
		batch.Jobs = append(batch.Jobs, newJob("r", fmt.Sprintf("j%04d", i), fmt.Sprintf("e%04d", i)))
	}
	_, err := s.Accept(ctx, batch)
	must(t, err)

	seen := map[string]bool{}
	next := n - 1
	for j, err := range s.Jobs(ctx, recipe.JobQuery{Recipe: "r"}) {
		must(t, err)
		if want := fmt.Sprintf("j%04d", next); j.ID != want {
			t.Fatalf("job %d of the listing is %s, want %s (newest first, none skipped)", n-1-next, j.ID, want)
		}
		if seen[j.ID] {
			t.Fatalf("job %s listed twice", j.ID)
		}
		seen[j.ID] = true
		next--
		if len(seen) == 300 {
			// A job listed earlier changes status and a new one arrives
			// while the listing is under way; the store is called from the
			// loop body.
			must(t, s.FinishJob(ctx, "j1099", recipe.JobResult{Status: recipe.JobSucceeded, Finished: t0}, nil))
			_, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "late", "late")}, At: t0})
			must(t, err)
			if _, err := s.Job(ctx, j.ID); err != nil {
				t.Fatalf("Job called inside the listing: %v", err)
			}
		}
	}
	eq(t, "jobs listed with no limit", len(seen), n)

	jobs, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Recipe: "r", Limit: 450}))
	must(t, err)
	eq(t, "jobs listed with limit 450", len(jobs), 450)
	eq(t, "first with a limit", jobs[0].ID, "late")
	eq(t, "last with a limit", jobs[449].ID, "j0651")

	jobs, err = recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Recipe: "r", Status: recipe.JobPending}))
	must(t, err)
	eq(t, "pending jobs listed", len(jobs), n) // j1099 finished, late arrived

	stopped := 0
	for _, err := range s.Jobs(ctx, recipe.JobQuery{Recipe: "r"}) {
		must(t, err)
		stopped++
		if stopped == 3 {
			break
		}
	}
	eq(t, "jobs seen before break", stopped, 3)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	var gotErr error
	for _, err := range s.Jobs(cctx, recipe.JobQuery{Recipe: "r"}) {
		if err != nil {
			gotErr = err
			break
		}
	}
	if !errors.Is(gotErr, context.Canceled) {
		t.Errorf("listing with a cancelled context: %v, want an error wrapping context.Canceled", gotErr)
	}
}

func testJobsFilterAndPage(t *testing.T, ctx context.Context, s recipe.Store) {
	labels := []string{"PROJ-1 Printer on fire", "PROJ-2 50% off_sale", "OPS-7 printer jam", "PROJ-10 Login broken", "OPS-8 <script>"}
	for i, l := range labels {
		j := newJob("r", fmt.Sprintf("j%d", i), fmt.Sprintf("issue:%d", 100+i))
		j.Label = l
		j.Created = t0.Add(time.Duration(i) * time.Minute)
		_, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{j}, At: t0})
		must(t, err)
	}
	must(t, s.FinishJob(ctx, "j2", recipe.JobResult{Status: recipe.JobFailed, Error: "boom", Finished: t0}, []recipe.StepRecord{{Seq: 0, Name: "a"}}))
	list := func(q recipe.JobQuery) string {
		t.Helper()
		jobs, err := recipe.CollectJobs(s.Jobs(ctx, q))
		must(t, err)
		return fmt.Sprint(ids(jobs))
	}
	eq(t, "label text ignores case", list(recipe.JobQuery{Text: "printer"}), "[j2 j0]")
	eq(t, "issue key", list(recipe.JobQuery{Text: "proj-1"}), "[j3 j0]")
	eq(t, "percent is literal", list(recipe.JobQuery{Text: "50%"}), "[j1]")
	eq(t, "underscore is literal", list(recipe.JobQuery{Text: "f_s"}), "[j1]")
	eq(t, "no wildcard match", list(recipe.JobQuery{Text: "0_o"}), "[]")
	eq(t, "event ID", list(recipe.JobQuery{Text: "issue:104"}), "[j4]")
	eq(t, "job ID", list(recipe.JobQuery{Text: "j3"}), "[j3]")
	eq(t, "markup is text", list(recipe.JobQuery{Text: "<SCRIPT>"}), "[j4]")
	eq(t, "quote is text", list(recipe.JobQuery{Text: `"x" OR *`}), "[]")
	eq(t, "text and status", list(recipe.JobQuery{Text: "printer", Status: recipe.JobFailed}), "[j2]")
	eq(t, "time range", list(recipe.JobQuery{Since: t0.Add(time.Minute), Until: t0.Add(3 * time.Minute)}), "[j2 j1]")
	eq(t, "page 1", list(recipe.JobQuery{Recipe: "r", Limit: 2}), "[j4 j3]")
	eq(t, "page 2", list(recipe.JobQuery{Recipe: "r", Limit: 2, Before: "j3"}), "[j2 j1]")
	eq(t, "page 3", list(recipe.JobQuery{Recipe: "r", Limit: 2, Before: "j1"}), "[j0]")
	eq(t, "page after filter", list(recipe.JobQuery{Text: "PROJ", Before: "j3"}), "[j1 j0]")
	jobs, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Text: "printer", Status: recipe.JobFailed}))
	must(t, err)
	eq(t, "label kept", jobs[0].Label, "OPS-7 printer jam")
	eq(t, "steps listed", len(jobs[0].Steps), 1)
	jobs, err = recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Text: "printer", Status: recipe.JobFailed, WithoutSteps: true}))
	must(t, err)
	eq(t, "steps left out", len(jobs[0].Steps), 0)
	eq(t, "error kept without steps", jobs[0].Error, "boom")
	if _, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Before: "nope"})); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("a page cursor naming no job: %v, want ErrNotFound", err)
	}
}

func testJobCounts(t *testing.T, ctx context.Context, s recipe.Store) {
	add := func(rec, id string, created time.Time, st recipe.JobStatus) {
		j := newJob(rec, id, "e-"+id)
		j.Created = created
		_, err := s.Accept(ctx, recipe.Batch{Recipe: rec, Jobs: []recipe.Job{j}, At: t0})
		must(t, err)
		switch st {
		case recipe.JobPending:
		case recipe.JobRunning:
			must(t, s.SaveSteps(ctx, id, nil))
		default:
			must(t, s.FinishJob(ctx, id, recipe.JobResult{Status: st, Finished: created}, nil))
		}
	}
	add("a", "1", t0.Add(-time.Second), recipe.JobSucceeded) // before the range
	add("a", "2", t0, recipe.JobSucceeded)
	add("a", "3", t0.Add(30*time.Second), recipe.JobSucceeded)
	add("a", "4", t0.Add(59*time.Second), recipe.JobFailed)
	add("a", "5", t0.Add(61*time.Second), recipe.JobSucceeded)
	add("b", "6", t0.Add(90*time.Second), recipe.JobPending)
	add("b", "8", t0.Add(100*time.Second), recipe.JobRunning)
	add("a", "7", t0.Add(2*time.Minute), recipe.JobSucceeded) // at Until: out
	q := recipe.CountQuery{Since: t0, Until: t0.Add(2 * time.Minute), Bucket: time.Minute}
	counts, err := s.JobCounts(ctx, q)
	must(t, err)
	got := map[string]int{}
	for _, c := range counts {
		got[fmt.Sprintf("%s/%s/%s", c.Recipe, c.Status, c.Bucket.Sub(t0))] += c.Count
	}
	want := map[string]int{"a/succeeded/0s": 2, "a/failed/0s": 1, "a/succeeded/1m0s": 1, "b/pending/1m0s": 1, "b/running/1m0s": 1}
	eq(t, "counts per minute", fmt.Sprint(got), fmt.Sprint(want))
	q.Bucket, q.Recipe = 0, "a"
	counts, err = s.JobCounts(ctx, q)
	must(t, err)
	got = map[string]int{}
	for _, c := range counts {
		eq(t, "one bucket starts at Since", c.Bucket.Equal(t0), true)
		got[fmt.Sprintf("%s/%s", c.Recipe, c.Status)] += c.Count
	}
	eq(t, "counts of one recipe", fmt.Sprint(got), fmt.Sprint(map[string]int{"a/succeeded": 3, "a/failed": 1}))
	for st, want := range map[recipe.JobStatus]string{recipe.JobRunning: "8", recipe.JobPending: "6"} {
		jobs, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Recipe: "b", Status: st}))
		must(t, err)
		if len(jobs) != 1 || jobs[0].ID != want || jobs[0].Status != st {
			t.Errorf("jobs of b in status %s = %+v, want job %s", st, jobs, want)
		}
	}
	if _, err := s.JobCounts(ctx, recipe.CountQuery{Since: t0}); err == nil {
		t.Error("JobCounts without Until gave no error")
	}
}

func testStepStats(t *testing.T, ctx context.Context, s recipe.Store) {
	for i := range 10 {
		id := fmt.Sprintf("j%d", i)
		j := newJob("r", id, "e"+id)
		j.Created = t0.Add(time.Duration(i) * time.Second)
		_, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{j}, At: t0})
		must(t, err)
		steps := []recipe.StepRecord{
			{Seq: 0, Name: "fetch", Action: "jira.get_issue", Started: j.Created, Duration: time.Duration(10-i) * time.Millisecond},
			{Seq: 1, Name: "comment", Action: "jira.add_comment", Started: j.Created, Duration: time.Second},
		}
		if i == 0 {
			steps[1].Error = "rate limited"
		}
		must(t, s.FinishJob(ctx, id, recipe.JobResult{Status: recipe.JobSucceeded, Finished: j.Created}, steps))
	}
	other := newJob("o", "o1", "eo1")
	_, err := s.Accept(ctx, recipe.Batch{Recipe: "o", Jobs: []recipe.Job{other}, At: t0})
	must(t, err)
	must(t, s.FinishJob(ctx, "o1", recipe.JobResult{Status: recipe.JobSucceeded, Finished: t0}, []recipe.StepRecord{{Seq: 0, Name: "fetch", Action: "jira.get_issue", Duration: time.Hour}}))
	stats, err := s.StepStats(ctx, recipe.CountQuery{Recipe: "r", Since: t0, Until: t0.Add(time.Minute)})
	must(t, err)
	if len(stats) != 2 {
		t.Fatalf("StepStats = %+v, want 2 steps", stats)
	}
	c, f := stats[0], stats[1]
	eq(t, "sorted by name", c.Name+","+f.Name, "comment,fetch")
	eq(t, "runs", c.Runs, 10)
	eq(t, "failed", c.Failed, 1)
	eq(t, "p50", f.P50, 5*time.Millisecond)
	eq(t, "p90", f.P90, 9*time.Millisecond)
	eq(t, "p99", f.P99, 10*time.Millisecond)
	eq(t, "max", f.Max, 10*time.Millisecond)
	eq(t, "action", f.Action, "jira.get_issue")
	stats, err = s.StepStats(ctx, recipe.CountQuery{Since: t0.Add(5 * time.Second), Until: t0.Add(time.Minute)})
	must(t, err)
	eq(t, "range keeps jobs created in it", fmt.Sprint(len(stats), stats[1].Runs), "2 5")
	stats, err = s.StepStats(ctx, recipe.CountQuery{Recipe: "r", Since: t0, Until: t0.Add(time.Minute), MaxJobs: 3})
	must(t, err)
	eq(t, "MaxJobs reads the newest jobs", fmt.Sprint(stats[1].Runs, stats[1].Max), "3 3ms")
}

func testAddJob(t *testing.T, ctx context.Context, s recipe.Store) {
	_, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "j1", "e1")}, At: t0})
	must(t, err)
	re := newJob("r", "j2", "e1")
	re.RerunOf = "j1"
	must(t, s.AddJob(ctx, re))
	j, err := s.Job(ctx, "j2")
	must(t, err)
	eq(t, "rerun of", j.RerunOf, "j1")
	eq(t, "status", j.Status, recipe.JobPending)
	if err := s.AddJob(ctx, re); err == nil {
		t.Error("AddJob stored a job ID twice")
	}
	// AddJob does not mark the ledger for new events either way.
	res, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "j3", "e1")}, At: t0})
	must(t, err)
	eq(t, "stored", res.Stored[0], false)
}

func testSubscriptions(t *testing.T, ctx context.Context, s recipe.Store) {
	if _, err := s.Subscription(ctx, "r"); !errors.Is(err, recipe.ErrNotFound) {
		t.Fatalf("Subscription of a new recipe: %v", err)
	}
	sub := trigger.Subscription{ID: "42", CallbackURL: "https://h/hooks/r", Secret: auth.Secret("whsec"), ExpiresAt: t0.Add(time.Hour), State: []byte{1, 2}}
	must(t, s.SaveSubscription(ctx, "r", sub))
	got, err := s.Subscription(ctx, "r")
	must(t, err)
	if got.ID != "42" || got.CallbackURL != sub.CallbackURL || got.Secret.Reveal() != "whsec" || !got.ExpiresAt.Equal(sub.ExpiresAt) || string(got.State) != "\x01\x02" {
		t.Errorf("subscription = %#v", got)
	}
	sub.ID = "43"
	sub.ExpiresAt = time.Time{}
	must(t, s.SaveSubscription(ctx, "r", sub))
	got, err = s.Subscription(ctx, "r")
	must(t, err)
	if got.ID != "43" || !got.ExpiresAt.IsZero() {
		t.Errorf("replaced subscription = %#v", got)
	}
	must(t, s.DeleteSubscription(ctx, "r"))
	must(t, s.DeleteSubscription(ctx, "r"))
	if _, err := s.Subscription(ctx, "r"); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("Subscription after delete: %v", err)
	}
}

func testState(t *testing.T, ctx context.Context, s recipe.Store) {
	st, err := s.State(ctx, "r")
	must(t, err)
	if st.Stopped || !st.Updated.IsZero() {
		t.Errorf("state of a new recipe = %+v", st)
	}
	must(t, s.SetState(ctx, "r", recipe.RecipeState{Stopped: true, Updated: t0}))
	st, err = s.State(ctx, "r")
	must(t, err)
	if !st.Stopped || !st.Updated.Equal(t0) {
		t.Errorf("state = %+v", st)
	}
	must(t, s.SetState(ctx, "r", recipe.RecipeState{Stopped: false, Updated: t0}))
	st, err = s.State(ctx, "r")
	must(t, err)
	eq(t, "stopped", st.Stopped, false)
}

func testPrune(t *testing.T, ctx context.Context, s recipe.Store) {
	for i := range 6 {
		_, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", fmt.Sprintf("j%d", i), fmt.Sprintf("e%d", i))}, At: t0.Add(time.Duration(i) * time.Hour)})
		must(t, err)
	}
	for i := range 5 { // j5 stays pending
		must(t, s.FinishJob(ctx, fmt.Sprintf("j%d", i), recipe.JobResult{Status: recipe.JobSucceeded, Finished: t0.Add(time.Duration(i) * time.Hour)},
			[]recipe.StepRecord{{Seq: 0, Name: "a"}}))
	}
	n, err := s.Prune(ctx, "r", recipe.PrunePolicy{FinishedBefore: t0.Add(90 * time.Minute)})
	must(t, err)
	eq(t, "pruned by age", n, 2)
	n, err = s.Prune(ctx, "r", recipe.PrunePolicy{Keep: 2})
	must(t, err)
	eq(t, "pruned by count", n, 1)
	jobs, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Recipe: "r"}))
	must(t, err)
	eq(t, "left", fmt.Sprint(ids(jobs)), "[j5 j4 j3]")
	if _, err := s.Job(ctx, "j0"); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("pruned job: %v", err)
	}
	// The ledger still knows pruned jobs' events until LedgerBefore says.
	res, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "x0", "e0")}, At: t0})
	must(t, err)
	eq(t, "event of a pruned job is still a duplicate", res.Stored[0], false)
	_, err = s.Prune(ctx, "r", recipe.PrunePolicy{LedgerBefore: t0.Add(150 * time.Minute)})
	must(t, err)
	res, err = s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "x1", "e1"), newJob("r", "x3", "e3")}, At: t0})
	must(t, err)
	eq(t, "after ledger prune", fmt.Sprint(res.Stored), "[true false]")
}

// testRetryJob checks failed-retryable jobs: FinishJob keeps NextAttempt
// for a failed job only, RetryDue finds the due ones, Prune spares them,
// and RetryJob moves a failed job back to pending without its failed last
// step, once.
func testRetryJob(t *testing.T, ctx context.Context, s recipe.Store) {
	var jobs []recipe.Job
	for i := range 4 {
		jobs = append(jobs, newJob("r", fmt.Sprintf("j%d", i), fmt.Sprintf("e%d", i)))
	}
	_, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: jobs, At: t0})
	must(t, err)
	fin := t0.Add(time.Minute)
	soon, later := t0.Add(5*time.Minute), t0.Add(time.Hour)
	steps := []recipe.StepRecord{{Seq: 0, Name: "a", Attempts: 1, Output: []byte(`{"id":"1"}`)}, {Seq: 1, Name: "b", Error: "503", ErrorType: "retryable", Retryable: true, Attempts: 3}}
	must(t, s.FinishJob(ctx, "j0", recipe.JobResult{Status: recipe.JobFailed, Error: "503", ErrorType: "retryable", Finished: fin, NextAttempt: soon}, steps))
	must(t, s.FinishJob(ctx, "j1", recipe.JobResult{Status: recipe.JobFailed, Error: "503", ErrorType: "retryable", Finished: fin, NextAttempt: later}, steps))
	must(t, s.FinishJob(ctx, "j2", recipe.JobResult{Status: recipe.JobFailed, Error: "bad input", ErrorType: "validation", Finished: fin}, steps[:1]))
	// NextAttempt means nothing for a job that did not fail.
	must(t, s.FinishJob(ctx, "j3", recipe.JobResult{Status: recipe.JobSucceeded, Finished: fin, NextAttempt: soon}, nil))

	j, err := s.Job(ctx, "j0")
	must(t, err)
	if !j.NextAttempt.Equal(soon) || !j.RetryScheduled() || j.Retries != 0 {
		t.Errorf("failed-retryable job: next attempt %v, scheduled %v, retries %d", j.NextAttempt, j.RetryScheduled(), j.Retries)
	}
	if j, err := s.Job(ctx, "j3"); err != nil || !j.NextAttempt.IsZero() {
		t.Errorf("succeeded job has next attempt %v (%v)", j.NextAttempt, err)
	}
	due, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Recipe: "r", RetryDue: soon}))
	must(t, err)
	eq(t, "due at the first next attempt", fmt.Sprint(ids(due)), "[j0]")
	due, err = recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Recipe: "r", RetryDue: later.Add(time.Second)}))
	must(t, err)
	eq(t, "due later", fmt.Sprint(ids(due)), "[j1 j0]")
	due, err = recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Recipe: "r", RetryDue: t0}))
	must(t, err)
	eq(t, "due before any", len(due), 0)

	// Retention keeps jobs awaiting a retry.
	n, err := s.Prune(ctx, "r", recipe.PrunePolicy{FinishedBefore: fin.Add(time.Hour)})
	must(t, err)
	eq(t, "pruned (only the final ones)", n, 2)

	j, err = s.RetryJob(ctx, "j0")
	must(t, err)
	eq(t, "status after RetryJob", j.Status, recipe.JobPending)
	eq(t, "retries", j.Retries, 1)
	eq(t, "result cleared", j.Error+j.ErrorType+j.Message, "")
	if !j.Finished.IsZero() || !j.NextAttempt.IsZero() {
		t.Errorf("after RetryJob: finished %v, next attempt %v", j.Finished, j.NextAttempt)
	}
	eq(t, "steps kept (the failed last one dropped)", len(j.Steps), 1)
	if len(j.Steps) == 1 {
		eq(t, "kept step", j.Steps[0].Name+" "+string(j.Steps[0].Output), `a {"id":"1"}`)
	}
	pending, err := s.PendingJobs(ctx, "r")
	must(t, err)
	eq(t, "pending after RetryJob", fmt.Sprint(ids(pending)), "[j0]")
	if _, err := s.RetryJob(ctx, "j0"); !errors.Is(err, recipe.ErrNotFailed) {
		t.Errorf("RetryJob of a pending job: %v, want ErrNotFailed", err)
	}
	if _, err := s.RetryJob(ctx, "nope"); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("RetryJob of an unknown job: %v, want ErrNotFound", err)
	}
	// The retried job runs again: the failed step's new record takes its
	// Seq, and it can fail and be retried again.
	must(t, s.SaveSteps(ctx, "j0", []recipe.StepRecord{{Seq: 1, Name: "b", Error: "reset", Attempts: 2}}))
	must(t, s.FinishJob(ctx, "j0", recipe.JobResult{Status: recipe.JobFailed, Error: "reset", Finished: fin, NextAttempt: later}, nil))
	j, err = s.RetryJob(ctx, "j0")
	must(t, err)
	eq(t, "retries after the second retry", j.Retries, 2)
	eq(t, "steps after the second retry", len(j.Steps), 1)

	// A failure whose last step succeeded (a Fail step ended the job) keeps
	// every step record.
	_, err = s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "k0", "f0")}, At: t0})
	must(t, err)
	must(t, s.FinishJob(ctx, "k0", recipe.JobResult{Status: recipe.JobFailed, Error: "failed by a Fail step", ErrorType: "failed", Finished: fin}, steps[:1]))
	j, err = s.RetryJob(ctx, "k0")
	must(t, err)
	eq(t, "steps of a job failed by a Fail step", len(j.Steps), 1)

	// Concurrent retries of one job: exactly one wins.
	_, err = s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{newJob("r", "c0", "g0")}, At: t0})
	must(t, err)
	must(t, s.FinishJob(ctx, "c0", recipe.JobResult{Status: recipe.JobFailed, Error: "x", Finished: fin, NextAttempt: soon}, nil))
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, lost := 0, 0
	for range 8 {
		wg.Go(func() {
			_, err := s.RetryJob(ctx, "c0")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, recipe.ErrNotFailed):
				lost++
			default:
				t.Errorf("concurrent RetryJob: %v", err)
			}
		})
	}
	wg.Wait()
	eq(t, "concurrent RetryJob winners", won, 1)
	eq(t, "concurrent RetryJob losers", lost, 7)
}

// testValues checks recipe.ValueStore, which every store of this module
// implements: a value reads back as stored, a new one replaces it, and a
// missing key is ErrNotFound.
func testValues(t *testing.T, ctx context.Context, s recipe.Store) {
	vs, ok := s.(recipe.ValueStore)
	if !ok {
		t.Fatalf("%T does not implement recipe.ValueStore", s)
	}
	if _, err := vs.Value(ctx, "jira.serverInfo https://a"); !errors.Is(err, recipe.ErrNotFound) {
		t.Fatalf("Value of a missing key: %v, want ErrNotFound", err)
	}
	must(t, vs.SetValue(ctx, "jira.serverInfo https://a", []byte(`{"v":1}`)))
	must(t, vs.SetValue(ctx, "jira.serverInfo https://b", []byte(`{"v":2}`)))
	must(t, vs.SetValue(ctx, "jira.serverInfo https://a", []byte(`{"v":3}`)))
	for key, want := range map[string]string{"jira.serverInfo https://a": `{"v":3}`, "jira.serverInfo https://b": `{"v":2}`} {
		v, err := vs.Value(ctx, key)
		must(t, err)
		eq(t, "value of "+key, string(v), want)
	}
	must(t, vs.SetValue(ctx, "empty", nil))
	v, err := vs.Value(ctx, "empty")
	must(t, err)
	eq(t, "an empty value", len(v), 0)
}
