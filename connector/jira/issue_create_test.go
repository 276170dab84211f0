package jira

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

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

// Without a key from the user, a create whose answer is lost is found by
// the step run's effect key (the issue's recipekit.effect property), not
// sent again.
func TestCreateIssueWithoutKeyFindsTheIssueItsLostAnswerMade(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	before := len(e.srv.Issues("DEMO"))
	e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: "/rest/api/2/issue", LoseResponse: jiratest.FaultRate{Next: 1}})
	is, err := e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "x"})
	if err != nil || is.Key == "" || is.Fields.Summary != "x" {
		t.Fatalf("create after a lost answer: %v %v", is.Key, err)
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

func TestCreateIssueRefusedIsRetriedAndLostAnswerIsAmbiguousWithoutKey(t *testing.T) {
	e := setup(t, jiratest.Cloud)
	// A 503 naming a wait is a refusal: the POST is sent again, once applied.
	e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: "/rest/api/2/issue", Unavailable: jiratest.FaultRate{Next: 1}, RetryAfter: time.Millisecond})
	is, err := e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "refused once"})
	if err != nil || is.Key == "" {
		t.Fatalf("after a refusal: %v %v", is.Key, err)
	}
	// A lost answer whose lookup fails too stays ambiguous.
	e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: "/rest/api/2/issue", LoseResponse: jiratest.FaultRate{Next: 1}})
	e.srv.SetRateLimit(jiratest.RateLimit{EveryNth: 1, PathPrefix: "/rest/api/2/search", RetryAfter: time.Hour})
	_, err = e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "x"})
	e.srv.SetRateLimit(jiratest.RateLimit{})
	if !errors.Is(err, action.ErrOutcomeUnknown) {
		t.Errorf("err = %v", err)
	}
	// With a key the lost answer is looked up and the create not sent again.
	e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: "/rest/api/2/issue", LoseResponse: jiratest.FaultRate{Next: 1}})
	is, err = e.jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Task", Summary: "y", IdempotencyKey: "k"})
	if err != nil || is.Key == "" {
		t.Errorf("with a key: %v %v", is.Key, err)
	}
}
