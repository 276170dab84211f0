package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/internal/sealtest"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/recipe/sqlite"
)

func openTemp(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "recipes.db"), sqlite.WithSecretKeys(sealtest.NewKeyring(t)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	recipetest.TestStore(t, func(t *testing.T) recipe.Store { return openTemp(t) })
}

func TestJobWriterConformance(t *testing.T) {
	recipetest.TestJobWriter(t, func(t *testing.T) recipe.Store { return openTemp(t) })
}

// TestWriteJobsSharesOneCommit: the ends of 16 jobs written by one
// WriteJobs go to the write-ahead log as one commit, writing the pages
// they share once, instead of 16 commits each writing them again.
func TestWriteJobsSharesOneCommit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "recipes.db")
	s := openPath(t, path)
	defer s.Close()
	const jobs = 16
	b := recipe.Batch{Recipe: "r", At: time.Now()}
	for i := range 2 * jobs {
		b.Jobs = append(b.Jobs, recipe.Job{ID: fmt.Sprintf("j%d", i), Recipe: "r", Event: recipe.EventRecord{ID: fmt.Sprintf("e%d", i)}, Status: recipe.JobPending, Created: b.At})
	}
	if _, err := s.Accept(ctx, b); err != nil {
		t.Fatal(err)
	}
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	end := func(i int) recipe.JobWrite {
		return recipe.JobWrite{JobID: fmt.Sprintf("j%d", i), Steps: []recipe.StepRecord{{Seq: 0, Name: "comment", Output: []byte(`{"id":"1"}`), Attempts: 1}},
			Result: &recipe.JobResult{Status: recipe.JobSucceeded, Finished: b.At}}
	}
	before := walSize()
	for i := range jobs {
		w := end(i)
		if err := s.FinishJob(ctx, w.JobID, *w.Result, w.Steps); err != nil {
			t.Fatal(err)
		}
	}
	separate := walSize() - before
	before = walSize()
	var ws []recipe.JobWrite
	for i := jobs; i < 2*jobs; i++ {
		ws = append(ws, end(i))
	}
	if errs := s.WriteJobs(ctx, ws); errs != nil {
		t.Fatal(errs)
	}
	batched := walSize() - before
	t.Logf("WAL bytes: %d for one WriteJobs, %d for separate FinishJob calls", batched, separate)
	if batched <= 0 || batched*4 > separate {
		t.Errorf("the write-ahead log grew by %d bytes for %d ends in one WriteJobs and %d bytes for %d FinishJob calls; want under a quarter", batched, jobs, separate, jobs)
	}
	for i := range 2 * jobs {
		j, err := s.Job(ctx, fmt.Sprintf("j%d", i))
		if err != nil || j.Status != recipe.JobSucceeded || len(j.Steps) != 1 {
			t.Errorf("job j%d: %s with %d steps, %v", i, j.Status, len(j.Steps), err)
		}
	}
}

func TestReopenKeepsDataAndSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	storeOneJob(t, path)
	s := reopenWithOneJob(t, path)
	v, err := s.SchemaVersion(context.Background())
	if err != nil || v != 10 {
		t.Fatalf("schema version = %d, %v", v, err)
	}
}

// openPath opens the store at path.
func openPath(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// storeOneJob opens the store at path, accepts job j1 of recipe r with the
// cursor "c" and closes the store.
func storeOneJob(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	s := openPath(t, path)
	if _, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: []recipe.Job{{ID: "j1", Recipe: "r", Event: recipe.EventRecord{ID: "e1"}}}, Cursor: []byte("c"), SetCursor: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// reopenWithOneJob opens the store at path again and checks that it holds
// what storeOneJob stored; the store closes when the test ends.
func reopenWithOneJob(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	s := openPath(t, path)
	t.Cleanup(func() { s.Close() })
	c, err := s.Cursor(ctx, "r")
	if err != nil || string(c) != "c" {
		t.Fatalf("cursor after reopening = %q, %v; want c", c, err)
	}
	if _, err := s.Job(ctx, "j1"); err != nil {
		t.Fatalf("job after reopening: %v", err)
	}
	return s
}

func TestOpenRejectsEmptyPath(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), ""); err == nil {
		t.Fatal("want an error")
	}
}

// TestOpenPathWithURICharacters opens a store whose file name holds the
// characters a SQLite URI reads specially ('?' query, '#' fragment, '%'
// escape, here "%41", which would otherwise become "A") and a space: the
// file is created under exactly that name and its data survives a reopen.
func TestOpenPathWithURICharacters(t *testing.T) {
	dir := t.TempDir()
	name := "a?b#c%41 d.db"
	path := filepath.Join(dir, name)
	storeOneJob(t, path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Contains(names, name) {
		t.Fatalf("files in the directory = %q, want %q among them", names, name)
	}
	for _, n := range names {
		if !strings.HasPrefix(n, name) {
			t.Errorf("stray file %q: the path was misread", n)
		}
	}
	reopenWithOneJob(t, path)
}

func TestOpenRejectsNULInPath(t *testing.T) {
	_, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a\x00b.db"))
	if err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Fatalf("err = %v, want one naming the NUL byte", err)
	}
}

func TestOpenInMemory(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetState(ctx, "r", recipe.RecipeState{Stopped: true}); err != nil {
		t.Fatal(err)
	}
	if st, err := s.State(ctx, "r"); err != nil || !st.Stopped {
		t.Fatalf("state = %+v, %v", st, err)
	}
}

