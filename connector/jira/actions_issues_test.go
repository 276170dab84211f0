package jira

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/httpx"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

var ctx = context.Background()

func TestCreateIssueWithStandardAndCustomFields(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		a := e.jc.CreateIssue()
		if a.Info().Connector != "jira" || a.Info().Idempotent || a.Info().Permissions[0] != "CREATE_ISSUES" {
			t.Errorf("info %+v", a.Info())
		}
		is, err := a.Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "bug", Summary: "Checkout broken",
			Description: "h1. Steps\n* pay", Priority: "High", Labels: []string{"shop"}, Assignee: e.id(e.demo.Alice),
			Components: []string{"Backend"}, FixVersions: []string{"1.1"}, DueDate: "2030-01-31",
			Fields: map[string]any{"Severity": "S1"}})
		if err != nil {
			t.Fatal(err)
		}
		got, ok := e.srv.Issue(is.Key)
		if !ok || got.Summary != "Checkout broken" || got.IssueType != "Bug" || got.Priority != "High" || got.Assignee != e.id(e.demo.Alice) ||
			got.Custom[e.demo.Severity.ID] != "S1" || got.DueDate != "2030-01-31" || len(got.Components) != 1 || len(got.FixVersions) != 1 {
			t.Errorf("simulator holds %+v", got)
		}
		if is.Fields.Summary != "Checkout broken" || is.Fields.Priority == nil || is.Fields.Priority.Name != "High" || is.Fields.Custom[e.demo.Severity.ID] == nil {
			t.Errorf("returned %+v", is.Fields)
		}
		sub, err := a.Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Sub-task", Summary: "Part", Parent: is.Key})
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := e.srv.Issue(sub.Key); s.Parent != is.Key {
			t.Errorf("sub-task parent %q", s.Parent)
		}
	})
}

func TestCreateIssueRejectsBadInputBeforePosting(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	a := e.jc.CreateIssue()
	before := len(e.srv.Issues("DEMO"))
	cases := []struct {
		in   CreateIssueInput
		want string
	}{
		{CreateIssueInput{IssueType: "Task", Summary: "x"}, `"project": is required`},
		{CreateIssueInput{Project: "DEMO", IssueType: "Epic", Summary: "x"}, `no issue type "Epic"; available: `},
		{CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "x", Fields: map[string]any{"Severity": "S9"}}, `does not accept "S9"; allowed: "S1", "S2", "S3", "S4"`},
		{CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "x", Priority: "Urgent"}, `does not accept "Urgent"`},
		{CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "x", Fields: map[string]any{"No Such Field": 1}}, `no field is named "No Such Field"`},
		{CreateIssueInput{Project: "DEMO", IssueType: "Sub-task", Summary: "x"}, `sub-task type: give the parent`},
		{CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "x", Fields: map[string]any{"summary": "y"}}, `has its own input "summary"`},
	}
	for _, c := range cases {
		_, err := a.Run(ctx, c.in)
		var ve *action.ValidationError
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &ve) {
			t.Errorf("%+v: err %v, want a validation error with %q", c.in, err, c.want)
		}
	}
	e.srv.AddCustomField(jiratest.Field{Name: "severity", Type: "string"})
	// Field names are cached per connection: a new connection sees the new field.
	_, err := e.client(t, e.demo.Admin).CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "x", Fields: map[string]any{"Severity": "S1"}})
	if err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("two fields named Severity: %v", err)
	}
	if n := len(e.srv.Issues("DEMO")); n != before {
		t.Errorf("%d issues created by invalid input", n-before)
	}
	e.rec.mu.Lock()
	for _, r := range e.rec.reqs {
		if r.method == "POST" && strings.HasSuffix(r.url.Path, "/issue") {
			t.Errorf("a create was posted: %s", r.body)
		}
	}
	e.rec.mu.Unlock()
}

func TestCreateIssueReportsMissingRequiredField(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	f := e.srv.AddCustomField(jiratest.Field{Name: "Customer", Type: "string", Required: true, IssueTypes: []string{"Task"}})
	_, err := e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "x"})
	if err == nil || !strings.Contains(err.Error(), "required") || !strings.Contains(err.Error(), "Customer ("+f.ID+")") {
		t.Errorf("err = %v", err)
	}
	is, err := e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "x", Fields: map[string]any{"Customer": "ACME"}})
	if err != nil || is.Fields.Custom[f.ID] != "ACME" {
		t.Errorf("with the field: %v %v", is.Fields.Custom, err)
	}
}

