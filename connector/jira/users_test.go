package jira

import (
	"testing"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

func TestUserActions(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		me, err := e.jc.Myself().Run(ctx, NoInput{})
		if err != nil || me.DisplayName != "Integration Bot" || me.IDFor(map[jiratest.Mode]Deployment{jiratest.Cloud: Cloud, jiratest.DataCenter: DataCenter}[e.mode]) != e.id(e.demo.Admin) {
			t.Errorf("myself %+v %v", me, err)
		}
		if (e.mode == jiratest.Cloud) != (me.AccountID != "") || (e.mode == jiratest.DataCenter) != (me.Name != "") {
			t.Errorf("identifiers do not follow the deployment: %+v", me)
		}
		users, err := e.jc.FindUsers().Run(ctx, FindUsersInput{Query: "ali"})
		if err != nil || len(users) != 1 || users[0].ID() != e.id(e.demo.Alice) {
			t.Errorf("find %+v %v", users, err)
		}
		as, err := e.jc.AssignableUsers().Run(ctx, AssignableUsersInput{Project: "DEMO"})
		if err != nil || len(as) < 3 {
			t.Errorf("assignable %d %v", len(as), err)
		}
		as, err = e.jc.AssignableUsers().Run(ctx, AssignableUsersInput{IssueKey: e.demo.Issues[0].Key, Query: "bob"})
		if err != nil || len(as) != 1 || as[0].DisplayName != "Bob Baker" {
			t.Errorf("assignable on issue %+v %v", as, err)
		}
	})
}
