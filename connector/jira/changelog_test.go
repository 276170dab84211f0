package jira

import (
	"strings"
	"testing"
)

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
