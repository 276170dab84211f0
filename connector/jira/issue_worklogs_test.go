package jira

import (
	"testing"
)

func TestWorklogActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		key := e.demo.Issues[1].Key
		w, err := e.jc.AddWorklog().Run(ctx, AddWorklogInput{IssueKey: key, TimeSpent: "1h 30m", Comment: "debugging", Started: "2026-03-11T09:00:00.000+0000"})
		if err != nil || w.TimeSpentSeconds != 5400 || w.Comment != "debugging" {
			t.Fatalf("add %+v %v", w, err)
		}
		if _, err := e.jc.AddWorklog().Run(ctx, AddWorklogInput{IssueKey: key}); err == nil {
			t.Error("a worklog without time passed validation")
		}
		list, err := e.jc.ListWorklogs().Run(ctx, IssueKeyInput{IssueKey: key})
		if err != nil || len(list) != 1 || list[0].ID != w.ID {
			t.Errorf("list %+v %v", list, err)
		}
	})
}
