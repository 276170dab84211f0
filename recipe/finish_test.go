package recipe_test

import (
	"context"
	"encoding/json"
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

// finishLog is a memory store that logs each job's final write; its
// FinishJob can be held until the test lets it go.
type finishLog struct {
	recipe.Store
	mu   sync.Mutex
	log  *[]string
	hold chan struct{} // when set, FinishJob waits for it to close (or a generous deadline)
	// inside counts the FinishJob calls under way; held is set when an
	// action ran while one was.
	inside int
	held   bool
}

func (s *finishLog) note(line string) {
	s.mu.Lock()
	*s.log = append(*s.log, line)
	s.mu.Unlock()
}

func (s *finishLog) FinishJob(ctx context.Context, id string, res recipe.JobResult, steps []recipe.StepRecord) error {
	s.mu.Lock()
	s.inside++
	s.mu.Unlock()
	if s.hold != nil {
		select {
		case <-s.hold:
		case <-time.After(30 * time.Second):
		}
	}
	err := s.Store.FinishJob(ctx, id, res, steps)
	s.mu.Lock()
	s.inside--
	s.mu.Unlock()
	var in benchIn
	if err := json.Unmarshal(steps[len(steps)-1].Input, &in); err != nil {
		return err
	}
	s.note("finish " + in.Key)
	return err
}

// TestJobEndsAndTheNextJob checks where a worker stores a job's end: after
// a step that cannot tell whether it made its change, before the next job
// starts its own (a crash runs at most one such step per worker again);
// after a step that checks its effect by key, while the next job runs
// (the store write overlaps the next job's requests). Either way RunOnce
// returns with every job stored and counted.
func TestJobEndsAndTheNextJob(t *testing.T) {
	for _, checked := range []bool{false, true} {
		t.Run(fmt.Sprintf("effect checked %v", checked), func(t *testing.T) {
			var log []string
			store := &finishLog{Store: recipe.NewMemoryStore(), log: &log}
			if checked {
				store.hold = make(chan struct{})
			}
			var once sync.Once
			act := action.New(action.Info{Name: "write", Connector: "test", EffectChecked: checked}, nil,
				func(_ context.Context, in benchIn) (benchIn, error) {
					store.mu.Lock()
					if store.inside > 0 {
						store.held = true
					}
					store.mu.Unlock()
					store.note("write " + in.Key)
					if in.Key == "SUP-1" && store.hold != nil {
						// The second job's change is made while the first
						// job's end is still being stored; let it go now.
						once.Do(func() { close(store.hold) })
					}
					return in, nil
				})
			evs := make([]trigger.Event[issue], 3)
			for i := range evs {
				evs[i] = trigger.Event[issue]{ID: fmt.Sprint(i), Data: issue{ID: i, Key: fmt.Sprintf("SUP-%d", i)}}
			}
			r := mustNew(t, "ends", trigger.Trigger[issue](recipetest.Events(evs...)),
				recipe.Do("write", act, recipe.Pills{"key": `trigger.key`}))
			eng, sum := runOnce(t, store, r)
			if sum.Jobs[recipe.JobSucceeded] != 3 {
				t.Fatalf("summary %s, want 3 jobs succeeded", sum)
			}
			jobs, err := recipe.CollectJobs(eng.Jobs(t.Context(), recipe.JobQuery{Recipe: "ends"}))
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range jobs {
				if j.Status != recipe.JobSucceeded || len(j.Steps) != 1 {
					t.Errorf("job %s is %s with %d steps after RunOnce, want succeeded with 1", j.Event.ID, j.Status, len(j.Steps))
				}
			}
			store.mu.Lock()
			defer store.mu.Unlock()
			if !checked {
				want := []string{"write SUP-0", "finish SUP-0", "write SUP-1", "finish SUP-1", "write SUP-2", "finish SUP-2"}
				if fmt.Sprint(log) != fmt.Sprint(want) {
					t.Errorf("order %q, want %q", log, want)
				}
				if store.held {
					t.Error("a change was made while the end of an earlier job was not stored")
				}
				return
			}
			// The first job's end waits until the second job's change is
			// made: stored in the background, it lets the worker go on.
			if slices.Index(log, "write SUP-1") > slices.Index(log, "finish SUP-0") {
				t.Errorf("the end of the first job was stored before the second job's change (%q); want the write to overlap the next job", log)
			}
		})
	}
}

// TestFirstWriteFollowsTheRunningMark checks that when a recipe's first
// step writes, every job is marked running in the store before its write
// starts, also when its worker made the mark ahead, while it ran the job
// before: a crash during the write resumes the job with the write marked
// as possibly made.
func TestFirstWriteFollowsTheRunningMark(t *testing.T) {
	store := recipe.NewMemoryStore()
	var mu sync.Mutex
	var problems []string
	var name string // of the recipe running
	act := action.New(action.Info{Name: "write", Connector: "test", EffectChecked: true}, nil,
		func(ctx context.Context, in benchIn) (benchIn, error) {
			mu.Lock()
			defer mu.Unlock()
			jobs, err := recipe.CollectJobs(store.Jobs(ctx, recipe.JobQuery{Recipe: name, EventID: in.Key, WithoutSteps: true}))
			switch {
			case err != nil:
				problems = append(problems, err.Error())
			case len(jobs) != 1 || jobs[0].Status != recipe.JobRunning:
				problems = append(problems, fmt.Sprintf("%s %s: %d jobs (want 1, running) when its write started", name, in.Key, len(jobs)))
			}
			return in, nil
		})
	evs := make([]trigger.Event[issue], 20)
	for i := range evs {
		evs[i] = trigger.Event[issue]{ID: fmt.Sprintf("SUP-%d", i), Data: issue{ID: i, Key: fmt.Sprintf("SUP-%d", i)}}
	}
	for _, conc := range []int{1, 3} {
		mu.Lock()
		name = fmt.Sprintf("marks-%d", conc)
		mu.Unlock()
		r := mustNew(t, name, trigger.Trigger[issue](recipetest.Events(evs...)),
			recipe.Concurrency(conc), recipe.Do("write", act, recipe.Pills{"key": `trigger.key`}))
		_, sum := runOnce(t, store, r)
		if sum.Jobs[recipe.JobSucceeded] != len(evs) {
			t.Fatalf("concurrency %d: summary %s, want %d jobs succeeded", conc, sum, len(evs))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}
