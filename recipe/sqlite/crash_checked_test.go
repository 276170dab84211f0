package sqlite_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

// The effect-checked crash child runs a recipe whose writing step checks
// its effect by key, so that workers gather the jobs' ends and commit
// them together: a kill leaves the ends of many jobs uncommitted.
const (
	checkedCrashEnv   = "RECIPEKIT_CHECKED_CRASH_CHILD_DIR"
	checkedCrashKills = 10
)

// checkedCrashChild records each change in an append-only file as "key
// event", where the key is the step run's effect key. Run with
// Effect.MayExist set, the action looks its key up among the changes of
// earlier processes and, finding it, returns without writing again; it
// notes each such find in the file "found".
func checkedCrashChild(dir string) error {
	ctx := context.Background()
	path := filepath.Join(dir, "effects")
	made := map[string]bool{}
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if key, _, ok := strings.Cut(line, " "); ok {
			made[key] = true
		}
	}
	effects, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	finds, err := os.OpenFile(filepath.Join(dir, "found"), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	say := func(s string) {
		out.WriteString(s + "\n")
		out.Flush()
	}
	write := recipetest.NewAction("write", func(ctx context.Context, in effectIn) (effectIn, error) {
		e, ok := action.EffectOf(ctx)
		if !ok {
			return in, errors.New("no effect key")
		}
		mu.Lock()
		defer mu.Unlock()
		if e.MayExist && made[e.Key] {
			_, err := finds.WriteString(e.Key + "\n")
			return in, err
		}
		if _, err := effects.WriteString(e.Key + " " + in.Event + "\n"); err != nil {
			return in, err
		}
		made[e.Key] = true
		say("effect")
		return in, nil
	}).EffectChecked()
	check := recipetest.NewAction("check", func(_ context.Context, in effectIn) (effectIn, error) { return in, nil }).Idempotent()
	r, err := recipe.New("checked-crash", trigger.Trigger[crashEvent](countingPoller{}), recipe.Concurrency(crashConcurrency),
		recipe.Do("write", write, recipe.Pills{"event": `"e" + to_s(trigger.n)`, "step": `"write"`}),
		recipe.Do("check", check, recipe.Pills{"event": `write.event`, "step": `"check"`}),
	)
	if err != nil {
		return err
	}
	return runCrashChild(ctx, dir, r, func() {
		mu.Lock()
		say("DONE")
		mu.Unlock()
	})
}

// TestCrashWithGatheredEndsRepeatsNoEffect kills the child while its
// workers hold gathered job ends not yet committed: after the restarts
// every event has one succeeded job and every change was made exactly
// once, the resumed jobs finding their changes instead of making them
// again.
func TestCrashWithGatheredEndsRepeatsNoEffect(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	dir := t.TempDir()
	rng := crashRand(t, 2)
	killRepeatedly(t, checkedCrashEnv, dir, checkedCrashKills, func() int { return 1 + rng.IntN(150) })
	jobs := crashJobs(t, dir, "checked-crash")
	perEvent := map[string]int{}
	for _, j := range jobs {
		perEvent[j.Event.ID]++
	}
	for i := range crashEvents {
		if n := perEvent[fmt.Sprintf("e%d", i)]; n != 1 {
			t.Errorf("event e%d has %d jobs, want 1", i, n)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "effects"))
	if err != nil {
		t.Fatal(err)
	}
	perKey, perEv := map[string]int{}, map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		key, ev, _ := strings.Cut(line, " ")
		perKey[key]++
		perEv[ev]++
	}
	for i := range crashEvents {
		if n := perEv[fmt.Sprintf("e%d", i)]; n != 1 {
			t.Errorf("the change of e%d was made %d times, want once", i, n)
		}
	}
	for key, n := range perKey {
		if n != 1 {
			t.Errorf("effect key %s was written %d times", key, n)
		}
	}
	// The kills hit jobs whose change was made and whose end was not
	// committed: their resumed runs found the change.
	finds, err := os.ReadFile(filepath.Join(dir, "found"))
	if err != nil {
		t.Fatal(err)
	}
	found := strings.Count(string(finds), "\n")
	if found == 0 {
		t.Error("no resumed job found its change: the kills never hit a job whose end was not stored")
	}
	t.Logf("%d kills, %d changes found by resumed jobs instead of made again", checkedCrashKills, found)
}
