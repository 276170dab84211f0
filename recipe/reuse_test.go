package recipe_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

// TestJobsShareNothingOnAWorker runs several jobs on one worker, which
// reuses its pill environment, step inputs and record buffer: nothing of
// one job may show in the next.
func TestJobsShareNothingOnAWorker(t *testing.T) {
	check := recorder()
	meta := recipetest.NewAction("meta", func(_ context.Context, in commentIn) (comment, error) {
		in.Meta.Props["seen-by-action"] = "yes" // an action scribbling on its input
		return comment{ID: in.IssueKey}, nil
	})
	r := mustNew(t, "apart", recipetest.Data(1, 2, 3), recipe.Concurrency(1),
		recipe.Var[[]string]("seen", ""),
		recipe.If(`trigger == 1`, recipe.Do("first", recorder(), recipe.Pills{"text": `"only in job 1"`, "n": `7`})),
		recipe.ForEach("loop", `[trigger, trigger * 10]`, recipe.Append("seen", `to_s(loop.item)`)),
		recipe.Do("check", check, recipe.Pills{"text": `first.text + "|" + join(vars.seen, ",")`, "n": `first.n`}),
		recipe.Do("meta", meta, recipe.Pills{"issueKey": `to_s(trigger)`, "meta": `{"visibility": "v", "props": {"k": to_s(trigger)}}`}),
	)
	res := recipetest.Run(t, r, nil)
	if res.Succeeded() != 3 {
		t.Fatalf("jobs = %+v", res.Jobs)
	}
	var got []string
	for _, c := range check.Calls() {
		got = append(got, fmt.Sprintf("%s/%d", c.Text, c.N))
	}
	if want := "[only in job 1|1,10/7 |2,20/0 |3,30/0]"; fmt.Sprint(got) != want {
		t.Errorf("inputs of check = %v, want %s", got, want)
	}
	calls := meta.Calls()
	for i, c := range calls {
		if c.Meta.Props["k"] != fmt.Sprint(i+1) {
			t.Errorf("job %d: meta input %v", i, c.Meta.Props)
		}
		if i > 0 && c.Meta == calls[i-1].Meta {
			t.Errorf("jobs %d and %d got the same meta value", i-1, i)
		}
	}
	// Each job's records are its own, and inputs are recorded before the
	// action runs.
	for i := range 3 {
		want := fmt.Sprintf(`{"body":"","count":0,"issueKey":"%d","meta":{"props":{"k":"%d"},"visibility":"v"},"password":"[redacted]","tags":null,"token":"[redacted]"}`, i+1, i+1)
		if in := string(res.Step(i, "meta").Input); in != want {
			t.Errorf("job %d meta input record:\n got %s\nwant %s", i, in, want)
		}
		if out := string(res.Step(i, "meta").Output); out != fmt.Sprintf(`{"id":"%d","body":""}`, i+1) {
			t.Errorf("job %d meta output record: %s", i, out)
		}
		if in := string(res.Step(i, "check").Input); in != fmt.Sprintf(`{"text":"%s","n":%d}`, got[i][:len(got[i])-2], map[int]int{0: 7}[i]) {
			t.Errorf("job %d check input record: %s", i, in)
		}
	}
}

// TestWholeValuesInPills reads top-level names whole, not through one of
// their fields: functions and operators see the value itself.
func TestWholeValuesInPills(t *testing.T) {
	rec := recorder()
	r := mustNew(t, "whole", recipetest.Data(2),
		recipe.Do("first", recorder(), recipe.Pills{"text": `"a<b"`, "n": `trigger`}),
		recipe.Do("whole", rec, recipe.Pills{
			"text": `to_s(trigger) + " " + string(trigger) + " " + toJSON(first) + " " + string(trigger in [2, 3]) + " " + string(len([trigger, first]))`,
			"n":    `first.n + trigger`,
		}),
	)
	res := recipetest.Run(t, r, nil)
	if res.Succeeded() != 1 {
		t.Fatalf("job = %+v", res.Job(0))
	}
	want := "2 2 {\n  \"text\": \"a\\u003cb\",\n  \"n\": 2\n} true 2"
	if c := rec.Calls(); c[0].Text != want || c[0].N != 4 {
		t.Errorf("input = %q %d, want %q 4", c[0].Text, c[0].N, want)
	}
}
