package recipe_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

func intEvents(ids ...int) []trigger.Event[int] {
	out := make([]trigger.Event[int], len(ids))
	for i, id := range ids {
		out[i] = trigger.Event[int]{ID: strconv.Itoa(id), Data: id}
	}
	return out
}

// TestBackfillProgress runs a backfill through RunOnce with a trigger
// condition that drops odd events and a duplicate in the feed: done only
// grows, the total is done plus the trigger's backlog, and both meet when
// the backfill has caught up.
func TestBackfillProgress(t *testing.T) {
	h := newHooks()
	trig := recipetest.Events(intEvents(1, 2, 3, 3, 4, 5, 6)...)
	trig.PageSize = 2
	r := mustNew(t, "backfill", trig, recipe.When(`trigger % 2 == 0`), recipe.Do("n", recorder(), recipe.Pills{"n": `trigger`}))
	res := recipetest.Run(t, r, &recipetest.Options{Hooks: h})
	if res.Err != nil || res.Succeeded() != 3 {
		t.Fatalf("jobs %d, err %v", res.Succeeded(), res.Err)
	}
	// Pages [1 2] [3 3] [4 5] [6], backlogs 5, 3, 1, 0.
	if got, want := fmt.Sprint(h.progress), "[[2 7] [3 6] [5 6] [6 6]]"; got != want {
		t.Errorf("progress = %s, want %s", got, want)
	}
	checkProgress(t, h.progress)

	// A further RunOnce counts from zero again.
	h.progress = nil
	trig.Add(intEvents(7, 8, 9)...)
	if _, err := res.Engine.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(h.progress), "[[2 3] [3 3]]"; got != want {
		t.Errorf("progress of the second run = %s, want %s", got, want)
	}
}

// TestBackfillProgressLargeRun checks the invariants on a longer backfill
// with several workers.
func TestBackfillProgressLargeRun(t *testing.T) {
	h := newHooks()
	h.done = make(chan string, 1000) // JobFinished sends on it
	ids := make([]int, 1000)
	for i := range ids {
		ids[i] = i + 1
	}
	trig := recipetest.Events(intEvents(ids...)...)
	trig.PageSize = 37
	r := mustNew(t, "big", trig, recipe.Concurrency(4), recipe.Do("n", recorder(), recipe.Pills{"n": `trigger`}))
	res := recipetest.Run(t, r, &recipetest.Options{Hooks: h})
	if res.Succeeded() != 1000 {
		t.Fatalf("succeeded %d", res.Succeeded())
	}
	if len(h.progress) != 28 || h.progress[0] != [2]int64{37, 1000} {
		t.Errorf("%d progress reports, first %v", len(h.progress), h.progress[0])
	}
	checkProgress(t, h.progress)
}

func checkProgress(t *testing.T, p [][2]int64) {
	t.Helper()
	if len(p) == 0 {
		t.Fatal("no progress reported")
	}
	for i, x := range p {
		if x[1] < x[0] {
			t.Errorf("report %d: total %d below done %d", i, x[1], x[0])
		}
		if i > 0 && x[0] < p[i-1][0] {
			t.Errorf("report %d: done went down from %d to %d", i, p[i-1][0], x[0])
		}
	}
	if last := p[len(p)-1]; last[0] != last[1] {
		t.Errorf("after catching up done %d != total %d", last[0], last[1])
	}
}
