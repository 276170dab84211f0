package recipe_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

// TestStatusReportsPollsAndJobs shows what a dashboard reads: the last
// poll and its error, the last job's status and whether the recipe is
// failing, running or stopped.
func TestStatusReportsPollsAndJobs(t *testing.T) {
	ctx := context.Background()
	trig := recipetest.Data(1, 2)
	fails := recipetest.NewAction("check", func(_ context.Context, in note) (note, error) {
		if in.N == 2 {
			return note{}, action.Permanent(fmt.Errorf("two is refused"))
		}
		return in, nil
	})
	r := mustNew(t, "ops", trig, recipe.Do("check", fails, recipe.Pills{"n": `trigger`}))
	clock := recipetest.NewInstantClock(time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC))
	eng := recipe.NewEngine(recipe.NewMemoryStore(), recipe.WithClock(clock))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	st, err := eng.Status("ops")
	if err != nil || st.Running || st.Failing || !st.LastPoll.IsZero() || st.Trigger.PollInterval == 0 {
		t.Fatalf("before any run: %+v, %v", st, err)
	}
	if _, err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	st, _ = eng.Status("ops")
	if st.LastPoll.IsZero() || st.LastPollError != "" || st.LastPollEvents != 2 || st.LastPollNew != 2 {
		t.Errorf("after a good poll: %+v", st)
	}
	if st.LastJobStatus != recipe.JobFailed || !st.Failing || st.Running || st.Queued != 0 || st.Lag != 0 {
		t.Errorf("after a failed job: %+v", st)
	}
	trig.FailNext(errors.New("Jira is down"))
	_, _ = eng.RunOnce(ctx)
	if st, _ = eng.Status("ops"); st.LastPollError != "Jira is down" || !st.Failing {
		t.Errorf("after a failed poll: %+v", st)
	}
	if err := eng.Stop(ctx, "ops"); err != nil {
		t.Fatal(err)
	}
	if st, _ = eng.Status("ops"); !st.Stopped {
		t.Errorf("after Stop: %+v", st)
	}
	if _, err := eng.Status("nope"); !errors.Is(err, recipe.ErrNotFound) {
		t.Errorf("unknown recipe: %v", err)
	}
}
