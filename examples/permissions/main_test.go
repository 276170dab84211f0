package main

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/action"
	"github.com/recipekit/recipekit/auth"
	"github.com/recipekit/recipekit/connector/jira"
	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/outputtest"
	"github.com/recipekit/recipekit/recipe"
	"github.com/recipekit/recipekit/trigger"
)

func missingKeys(places []Place) map[string][]string {
	out := map[string][]string{}
	for _, p := range places {
		for _, f := range p.Missing() {
			out[p.Project] = append(out[p.Project], f.Key)
		}
		slices.Sort(out[p.Project])
	}
	return out
}

func TestCheckFollowsTheSimulatorsPermissions(t *testing.T) {
	ctx := context.Background()
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.DataCenter})
	demo := sim.SeedDemo()
	sim.AddProject(jiratest.Project{Key: "OPS", Name: "Operations", Lead: demo.Admin.Name})
	sim.SetPermission("OPS", demo.Bob.Name)
	sim.SetPermission("DEMO", demo.Bob.Name, "BROWSE_PROJECTS", "CREATE_ISSUES", "ADD_COMMENTS")
	jc, err := jira.New(jira.Config{URL: sim.URL(), Auth: auth.PAT{Token: auth.Secret(demo.Bob.PAT)}})
	if err != nil {
		t.Fatal(err)
	}
	needs := &Needs{}
	if _, err := buildRecipes(jc, "DEMO", "OPS", needs); err != nil {
		t.Fatal(err)
	}
	places, err := check(ctx, jc, needs, false)
	if err != nil {
		t.Fatal(err)
	}
	got := missingKeys(places)
	want := map[string][]string{
		"DEMO": {"EDIT_ISSUES", "TRANSITION_ISSUES"},
		"OPS":  {"BROWSE_PROJECTS", "CREATE_ATTACHMENTS", "CREATE_ISSUES", "LINK_ISSUES"},
		"":     {"ADMINISTER"},
	}
	for place, keys := range want {
		if !slices.Equal(got[place], keys) {
			t.Errorf("missing in %q = %v, want %v", place, got[place], keys)
		}
	}
	for _, p := range places {
		if p.Project == "OPS" && p.Visible {
			t.Error("OPS should be reported invisible")
		}
	}

	// An administrator grants what was missing; the check follows.
	sim.SetPermission("DEMO", demo.Bob.Name, "BROWSE_PROJECTS", "CREATE_ISSUES", "ADD_COMMENTS", "EDIT_ISSUES", "TRANSITION_ISSUES")
	sim.SetPermission("OPS", demo.Bob.Name, "BROWSE_PROJECTS", "CREATE_ISSUES", "CREATE_ATTACHMENTS", "LINK_ISSUES")
	places, err = check(ctx, jc, needs, false)
	if err != nil {
		t.Fatal(err)
	}
	got = missingKeys(places)
	if len(got["DEMO"]) != 0 || len(got["OPS"]) != 0 || !slices.Equal(got[""], []string{"ADMINISTER"}) {
		t.Errorf("after the grants, missing = %v", got)
	}
	// An OAuth app needs a scope, not Administer Jira, for its webhooks.
	places, err = check(ctx, jc, needs, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := missingKeys(places); len(got[""]) != 0 {
		t.Errorf("with OAuth, missing globally = %v", got[""])
	}
}

func TestOfflineRunReportsWhatBobLacksAndHowToGrantIt(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), options{escalateTo: "OPS"}, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("offline run: %v", err)
	}
	text := out.String()
	outputtest.Contains(t, text,
		"connected as Bob",
		"Recipes: acknowledge, escalate, realtime",
		"✓ Browse Projects (BROWSE_PROJECTS)",
		"✗ Edit Issues (EDIT_ISSUES)",
		"needed by acknowledge: label (jira.update_issue); escalate: mark (jira.update_issue)",
		"How a Jira administrator grants Edit Issues, Transition Issues in DEMO",
		"Project role",
		"Permission scheme",
		"the account cannot see project OPS at all",
		"✗ Administer Jira (ADMINISTER)",
		"Global permissions are granted to groups",
		"Issue security levels",
		"7 permissions missing",
	)
}

