package jira

import (
	"errors"
	"strings"
	"testing"
)

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
		if _, err := e.jc.GetIssue().Run(ctx, GetIssueInput{IssueKey: "DEMO-999"}); !errors.Is(err, ErrNotFound) {
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
