package recipe_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

// writerLog is a memory store that writes several jobs in one transaction
// (recipe.JobWriter) and logs how the engine stores jobs' ends and
// running marks.
type writerLog struct {
	recipe.Store
	mu         sync.Mutex
	finishes   int   // FinishJob calls
	marks      int   // SaveSteps calls without step records
	endWrites  []int // for each WriteJobs call that ended jobs, how many
	markWrites []int // for each WriteJobs call that marked jobs running, how many
}

func newWriterLog() *writerLog { return &writerLog{Store: recipe.NewMemoryStore()} }

func (s *writerLog) FinishJob(ctx context.Context, id string, res recipe.JobResult, steps []recipe.StepRecord) error {
	s.mu.Lock()
	s.finishes++
	s.mu.Unlock()
	return s.Store.FinishJob(ctx, id, res, steps)
}

func (s *writerLog) SaveSteps(ctx context.Context, id string, steps []recipe.StepRecord) error {
	if len(steps) == 0 {
		s.mu.Lock()
		s.marks++
		s.mu.Unlock()
	}
	return s.Store.SaveSteps(ctx, id, steps)
}

func (s *writerLog) WriteJobs(ctx context.Context, ws []recipe.JobWrite) []error {
	ends, marks := 0, 0
	for _, w := range ws {
		switch {
		case w.Result != nil:
			ends++
		case len(w.Steps) == 0:
			marks++
		}
	}
	s.mu.Lock()
	if ends > 0 {
		s.endWrites = append(s.endWrites, ends)
	}
	if marks > 0 {
		s.markWrites = append(s.markWrites, marks)
	}
	s.mu.Unlock()
	return s.Store.(recipe.JobWriter).WriteJobs(ctx, ws)
}

// jobOf returns the job made from event id.
func jobOf(t *testing.T, ctx context.Context, s recipe.Store, name, eventID string) (recipe.Job, error) {
	t.Helper()
	jobs, err := recipe.CollectJobs(s.Jobs(ctx, recipe.JobQuery{Recipe: name, EventID: eventID}))
	if err != nil {
		return recipe.Job{}, err
	}
	if len(jobs) != 1 {
		return recipe.Job{}, fmt.Errorf("%d jobs for event %s, want 1", len(jobs), eventID)
	}
	return jobs[0], nil
}

func issueEvents(n int) []trigger.Event[issue] {
	evs := make([]trigger.Event[issue], n)
	for i := range evs {
		evs[i] = trigger.Event[issue]{ID: fmt.Sprintf("SUP-%d", i), Data: issue{ID: i, Key: fmt.Sprintf("SUP-%d", i)}}
	}
	return evs
}

// TestJobWritesShareCommits: when every job's writing step checks its
// effect, a store that writes several jobs at once receives the ends of
// many jobs per write, and the running marks made before their first step
// as well; every end is stored by the time RunOnce returns.
func TestJobWritesShareCommits(t *testing.T) {
	const jobs = 200
	for _, conc := range []int{1, 3} {
		t.Run(fmt.Sprintf("concurrency %d", conc), func(t *testing.T) {
			store := newWriterLog()
			act := action.New(action.Info{Name: "write", Connector: "test", EffectChecked: true}, nil,
				func(_ context.Context, in benchIn) (benchIn, error) { return in, nil })
			r := mustNew(t, "batched", trigger.Trigger[issue](recipetest.Events(issueEvents(jobs)...)),
				recipe.Concurrency(conc), recipe.Do("write", act, recipe.Pills{"key": `trigger.key`}))
			_, sum := runOnce(t, store, r)
			if sum.Jobs[recipe.JobSucceeded] != jobs {
				t.Fatalf("summary %s, want %d jobs succeeded", sum, jobs)
			}
			stored, err := recipe.CollectJobs(store.Jobs(t.Context(), recipe.JobQuery{Recipe: "batched", Status: recipe.JobSucceeded}))
			if err != nil || len(stored) != jobs {
				t.Fatalf("%d jobs stored succeeded after RunOnce (%v), want %d", len(stored), err, jobs)
			}
			store.mu.Lock()
			defer store.mu.Unlock()
			total := 0
			for _, n := range store.endWrites {
				total += n
			}
			if store.finishes+total != jobs {
				t.Errorf("%d FinishJob calls and %d ends in WriteJobs for %d jobs", store.finishes, total, jobs)
			}
			if writes := store.finishes + len(store.endWrites); writes > jobs/4 {
				t.Errorf("%d ends took %d writes (%d alone, %v together); want them gathered, at most %d writes", jobs, writes, store.finishes, store.endWrites, jobs/4)
			}
			marked := store.marks
			for _, n := range store.markWrites {
				marked += n
			}
			if marked < jobs {
				t.Errorf("%d running marks for %d jobs", marked, jobs)
			}
			if writes := store.marks + len(store.markWrites); writes > jobs/4 {
				t.Errorf("%d running marks took %d writes (%d alone, %v together); want at most %d writes", marked, writes, store.marks, store.markWrites, jobs/4)
			}
		})
	}
}

