package jira

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/internal/webhooksign"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/internal/testclock"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/trigger"
)

// changePayload is a jira:issue_updated delivery of changelog entry
// changeID whose issue reports updatedMs.
func changePayload(issueID, key, changeID string, updatedMs int64, user User) []byte {
	upd := time.UnixMilli(updatedMs).UTC().Format(TimeLayout)
	return fmt.Appendf(nil, `{"timestamp":%d,"webhookEvent":"jira:issue_updated","issue_event_type_name":"issue_generic",
 "user":{"accountId":%q,"displayName":"Bob"},
 "issue":{"id":%q,"key":%q,"fields":{"summary":"s","issuetype":{"name":"Task"},"project":{"key":"DEMO","id":"10000"},"status":{"name":"To Do"},"created":%q,"updated":%q}},
 "changelog":{"id":%q,"items":[{"field":"summary","fieldtype":"jira","fromString":"a","toString":"b"}]}}`,
		updatedMs, user.AccountID, issueID, key, upd, upd, changeID)
}

// oneIDPerChange runs two changes of one issue in one millisecond, polls
// them, and delivers each by webhook with an issue updated time 1 ms after
// the changelog's; it returns the poll's and the deliveries' events.
func oneIDPerChange(t *testing.T) (polled, delivered []trigger.Event[IssueChange]) {
	t.Helper()
	clock := testclock.New(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	srv := jiratest.New(t, jiratest.Options{Now: clock.Now, Seed: 5})
	demo := srv.SeedDemo()
	jc := userClient(t, srv, demo.Admin)
	is, err := srv.CreateIssueAs(demo.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", IssueType: "Task", Summary: "twice in a millisecond"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	changeMs := clock.Now().UnixMilli()
	var changeIDs []string
	for i := range 2 {
		if err := srv.UpdateIssueAs(demo.Bob.AccountID, is.Key, map[string]any{"summary": fmt.Sprintf("v%d", i)}); err != nil {
			t.Fatal(err)
		}
		changeIDs = append(changeIDs, lastChangeID(t, jc, is.Key))
	}
	clock.Advance(time.Minute)

	trig := jc.IssueWebhook(WebhookOptions{PollOptions: PollOptions{Project: "DEMO", Since: clock.Now().Add(-time.Hour), Now: clock.Now}})
	sub, err := trig.Subscribe(context.Background(), "http://127.0.0.1:9/h", trigger.Subscription{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range changeIDs {
		body := changePayload(is.ID, is.Key, id, changeMs+1, User{AccountID: demo.Bob.AccountID})
		evs, err := trig.Parse(sub, http.Header{"X-Hub-Signature": {webhooksign.Sign([]byte(sub.Secret.Reveal()), body)}}, body)
		if err != nil {
			t.Fatal(err)
		}
		delivered = append(delivered, evs...)
	}
	var cursor trigger.Cursor
	for {
		page, err := trig.Poll(context.Background(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page.Events {
			if ev.Data.Issue.ID == is.ID && !ev.Data.Created {
				polled = append(polled, ev)
			}
		}
		cursor = page.Next
		if !page.More {
			break
		}
	}
	return polled, delivered
}

// TestDeliveryAndBackupPollOfOneChangeAreOneJob: a delivery whose issue
// reports a time 1 ms after the changelog entry's, and the backup poll
// that reads the entry, hand the runtime the same event ID, so the dedup
// ledger runs the change once; two changes in one millisecond stay two.
func TestDeliveryAndBackupPollOfOneChangeAreOneJob(t *testing.T) {
	polled, delivered := oneIDPerChange(t)
	if len(polled) != 2 || len(delivered) != 2 {
		t.Fatalf("polled %d and delivered %d changes, want 2 each (two changes in one millisecond)", len(polled), len(delivered))
	}
	if polled[0].ID == polled[1].ID {
		t.Errorf("two changes in one millisecond share the ID %q", polled[0].ID)
	}
	for i := range 2 {
		if polled[i].ID != delivered[i].ID {
			t.Errorf("change %d: the poll says %q, the delivery %q: one change would run twice", i, polled[i].ID, delivered[i].ID)
		}
	}

	// Through the runtime's dedup ledger: the deliveries, then the backup
	// poll's events, accepted into one recipe's store.
	store := recipe.NewMemoryStore()
	jobN := 0
	accept := func(evs []trigger.Event[IssueChange]) {
		b := recipe.Batch{Recipe: "changes", At: time.Now()}
		for _, ev := range evs {
			b.Jobs = append(b.Jobs, recipe.Job{ID: fmt.Sprintf("job-%d", jobN), Recipe: "changes", Event: recipe.EventRecord{ID: ev.ID, Time: ev.Time}, Status: recipe.JobPending, Created: time.Now()})
			jobN++
		}
		if _, err := store.Accept(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	accept(delivered)
	accept(polled)
	jobs, err := recipe.CollectJobs(store.Jobs(context.Background(), recipe.JobQuery{Recipe: "changes"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 {
		t.Errorf("%d jobs for two changes delivered and polled, want 2", len(jobs))
	}
}

// TestCursorWithOldChangeIDsStillDedups: a cursor written when change IDs
// were "issue:<id>@<ms>" still keeps the poll from emitting those changes
// again under their new IDs.
func TestCursorWithOldChangeIDsStillDedups(t *testing.T) {
	e := newTrigEnv(t, jiratest.Cloud, "UTC")
	jc := e.client(t)
	is, err := e.srv.CreateIssueAs(e.userID(e.demo.Alice), jiratest.IssueSeed{Project: "DEMO", IssueType: "Task", Summary: "before the upgrade"})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if err := e.srv.UpdateIssueAs(e.userID(e.demo.Bob), is.Key, map[string]any{"summary": "changed"}); err != nil {
		t.Fatal(err)
	}
	changeMs := e.clock.Now().UnixMilli()
	e.clock.Advance(time.Minute)
	opts := PollOptions{Project: "DEMO", Since: e.clock.Now().Add(-time.Hour), Now: e.clock.Now}
	// The cursor an earlier version left after emitting both events.
	old := pollCursor{V: cursorVersion, Since: opts.Since.UnixMilli(), High: changeMs, Floor: opts.Since.UnixMilli(),
		Seen: map[string]int64{msID("issue", is.ID, is.Created.UnixMilli()): is.Created.UnixMilli(), msID("issue", is.ID, changeMs): changeMs}}
	cursor, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	page, err := jc.NewOrUpdatedIssue(opts).Poll(context.Background(), cursor)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range page.Events {
		if ev.Data.Issue.ID == is.ID {
			t.Errorf("emitted %s again, already handed over under its old ID", ev.ID)
		}
	}
}
