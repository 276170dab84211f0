package jira

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// TestCustomFieldsByDisplayName reads issues through an action and a
// polling trigger with Config.CustomFieldNames: custom fields are also
// keyed by display name, the field list is read once, and the names survive
// a job record's JSON round trip.
func TestCustomFieldsByDisplayName(t *testing.T) {
	bothTrigModes(t, "UTC", func(t *testing.T, e *trigEnv) {
		jc := mustNew(t, Config{URL: e.srv.URL(), Auth: userAuth(e.mode, e.demo.Admin, dcPAT), CustomFieldNames: true, HTTP: noSleepHTTP()})
		ctx := context.Background()
		start := e.clock.Now()
		e.clock.Advance(time.Second)
		created, err := jc.CreateIssue().Run(ctx, CreateIssueInput{Project: "DEMO", IssueType: "Bug", Summary: "named",
			Fields: map[string]any{e.demo.Severity.Name: "S2"}})
		if err != nil {
			t.Fatal(err)
		}
		sev := e.demo.Severity.Name
		got, err := jc.GetIssue().Run(ctx, GetIssueInput{IssueKey: created.Key})
		if err != nil {
			t.Fatal(err)
		}
		if got.Fields.Named[sev] == nil || !sameJSON(got.Fields.Named[sev], got.Fields.Custom[e.demo.Severity.ID]) {
			t.Fatalf("get_issue: named %v, custom %v", got.Fields.Named, got.Fields.Custom)
		}
		evs, _, _ := drain(t, jc.NewIssue(PollOptions{Project: "DEMO", Since: start, Now: e.clock.Now}), nil)
		if len(evs) != 1 || evs[0].Data.Fields.Named[sev] == nil {
			t.Fatalf("new_issue events = %+v", evs)
		}
		raw, err := json.Marshal(evs[0].Data)
		if err != nil {
			t.Fatal(err)
		}
		var back Issue
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		if !sameJSON(back.Fields.Named[sev], evs[0].Data.Fields.Named[sev]) || back.Fields.Other["named"] != nil {
			t.Errorf("after a JSON round trip: named %v, other %v", back.Fields.Named, back.Fields.Other)
		}
		reads := 0
		for _, r := range e.srv.Requests() {
			if r.Method == "GET" && r.Path == "/rest/api/2/field" {
				reads++
			}
		}
		if reads != 1 {
			t.Errorf("the field list was read %d times, want once per connection", reads)
		}

		plain := e.client(t)
		if is, err := plain.GetIssue().Run(ctx, GetIssueInput{IssueKey: created.Key}); err != nil || is.Fields.Named != nil {
			t.Errorf("without CustomFieldNames: named %v, %v", is.Fields.Named, err)
		}
	})
}

func TestCustomFieldNamesKeepSharedNamesApart(t *testing.T) {
	names := customFieldNames([]Field{
		{ID: "customfield_1", Name: "Team", Custom: true},
		{ID: "customfield_2", Name: "Team", Custom: true},
		{ID: "customfield_3", Name: "Points", Custom: true},
		{ID: "summary", Name: "Summary"},
	})
	if names["customfield_1"] != "Team (customfield_1)" || names["customfield_2"] != "Team (customfield_2)" || names["customfield_3"] != "Points" || len(names) != 3 {
		t.Errorf("names = %v", names)
	}
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