// TestEndThatCannotWaitIsStoredFirst: a job whose last writing step does
// not check its effect has its end stored, with the ends gathered before
// it, before the worker's next job makes its first change.
func TestEndThatCannotWaitIsStoredFirst(t *testing.T) {
	const jobs = 40
	store := newWriterLog()
	var mu sync.Mutex
	var problems []string
	checked := action.New(action.Info{Name: "checked", Connector: "test", EffectChecked: true}, nil,
		func(ctx context.Context, in benchIn) (benchIn, error) {
			// Every earlier job whose last step was the plain one must be
			// stored finished by now.
			for m := 3; m < in.N; m += 4 {
				j, err := jobOf(t, ctx, store, "mixed", fmt.Sprintf("SUP-%d", m))
				if err == nil && !j.Status.Final() {
					err = fmt.Errorf("job of SUP-%d is %s when SUP-%d makes its change", m, j.Status, in.N)
				}
				if err != nil {
					mu.Lock()
					problems = append(problems, err.Error())
					mu.Unlock()
				}
			}
			return in, nil
		})
	plain := action.New(action.Info{Name: "plain", Connector: "test"}, nil,
		func(_ context.Context, in benchIn) (benchIn, error) { return in, nil })
	r := mustNew(t, "mixed", trigger.Trigger[issue](recipetest.Events(issueEvents(jobs)...)),
		recipe.Do("checked", checked, recipe.Pills{"key": `trigger.key`, "n": `trigger.id`}),
		recipe.If(`trigger.id % 4 == 3`, recipe.Do("plain", plain, recipe.Pills{"key": `trigger.key`})),
	)
	_, sum := runOnce(t, store, r)
	if sum.Jobs[recipe.JobSucceeded] != jobs {
		t.Fatalf("summary %s, want %d jobs succeeded", sum, jobs)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	shared := false
	for _, n := range store.endWrites {
		shared = shared || n > 1
	}
	if !shared {
		t.Errorf("every end was written alone (%v); want the ends that may wait stored with the next one that cannot", store.endWrites)
	}
}

// TestRefusedEndFailsAlone: when the store refuses one job's end (another
// process finished the job first), the ends gathered with it are stored
// and the refused job is reported as not stored.
func TestRefusedEndFailsAlone(t *testing.T) {
	const jobs = 20
	store := newWriterLog()
	act := action.New(action.Info{Name: "write", Connector: "test", EffectChecked: true}, nil,
		func(ctx context.Context, in benchIn) (benchIn, error) {
			if in.Key == "SUP-5" {
				j, err := jobOf(t, ctx, store, "refused", in.Key)
				if err != nil {
					return in, err
				}
				if err := store.FinishJob(ctx, j.ID, recipe.JobResult{Status: recipe.JobStopped, Message: "finished elsewhere", Finished: time.Now()}, nil); err != nil {
					return in, err
				}
			}
			return in, nil
		})
	r := mustNew(t, "refused", trigger.Trigger[issue](recipetest.Events(issueEvents(jobs)...)),
		recipe.Do("write", act, recipe.Pills{"key": `trigger.key`}))
	_, sum := runOnce(t, store, r)
	if sum.Jobs[recipe.JobSucceeded] != jobs-1 || sum.Jobs[recipe.JobPending] != 1 {
		t.Errorf("summary %s, want %d succeeded and the refused one pending", sum, jobs-1)
	}
	for _, ev := range issueEvents(jobs) {
		j, err := jobOf(t, t.Context(), store, "refused", ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := recipe.JobSucceeded
		if ev.ID == "SUP-5" {
			want = recipe.JobStopped
		}
		if j.Status != want {
			t.Errorf("job of %s is %s, want %s", ev.ID, j.Status, want)
		}
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if !slices.ContainsFunc(store.endWrites, func(n int) bool { return n > 1 }) {
		t.Errorf("every end was written alone (%d FinishJob calls, WriteJobs ends %v); want the refused one among others", store.finishes, store.endWrites)
	}
}

// TestGatheredEndIsStoredWhileTheNextJobRuns: an end gathered to share a
// commit does not wait for the next job, however long that one takes.
func TestGatheredEndIsStoredWhileTheNextJobRuns(t *testing.T) {
	store := newWriterLog()
	act := action.New(action.Info{Name: "write", Connector: "test", EffectChecked: true}, nil,
		func(ctx context.Context, in benchIn) (benchIn, error) {
			if in.Key != "SUP-1" {
				return in, nil
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				j, err := jobOf(t, ctx, store, "slow", "SUP-0")
				if err != nil {
					return in, err
				}
				if j.Status == recipe.JobSucceeded {
					return in, nil
				}
				if time.Now().After(deadline) {
					return in, errors.New("the first job's end was not stored while the second job ran")
				}
				time.Sleep(time.Millisecond)
			}
		})
	r := mustNew(t, "slow", trigger.Trigger[issue](recipetest.Events(issueEvents(2)...)),
		recipe.Do("write", act, recipe.Pills{"key": `trigger.key`}))
	_, sum := runOnce(t, store, r)
	if sum.Jobs[recipe.JobSucceeded] != 2 {
		t.Errorf("summary %s, want 2 jobs succeeded", sum)
	}
}

// TestStopStoresGatheredEnds: when a running engine shuts down, the ends
// its workers gathered are stored before Run returns.
func TestStopStoresGatheredEnds(t *testing.T) {
	const jobs = 50
	store := newWriterLog()
	release := make(chan struct{})
	last := make(chan struct{})
	act := action.New(action.Info{Name: "write", Connector: "test", EffectChecked: true}, nil,
		func(_ context.Context, in benchIn) (benchIn, error) {
			if in.Key == fmt.Sprintf("SUP-%d", jobs-1) {
				close(last)
				<-release
			}
			return in, nil
		})
	r := mustNew(t, "stop", trigger.Trigger[issue](recipetest.Events(issueEvents(jobs)...)),
		recipe.Do("write", act, recipe.Pills{"key": `trigger.key`}))
	eng := recipe.NewEngine(store)
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	select {
	case <-last:
	case <-time.After(30 * time.Second):
		t.Fatal("the last job never started")
	}
	cancel()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	stored, err := recipe.CollectJobs(store.Jobs(t.Context(), recipe.JobQuery{Recipe: "stop", Status: recipe.JobSucceeded}))
	if err != nil || len(stored) != jobs {
		t.Fatalf("%d jobs stored succeeded when Run returned (%v), want %d", len(stored), err, jobs)
	}
}
