package jira

import (
	"errors"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

func TestLookupActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[0].Key

		ts, err := e.jc.ListTransitions().Run(ctx, IssueKeyInput{IssueKey: key})
		if err != nil || len(ts) == 0 || ts[0].To.Name == "" {
			t.Errorf("list_transitions = %+v, %v", ts, err)
		}
		u, err := e.jc.GetUser().Run(ctx, GetUserInput{User: e.id(e.demo.Alice)})
		if err != nil || u.DisplayName != e.demo.Alice.DisplayName {
			t.Errorf("get_user = %+v, %v", u, err)
		}
		n, err := e.jc.CountIssues().Run(ctx, CountIssuesInput{JQL: "project = DEMO"})
		if err != nil || n.Count != int64(len(e.demo.Issues)) || n.Approximate != (e.mode == jiratest.Cloud) {
			t.Errorf("count_issues = %+v, %v; want %d", n, err, len(e.demo.Issues))
		}
		fs, err := e.jc.ListFields().Run(ctx, NoInput{})
		if err != nil || !containsFunc(fs, func(f Field) bool { return f.Name == e.demo.Severity.Name && f.Custom }) {
			t.Errorf("list_fields lacks %q: %v", e.demo.Severity.Name, err)
		}
		sts, err := e.jc.ListStatuses().Run(ctx, OptionalProjectInput{})
		if err != nil || !containsFunc(sts, func(s Status) bool { return s.Name == "In Progress" }) {
			t.Errorf("list_statuses = %+v, %v", sts, err)
		}
		psts, err := e.jc.ListStatuses().Run(ctx, OptionalProjectInput{Project: "DEMO"})
		if err != nil || len(psts) != 3 {
			t.Errorf("list_statuses DEMO = %+v, %v; want To Do, In Progress, Done once each", psts, err)
		}
		ps, err := e.jc.ListPriorities().Run(ctx, NoInput{})
		if err != nil || !containsFunc(ps, func(p Priority) bool { return p.Name == "Highest" }) {
			t.Errorf("list_priorities = %+v, %v", ps, err)
		}
		rs, err := e.jc.ListResolutions().Run(ctx, NoInput{})
		if err != nil || !containsFunc(rs, func(r Resolution) bool { return r.Name == "Done" }) {
			t.Errorf("list_resolutions = %+v, %v", rs, err)
		}
		its, err := e.jc.ListIssueTypes().Run(ctx, OptionalProjectInput{})
		pits, perr := e.jc.ListIssueTypes().Run(ctx, OptionalProjectInput{Project: "DEMO"})
		if err != nil || perr != nil || !containsFunc(its, func(t IssueType) bool { return t.Name == "Bug" }) || !containsFunc(pits, func(t IssueType) bool { return t.Subtask }) {
			t.Errorf("list_issue_types = %+v, %v / DEMO %+v, %v", its, err, pits, perr)
		}

		cm, err := e.jc.AddComment().Run(ctx, AddCommentInput{IssueKey: key, Body: "look me up"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.jc.GetComment().Run(ctx, CommentRefInput{IssueKey: key, CommentID: cm.ID})
		if err != nil || got.Body != "look me up" {
			t.Errorf("get_comment = %+v, %v", got, err)
		}
		up, err := e.jc.UploadAttachment().Run(ctx, UploadAttachmentInput{IssueKey: key, Filename: "trace.log", Content: "12345"})
		if err != nil || len(up) != 1 {
			t.Fatalf("upload %+v %v", up, err)
		}
		meta, err := e.jc.GetAttachment().Run(ctx, AttachmentRefInput{AttachmentID: up[0].ID})
		if err != nil || meta.Filename != "trace.log" || meta.Size != 5 {
			t.Errorf("get_attachment = %+v, %v", meta, err)
		}

		wl, err := e.jc.AddWorklog().Run(ctx, AddWorklogInput{IssueKey: key, TimeSpent: "1h", Comment: "first"})
		if err != nil {
			t.Fatal(err)
		}
		wl2, err := e.jc.UpdateWorklog().Run(ctx, UpdateWorklogInput{IssueKey: key, WorklogID: wl.ID, TimeSpent: "2h", Comment: "corrected"})
		if err != nil || wl2.TimeSpentSeconds != 7200 || wl2.Comment != "corrected" {
			t.Errorf("update_worklog = %+v, %v", wl2, err)
		}
		if _, err := e.jc.UpdateWorklog().Run(ctx, UpdateWorklogInput{IssueKey: key, WorklogID: wl.ID}); !isValidation(err) {
			t.Errorf("update_worklog with nothing to change: %v", err)
		}
		del, err := e.jc.DeleteWorklog().Run(ctx, WorklogRefInput{IssueKey: key, WorklogID: wl.ID})
		if err != nil || !del.Deleted {
			t.Errorf("delete_worklog = %+v, %v", del, err)
		}
		left, err := e.jc.ListWorklogs().Run(ctx, IssueKeyInput{IssueKey: key})
		if err != nil || containsFunc(left, func(w Worklog) bool { return w.ID == wl.ID }) {
			t.Errorf("the deleted worklog is still listed: %+v %v", left, err)
		}

		res, err := e.jc.NotifyIssue().Run(ctx, NotifyIssueInput{IssueKey: key, Subject: "Please look", Body: "The build broke.", Users: []string{e.id(e.demo.Bob)}})
		if err != nil || !res.Queued {
			t.Fatalf("notify_issue = %+v, %v", res, err)
		}
		ns := e.srv.Notifications()
		if len(ns) != 1 || ns[0].Issue != key || ns[0].TextBody != "The build broke." || len(ns[0].To) != 1 || ns[0].To[0] != e.id(e.demo.Bob) {
			t.Errorf("notifications = %+v", ns)
		}
		if _, err := e.jc.NotifyIssue().Run(ctx, NotifyIssueInput{IssueKey: key, Body: "x"}); !isValidation(err) {
			t.Errorf("notify_issue without recipients: %v", err)
		}

		if _, err := e.jc.CreateProject().Run(ctx, CreateProjectInput{Key: "TMP", Name: "Temporary", Lead: e.id(e.demo.Admin)}); err != nil {
			t.Fatal(err)
		}
		dp, err := e.jc.DeleteProject().Run(ctx, DeleteProjectInput{ProjectKey: "TMP"})
		if err != nil || !dp.Deleted {
			t.Errorf("delete_project = %+v, %v", dp, err)
		}
		if _, err := e.jc.GetProject().Run(ctx, ProjectKeyInput{ProjectKey: "TMP"}); err == nil {
			t.Error("the deleted project is still there")
		}
	})
}

