package jira

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/trigger"
)

// TestBadTriggerOptionsFailWhenTheRecipeIsBuilt checks that a filter the
// triggers refuse (an ORDER BY, a syntax error, a negative overlap) stops
// recipe.New, before anything polls or registers a webhook.
func TestBadTriggerOptionsFailWhenTheRecipeIsBuilt(t *testing.T) {
	jc, err := New(Config{Name: "validate", URL: "https://validate.example.net", Auth: auth.PAT{Token: "unused"}})
	require.NoError(t, err)
	for name, trig := range map[string]trigger.Trigger[Issue]{
		"order by":        jc.NewIssue(PollOptions{JQL: "status = Done ORDER BY created"}),
		"syntax":          jc.NewIssue(PollOptions{JQL: "status = = Done"}),
		"negative window": jc.NewIssue(PollOptions{Overlap: -1}),
		"webhook filter":  jc.DeletedIssueWebhook(WebhookOptions{PollOptions: PollOptions{JQL: "project = X ORDER BY key"}}),
	} {
		t.Run(name, func(t *testing.T) {
			v, ok := trig.(trigger.Validator)
			require.True(t, ok, "the trigger does not implement trigger.Validator")
			require.Error(t, v.Validate())
			_, err := recipe.New("bad-"+name[:5], trig)
			var be *recipe.BuildError
			require.True(t, errors.As(err, &be), "recipe.New = %v, want a *recipe.BuildError", err)
			assert.Equal(t, "trigger", be.Field)
		})
	}
	batch := jc.NewIssuesBatch(PollOptions{JQL: "key = X-1 order by key"})
	_, err = recipe.New("bad-batch", batch)
	assert.ErrorContains(t, err, "ORDER BY")

	good := jc.NewIssue(PollOptions{Project: "DEMO", JQL: "labels = customer"})
	assert.NoError(t, good.(trigger.Validator).Validate())
	_, err = recipe.New("good", good)
	assert.NoError(t, err)
}
