package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/demo"
	"github.com/recipekit/recipekit/examples/internal/ops"
	"github.com/recipekit/recipekit/examples/internal/outputtest"
)

func runOffline(t *testing.T, mode jiratest.Mode, delivery jiratest.DeliveryOptions) (*demo.Jira, string) {
	t.Helper()
	ctx := context.Background()
	site, err := demo.StartJira(demo.JiraOptions{Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(site.Close)
	site.Sim.SetDelivery(delivery)
	var out bytes.Buffer
	o := options{Flags: ops.Flags{Since: time.Hour, Fast: true}, sim: site}
	if err := run(ctx, o, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	return site, out.String()
}

func checkOutcome(t *testing.T, site *demo.Jira, out string) {
	t.Helper()
	sim := site.Sim
	issues := sim.Issues("DEMO")
	is := issues[len(issues)-1]
	if is.Summary != "Search returns nothing for quoted terms" {
		t.Fatalf("last issue %s %q: the scene did not run", is.Key, is.Summary)
	}
	comments := sim.Comments(is.Key)
	if len(comments) != 1 || !strings.HasPrefix(comments[0].Body, "Thanks, Alice Archer! We saw "+is.Key) {
		t.Errorf("comments on %s: %+v, want one thank-you", is.Key, comments)
	}
	if is.Priority != "Highest" || !slices.Contains(is.Labels, "urgent") {
		t.Errorf("%s priority %s labels %v", is.Key, is.Priority, is.Labels)
	}
	// Registered on start, removed on exit.
	var created, deleted int
	for _, r := range sim.Requests() {
		if strings.HasPrefix(r.Path, "/rest/webhooks/1.0/webhook") {
			switch {
			case r.Method == "POST" && r.Status == 201:
				created++
			case r.Method == "DELETE" && r.Status/100 == 2:
				deleted++
			}
		}
	}
	if created != 1 || deleted != 1 {
		t.Errorf("webhook registrations %d, removals %d; want 1 and 1", created, deleted)
	}
	if hooks := sim.Webhooks(); len(hooks) != 0 {
		t.Errorf("webhooks left in Jira: %+v", hooks)
	}
	// The events came by webhook, signed.
	delivered := 0
	for _, d := range sim.Deliveries() {
		if strings.Contains(d.URL, "/hooks/"+recipeName) && d.Status == 200 {
			delivered++
		}
	}
	if delivered < 2 {
		t.Errorf("%d deliveries accepted, want at least 2", delivered)
	}
	outputtest.Contains(t, out, "Jira now has webhook", "signed with a secret", "refused with 401", "removed its webhook", "summary: 2 jobs: 2 succeeded")
}

func TestOfflineCloud(t *testing.T) {
	site, out := runOffline(t, jiratest.Cloud, jiratest.DeliveryOptions{})
	checkOutcome(t, site, out)
}

func TestOfflineDataCenterWithDuplicateDeliveries(t *testing.T) {
	// Every delivery arrives twice: the dedup ledger keeps one job each.
	site, out := runOffline(t, jiratest.DataCenter, jiratest.DeliveryOptions{Duplicate: 1})
	checkOutcome(t, site, out)
}

func TestOnceRunsTheBackupPollWithoutRegistering(t *testing.T) {
	ctx := context.Background()
	sim := jiratest.New(t, jiratest.Options{Mode: jiratest.Cloud})
	people := sim.SeedDemo()
	is, err := sim.CreateIssueAs(people.Alice.AccountID, jiratest.IssueSeed{Project: "DEMO", Summary: "Missed while we were down"})
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"JIRA_URL": sim.URL(), "JIRA_EMAIL": people.Admin.Email, "JIRA_API_TOKEN": people.Admin.APIToken}
	var out bytes.Buffer
	o := options{Flags: ops.Flags{Once: true, Store: t.TempDir() + "/rt.db", Since: time.Hour}, listen: "127.0.0.1:0"}
	if err := run(ctx, o, func(k string) string { return vars[k] }, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if n := len(sim.Comments(is.Key)); n != 1 {
		t.Errorf("%s has %d comments, want 1 from the backup poll", is.Key, n)
	}
	if len(sim.Webhooks()) != 0 {
		t.Error("-once registered a webhook")
	}
}
