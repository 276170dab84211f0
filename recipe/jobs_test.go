package recipe_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/recipe/sqlite"
	"github.com/recipekit/recipekit/trigger"
)

func eventIDs(jobs []recipe.Job) string {
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.Event.ID
	}
	return strings.Join(ids, " ")
}

// TestJobListingForOperators lists jobs by recipe and status, newest first,
// with a limit, and reads one job with its step records, on both stores.
func TestJobListingForOperators(t *testing.T) {
	stores := map[string]func(t *testing.T) recipe.Store{
		"Memory": func(*testing.T) recipe.Store { return recipe.NewMemoryStore() },
		"SQLite": func(t *testing.T) recipe.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "jobs.db"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			store := open(t)
			defer store.Close()
			oddFails := recipetest.NewAction("check", func(_ context.Context, in note) (note, error) {
				if in.N%2 == 1 {
					return note{}, action.Permanent(fmt.Errorf("%d is odd", in.N))
				}
				return note{Text: "even", N: in.N}, nil
			})
			ops := mustNew(t, "ops", recipetest.Data(1, 2, 3, 4, 5, 6),
				recipe.Do("first", recorder(), recipe.Pills{"n": `trigger`, "text": `"n=" + to_s(trigger)`}),
				recipe.Do("check", oddFails, recipe.Pills{"n": `first.n`}),
			)
			other := mustNew(t, "other", recipetest.Data(10, 11), recipe.Do("first", recorder(), recipe.Pills{"n": `trigger`}))
			eng := recipe.NewEngine(store, recipe.WithClock(recipetest.NewInstantClock(time.Time{})))
			for _, r := range []*recipe.Recipe{ops, other} {
				if err := eng.Add(r); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := eng.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}

			list := func(q recipe.JobQuery) []recipe.Job {
				t.Helper()
				jobs, err := recipe.CollectJobs(eng.Jobs(ctx, q))
				if err != nil {
					t.Fatal(err)
				}
				return jobs
			}
			if got := eventIDs(list(recipe.JobQuery{Recipe: "ops"})); got != "6 5 4 3 2 1" {
				t.Errorf("all jobs of ops, newest first: %s", got)
			}
			failed := list(recipe.JobQuery{Recipe: "ops", Status: recipe.JobFailed, Limit: 2})
			if got := eventIDs(failed); got != "5 3" {
				t.Errorf("last two failed: %s", got)
			}
			for _, j := range failed {
				if j.Status != recipe.JobFailed || !strings.Contains(j.Error, "is odd") || len(j.Steps) != 2 || j.Steps[1].Error == "" {
					t.Errorf("failed job = %+v", j)
				}
			}
			if got := eventIDs(list(recipe.JobQuery{Recipe: "ops", Status: recipe.JobSucceeded})); got != "6 4 2" {
				t.Errorf("succeeded: %s", got)
			}
			if n := len(list(recipe.JobQuery{})); n != 8 {
				t.Errorf("jobs of every recipe: %d, want 8", n)
			}
			if got := eventIDs(list(recipe.JobQuery{Recipe: "other", Limit: 1})); got != "2" { // Data numbers events from 1
				t.Errorf("newest job of other: %s", got)
			}
			if n := len(list(recipe.JobQuery{Recipe: "ops", Status: recipe.JobPending})); n != 0 {
				t.Errorf("pending: %d", n)
			}

			// One job with its step records.
			j, err := eng.Job(ctx, failed[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(j.Steps) != 2 {
				t.Fatalf("steps = %+v", j.Steps)
			}
			first, check := j.Steps[0], j.Steps[1]
			if first.Seq != 0 || first.Name != "first" || first.Action != "recipetest.note" || string(first.Input) != `{"text":"n=5","n":5}` ||
				string(first.Output) != `{"text":"n=5","n":5}` || first.Attempts != 1 || first.Started.IsZero() {
				t.Errorf("first step record = %+v", first)
			}
			if check.Seq != 1 || check.Name != "check" || string(check.Input) != `{"text":"","n":5}` || len(check.Output) != 0 ||
				check.Error != "5 is odd" || check.Retryable {
				t.Errorf("check step record = %+v", check)
			}
			if string(j.Event.Data) != "5" || j.Recipe != "ops" || j.Finished.IsZero() {
				t.Errorf("job = %+v", j)
			}

			// A re-run is the newest job.
			id, err := eng.Rerun(ctx, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if latest := list(recipe.JobQuery{Recipe: "ops", Limit: 1}); latest[0].ID != id || latest[0].RerunOf != j.ID || latest[0].Status != recipe.JobPending {
				t.Errorf("newest after Rerun = %+v", latest[0])
			}

			if _, err := eng.Job(ctx, "nope"); !errors.Is(err, recipe.ErrNotFound) {
				t.Errorf("unknown job: %v", err)
			}
			if _, err := eng.Job(ctx, ""); err == nil {
				t.Error("empty job ID accepted")
			}
			for q, want := range map[recipe.JobQuery]string{
				{Status: "done"}:            `unknown status "done"`,
				{Status: recipe.JobSkipped}: "keep no job record",
				{Limit: -1}:                 "negative",
			} {
				if _, err := recipe.CollectJobs(eng.Jobs(ctx, q)); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Jobs(%+v): %v, want an error saying %q", q, err, want)
				}
			}
		})
	}
}

// A trigger that hands on its event's JSON (trigger.Event.Raw) has those
// bytes recorded as the event, as it sent them; pills still read the typed
// data. For a type holding secrets the runtime encodes the data redacted
// instead, whatever the trigger sent.
func TestEventRecordIsTheTriggersJSON(t *testing.T) {
	raw := `{"id": 7, "key":"SUP-7", "fields":{"summary":"Printer on fire"}, "expand":"names"}`
	trig := recipetest.Events(trigger.Event[issue]{ID: "7", Data: issue{ID: 7, Key: "SUP-7", Fields: fields{Summary: "Printer on fire"}}, Raw: json.RawMessage(raw)})
	rec := recorder()
	res := recipetest.Run(t, mustNew(t, "raw", trig, recipe.Do("n", rec, recipe.Pills{"text": `trigger.fields.summary`})), nil)
	if res.Succeeded() != 1 {
		t.Fatalf("jobs: %+v", res.Jobs)
	}
	if got := string(res.Job(0).Event.Data); got != raw {
		t.Errorf("event record = %s, want the trigger's JSON %s", got, raw)
	}
	if got := recipetest.Output[note](res, 0, "n").Text; got != "Printer on fire" {
		t.Errorf("the step read %q from the event", got)
	}

	secret := recipetest.Events(trigger.Event[commentIn]{ID: "s", Data: commentIn{IssueKey: "SUP-7", Password: "hunter2"}, Raw: json.RawMessage(`{"issueKey":"SUP-7","password":"hunter2"}`)})
	res = recipetest.Run(t, mustNew(t, "secret", secret, recipe.Do("n", rec, recipe.Pills{"text": `trigger.issueKey`})), nil)
	if res.Succeeded() != 1 {
		t.Fatalf("jobs: %+v", res.Jobs)
	}
	if got := string(res.Job(0).Event.Data); strings.Contains(got, "hunter2") || !strings.Contains(got, `"issueKey":"SUP-7"`) {
		t.Errorf("event record of a type with secrets = %s, want it encoded redacted", got)
	}
}
