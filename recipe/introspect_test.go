package recipe_test

import (
	"testing"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

// TestRecipeListsItsActionSteps checks that a tool (a permission check, a
// catalogue) can read every action a recipe runs, nested blocks included.
func TestRecipeListsItsActionSteps(t *testing.T) {
	r := mustNew(t, "listing", recipetest.Data(sampleIssues()...),
		recipe.Do("first", recorder(), recipe.Pills{"text": `trigger.key`}),
		recipe.If(`trigger.key != ""`,
			recipe.Do("inside_if", recorder(), recipe.Pills{"text": `"x"`}),
		).Else(
			recipe.ForEach("each", `trigger.fields.labels`,
				recipe.Do("inside_loop", recorder(), recipe.Pills{"text": `item`}),
			),
		),
		recipe.Try(
			recipe.Do("inside_try", recorder(), recipe.Pills{"text": `"y"`}),
		).Catch(action.RetryPolicy{},
			recipe.Do("inside_catch", recorder(), recipe.Pills{"text": `error.message`}),
		),
	)
	var got []string
	for _, sa := range r.Actions() {
		got = append(got, sa.Step+"="+sa.Action.Name)
	}
	want := []string{"first=note", "inside_if=note", "inside_loop=note", "inside_try=note", "inside_catch=note"}
	if len(got) != len(want) {
		t.Fatalf("Actions() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Actions() = %v, want %v", got, want)
		}
	}
	if r.Trigger().Name == "" {
		t.Errorf("Trigger() has no name: %+v", r.Trigger())
	}
}
