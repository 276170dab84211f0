package sqlite_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/sqlite"
)

// What the SIGKILL crash tests share: the child process runs one recipe
// over the SQLite file in its directory until caught up, the parent picks
// its kill points from a seeded generator and, after a last run without a
// kill, reads the jobs the file holds.

// crashRand returns the generator of the kill points, seeded from the
// clock or from RECIPEKIT_CRASH_SEED to replay a failure; stream keeps the
// tests' sequences apart.
func crashRand(t *testing.T, stream uint64) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("RECIPEKIT_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (set RECIPEKIT_CRASH_SEED to replay)", seed)
	return rand.New(rand.NewPCG(seed, stream))
}

// runCrashChild runs r in the child process over dir's store until caught
// up, then calls done, which tells the parent the child finished, and
// closes the store.
func runCrashChild(ctx context.Context, dir string, r *recipe.Recipe, done func()) error {
	store, err := sqlite.Open(ctx, filepath.Join(dir, "recipes.db"))
	if err != nil {
		return err
	}
	eng := recipe.NewEngine(store)
	if err := eng.Add(r); err != nil {
		return err
	}
	if _, err := eng.RunOnce(ctx); err != nil {
		return err
	}
	done()
	return store.Close()
}

// killRepeatedly runs the child that env selects over dir kills times,
// each time killing it with SIGKILL once it has announced the number of
// side effects target returns, then runs it once more to the end.
func killRepeatedly(t *testing.T, env, dir string, kills int, target func() int) {
	t.Helper()
	for killed := 0; killed < kills; {
		want := target()
		cmd, effects, done := startChildOf(t, env, dir)
		seen := 0
		for seen < want {
			if _, ok := <-effects; !ok {
				break
			}
			seen++
		}
		if seen < want { // the child finished (or died) before the kill point
			if err := cmd.Wait(); err != nil {
				t.Fatalf("child failed: %v", err)
			}
			if *done {
				t.Fatalf("the child finished all events after %d kills; the kill points are too late", killed)
			}
			continue
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for range effects {
		}
		_ = cmd.Wait()
		killed++
	}

	// A last run without a kill finishes everything.
	cmd, effects, done := startChildOf(t, env, dir)
	for range effects {
	}
	if err := cmd.Wait(); err != nil || !*done {
		t.Fatalf("final child run: %v (done %v)", err, *done)
	}
}

// crashJobs returns the jobs of recipe name in dir's store after the last
// run, reporting each one that did not succeed.
func crashJobs(t *testing.T, dir, name string) []recipe.Job {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "recipes.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	jobs, err := recipe.CollectJobs(store.Jobs(ctx, recipe.JobQuery{Recipe: name}))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Status != recipe.JobSucceeded {
			t.Errorf("job %s for %s is %s: %s", j.ID, j.Event.ID, j.Status, j.Error)
		}
	}
	return jobs
}
