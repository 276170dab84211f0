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
