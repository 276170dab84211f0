package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/demo"
	"github.com/recipekit/recipekit/examples/internal/ops"
	"github.com/recipekit/recipekit/examples/internal/outputtest"
)

// env returns a getenv over vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// offlineEnv is an environment without JIRA_URL.
var offlineEnv = env(nil)

func TestOfflineScene(t *testing.T) {
	ctx := context.Background()
	site, err := demo.StartJira(demo.JiraOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	before := len(site.Sim.Issues("DEMO"))
	var out bytes.Buffer
	o := options{Flags: ops.Flags{Since: time.Hour, Fast: true}, poll: 20 * time.Millisecond, sim: site}
	if err := run(ctx, o, offlineEnv, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	issues := site.Sim.Issues("DEMO")
	filed := issues[before:]
	if len(filed) != 3 {
		t.Fatalf("the scene filed %d issues, want 3", len(filed))
	}
	for _, is := range filed {
		comments := site.Sim.Comments(is.Key)
		want := `Thanks! ` + is.Key + ` "` + is.Summary + `" is queued for triage.`
		if len(comments) != 1 || comments[0].Body != want {
			t.Errorf("%s comments = %+v, want one saying %q", is.Key, comments, want)
		}
		if comments[0].Author != site.People.Admin.AccountID {
			t.Errorf("%s commented by %s, want the integration user", is.Key, comments[0].Author)
		}
		urgent := slices.Contains(is.Labels, "urgent")
		if is.Priority == "Highest" {
			if !urgent || is.Status != "In Progress" {
				t.Errorf("Highest issue %s: labels %v, status %s; want urgent, In Progress", is.Key, is.Labels, is.Status)
			}
		} else if urgent || is.Status != "To Do" {
			t.Errorf("%s (%s): labels %v, status %s; want untouched", is.Key, is.Priority, is.Labels, is.Status)
		}
	}
	// The seeded issues are older than -since: left alone.
	for _, is := range issues[:before] {
		if n := len(site.Sim.Comments(is.Key)); n != 0 {
			t.Errorf("old issue %s got %d comments", is.Key, n)
		}
	}
	text := out.String()
	outputtest.Contains(t, text, "Bob Baker files", `[acknowledge-new-issues] `+filed[1].Key, "✓ start (jira.transition_issue)", "summary: 3 jobs: 3 succeeded", "In Jira now:")
}

func TestOfflineOnce(t *testing.T) {
	var out bytes.Buffer
	o := options{Flags: ops.Flags{Once: true, Since: time.Hour, Fast: true}}
	if err := run(context.Background(), o, offlineEnv, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "summary: 3 jobs: 3 succeeded") {
		t.Errorf("output:\n%s", out.String())
	}
}

// siteEnv describes the simulator as a real site, through the environment.
func siteEnv(sim *jiratest.Server, u jiratest.User, project string) func(string) string {
	return env(map[string]string{"JIRA_URL": sim.URL(), "JIRA_EMAIL": u.Email, "JIRA_API_TOKEN": u.APIToken, "JIRA_PROJECT": project})
}

func TestOnceAgainstASiteTwiceWithTheSameStorePostsNothingTwice(t *testing.T) {
	ctx := context.Background()
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
	people := sim.SeedDemo()
	a, err := sim.CreateIssueAs(people.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", IssueType: "Bug", Priority: "Highest", Summary: "Login fails"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := sim.CreateIssueAs(people.Bob.AccountID, jiratest.IssueSeed{Project: "DEMO", IssueType: "Task", Summary: "Rotate the keys"})
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(t.TempDir(), "state", "quickstart.db")
	o := options{Flags: ops.Flags{Once: true, Store: store, Since: 10 * time.Minute}}
	getenv := siteEnv(sim, people.Admin, "DEMO")
	var out bytes.Buffer
	if err := run(ctx, o, getenv, &out); err != nil {
		t.Fatalf("first run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "summary: 2 jobs: 2 succeeded") {
		t.Errorf("first run output:\n%s", out.String())
	}
	for _, k := range []string{a.Key, b.Key} {
		if n := len(sim.Comments(k)); n != 1 {
			t.Fatalf("%s has %d comments after the first run, want 1", k, n)
		}
	}
	if is, _ := sim.Issue(a.Key); is.Status != "In Progress" || !slices.Contains(is.Labels, "urgent") {
		t.Errorf("%s: status %s labels %v", a.Key, is.Status, is.Labels)
	}

	out.Reset()
	sim.ResetRequests()
	if err := run(ctx, o, getenv, &out); err != nil {
		t.Fatalf("second run: %v\n%s", err, out.String())
	}
	// The store remembers the deployment: a second process start does not
	// ask the site for its serverInfo.
	for _, r := range sim.Requests() {
		if strings.HasSuffix(r.Path, "/serverInfo") {
			t.Errorf("the second run asked %s %s; the store knows the site", r.Method, r.Path)
		}
	}
	for _, k := range []string{a.Key, b.Key} {
		if n := len(sim.Comments(k)); n != 1 {
			t.Errorf("%s has %d comments after the second run, want still 1", k, n)
		}
	}
	if !strings.Contains(out.String(), "nothing to do") {
		t.Errorf("second run output:\n%s", out.String())
	}

	// A new issue between runs is acknowledged, and only it.
	cIss, err := sim.CreateIssueAs(people.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", Summary: "Typo in footer"})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, o, getenv, &out); err != nil {
		t.Fatalf("third run: %v\n%s", err, out.String())
	}
	if n := len(sim.Comments(cIss.Key)); n != 1 {
		t.Errorf("%s has %d comments, want 1", cIss.Key, n)
	}
	if n := len(sim.Comments(a.Key)); n != 1 {
		t.Errorf("%s has %d comments after the third run, want 1", a.Key, n)
	}
}

func TestNoInProgressTransitionIsNotAFailure(t *testing.T) {
	ctx := context.Background()
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.DataCenter})
	people := sim.SeedDemo()
	sim.AddProject(jiratest.Project{Key: "OPS", Name: "Operations", Lead: people.Admin.Name, Workflow: &jiratest.Workflow{
		Statuses:    []jiratest.Status{{Name: "Open", Category: "new"}, {Name: "Closed", Category: "done"}},
		Transitions: []jiratest.Transition{{ID: "2", Name: "Close", From: []string{"Open"}, To: "Closed"}},
	}})
	is, err := sim.CreateIssueAs(people.Alice.Name, jiratest.IssueSeed{Project: "OPS", Priority: "Highest", Summary: "Disk full"})
	if err != nil {
		t.Fatal(err)
	}
	getenv := env(map[string]string{"JIRA_URL": sim.URL(), "JIRA_PAT": people.Admin.PAT, "JIRA_PROJECT": "OPS"})
	var out bytes.Buffer
	o := options{Flags: ops.Flags{Once: true, Store: filepath.Join(t.TempDir(), "q.db"), Since: time.Hour}}
	if err := run(ctx, o, getenv, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got, _ := sim.Issue(is.Key)
	if got.Status != "Open" || !slices.Contains(got.Labels, "urgent") || len(sim.Comments(is.Key)) != 1 {
		t.Errorf("%s: status %s labels %v comments %d; want Open, urgent, 1", is.Key, got.Status, got.Labels, len(sim.Comments(is.Key)))
	}
}

func TestFailedJobFailsTheOnceRun(t *testing.T) {
	ctx := context.Background()
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
	people := sim.SeedDemo()
	if _, err := sim.CreateIssueAs(people.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", Summary: "Cannot comment here"}); err != nil {
		t.Fatal(err)
	}
	sim.RevokePermission("DEMO", people.Admin.AccountID, "ADD_COMMENTS")
	var out bytes.Buffer
	o := options{Flags: ops.Flags{Once: true, Store: filepath.Join(t.TempDir(), "q.db"), Since: time.Hour}}
	err := run(ctx, o, siteEnv(sim, people.Admin, ""), &out)
	if !errors.Is(err, ops.ErrJobsFailed) {
		t.Fatalf("err = %v, want ErrJobsFailed\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "ADD_COMMENTS") {
		t.Errorf("the failure should name the missing permission:\n%s", out.String())
	}

	// Nothing new, but the job is still failed: the run fails again.
	out.Reset()
	if err := run(ctx, o, siteEnv(sim, people.Admin, ""), &out); !errors.Is(err, ops.ErrJobsFailed) {
		t.Fatalf("a run while a job is still failed: err = %v, want ErrJobsFailed\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "-rerun-failed") {
		t.Errorf("the run should say how to rerun the failed job:\n%s", out.String())
	}

	// The permission is back: -rerun-failed runs the job from its failed
	// step, and the run succeeds.
	sim.SetPermission("DEMO", people.Admin.AccountID, jiratest.AllPermissions...)
	out.Reset()
	o.Rerun = true
	if err := run(ctx, o, siteEnv(sim, people.Admin, ""), &out); err != nil {
		t.Fatalf("-rerun-failed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "running 1 failed jobs again") {
		t.Errorf("-rerun-failed output:\n%s", out.String())
	}
	for _, is := range sim.Issues("DEMO") {
		if is.Summary == "Cannot comment here" && len(sim.Comments(is.Key)) != 1 {
			t.Errorf("%s has %d comments after the rerun, want 1", is.Key, len(sim.Comments(is.Key)))
		}
	}
	// And the next run is clean.
	out.Reset()
	o.Rerun = false
	if err := run(ctx, o, siteEnv(sim, people.Admin, ""), &out); err != nil {
		t.Fatalf("the run after the rerun: %v\n%s", err, out.String())
	}
}

func TestBadEnvironmentSaysWhatToSet(t *testing.T) {
	getenv := env(map[string]string{"JIRA_URL": "https://acme.atlassian.net"})
	err := run(context.Background(), options{Flags: ops.Flags{Store: filepath.Join(t.TempDir(), "q.db")}}, getenv, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "JIRA_API_TOKEN") || !strings.Contains(err.Error(), "JIRA_PAT") {
		t.Errorf("err = %v", err)
	}
}
