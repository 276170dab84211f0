package jira

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/trigger"
)

func TestNamedIssueTriggers(t *testing.T) {
	bothTrigModes(t, "Europe/Paris", func(t *testing.T, e *trigEnv) {
		jc := e.client(t)
		ctx := context.Background()
		alice, bob := e.userID(e.demo.Alice), e.userID(e.demo.Bob)
		base := PollOptions{Project: "DEMO", Since: e.clock.Now().Add(-time.Second), Now: e.clock.Now}
		step := func() { e.clock.Advance(1500 * time.Millisecond) }

		k1 := e.demo.Issues[0].Key
		fresh, err := e.srv.CreateIssueAs(alice, jiratest.IssueSeed{Project: "DEMO", Summary: "second"})
		if err != nil {
			t.Fatal(err)
		}
		k2 := fresh.Key
		step()
		if err := e.srv.UpdateIssueAs(alice, k1, map[string]any{"summary": "only the summary"}); err != nil {
			t.Fatal(err)
		}
		step()
		if err := e.srv.TransitionAs(alice, k1, "Start Progress"); err != nil {
			t.Fatal(err)
		}
		step()
		if err := e.srv.TransitionAs(bob, k2, "Start Progress"); err != nil {
			t.Fatal(err)
		}
		step()
		if err := e.srv.UpdateIssueAs(alice, k2, map[string]any{"assignee": bob}); err != nil {
			t.Fatal(err)
		}
		step()
		if err := e.srv.UpdateIssueAs(alice, k1, map[string]any{"assignee": alice}); err != nil {
			t.Fatal(err)
		}
		step()
		if err := e.srv.UpdateIssueAs(alice, k1, map[string]any{"assignee": nil}); err != nil {
			t.Fatal(err)
		}
		step()
		ups, err := jc.UploadAttachment().Run(ctx, UploadAttachmentInput{IssueKey: k2, Filename: "trace.log", Content: "boom"})
		if err != nil {
			t.Fatal(err)
		}
		step()

		// Every status change, once; a summary edit is no status change.
		all, cur, _ := drain(t, jc.IssueStatusChanged(StatusChangedOptions{PollOptions: base}), nil)
		if len(all) != 2 {
			t.Fatalf("status changes = %v, want 2", eventIDs(all))
		}
		for _, ev := range all {
			if ev.Data.From != "To Do" || ev.Data.To != "In Progress" || !strings.HasPrefix(ev.ID, "status:") || ev.Data.ChangelogID == "" {
				t.Errorf("status change %s = %+v", ev.ID, ev.Data)
			}
		}
		if again, _, _ := drain(t, jc.IssueStatusChanged(StatusChangedOptions{PollOptions: base}), cur); len(again) != 0 {
			t.Errorf("a second poll emitted %v again", eventIDs(again))
		}
		// Filtered on the changelog item, by status name, ignoring case.
		to, _, _ := drain(t, jc.IssueStatusChanged(StatusChangedOptions{PollOptions: base, To: []string{"in progress"}}), nil)
		none, _, _ := drain(t, jc.IssueStatusChanged(StatusChangedOptions{PollOptions: base, From: []string{"Done"}}), nil)
		if len(to) != 2 || len(none) != 0 {
			t.Errorf("filtered: to In Progress %d (want 2), from Done %d (want 0)", len(to), len(none))
		}

		assigned, _, _ := drain(t, jc.IssueAssigned(AssignedOptions{PollOptions: base}), nil)
		if len(assigned) != 2 {
			t.Fatalf("assignments = %v, want 2 (the unassignment left out)", eventIDs(assigned))
		}
		tos := []string{assigned[0].Data.To, assigned[1].Data.To}
		slices.Sort(tos)
		want := []string{alice, bob}
		slices.Sort(want)
		if !slices.Equal(tos, want) {
			t.Errorf("assigned to %v, want %v", tos, want)
		}
		toBob, _, _ := drain(t, jc.IssueAssigned(AssignedOptions{PollOptions: base, To: []string{bob}}), nil)
		withUnassign, _, _ := drain(t, jc.IssueAssigned(AssignedOptions{PollOptions: base, IncludeUnassigned: true}), nil)
		if len(toBob) != 1 || toBob[0].Data.Issue.Key != k2 || len(withUnassign) != 3 {
			t.Errorf("to bob %v, with unassignment %v", eventIDs(toBob), eventIDs(withUnassign))
		}

		atts, acur, _ := drain(t, jc.NewAttachment(base), nil)
		if len(atts) != 1 || atts[0].ID != "attachment:"+ups[0].ID || atts[0].Data.Attachment.Filename != "trace.log" || atts[0].Data.Issue.Key != k2 {
			t.Fatalf("attachments = %+v", atts)
		}
		if again, _, _ := drain(t, jc.NewAttachment(base), acur); len(again) != 0 {
			t.Errorf("the attachment was emitted again: %v", eventIDs(again))
		}
		batches, _, _ := drain(t, jc.IssueStatusChangedBatch(StatusChangedOptions{PollOptions: base}), nil)
		if len(batches) != 1 || batches[0].Data.Count != 2 {
			t.Errorf("status change batches = %+v", batches)
		}
	})
}

