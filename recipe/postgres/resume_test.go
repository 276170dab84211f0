package postgres_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/postgres"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

const resumeRecipe = "resume"

// resumeRecipeWith builds the resume test's recipe: two steps writing
// effects, the second one given.
func resumeRecipeWith(first, second action.Action[effectIn, effectOut]) (*recipe.Recipe, error) {
	trig := recipetest.Data(item{N: 1})
	trig.Interval = time.Hour
	return recipe.New(resumeRecipe, trig,
		recipe.Do("first", first, recipe.Pills{"event": `"first"`}),
		recipe.Do("second", second, recipe.Pills{"event": `"second"`}))
}

// resumeChild runs the resume recipe with a second step that writes its
// effect and then hangs, until the parent kills the process.
func resumeChild(ctx context.Context, cfg childConfig) int {
	store, err := postgres.Open(ctx, cfg.DB)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer store.Close()
	write := sinkAction(cfg.Sink)
	hang := action.New(action.Info{Name: "write_and_hang", Connector: "chaos", EffectChecked: true}, nil,
		func(ctx context.Context, in effectIn) (effectOut, error) {
			if _, err := write.Run(ctx, in); err != nil {
				return effectOut{}, err
			}
			fmt.Fprintln(os.Stdout, "HANGING")
			<-ctx.Done()
			return effectOut{}, ctx.Err()
		})
	r, err := resumeRecipeWith(write, hang)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	eng := recipe.NewEngine(store, recipe.WithProcessID(cfg.Name), recipe.WithLeaseTTL(cfg.LeaseTTL))
	if err := eng.Add(r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return serveChild(ctx, eng)
}

// TestJobOfAKilledProcessResumesElsewhere kills (SIGKILL) a process in the
// middle of a job's second step; another engine must resume the job after
// its lease expires, from its checkpoint: the first step is not run again,
// and the second finds the effect the dead process wrote instead of
// writing it twice.
func TestJobOfAKilledProcessResumesElsewhere(t *testing.T) {
	store, dbURL := openDatabase(t)
	ctx := context.Background()
	sk := &sink{writes: map[string]int{}, byEvent: map[string]int{}}
	sinkSrv := httptest.NewServer(sk)
	defer sinkSrv.Close()

	const leaseTTL = 2 * time.Second
	f := &fleet{t: t, logDir: t.TempDir(), cfg: childConfig{DB: dbURL, Sink: sinkSrv.URL, LeaseTTL: leaseTTL, Resume: true}}
	f.start(0)
	waitFor(t, time.Minute, "the job's second step to write its effect", func() bool { return sk.events()["second"] == 1 })
	killed := f.kill(0)

	var firstRuns atomic.Int32
	write := sinkAction(sinkSrv.URL)
	first := action.New(action.Info{Name: "record_effect", Connector: "chaos", EffectChecked: true}, nil,
		func(ctx context.Context, in effectIn) (effectOut, error) {
			firstRuns.Add(1)
			return write.Run(ctx, in)
		})
	r, err := resumeRecipeWith(first, write)
	if err != nil {
		t.Fatal(err)
	}
	eng := recipe.NewEngine(store, recipe.WithProcessID("survivor"), recipe.WithLeaseTTL(leaseTTL))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := eng.Run(runCtx); err != nil {
			t.Error(err)
		}
	})
	defer func() { cancel(); wg.Wait() }()
	var job recipe.Job
	waitFor(t, time.Minute, "the survivor to finish the job", func() bool {
		jobs, err := recipe.CollectJobs(store.Jobs(ctx, recipe.JobQuery{Recipe: resumeRecipe}))
		if err != nil || len(jobs) != 1 {
			return false
		}
		job = jobs[0]
		return job.Status.Final()
	})
	t.Logf("the job resumed and finished %v after its process was killed (job lease %v)", time.Since(killed).Round(time.Millisecond), leaseTTL)
	if job.Status != recipe.JobSucceeded {
		t.Fatalf("job ended %s: %s", job.Status, job.Error)
	}
	if got := sk.events(); got["first"] != 1 || got["second"] != 1 {
		t.Errorf("effects written = %v, want first and second once each", got)
	}
	if n := firstRuns.Load(); n != 0 {
		t.Errorf("the survivor ran the checkpointed first step %d times, want 0", n)
	}
	if len(job.Steps) != 2 {
		t.Errorf("job steps = %+v", job.Steps)
	}
}
