package recipe_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/recipe/recipetest"
	"github.com/recipekit/recipekit/trigger"
)

// misconfigured is a trigger whose options are wrong; it says so through
// trigger.Validator.
type misconfigured struct {
	trigger.Trigger[issue]
}

func (misconfigured) Validate() error { return errors.New("JQL must not contain ORDER BY") }

func TestNewRejectsAMisconfiguredTrigger(t *testing.T) {
	trig := misconfigured{recipetest.Data(sampleIssues()...)}
	_, err := recipe.New("bad-trigger", trig, recipe.Do("log", recorder(), recipe.Pills{"text": `trigger.key`}))
	var be *recipe.BuildError
	if !errors.As(err, &be) {
		t.Fatalf("New = %v, want a *BuildError", err)
	}
	for _, want := range []string{"bad-trigger", "trigger", "ORDER BY"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if be.Field != "trigger" {
		t.Errorf("Field = %q, want trigger", be.Field)
	}
}
