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
)

// env returns a getenv over vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// startSite starts an offline site with the engineering project ENG.
func startSite(t *testing.T) *demo.Jira {
	t.Helper()
	site, err := demo.StartJira(demo.JiraOptions{Project: "ENG"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(site.Close)
	return site
}

func TestOfflineOnceKeepsBothSidesInStep(t *testing.T) {
	site := startSite(t)
	var out bytes.Buffer
	o := options{Flags: ops.Flags{Once: true, Since: time.Hour, Fast: true}, poll: 20 * time.Millisecond, sim: site}
	if err := run(context.Background(), o, env(nil), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	sim := site.Sim

	// The requests the scene raised: "Bug report" requests are Bugs in
	// the desk's project, "Get IT help" ones Tasks.
	var bugs, others []jiratest.Issue
	for _, is := range sim.Issues(deskProject) {
		if is.IssueType == "Bug" {
			bugs = append(bugs, is)
		} else {
			others = append(others, is)
		}
	}
	if len(bugs) != 2 || len(others) != 1 {
		t.Fatalf("the scene raised %d bug reports and %d other requests, want 2 and 1\n%s", len(bugs), len(others), out.String())
	}

	// Exactly one engineering issue per bug report, none for the rest.
	eng := sim.Issues("ENG")
	if len(eng) != len(bugs) {
		t.Errorf("ENG has %d issues, want %d (one per bug report)", len(eng), len(bugs))
	}
	for _, r := range others {
		if is, ok := engineeringIssue(site, r.Key); ok {
			t.Errorf("request %s of another type was escalated as %s", r.Key, is.Key)
		}
	}
	for _, r := range bugs {
		n := 0
		for _, is := range eng {
			if slices.Contains(is.Labels, "request-"+r.Key) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("request %s has %d engineering issues, want 1", r.Key, n)
		}
		is, ok := engineeringIssue(site, r.Key)
		if !ok {
			continue
		}
		// Linked both ways.
		if !hasLink(sim.RemoteLinks(is.Key), "/browse/"+r.Key) {
			t.Errorf("%s has no remote link to its request %s: %+v", is.Key, r.Key, sim.RemoteLinks(is.Key))
		}
		if !hasLink(sim.RemoteLinks(r.Key), "/browse/"+is.Key) {
			t.Errorf("request %s has no remote link to %s: %+v", r.Key, is.Key, sim.RemoteLinks(r.Key))
		}
		// The agents' note is internal.
		note := "Escalated to engineering as " + is.Key + "."
		if public, found := commentVisibility(sim, r.Key, note); !found || public {
			t.Errorf("request %s: note %q found %v, public %v; want an internal note", r.Key, note, found, public)
		}
	}

	// The first bug: the #public comment reached the customer as public,
	// the engineers' own comment did not, and resolving the issue told
	// the customer and resolved the request.
	first := bugs[0].Key
	if public, found := commentVisibility(sim, first, "We found the cause and are fixing it."); !found || !public {
		t.Errorf("request %s: the #public comment found %v, public %v; want public", first, found, public)
	}
	for _, c := range sim.Comments(first) {
		if strings.Contains(c.Body, "CSV writer") || strings.HasPrefix(c.Body, publicFlag) {
			t.Errorf("request %s got comment %q: only #public comments, without the flag, go to the customer", first, c.Body)
		}
	}
	engFirst, _ := engineeringIssue(site, first)
	told := "Engineering has fixed this (" + engFirst.Key + "). Reply here if the problem comes back."
	if public, found := commentVisibility(sim, first, told); !found || !public {
		t.Errorf("request %s: resolution comment found %v, public %v; want public", first, found, public)
	}
	if is, _ := sim.Issue(first); is.Status != "Done" {
		t.Errorf("request %s is %s after %s was resolved, want Done", first, is.Status, engFirst.Key)
	}
	// The second bug is still open on both sides, with no public comment.
	second := bugs[1].Key
	if is, _ := sim.Issue(second); is.Status != "To Do" {
		t.Errorf("request %s is %s, want To Do: its issue is not resolved", second, is.Status)
	}
	for _, c := range sim.Comments(second) {
		if public, _ := sim.CommentIsPublic(second, c.ID); public {
			t.Errorf("request %s got public comment %q", second, c.Body)
		}
	}
	if !strings.Contains(out.String(), "4 jobs: 4 succeeded") {
		t.Errorf("summary: want 4 succeeded jobs\n%s", out.String())
	}
}

func TestSettingsErrorsSayWhatToDo(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	err := run(ctx, options{Flags: ops.Flags{Since: time.Hour}}, env(map[string]string{"JIRA_URL": "https://example.atlassian.net"}), &out)
	if err == nil || !strings.Contains(err.Error(), "SERVICE_DESK_ID") {
		t.Errorf("without SERVICE_DESK_ID: err = %v, want it named", err)
	}
	site := startSite(t)
	err = run(ctx, options{Flags: ops.Flags{Once: true, Since: time.Hour, Fast: true}, sim: site}, env(map[string]string{"SERVICE_DESK_REQUEST_TYPE": "Feature wish"}), &out)
	if err == nil || !strings.Contains(err.Error(), `"Feature wish"`) || !strings.Contains(err.Error(), `"Bug report"`) {
		t.Errorf("unknown request type: err = %v, want it named with the desk's types", err)
	}
	if len(site.Sim.Issues("ENG")) != 0 {
		t.Error("a run that failed its settings changed Jira")
	}
}

// hasLink reports whether a remote link's URL ends with suffix.
func hasLink(links []jiratest.RemoteLink, suffix string) bool {
	return slices.ContainsFunc(links, func(l jiratest.RemoteLink) bool { return strings.HasSuffix(l.URL, suffix) })
}

// commentVisibility finds a comment of an issue by its body.
func commentVisibility(sim *jiratest.Server, key, body string) (public, found bool) {
	for _, c := range sim.Comments(key) {
		if c.Body == body {
			public, _ = sim.CommentIsPublic(key, c.ID)
			return public, true
		}
	}
	return false, false
}
