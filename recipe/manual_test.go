package recipe_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/recipe/sqlite"
	"github.com/recipekit/recipekit/trigger"
)

type order struct {
	ID    string `expr:"id" json:"id"`
	Total int    `expr:"total" json:"total"`
}

func orderRecipe(t *testing.T, rec *recipetest.Action[note, note]) *recipe.Recipe {
	t.Helper()
	return mustNew(t, "orders", trigger.Trigger[order](trigger.Manual[order]{}),
		recipe.When(`trigger.total > 0`),
		recipe.Do("n", rec, recipe.Pills{"text": `trigger.id`, "n": `trigger.total`}),
	)
}

func TestManualTriggerMakesJobsThatRunOnce(t *testing.T) {
	rec := recorder()
	r := orderRecipe(t, rec)
	eng := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithClock(recipetest.NewInstantClock(time.Time{})))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	id1, err := eng.Trigger(ctx, "orders", trigger.Event[any]{ID: "order-1", Data: order{ID: "A1", Total: 3}})
	if err != nil || id1 == "" {
		t.Fatalf("Trigger = %q, %v", id1, err)
	}
	// JSON and a pointer are accepted too; an empty ID gets a fresh one.
	id2, err := eng.Trigger(ctx, "orders", trigger.Event[any]{Data: json.RawMessage(`{"id":"B2","total":5}`)})
	if err != nil {
		t.Fatal(err)
	}
	id3, err := eng.Trigger(ctx, "orders", trigger.Event[any]{Data: &order{ID: "C3", Total: 1}})
	if err != nil {
		t.Fatal(err)
	}
	j, err := eng.Job(ctx, id2)
	if err != nil || j.Status != recipe.JobPending || !strings.HasPrefix(j.Event.ID, "manual:") {
		t.Fatalf("job %s = %+v, %v; want pending with a generated event ID", id2, j, err)
	}

	// The same event ID again: no second job, the first job's ID back.
	again, err := eng.Trigger(ctx, "orders", trigger.Event[any]{ID: "order-1", Data: order{ID: "A1", Total: 3}})
	if !errors.Is(err, recipe.ErrDuplicateEvent) || again != id1 {
		t.Errorf("Trigger with a used ID = %q, %v; want %q and ErrDuplicateEvent", again, err, id1)
	}
	// The recipe's condition applies.
	_, err = eng.Trigger(ctx, "orders", trigger.Event[any]{Data: order{ID: "Z0"}})
	if !errors.Is(err, recipe.ErrEventSkipped) || !strings.Contains(err.Error(), `condition "trigger.total > 0" false`) {
		t.Errorf("Trigger of an event the condition drops: %v", err)
	}
	// Bad input is refused with what to pass instead.
	for _, tc := range []struct {
		recipe string
		data   any
		want   string
	}{
		{"orders", "A1", "the event data is string, but the recipe's trigger takes recipe_test.order"},
		{"orders", json.RawMessage(`{"total":"many"}`), "decode stored event data as recipe_test.order"},
		{"nope", nil, `no recipe named "nope"`},
	} {
		if _, err := eng.Trigger(ctx, tc.recipe, trigger.Event[any]{Data: tc.data}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Trigger(%q, %v) = %v, want an error saying %q", tc.recipe, tc.data, err, tc.want)
		}
	}

	sum, err := eng.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(texts(rec.Calls()), " "); got != "A1 B2 C3" || sum.Jobs[recipe.JobSucceeded] != 3 {
		t.Fatalf("ran %q, summary %v; want A1 B2 C3 once each", got, sum)
	}
	for _, id := range []string{id1, id2, id3} {
		if j, err := eng.Job(ctx, id); err != nil || j.Status != recipe.JobSucceeded {
			t.Errorf("job %s = %+v, %v", id, j.Status, err)
		}
	}
	if _, err := eng.RunOnce(ctx); err != nil || len(rec.Calls()) != 3 {
		t.Errorf("a second RunOnce ran %d jobs in all (%v), want still 3", len(rec.Calls()), err)
	}
}

// TestManualTriggerSurvivesARestart hands an event to an engine that
// never runs it: the job is in the store, and the next engine on the
// reopened store runs it, once.
func TestManualTriggerSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recipes.db")
	ctx := t.Context()
	rec := recorder()
	r := orderRecipe(t, rec)
	open := func() (*recipe.Engine, func()) {
		store, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		eng := recipe.NewEngine(store)
		if err := eng.Add(r); err != nil {
			t.Fatal(err)
		}
		return eng, func() { store.Close() }
	}
	eng, closeStore := open()
	if _, err := eng.Trigger(ctx, "orders", trigger.Event[any]{ID: "order-9", Data: order{ID: "N9", Total: 2}}); err != nil {
		t.Fatal(err)
	}
	closeStore()

	eng, closeStore = open()
	defer closeStore()
	if _, err := eng.Trigger(ctx, "orders", trigger.Event[any]{ID: "order-9", Data: order{ID: "N9", Total: 2}}); !errors.Is(err, recipe.ErrDuplicateEvent) {
		t.Errorf("the event handed over again after the restart: %v, want ErrDuplicateEvent", err)
	}
	for range 2 {
		if _, err := eng.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := texts(rec.Calls()); len(got) != 1 || got[0] != "N9" {
		t.Fatalf("runs after the restart: %v, want N9 once", got)
	}
}

func TestManualTriggerRunsAtOnceInARunningEngine(t *testing.T) {
	ran := make(chan string, 4)
	act := recipetest.NewAction("note", func(_ context.Context, in note) (note, error) {
		ran <- in.Text
		return in, nil
	})
	r := mustNew(t, "orders", trigger.Trigger[order](trigger.Manual[order]{}),
		recipe.Do("n", act, recipe.Pills{"text": `trigger.id`}))
	eng := recipe.NewEngine(recipe.NewMemoryStore())
	ctx, stop := runEngine(t, eng, r)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	if _, err := eng.Trigger(ctx, "orders", trigger.Event[any]{Data: order{ID: "live"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-ran:
		if got != "live" {
			t.Errorf("ran %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the job did not run")
	}
}

// A scheduled recipe can be run now, outside its schedule, without
// disturbing the schedule.
func TestManualRunOfAScheduledRecipe(t *testing.T) {
	sched, err := trigger.Every(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rec := tickRecorder()
	r := mustNew(t, "hourly", trigger.Trigger[trigger.Tick](sched), recipe.Do("report", rec, tickPills()))
	clock := recipetest.NewInstantClock(at("2026-01-05T10:20:00Z"))
	eng := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithClock(clock))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := eng.RunOnce(ctx); err != nil { // arms the schedule
		t.Fatal(err)
	}
	now := trigger.Tick{Time: clock.Now()}
	if _, err := eng.Trigger(ctx, "hourly", trigger.Event[any]{ID: "manual-report", Data: now}); err != nil {
		t.Fatal(err)
	}
	clock.Set(at("2026-01-05T11:00:00Z"))
	if _, err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	calls := rec.Calls()
	if len(calls) != 2 || !calls[0].Time.Equal(at("2026-01-05T10:20:00Z")) || !calls[1].Time.Equal(at("2026-01-05T11:00:00Z")) || !calls[1].Previous.Equal(at("2026-01-05T10:20:00Z")) {
		t.Fatalf("runs %+v, want the manual one, then 11:00 on schedule", calls)
	}
}
