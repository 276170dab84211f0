package jira

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/trigger"
)

// pollAll polls tr until it has nothing more, returning the events and
// the last cursor.
func pollAll[T any](t *testing.T, tr trigger.Trigger[T], cur trigger.Cursor) ([]trigger.Event[T], trigger.Cursor) {
	t.Helper()
	var out []trigger.Event[T]
	for range 50 {
		page, err := tr.Poll(ctx, cur)
		require.NoError(t, err)
		out = append(out, page.Events...)
		cur = page.Next
		if !page.More {
			return out, cur
		}
	}
	t.Fatal("the trigger never caught up")
	return nil, nil
}

func TestNewCustomerRequestTrigger(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		desk := deskEnv(t, e)
		bug, help := desk.RequestTypes[1].ID, desk.RequestTypes[0].ID
		tr := e.jc.NewCustomerRequest(NewRequestOptions{ServiceDeskID: desk.ID, RequestTypeID: bug, PollOptions: PollOptions{Since: time.Now().Add(-time.Minute)}})
		require.NoError(t, tr.(interface{ Validate() error }).Validate())
		assert.Equal(t, TriggerNewRequest, tr.Info().Name)

		raise := func(typ, summary string) CustomerRequest {
			r, err := e.jc.CreateCustomerRequest().Run(ctx, CreateCustomerRequestInput{ServiceDeskID: desk.ID, RequestTypeID: typ, Summary: summary, OnBehalfOf: e.id(e.demo.Bob)})
			require.NoError(t, err)
			return r
		}
		first := raise(bug, "Crash on export")
		raise(help, "New laptop")
		_, err := e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "HELP", IssueType: "Bug", Summary: "Filed by an agent, not a request"})
		require.NoError(t, err)

		events, cur := pollAll(t, tr, nil)
		require.Len(t, events, 1, "only the bug report: not the other type, not the plain issue")
		ev := events[0]
		assert.Equal(t, first.IssueKey, ev.Data.Request.IssueKey)
		assert.Equal(t, first.IssueKey, ev.Data.Issue.Key)
		assert.Equal(t, e.id(e.demo.Bob), ev.Data.Request.Reporter.ID())
		assert.Equal(t, "Crash on export", ev.Data.Request.Summary())

		again, cur := pollAll(t, tr, cur)
		assert.Empty(t, again, "the overlap window re-reads the request; the ledger drops it")
		second := raise(bug, "Crash on import")
		more, _ := pollAll(t, tr, cur)
		require.Len(t, more, 1)
		assert.Equal(t, second.IssueKey, more[0].Data.Request.IssueKey)

		all := e.jc.NewCustomerRequest(NewRequestOptions{ServiceDeskID: desk.ID, PollOptions: PollOptions{Since: time.Now().Add(-time.Minute)}})
		every, _ := pollAll(t, all, nil)
		assert.Len(t, every, 3, "without a type filter: every request, still not the plain issue")
	})
}

func TestNewCustomerRequestTriggerValidates(t *testing.T) {
	jc, err := New(Config{Name: "validate", URL: "https://validate.example.net", Auth: auth.PAT{Token: "unused"}})
	require.NoError(t, err)
	for _, id := range []string{"", "HELP"} {
		tr := jc.NewCustomerRequest(NewRequestOptions{ServiceDeskID: id})
		err := tr.(interface{ Validate() error }).Validate()
		require.Error(t, err, "desk id %q", id)
		assert.Contains(t, err.Error(), "serviceDeskId")
		_, err = tr.Poll(ctx, nil)
		require.Error(t, err, "a trigger that does not validate never polls")
	}
}