func TestAgainstASiteMissingPermissionsFailTheRun(t *testing.T) {
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
	demo := sim.SeedDemo()
	sim.SetPermission("DEMO", demo.Alice.AccountID, "BROWSE_PROJECTS")
	env := func(email, token string) func(string) string {
		vars := map[string]string{"JIRA_URL": sim.URL(), "JIRA_EMAIL": email, "JIRA_API_TOKEN": token}
		return func(k string) string { return vars[k] }
	}
	var out bytes.Buffer
	err := run(context.Background(), options{escalateTo: "DEMO"}, env(demo.Alice.Email, demo.Alice.APIToken), &out)
	var miss errMissing
	if !errors.As(err, &miss) || miss == 0 {
		t.Fatalf("err = %v, want missing permissions", err)
	}
	out.Reset()
	err = run(context.Background(), options{escalateTo: "DEMO"}, env(demo.Admin.Email, demo.Admin.APIToken), &out)
	if err != nil {
		t.Fatalf("the integration user lacks something: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "every permission the recipes need") {
		t.Errorf("output:\n%s", out.String())
	}
}

// hookTrigger is a trigger that only describes itself, as a webhook
// trigger needing Administer Jira.
type hookTrigger struct{}

func (hookTrigger) Info() trigger.Info {
	return trigger.Info{Name: "hook", Permissions: []string{"ADMINISTER (admin webhooks) or the manage:jira-webhook scope (OAuth)", "BROWSE_PROJECTS"}}
}

func (hookTrigger) Poll(context.Context, trigger.Cursor) (trigger.Page[struct{}], error) {
	return trigger.Page[struct{}]{}, nil
}

func fakeAction(name string, perms ...string) action.Action[struct{}, struct{}] {
	return action.New(action.Info{Name: name, Connector: "jira", Permissions: perms}, nil,
		func(context.Context, struct{}) (struct{}, error) { return struct{}{}, nil })
}

func TestNeedsParsing(t *testing.T) {
	r, err := recipe.New("r", hookTrigger{},
		recipe.If(`true`, recipe.Do("edit", fakeAction("update_comment", "EDIT_ALL_COMMENTS", "EDIT_OWN_COMMENTS"), nil)),
		recipe.Do("create", fakeAction("create_issue", "CREATE_ISSUES"), nil),
	)
	if err != nil {
		t.Fatal(err)
	}
	n := &Needs{}
	if err := n.Recipe(r, "P", map[string]string{"nope": "Q"}); err == nil || !strings.Contains(err.Error(), `no action step "nope"`) {
		t.Errorf("an unknown step should be an error: %v", err)
	}
	if err := n.Recipe(r, "P", map[string]string{"create": "Q"}); err != nil {
		t.Fatal(err)
	}
	if got := n.Projects(); !slices.Equal(got, []string{"P", "Q", ""}) {
		t.Fatalf("places = %q", got)
	}
	if q := n.In("Q"); len(q) != 1 || q[0].Key != "CREATE_ISSUES" || q[0].UsedByText() != "r: create (jira.create_issue)" {
		t.Errorf("needs in Q = %+v", q)
	}
	global := n.In("")
	if len(global) != 1 || global[0].Key != "ADMINISTER" || !strings.Contains(global[0].Note, "OAuth") {
		t.Errorf("global needs = %+v", global)
	}
	proj := n.In("P")
	if len(proj) != 2 || proj[1].Key != "EDIT_ALL_COMMENTS" || !slices.Equal(proj[1].AnyOf, []string{"EDIT_ALL_COMMENTS", "EDIT_OWN_COMMENTS"}) {
		t.Errorf("project needs = %+v", proj)
	}
	if got := proj[0].UsedByText(); got != "r: trigger hook" {
		t.Errorf("used by = %q", got)
	}
	if k, note := parsePermission("  BROWSE_PROJECTS  "); k != "BROWSE_PROJECTS" || note != "" {
		t.Errorf("parse = %q %q", k, note)
	}
	if k, _ := parsePermission("manage:jira-webhook"); k != "" {
		t.Errorf("a scope is not a permission key: %q", k)
	}
}
