package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/postgres"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

type item struct {
	N int `json:"n" expr:"n"`
}

type noOutput struct{}

// sharedRun runs the same recipe on several engines over one database
// (each with its own store, as separate processes would have) until every
// event's job finished, and returns what the action saw.
type sharedRun struct {
	mu       sync.Mutex
	calls    map[int]int    // event -> action runs
	byEngine map[string]int // engine -> action runs
	running  int
	maxRun   int
	order    []int
}

func (sr *sharedRun) action(engine string, wait time.Duration) *recipetest.Action[item, noOutput] {
	return recipetest.NewAction("mark", func(ctx context.Context, in item) (noOutput, error) {
		sr.mu.Lock()
		sr.calls[in.N]++
		sr.byEngine[engine]++
		sr.order = append(sr.order, in.N)
		sr.running++
		sr.maxRun = max(sr.maxRun, sr.running)
		sr.mu.Unlock()
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		sr.mu.Lock()
		sr.running--
		sr.mu.Unlock()
		return noOutput{}, nil
	})
}

func runShared(t *testing.T, engines, events int, inOrder bool) *sharedRun {
	t.Helper()
	url := pgtestDatabase(t)
	values := make([]item, events)
	for i := range values {
		values[i] = item{N: i + 1}
	}
	trig := recipetest.Data(values...)
	trig.Interval = time.Second
	trig.PageSize = 50
	sr := &sharedRun{calls: map[int]int{}, byEngine: map[string]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var stores []*postgres.Store
	for i := range engines {
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
		name := fmt.Sprintf("engine%d", i)
		parts := []recipe.Part{recipe.Do("mark", sr.action(name, 5*time.Millisecond), recipe.Pills{"n": `trigger.n`}), recipe.Concurrency(4)}
		if inOrder {
			parts = append(parts, recipe.InOrder())
		}
		r, err := recipe.New("shared", trig, parts...)
		if err != nil {
			t.Fatal(err)
		}
		runProcess(t, ctx, &wg, s, name, r)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		jobs, err := recipe.CollectJobs(stores[0].Jobs(context.Background(), recipe.JobQuery{Recipe: "shared", Status: recipe.JobSucceeded, Limit: events + 1}))
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) >= events {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes %d of %d jobs succeeded", len(jobs), events)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	for _, s := range stores {
		_ = s.Close()
	}
	return sr
}

func TestEnginesSharingADatabaseRunEachEventOnce(t *testing.T) {
	const events = 300
	sr := runShared(t, 3, events, false)
	for n := 1; n <= events; n++ {
		if sr.calls[n] != 1 {
			t.Errorf("event %d ran %d times", n, sr.calls[n])
		}
	}
	t.Logf("actions per engine: %v", sr.byEngine)
}

func TestInOrderHoldsAcrossEngines(t *testing.T) {
	const events = 60
	sr := runShared(t, 3, events, true)
	if sr.maxRun != 1 {
		t.Errorf("up to %d jobs of an InOrder recipe ran at once across the engines", sr.maxRun)
	}
	for i, n := range sr.order {
		if n != i+1 {
			t.Fatalf("jobs ran in the order %v, want the events' order", sr.order)
		}
	}
	t.Logf("actions per engine: %v", sr.byEngine)
}

// TestStopOnOneProcessStopsTheRecipeEverywhere stops a recipe on one engine
// and checks that another engine running it, the poll lease holder, stops
// polling it too (it gives the lease up).
func TestStopOnOneProcessStopsTheRecipeEverywhere(t *testing.T) {
	url := pgtestDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	trig := recipetest.Data(item{N: 1})
	trig.Interval = time.Second
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	start := func(name string) (*recipe.Engine, *postgres.Store) {
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		r, err := recipe.New("shared", trig, recipe.Do("noop", recipetest.NewAction[item, noOutput]("noop", nil).Idempotent(), recipe.Pills{"n": `trigger.n`}))
		if err != nil {
			t.Fatal(err)
		}
		return runProcess(t, ctx, &wg, s, name, r), s
	}
	pollOwner := func(s *postgres.Store) string {
		var owner string
		_ = s.Pool().QueryRow(context.Background(), `SELECT owner FROM leases WHERE name = 'poll:shared'`).Scan(&owner)
		return owner
	}
	_, sb := start("b")
	waitFor(t, time.Minute, "b to hold the poll lease", func() bool { return pollOwner(sb) == "b" })
	a, _ := start("a")
	if err := a.Stop(context.Background(), "shared"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "b to stop the recipe and give its poll lease up", func() bool { return pollOwner(sb) == "" })
}

// runProcess runs r on an engine over s standing for the process name, as
// each process sharing the database does, until ctx ends; wg waits for it.
func runProcess(t *testing.T, ctx context.Context, wg *sync.WaitGroup, s *postgres.Store, name string, r *recipe.Recipe) *recipe.Engine {
	t.Helper()
	eng := recipe.NewEngine(s, recipe.WithProcessID(name), recipe.WithLeaseTTL(10*time.Second))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	wg.Go(func() {
		if err := eng.Run(ctx); err != nil {
			t.Error(err)
		}
	})
	return eng
}
