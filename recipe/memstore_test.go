package recipe_test

import (
	"testing"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	recipetest.TestStore(t, func(*testing.T) recipe.Store { return recipe.NewMemoryStore() })
}

func TestMemoryStoreJobWriterConformance(t *testing.T) {
	recipetest.TestJobWriter(t, func(*testing.T) recipe.Store { return recipe.NewMemoryStore() })
}