// Jobs finishing at the same time share commits: every write is stored,
// and a write refused (its job already finished) fails alone.
func TestConcurrentJobWritesCommitTogether(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	defer s.Close()
	const n = 64
	var jobs []recipe.Job
	for i := range n {
		jobs = append(jobs, recipe.Job{ID: fmt.Sprint("j", i), Recipe: "r", Event: recipe.EventRecord{ID: fmt.Sprint("e", i)}, Status: recipe.JobPending, Created: time.Now()})
	}
	if _, err := s.Accept(ctx, recipe.Batch{Recipe: "r", Jobs: jobs, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishJob(ctx, "j0", recipe.JobResult{Status: recipe.JobSucceeded, Finished: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprint("j", i)
			step := []recipe.StepRecord{{Seq: 0, Name: "a", Output: []byte(fmt.Sprintf(`{"n":%d}`, i)), Attempts: 1}}
			if err := s.SaveSteps(ctx, id, nil); err != nil {
				errs[i] = err
				return
			}
			errs[i] = s.FinishJob(ctx, id, recipe.JobResult{Status: recipe.JobSucceeded, Finished: time.Now()}, step)
		})
	}
	wg.Wait()
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "already finished") {
		t.Errorf("a write to a finished job: %v", errs[0])
	}
	for i := 1; i < n; i++ {
		if errs[i] != nil {
			t.Fatalf("job %d: %v", i, errs[i])
		}
		j, err := s.Job(ctx, fmt.Sprint("j", i))
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != recipe.JobSucceeded || len(j.Steps) != 1 || string(j.Steps[0].Output) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("job %d: %s, steps %+v", i, j.Status, j.Steps)
		}
	}
}

// TestLargeBatchIsStoredAndSearchable accepts a batch larger than one
// multi-row statement, with a duplicate event in its middle: every new
// job is stored once, in order, and found by the text of its label, as is
// a job added on its own.
func TestLargeBatchIsStoredAndSearchable(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	defer s.Close()
	const n = 150
	b := recipe.Batch{Recipe: "r", At: time.Now()}
	for i := range n {
		ev := fmt.Sprintf("ev-%d", i)
		if i == 100 {
			ev = "ev-7" // a copy of an earlier event of the batch
		}
		b.Jobs = append(b.Jobs, recipe.Job{ID: fmt.Sprintf("j%d", i), Recipe: "r", Label: fmt.Sprintf("DEMO-%d needle%03d", i, i), Event: recipe.EventRecord{ID: ev}, Created: time.Now()})
	}
	b.Dropped = []string{"ev-3", "dropped-1"}
	res, err := s.Accept(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	for i, stored := range res.Stored {
		if stored != (i != 100) {
			t.Errorf("job %d stored = %v", i, stored)
		}
	}
	if fmt.Sprint(res.DroppedNew) != "[false true]" {
		t.Errorf("new dropped = %v, want [false true]", res.DroppedNew)
	}
	if err := s.AddJob(ctx, recipe.Job{ID: "rerun", Recipe: "r", Label: "DEMO-1 needle999", Event: recipe.EventRecord{ID: "ev-1"}, Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	pending, err := s.PendingJobs(ctx, "r")
	if err != nil || len(pending) != n {
		t.Fatalf("%d pending jobs, %v; want %d", len(pending), err, n)
	}
	if pending[0].ID != "j0" || pending[n-2].ID != "j149" || pending[n-1].ID != "rerun" {
		t.Errorf("pending jobs out of order: %s %s %s", pending[0].ID, pending[n-2].ID, pending[n-1].ID)
	}
	for _, i := range []int{0, 63, 64, 99, 101, 127, 128, 149, 999} {
		jobs, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Text: fmt.Sprintf("NEEDLE%03d", i)}))
		want := fmt.Sprintf("j%d", i)
		if i == 999 {
			want = "rerun"
		}
		if err != nil || len(jobs) != 1 || jobs[0].ID != want {
			t.Errorf("search for needle%03d = %v, %v; want %s", i, jobs, err, want)
		}
	}
	if jobs, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Text: "needle100"})); err != nil || len(jobs) != 0 {
		t.Errorf("the duplicate's label is searchable: %v, %v", jobs, err)
	}
}

// TestBatchCountsPerMinute counts the jobs of batches that span two
// minutes, one of them accepted already failed, and of a job added on its
// own in a minute a batch counted before: each job is counted once, in
// the minute it was created, under the status it was stored with.
func TestBatchCountsPerMinute(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	defer s.Close()
	t0 := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	job := func(id string, created time.Time) recipe.Job {
		return recipe.Job{ID: id, Recipe: "r", Event: recipe.EventRecord{ID: "ev-" + id}, Created: created}
	}
	var b recipe.Batch
	for i := range 70 {
		b.Jobs = append(b.Jobs, job(fmt.Sprint("a", i), t0.Add(time.Duration(i)*time.Second)))
	}
	b.Jobs[3].Status, b.Jobs[3].Error, b.Jobs[3].Finished = recipe.JobFailed, "condition failed", t0
	b.Recipe, b.At = "r", t0
	if _, err := s.Accept(ctx, b); err != nil {
		t.Fatal(err)
	}
	b.Jobs = []recipe.Job{job("b0", t0.Add(5*time.Second)), job("b1", t0.Add(65*time.Second))}
	if _, err := s.Accept(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := s.AddJob(ctx, job("rerun", t0.Add(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	counts, err := s.JobCounts(ctx, recipe.CountQuery{Since: t0, Until: t0.Add(2 * time.Minute), Bucket: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range counts {
		got[fmt.Sprintf("%s/%s", c.Status, c.Bucket.Sub(t0))] += c.Count
	}
	want := map[string]int{"pending/0s": 59 + 1 + 1, "failed/0s": 1, "pending/1m0s": 10 + 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts per minute = %v, want %v", got, want)
	}
}
