package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
	"github.com/recipekit/recipekit/examples/internal/demo"
	"github.com/recipekit/recipekit/examples/internal/ops"
	"github.com/recipekit/recipekit/examples/internal/outputtest"
	"github.com/recipekit/recipekit/examples/support-desk/fakedesk"
	"github.com/recipekit/recipekit/trigger"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// startBoth starts the Jira simulator and the desk for a test.
func startBoth(t *testing.T) (*demo.Jira, *fakedesk.Desk) {
	t.Helper()
	sim, err := demo.StartJira(demo.JiraOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	desk, err := fakedesk.Start(demoDeskKey.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(desk.Close)
	return sim, desk
}

// deskIssues returns the Jira issues linked to a desk ticket by label.
func deskIssues(sim *demo.Jira, ticketID string) []jiratest.Issue {
	var out []jiratest.Issue
	for _, is := range sim.Sim.Issues(sim.Project) {
		if slices.Contains(is.Labels, "desk-"+ticketID) {
			out = append(out, is)
		}
	}
	return out
}

// checkBothSystems asserts the end state of the offline scene in the desk
// and in Jira.
func checkBothSystems(t *testing.T, sim *demo.Jira, desk *fakedesk.Desk) {
	t.Helper()
	ticket, ok := desk.Ticket("1001")
	if !ok {
		t.Fatal("the scene filed no ticket #1001")
	}
	// Jira: one issue for the ticket, although the desk delivered its
	// escalation twice and sent updates after it.
	issues := deskIssues(sim, ticket.ID)
	if len(issues) != 1 {
		t.Fatalf("%d Jira issues for ticket #1001, want exactly 1: %+v", len(issues), issues)
	}
	is := issues[0]
	if is.Summary != "[Desk #1001] Invoices export as an empty PDF" || is.Priority != "High" || !slices.Contains(is.Labels, "support-desk") {
		t.Errorf("Jira issue: summary %q priority %s labels %v", is.Summary, is.Priority, is.Labels)
	}
	if !strings.Contains(is.Description, "carol@customer.example") || !strings.Contains(is.Description, ticket.URL) {
		t.Errorf("the issue's description does not name the requester and the ticket: %q", is.Description)
	}
	if is.Status != "Done" || is.Resolution != "Done" {
		t.Errorf("Jira issue status %s resolution %s, want Done/Done", is.Status, is.Resolution)
	}
	links := sim.Sim.RemoteLinks(is.Key)
	if len(links) != 1 || links[0].URL != ticket.URL {
		t.Errorf("Jira remote links %+v, want one to %s", links, ticket.URL)
	}
	if n := len(sim.Sim.Comments(is.Key)); n != 2 {
		t.Errorf("Jira has %d comments on %s, want Bob's 2 (nothing echoed back from the desk)", n, is.Key)
	}

	// The desk: linked back, closed, the customer told what they may see.
	if ticket.ExternalID != is.Key || ticket.ExternalURL != sim.URL()+"/browse/"+is.Key {
		t.Errorf("ticket linked to %q (%q), want %s", ticket.ExternalID, ticket.ExternalURL, is.Key)
	}
	if ticket.Status != fakedesk.StatusClosed {
		t.Errorf("ticket status %s, want closed", ticket.Status)
	}
	var notes, public []string
	for _, c := range ticket.Comments {
		if c.Public {
			public = append(public, c.Author+": "+c.Body)
		} else {
			notes = append(notes, c.Author+": "+c.Body)
		}
	}
	if want := []string{"recipekit: Escalated to engineering as " + is.Key + "."}; !slices.Equal(notes, want) {
		t.Errorf("internal notes %q, want %q", notes, want)
	}
	wantPublic := []string{
		"Bob Baker: We found the cause and are testing a fix; exports will work again today.",
		"recipekit: Engineering resolved this (Done). Reply to this ticket if the problem comes back.",
	}
	if !slices.Equal(public, wantPublic) {
		t.Errorf("public replies %q, want %q (the team's own comment stays in Jira)", public, wantPublic)
	}
}

func TestOfflineSceneSyncsBothSystems(t *testing.T) {
	sim, desk := startBoth(t)
	var out bytes.Buffer
	o := options{Flags: ops.Flags{Since: time.Hour, Fast: true}, poll: 20 * time.Millisecond, sim: sim, desk: desk}
	if err := run(context.Background(), o, env(nil), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	checkBothSystems(t, sim, desk)
	// The redelivery reached the handler and was accepted as a duplicate.
	n := 0
	for _, d := range desk.Deliveries() {
		if d.Type == "ticket.updated" && d.Status == http.StatusOK {
			n++
		}
	}
	if n < 3 { // the escalation, its redelivery, the link and the close
		t.Errorf("only %d ticket updates were accepted: %+v", n, desk.Deliveries())
	}
	outputtest.Contains(t, out.String(), "[desk-escalation] desk ticket.updated: ticket #1001", "✓ note (webhook.http_request)", "[public-comments]", "[resolution-closes-ticket]", "summary: 3 jobs: 3 succeeded", "At the desk now:")
}

// Offline, -once plays the same scene: the desk's webhooks need the engine
// running, and the scene ends by itself.
func TestOfflineOnce(t *testing.T) {
	sim, desk := startBoth(t)
	var out bytes.Buffer
	o := options{Flags: ops.Flags{Once: true, Since: time.Hour, Fast: true}, sim: sim, desk: desk}
	if err := run(context.Background(), o, env(nil), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	checkBothSystems(t, sim, desk)
}

// Against systems named by the environment, -once runs Jira's side: a
// #public comment on a linked issue reaches its ticket once, however often
// the program runs; an ordinary comment does not.
func TestOnceAgainstSystemsFromTheEnvironment(t *testing.T) {
	ctx := context.Background()
	sim, desk := startBoth(t)
	ticket, err := desk.File(fakedesk.NewTicket{Subject: "Login loops", Requester: "dan@customer.example", Escalated: true})
	if err != nil {
		t.Fatal(err)
	}
	bob := sim.ID(sim.People.Bob)
	is, err := sim.Sim.CreateIssueAs(bob, jiratest.IssueSeed{Project: "DEMO", Summary: "[Desk #" + ticket.ID + "] Login loops", Labels: []string{"support-desk", "desk-" + ticket.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Sim.CommentAs(bob, is.Key, "Looks like the session cookie."); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Sim.CommentAs(bob, is.Key, "#public  Fixed on our side, please try again."); err != nil {
		t.Fatal(err)
	}
	getenv := env(map[string]string{
		"JIRA_URL": sim.URL(), "JIRA_EMAIL": sim.People.Admin.Email, "JIRA_API_TOKEN": sim.People.Admin.APIToken,
		"DESK_URL": desk.URL() + "/", "DESK_API_KEY": demoDeskKey.Reveal(), "DESK_WEBHOOK_SECRET": "s3cret",
	})
	o := options{Flags: ops.Flags{Once: true, Store: filepath.Join(t.TempDir(), "desk.db"), Since: time.Hour}, listen: "127.0.0.1:0"}
	for range 2 {
		var out bytes.Buffer
		if err := run(ctx, o, getenv, &out); err != nil {
			t.Fatalf("run: %v\n%s", err, out.String())
		}
	}
	got, _ := desk.Ticket(ticket.ID)
	if len(got.Comments) != 1 || !got.Comments[0].Public || got.Comments[0].Body != "Fixed on our side, please try again." || got.Comments[0].Author != "Bob Baker" {
		t.Errorf("ticket comments after two runs: %+v", got.Comments)
	}
}

func TestAWrongDeskKeyFailsTheJob(t *testing.T) {
	ctx := context.Background()
	sim, desk := startBoth(t)
	ticket, _ := desk.File(fakedesk.NewTicket{Subject: "x", Escalated: true})
	bob := sim.ID(sim.People.Bob)
	is, err := sim.Sim.CreateIssueAs(bob, jiratest.IssueSeed{Project: "DEMO", Summary: "x", Labels: []string{"support-desk", "desk-" + ticket.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Sim.CommentAs(bob, is.Key, "#public hello"); err != nil {
		t.Fatal(err)
	}
	getenv := env(map[string]string{
		"JIRA_URL": sim.URL(), "JIRA_PAT": "", "JIRA_EMAIL": sim.People.Admin.Email, "JIRA_API_TOKEN": sim.People.Admin.APIToken,
		"DESK_URL": desk.URL(), "DESK_API_KEY": "wrong-key-value", "DESK_WEBHOOK_SECRET": "s3cret",
	})
	var out bytes.Buffer
	o := options{Flags: ops.Flags{Once: true, Store: filepath.Join(t.TempDir(), "desk.db"), Since: time.Hour}, listen: "127.0.0.1:0"}
	err = run(ctx, o, getenv, &out)
	if !errors.Is(err, ops.ErrJobsFailed) {
		t.Fatalf("err = %v, want ops.ErrJobsFailed\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "401") || strings.Contains(out.String(), "wrong-key-value") {
		t.Errorf("the failure should show the desk's 401 and never the key:\n%s", out.String())
	}
}

func TestMissingSettingsAreNamed(t *testing.T) {
	cases := []struct {
		vars map[string]string
		want []string
	}{
		{map[string]string{"JIRA_URL": "https://acme.atlassian.net"}, []string{"DESK_URL", "DESK_API_KEY", "DESK_WEBHOOK_SECRET", "unset JIRA_URL and DESK_URL"}},
		{map[string]string{"DESK_URL": "https://desk.example.com", "DESK_API_KEY": "k", "DESK_WEBHOOK_SECRET": "s"}, []string{"JIRA_URL"}},
	}
	for _, c := range cases {
		err := run(context.Background(), options{}, env(c.vars), &bytes.Buffer{})
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v: err = %v, want it to name %s", c.vars, err, w)
			}
		}
	}
}

// Without -once the store keeps the desk's webhook secret, sealed: the
// key must be set.
func TestRunningNeedsTheSecretKey(t *testing.T) {
	sim, desk := startBoth(t)
	getenv := env(map[string]string{
		"JIRA_URL": sim.URL(), "JIRA_EMAIL": sim.People.Admin.Email, "JIRA_API_TOKEN": sim.People.Admin.APIToken,
		"DESK_URL": desk.URL(), "DESK_API_KEY": demoDeskKey.Reveal(), "DESK_WEBHOOK_SECRET": "s3cret",
	})
	o := options{Flags: ops.Flags{Store: filepath.Join(t.TempDir(), "desk.db")}, listen: "127.0.0.1:0"}
	err := run(context.Background(), o, getenv, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "RECIPEKIT_SECRET_KEY") {
		t.Errorf("err = %v, want it to ask for RECIPEKIT_SECRET_KEY", err)
	}
}

// The desk's deliveries are authenticated by their HMAC signature and
// deduplicated by their delivery id.
func TestDeskWebhooksAreVerified(t *testing.T) {
	trig, err := deskWebhooks("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := trig.Subscribe(context.Background(), "http://127.0.0.1:1/hooks/desk-escalation", trigger.Subscription{})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":"evt-9","type":"ticket.updated","occurred_at":"2026-03-11T10:00:00Z","ticket":{"id":"1001","subject":"x","escalated":true}}`)
	h := http.Header{}
	h.Set("X-Desk-Delivery", "evt-9")
	h.Set("X-Desk-Signature", "sha256=0000000000000000000000000000000000000000000000000000000000000000")
	if _, err := trig.Parse(sub, h, body); !errors.Is(err, trigger.ErrUnauthenticated) {
		t.Errorf("a forged signature: err = %v, want ErrUnauthenticated", err)
	}
	h.Set("X-Desk-Signature", sign([]byte("s3cret"), body))
	evs, err := trig.Parse(sub, h, body)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].ID != "evt-9" || !evs[0].Data.Ticket.Escalated || evs[0].Data.Ticket.ID != "1001" {
		t.Errorf("events = %+v", evs)
	}
}

// sign is the desk's X-Desk-Signature for body.
func sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
