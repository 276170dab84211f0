package jira

import (
	"testing"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

func TestVersionAndComponentActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		v, err := e.jc.CreateVersion().Run(ctx, VersionInput{Project: "DEMO", Name: "2.0", ReleaseDate: "2030-06-01"})
		if err != nil || v.ID == "" || v.Name != "2.0" {
			t.Fatalf("create version %+v %v", v, err)
		}
		yes := true
		v, err = e.jc.UpdateVersion().Run(ctx, VersionInput{VersionID: v.ID, Released: &yes})
		if err != nil || !v.Released {
			t.Errorf("release %+v %v", v, err)
		}
		vs, err := e.jc.ListVersions().Run(ctx, ProjectInput{Project: "DEMO"})
		if err != nil || len(vs) != 3 {
			t.Errorf("versions %d %v", len(vs), err)
		}
		c, err := e.jc.CreateComponent().Run(ctx, ComponentInput{Project: "DEMO", Name: "Mobile", Lead: e.id(e.demo.Alice), AssigneeType: "COMPONENT_LEAD"})
		if err != nil || c.ID == "" || c.Name != "Mobile" {
			t.Fatalf("create component %+v %v", c, err)
		}
		// The lead is written in the field each deployment reads (the
		// simulator does not keep component leads, so check the request).
		wantLead := `"leadAccountId":"` + e.id(e.demo.Alice) + `"`
		if e.mode == jiratest.DataCenter {
			wantLead = `"leadUserName":"` + e.id(e.demo.Alice) + `"`
		}
		if !e.sent("POST", "/rest/api/2/component", wantLead) {
			t.Errorf("no component create carried %s", wantLead)
		}
		c, err = e.jc.UpdateComponent().Run(ctx, ComponentInput{ComponentID: c.ID, Description: "iOS and Android"})
		if err != nil || c.Description != "iOS and Android" {
			t.Errorf("update component %+v %v", c, err)
		}
		cs, err := e.jc.ListComponents().Run(ctx, ProjectInput{Project: "DEMO"})
		if err != nil || len(cs) != 3 {
			t.Errorf("components %d %v", len(cs), err)
		}
	})
}
