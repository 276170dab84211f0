package jira

import (
	"strings"
	"testing"
)

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

// An update or a transition names every entry of its fields input that is
// not on its screen, in the order of the entries' names, and changes
// nothing.
func TestFieldsOffTheScreenAreEachNamedInOrder(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[2].Key // To Do
		_, err := e.jc.TransitionIssue().Run(ctx, TransitionIssueInput{IssueKey: key, To: "Done", Resolution: "Done",
			Fields: map[string]any{"priority": "High", "labels": []string{"x"}, "environment": "x"}})
		want := `invalid input "fields.environment": the transition "Done" has no field environment on its screen` + "\n" +
			`invalid input "fields.labels": the transition "Done" has no field labels on its screen` + "\n" +
			`invalid input "fields.priority": the transition "Done" has no field priority on its screen`
		if err == nil || err.Error() != want {
			t.Errorf("transition: %v\nwant %s", err, want)
		}
		_, err = e.jc.UpdateIssue().Run(ctx, UpdateIssueInput{IssueKey: key, Summary: "renamed", Fields: map[string]any{"resolution": "Done", "environment": "x"}})
		want = `invalid input "fields.environment": the field environment is not on the edit screen of ` + key + ` (or the account may not edit it)` + "\n" +
			`invalid input "fields.resolution": the field resolution is not on the edit screen of ` + key + ` (or the account may not edit it)`
		if err == nil || err.Error() != want {
			t.Errorf("update: %v\nwant %s", err, want)
		}
		if got, _ := e.srv.Issue(key); got.Status != "To Do" || got.Resolution != "" || got.Summary == "renamed" {
			t.Errorf("the issue changed: %+v", got)
		}
	})
}