func TestDeletedWorklogsTrigger(t *testing.T) {
	bothTrigModes(t, "UTC", func(t *testing.T, e *trigEnv) {
		jc := e.client(t)
		alice := e.userID(e.demo.Alice)
		key := e.demo.Issues[0].Key
		w1, err := e.srv.AddWorklogAs(alice, key, time.Hour, "one")
		if err != nil {
			t.Fatal(err)
		}
		w2, err := e.srv.AddWorklogAs(alice, key, time.Hour, "two")
		if err != nil {
			t.Fatal(err)
		}
		trig := jc.DeletedWorklogs(PollOptions{Since: e.clock.Now().Add(-time.Minute), Now: e.clock.Now})
		first, cur, _ := drain(t, trig, nil)
		if len(first) != 0 {
			t.Fatalf("nothing deleted yet, got %v", eventIDs(first))
		}
		e.clock.Advance(time.Second)
		if err := e.srv.DeleteWorklogAs(alice, key, w1.ID); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Second)
		if err := e.srv.DeleteWorklogAs(alice, key, w2.ID); err != nil {
			t.Fatal(err)
		}
		got, cur, _ := drain(t, trig, cur)
		if ids := eventIDs(got); len(ids) != 2 || ids[0] != "worklog-deleted:"+w1.ID || ids[1] != "worklog-deleted:"+w2.ID {
			t.Fatalf("deleted worklogs = %v", ids)
		}
		if again, _, _ := drain(t, trig, cur); len(again) != 0 {
			t.Errorf("emitted again: %v", eventIDs(again))
		}
	})
}

// TestDeletedCommentAndWorklogWebhooks registers the real-time deletion
// triggers, deletes a comment and a worklog, and parses the signed
// deliveries into typed events.
func TestDeletedCommentAndWorklogWebhooks(t *testing.T) {
	srv := jiratest.New(t, jiratest.Options{Seed: 5})
	demo := srv.SeedDemo()
	ctx := context.Background()
	rc := newDeliveryRecorder(t)
	jc := userClient(t, srv, demo.Admin)
	comments := jc.DeletedCommentWebhook(WebhookOptions{PollOptions: PollOptions{Project: "DEMO"}})
	worklogs := jc.DeletedWorklogWebhook(WebhookOptions{PollOptions: PollOptions{Project: "DEMO"}})
	csub, err := comments.Subscribe(ctx, rc.url()+"/comments", trigger.Subscription{})
	if err != nil {
		t.Fatal(err)
	}
	wsub, err := worklogs.Subscribe(ctx, rc.url()+"/worklogs", trigger.Subscription{})
	if err != nil {
		t.Fatal(err)
	}
	key := demo.Issues[0].Key
	cm, err := jc.AddComment().Run(ctx, AddCommentInput{IssueKey: key, Body: "short-lived"})
	if err != nil {
		t.Fatal(err)
	}
	wl, err := srv.AddWorklogAs(demo.Alice.AccountID, key, time.Hour, "undone")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jc.DeleteComment().Run(ctx, CommentRefInput{IssueKey: key, CommentID: cm.ID}); err != nil {
		t.Fatal(err)
	}
	if err := srv.DeleteWorklogAs(demo.Alice.AccountID, key, wl.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	var gotComment, gotWorklog bool
	for _, d := range rc.all() {
		switch {
		case strings.HasSuffix(d.path, "/comments"):
			evs, err := comments.Parse(csub, d.header, d.body)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				if ev.ID == "comment-deleted:"+cm.ID && ev.Data.Comment.Body == "short-lived" && ev.Data.Issue.Key == key {
					gotComment = true
				}
			}
		case strings.HasSuffix(d.path, "/worklogs"):
			evs, err := worklogs.Parse(wsub, d.header, d.body)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				if ev.ID == "worklog-deleted:"+wl.ID && ev.Data.WorklogID == wl.ID {
					gotWorklog = true
				}
			}
		}
	}
	if !gotComment || !gotWorklog {
		t.Fatalf("deleted comment event %v, deleted worklog event %v; deliveries %d", gotComment, gotWorklog, len(rc.all()))
	}
	if err := comments.Unsubscribe(ctx, csub); err != nil {
		t.Fatal(err)
	}
	if err := worklogs.Unsubscribe(ctx, wsub); err != nil {
		t.Fatal(err)
	}
}

type recordedDelivery struct {
	path   string
	header http.Header
	body   []byte
}

type deliveryRecorder struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []recordedDelivery
}

func newDeliveryRecorder(t *testing.T) *deliveryRecorder {
	r := &deliveryRecorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, recordedDelivery{path: req.URL.Path, header: req.Header.Clone(), body: b})
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *deliveryRecorder) url() string { return r.srv.URL }

func (r *deliveryRecorder) all() []recordedDelivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}
