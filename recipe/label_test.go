package recipe_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

type labelled struct {
	Key     string `json:"key" expr:"key"`
	Summary string `json:"summary" expr:"summary"`
}

func (t labelled) EventLabel() string { return t.Key + "  " + t.Summary }

// TestJobsAreLabelledAndFoundByText stores each job with its event's label
// (on one line, cut to 200 bytes) and finds it by a word of it; a re-run
// keeps the label.
func TestJobsAreLabelledAndFoundByText(t *testing.T) {
	ctx := context.Background()
	store := recipe.NewMemoryStore()
	long := strings.Repeat("é", 150)
	r := mustNew(t, "tickets", recipetest.Data(labelled{"OPS-1", "Disk\nfull"}, labelled{"OPS-2", long}),
		recipe.Do("first", recorder(), recipe.Pills{"text": `trigger.key`}))
	eng := recipe.NewEngine(store, recipe.WithClock(recipetest.NewInstantClock(time.Time{})))
	if err := eng.Add(r); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	jobs, err := recipe.CollectJobs(eng.Jobs(ctx, recipe.JobQuery{Text: "disk FULL"}))
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs = %+v, %v", jobs, err)
	}
	if jobs[0].Label != "OPS-1 Disk full" {
		t.Errorf("label = %q", jobs[0].Label)
	}
	jobs, err = recipe.CollectJobs(eng.Jobs(ctx, recipe.JobQuery{Text: "OPS-2"}))
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs = %+v, %v", jobs, err)
	}
	if l := jobs[0].Label; len(l) > 200 || !strings.HasPrefix(l, "OPS-2 éé") || !strings.HasSuffix(l, "é") {
		t.Errorf("long label = %q (%d bytes)", l, len(l))
	}
	id, err := eng.Rerun(ctx, jobs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	again, err := eng.Job(ctx, id)
	if err != nil || again.Label != jobs[0].Label {
		t.Errorf("re-run label = %q, %v", again.Label, err)
	}
}