func TestBulkCreateIssues(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		in := BulkCreateIssuesInput{Issues: []CreateIssueInput{
			{Project: "DEMO", IssueType: "Task", Summary: "bulk one"},
			{Project: "DEMO", IssueType: "Bug", Summary: "bulk two", Priority: "High", Labels: []string{"imported"}},
			{Project: "DEMO", IssueType: "Task", Summary: "bulk three"},
		}}
		out, err := e.jc.BulkCreateIssues().Run(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Issues) != 3 || len(out.Failed) != 0 {
			t.Fatalf("result = %+v", out)
		}
		for i, c := range out.Issues {
			is, err := e.jc.GetIssue().Run(ctx, GetIssueInput{IssueKey: c.Key})
			if err != nil || is.Fields.Summary != in.Issues[i].Summary {
				t.Errorf("issues[%d] = %s: %+v %v", i, c.Key, is.Fields.Summary, err)
			}
		}
	})
}

// TestBulkCreateIssuesExactlyOnce loses Jira's answer to the bulk create:
// the issues were created, the client cannot know. The action looks their
// keys up and sends nothing again; a resumed run finds them too.
func TestBulkCreateIssuesExactlyOnce(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	in := BulkCreateIssuesInput{Issues: []CreateIssueInput{
		{Project: "DEMO", IssueType: "Task", Summary: "once A"},
		{Project: "DEMO", IssueType: "Task", Summary: "once B"},
	}}
	e.srv.SetFaults(jiratest.Faults{PathPrefix: "/rest/api/2/issue/bulk", LoseResponse: jiratest.FaultRate{Next: 1}})
	runCtx := action.WithEffect(ctx, action.Effect{Key: "recipe/job-1/step-3", Attempt: 1})
	out, err := e.jc.BulkCreateIssues().Run(runCtx, in)
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := e.jc.BulkCreateIssues().Run(action.WithEffect(ctx, action.Effect{Key: "recipe/job-1/step-3", Attempt: 2, MayExist: true}), in)
	if err != nil {
		t.Fatal(err)
	}
	count, err := e.jc.CountIssues().Run(ctx, CountIssuesInput{JQL: `project = DEMO AND summary ~ "once"`})
	if err != nil || count.Count != 2 {
		t.Fatalf("%d issues named once A/B exist, want 2 (%v)", count.Count, err)
	}
	for i := range in.Issues {
		if out.Issues[i].Key == "" || resumed.Issues[i].Key != out.Issues[i].Key {
			t.Errorf("issues[%d]: first run %q, resumed run %q", i, out.Issues[i].Key, resumed.Issues[i].Key)
		}
	}
	posts := 0
	for _, r := range e.srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/issue/bulk") {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("%d bulk POSTs reached Jira, want 1 (the lost answer's issues were found, not created again)", posts)
	}
}

func TestBulkCreateReportsRefusedIssues(t *testing.T) {
	e := setup(t, jiratest.DataCenter)
	out, err := e.jc.BulkCreateIssues().Run(ctx, BulkCreateIssuesInput{Issues: []CreateIssueInput{
		{Project: "DEMO", IssueType: "Task", Summary: "fine"},
		{Project: "DEMO", IssueType: "Task", Summary: "bad parent", Parent: "DEMO-999"},
	}})
	if err != nil {
		t.Fatalf("a partly refused bulk create failed the step: %v", err)
	}
	if out.Issues[0].Key == "" || out.Issues[1].Key != "" || len(out.Failed) != 1 || out.Failed[0].Index != 1 || out.Failed[0].Message == "" {
		t.Fatalf("result = %+v", out)
	}
	if _, err := e.jc.BulkCreateIssues().Run(ctx, BulkCreateIssuesInput{}); !isValidation(err) {
		t.Errorf("empty bulk create: %v", err)
	}
}

func containsFunc[T any](s []T, f func(T) bool) bool {
	for _, v := range s {
		if f(v) {
			return true
		}
	}
	return false
}

func isValidation(err error) bool {
	var ve *action.ValidationError
	return errors.As(err, &ve)
}