func TestCreateIssueIdempotencyKeyYieldsOneIssueDespiteLostResponse(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		before := len(e.srv.Issues("DEMO"))
		e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: "/rest/api/2/issue", LoseResponse: jiratest.FaultRate{Next: 1}})
		in := CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "Charge the card", IdempotencyKey: "order-4711"}
		is, err := e.jc.CreateIssue().Run(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(e.srv.Issues("DEMO")); n != before+1 {
			t.Fatalf("%d issues created, want 1", n-before)
		}
		// The runtime runs the step again (a crash, a retry): same key, same issue.
		again, err := e.jc.CreateIssue().Run(ctx, in)
		if err != nil || again.Key != is.Key {
			t.Errorf("second run: %v %v, want %s", again.Key, err, is.Key)
		}
		if n := len(e.srv.Issues("DEMO")); n != before+1 {
			t.Errorf("%d issues after a second run, want 1", n-before)
		}
		got, _ := e.srv.Issue(is.Key)
		if p, ok := got.Properties[IdempotencyProperty].(map[string]any); !ok || p["key"] != "order-4711" {
			t.Errorf("property %v", got.Properties)
		}
		// Another key creates another issue.
		other, err := e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "Charge", IdempotencyKey: "order-4712"})
		if err != nil || other.Key == is.Key {
			t.Errorf("other key: %v %v", other.Key, err)
		}
	})
}

func TestCreateIssueWithoutKeySaysOutcomeUnknownAndDoesNotRetry(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	before := len(e.srv.Issues("DEMO"))
	e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: "/rest/api/2/issue", LoseResponse: jiratest.FaultRate{Next: 1}})
	_, err := e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "x"})
	if !errors.Is(err, action.ErrOutcomeUnknown) || !strings.Contains(err.Error(), "outcome is unknown") || action.IsRetryable(err) {
		t.Fatalf("err = %v", err)
	}
	if n := len(e.srv.Issues("DEMO")); n != before+1 {
		t.Errorf("%d issues, want exactly the one whose answer was lost", n-before)
	}
	posts := 0
	e.rec.mu.Lock()
	for _, r := range e.rec.reqs {
		if r.method == "POST" && strings.HasSuffix(r.url.Path, "/rest/api/2/issue") {
			posts++
		}
	}
	e.rec.mu.Unlock()
	if posts != 1 {
		t.Errorf("%d POSTs, want 1", posts)
	}
}

func TestCreateIssue503IsAmbiguousWithoutKey(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: "/rest/api/2/issue", Unavailable: jiratest.FaultRate{Next: 1}})
	_, err := e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "x"})
	if !errors.Is(err, action.ErrOutcomeUnknown) || !errors.Is(err, httpx.ErrServer) {
		t.Errorf("err = %v", err)
	}
	// With a key the 503 is looked up and the create sent again.
	is, err := e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "y", IdempotencyKey: "k"})
	if err != nil || is.Key == "" {
		t.Errorf("with a key: %v %v", is.Key, err)
	}
}

func TestUpdateIssue(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[1].Key // labels auth, customer
		is, err := e.jc.UpdateIssue().Run(ctx, UpdateIssueInput{IssueKey: key, Summary: "SSO login fails", Priority: "Highest",
			AddLabels: []string{"urgent"}, RemoveLabels: []string{"customer"}, Fields: map[string]any{"Severity": "S1"}})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := e.srv.Issue(key)
		if got.Summary != "SSO login fails" || got.Priority != "Highest" || strings.Join(got.Labels, ",") != "auth,urgent" || got.Custom[e.demo.Severity.ID] != "S1" {
			t.Errorf("simulator holds %+v", got)
		}
		if is.Fields.Summary != "SSO login fails" {
			t.Errorf("returned %+v", is.Fields.Summary)
		}
		if _, err := e.jc.UpdateIssue().Run(ctx, UpdateIssueInput{IssueKey: key}); err == nil || !strings.Contains(err.Error(), "nothing to update") {
			t.Errorf("empty update: %v", err)
		}
		if _, err := e.jc.UpdateIssue().Run(ctx, UpdateIssueInput{IssueKey: key, Priority: "Meh"}); err == nil || !strings.Contains(err.Error(), `does not accept "Meh"`) {
			t.Errorf("bad priority: %v", err)
		}
	})
}

func TestGetDeleteAssignIssue(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[1].Key
		is, err := e.jc.GetIssue().Run(ctx, GetIssueInput{IssueKey: key, Fields: []string{"summary", "Severity"}, Expand: []string{"names"}})
		if err != nil {
			t.Fatal(err)
		}
		if sev, _ := is.Fields.Custom[e.demo.Severity.ID].(map[string]any); is.Fields.Summary != "Login fails with SSO" || sev["value"] != "S2" || is.Names["summary"] != "Summary" {
			t.Errorf("get: %+v names %v", is.Fields, is.Names)
		}
		if _, err := e.jc.GetIssue().Run(ctx, GetIssueInput{IssueKey: "DEMO-999"}); !errors.Is(err, httpx.ErrNotFound) {
			t.Errorf("missing issue: %v", err)
		}
		res, err := e.jc.AssignIssue().Run(ctx, AssignIssueInput{IssueKey: key, Assignee: e.id(e.demo.Alice)})
		if err != nil || res.Assignee == nil || res.Assignee.ID() != e.id(e.demo.Alice) {
			t.Errorf("assign: %+v %v", res, err)
		}
		res, err = e.jc.AssignIssue().Run(ctx, AssignIssueInput{IssueKey: key})
		if got, _ := e.srv.Issue(key); err != nil || res.Assignee != nil || got.Assignee != "" {
			t.Errorf("unassign: %+v %v", res, err)
		}
		del, err := e.jc.DeleteIssue().Run(ctx, DeleteIssueInput{IssueKey: e.demo.Issues[0].Key, DeleteSubtasks: true})
		if _, still := e.srv.Issue(e.demo.Issues[0].Key); err != nil || !del.Deleted || still {
			t.Errorf("delete: %+v %v", del, err)
		}
	})
}

