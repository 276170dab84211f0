package jira

import (
	"strings"
	"testing"
)

func TestLinkActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		types, err := e.jc.ListLinkTypes().Run(ctx, NoInput{})
		if err != nil || len(types) == 0 {
			t.Fatalf("types %v %v", types, err)
		}
		a, b := e.demo.Issues[1].Key, e.demo.Issues[2].Key
		l, err := e.jc.LinkIssues().Run(ctx, LinkIssuesInput{Type: "blocks", OutwardIssue: a, InwardIssue: b, Comment: "see"})
		if err != nil || l.ID == "" || l.InwardIssue == nil || l.InwardIssue.Key != b {
			t.Fatalf("link %+v %v", l, err)
		}
		if _, err := e.jc.LinkIssues().Run(ctx, LinkIssuesInput{Type: "haunts", OutwardIssue: a, InwardIssue: b}); err == nil || !strings.Contains(err.Error(), "available: ") {
			t.Errorf("unknown type: %v", err)
		}
		del, err := e.jc.DeleteLink().Run(ctx, LinkRefInput{LinkID: l.ID})
		if err != nil || !del.Deleted {
			t.Errorf("delete %v", err)
		}
	})
}
