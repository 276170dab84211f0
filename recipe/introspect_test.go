package recipe_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	require.Equal(t, []string{"first=note", "inside_if=note", "inside_loop=note", "inside_try=note", "inside_catch=note"}, got)
	assert.NotEmpty(t, r.Trigger().Name, "the trigger's metadata has a name")

	// The list is a copy: changing it does not change the recipe.
	listed := r.Actions()
	listed[0].Step = "changed"
	assert.Equal(t, "first", r.Actions()[0].Step)
}