func TestTransitionIssue(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[2].Key // To Do
		is, err := e.jc.TransitionIssue().Run(ctx, TransitionIssueInput{IssueKey: key, To: "in progress"})
		if err != nil {
			t.Fatal(err)
		}
		if is.Fields.Status.Name != "In Progress" {
			t.Errorf("status %q", is.Fields.Status.Name)
		}
		_, err = e.jc.TransitionIssue().Run(ctx, TransitionIssueInput{IssueKey: key, To: "Shipped"})
		if err == nil || !strings.Contains(err.Error(), `no transition or target status "Shipped"; available: `) {
			t.Errorf("unknown transition: %v", err)
		}
		is, err = e.jc.TransitionIssue().Run(ctx, TransitionIssueInput{IssueKey: key, To: "DONE", Resolution: "Won't Do", Comment: "closing"})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := e.srv.Issue(key)
		if got.Status != "Done" || got.Resolution != "Won't Do" || is.Fields.Resolution == nil {
			t.Errorf("after Done: %+v", got)
		}
		if cs := e.srv.Comments(key); len(cs) == 0 || cs[len(cs)-1].Body != "closing" {
			t.Errorf("comments %+v", cs)
		}
	})
}

func TestSearchIssuesAndCount(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		for i := range 7 {
			e.srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", Summary: "bulk " + string(rune('a'+i)), Labels: []string{"bulk"}})
		}
		res, err := e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: "project = DEMO AND labels = bulk ORDER BY key ASC", Limit: 5, Fields: []string{"summary"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Count != 5 || !res.Truncated || res.Issues[0].Fields.Summary != "bulk a" {
			t.Errorf("search: count %d truncated %v first %+v", res.Count, res.Truncated, res.Issues[0].Fields)
		}
		res, err = e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: "project = DEMO AND labels = bulk"})
		if err != nil || res.Count != 7 || res.Truncated {
			t.Errorf("all: %d %v %v", res.Count, res.Truncated, err)
		}
		n, err := e.jc.Search.Count(ctx, "project = DEMO AND labels = bulk")
		if err != nil || n != 7 {
			t.Errorf("count %d %v", n, err)
		}
		if _, err := e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: "project = DEMO AND"}); !errors.Is(err, httpx.ErrValidation) {
			t.Errorf("bad JQL: %v", err)
		}
	})
}

func TestSearchReconcilesFreshIssuesOnCloud(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	is, err := e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "fresh"})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.SetSearchLag(10 * 60e9)
	jql := `project = DEMO AND summary ~ "fresh"`
	res, _ := e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: jql})
	if res.Count != 0 {
		t.Fatalf("the simulator's search lag is off: %d", res.Count)
	}
	var id int64
	for _, c := range is.ID {
		id = id*10 + int64(c-'0')
	}
	res, err = e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: jql, ReconcileIssues: []int64{id}})
	if err != nil || res.Count != 1 {
		t.Errorf("with reconcileIssues: %d %v", res.Count, err)
	}
	e.checkSpec(t)
}

func TestChangelogAndIssueSchema(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[2].Key
		if err := e.srv.UpdateIssueAs(e.id(e.demo.Alice), key, map[string]any{"summary": "CSV export"}); err != nil {
			t.Fatal(err)
		}
		if err := e.srv.TransitionAs(e.id(e.demo.Bob), key, "Start Progress"); err != nil {
			t.Fatal(err)
		}
		cl, err := e.jc.GetChangelog().Run(ctx, ChangelogInput{IssueKey: key})
		if err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, en := range cl.Entries {
			for _, it := range en.Items {
				fields = append(fields, it.Field)
			}
		}
		if got := strings.Join(fields, ","); got != "summary,status" {
			t.Errorf("changelog fields %q", got)
		}
		schema, err := e.jc.GetIssueSchema().Run(ctx, IssueSchemaInput{Project: "DEMO", IssueType: "Bug"})
		if err != nil {
			t.Fatal(err)
		}
		sum, ok := schema.Field("summary")
		sev, ok2 := schema.Field(e.demo.Severity.ID)
		if !ok || !sum.Required || !ok2 || len(sev.AllowedValues) != 4 || schema.IssueType.Name != "Bug" {
			t.Errorf("schema %+v", schema)
		}
	})
}
