package jira

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/recipekit/recipekit/connector/jira/jiratest"
)

// longClause is a JQL clause of about n bytes that matches no issue.
func longClause(n int) string {
	var labels []string
	for i := 0; len(labels)*10 < n; i++ {
		labels = append(labels, fmt.Sprintf("zz%06d", i))
	}
	return "labels in (" + strings.Join(labels, ", ") + ")"
}

// searchRequests returns the method and path of each search request the
// simulator received since the last call.
func searchRequests(e *env) []string {
	var out []string
	for _, r := range e.srv.Requests() {
		if strings.Contains(r.Path, "/search") {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	e.srv.ResetRequests()
	return out
}

func issueKeys(is []Issue) []string {
	keys := make([]string, len(is))
	for i, x := range is {
		keys[i] = x.Key
	}
	return keys
}

func TestLongSearchesAreSentAsPOST(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		for i := range 7 {
			e.srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", Summary: "bulk " + string(rune('a'+i)), Labels: []string{"bulk"}})
		}
		path := "/rest/api/2/search/jql"
		if e.mode == jiratest.DataCenter {
			path = "/rest/api/2/search"
		}
		short := "project = DEMO AND labels = bulk ORDER BY key ASC"
		want, err := e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: short, Fields: []string{"summary", "labels"}, Limit: 5})
		if err != nil || want.Count != 5 || !want.Truncated {
			t.Fatalf("short search: %d %v %v", want.Count, want.Truncated, err)
		}
		if got := searchRequests(e); len(got) == 0 || slices.ContainsFunc(got, func(s string) bool { return !strings.HasPrefix(s, "GET ") }) {
			t.Errorf("a short search is sent as GET, got %v", got)
		}

		// A long JQL: same answer, by POST.
		long := "project = DEMO AND (labels = bulk OR " + longClause(MaxSearchURL) + ") ORDER BY key ASC"
		got, err := e.jc.SearchIssues().Run(ctx, SearchIssuesInput{JQL: long, Fields: []string{"summary", "labels"}, Expand: []string{"names", "renderedFields"}, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(issueKeys(got.Issues), issueKeys(want.Issues)) || !got.Truncated || got.Issues[0].Fields.Summary != "bulk a" {
			t.Errorf("long JQL found %v (truncated %v), want %v", issueKeys(got.Issues), got.Truncated, issueKeys(want.Issues))
		}
		reqs := searchRequests(e)
		if len(reqs) != 1 || reqs[0] != "POST "+path {
			t.Errorf("long JQL requests: %v, want one POST %s", reqs, path)
		}

		// A long field list alone also moves the search to a POST.
		fields := []string{"summary"}
		for i := range 700 {
			fields = append(fields, fmt.Sprintf("customfield_%d", 20000+i))
		}
		res, _, err := e.jc.Search.Page(ctx, SearchOptions{JQL: short, Fields: fields, MaxResults: 2})
		if err != nil || len(res.Issues) != 2 || res.Issues[0].Fields.Summary != "bulk a" || res.IsLast {
			t.Fatalf("long field list: %+v %v", res, err)
		}
		if reqs := searchRequests(e); len(reqs) != 1 || reqs[0] != "POST "+path {
			t.Errorf("long field list requests: %v", reqs)
		}

		n, err := e.jc.Search.Count(ctx, "project = DEMO AND (labels = bulk OR "+longClause(MaxSearchURL)+")")
		if err != nil || n != 7 {
			t.Errorf("count with a long JQL: %d %v", n, err)
		}
		if reqs := searchRequests(e); len(reqs) != 1 || !strings.HasPrefix(reqs[0], "POST ") {
			t.Errorf("count requests: %v", reqs)
		}
	})
}

// The POST bodies follow each deployment's schema: Cloud's expand is a
// comma-separated string, Data Center's a list; Cloud pages by token, Data
// Center by startAt.
func TestSearchPOSTBodies(t *testing.T) {
	for _, mode := range []jiratest.Mode{jiratest.Cloud, jiratest.DataCenter} {
		t.Run(mode.String(), func(t *testing.T) {
			e := setup(t, mode)
			for i := range 3 {
				e.srv.SeedIssue(jiratest.IssueSeed{Project: "DEMO", Summary: fmt.Sprint("p", i), Labels: []string{"paged"}})
			}
			jql := "project = DEMO AND (labels = paged OR " + longClause(MaxSearchURL) + ") ORDER BY key ASC"
			opts := SearchOptions{JQL: jql, Fields: []string{"summary"}, Expand: []string{"names", "changelog"}, Properties: []string{"p1"}, MaxResults: 2}
			var seen []string
			for is, err := range e.jc.Search.All(ctx, opts) {
				if err != nil {
					t.Fatal(err)
				}
				seen = append(seen, is.Fields.Summary)
			}
			if !slices.Equal(seen, []string{"p0", "p1", "p2"}) {
				t.Errorf("paged by POST: %v", seen)
			}
			var bodies []map[string]any
			for _, r := range e.srv.Requests() {
				if r.Method == "POST" && strings.Contains(r.Path, "/search") {
					var b map[string]any
					if err := json.Unmarshal(r.Body, &b); err != nil {
						t.Fatalf("body %s: %v", r.Body, err)
					}
					bodies = append(bodies, b)
				}
			}
			if len(bodies) != 2 {
				t.Fatalf("%d POST searches, want 2", len(bodies))
			}
			first, second := bodies[0], bodies[1]
			if first["jql"] != jql || fmt.Sprint(first["fields"]) != "[summary]" || fmt.Sprint(first["properties"]) != "[p1]" || first["maxResults"] != 2.0 {
				t.Errorf("first body %v", first)
			}
			if mode == jiratest.Cloud {
				if first["expand"] != "names,changelog" || first["nextPageToken"] != nil || second["nextPageToken"] == nil || second["startAt"] != nil {
					t.Errorf("Cloud bodies %v / %v", first, second)
				}
			} else {
				if fmt.Sprint(first["expand"]) != "[names changelog]" || first["startAt"] != nil || second["startAt"] != 2.0 || second["nextPageToken"] != nil {
					t.Errorf("Data Center bodies %v / %v", first, second)
				}
			}
			e.checkSpec(t)
		})
	}
}

// A search changes nothing, so its POST is retried like a GET.
func TestSearchPOSTIsRetried(t *testing.T) {
	bothModes(t, func(t *testing.T, e *env) {
		e.srv.SetFaults(jiratest.Faults{Methods: []string{"POST"}, PathPrefix: "/rest/api/2/search", Unavailable: jiratest.FaultRate{Next: 2}})
		res, _, err := e.jc.Search.Page(ctx, SearchOptions{JQL: "project = DEMO AND (labels = setup OR " + longClause(MaxSearchURL) + ")"})
		if err != nil || len(res.Issues) != 1 || res.Issues[0].Fields.Summary != "Set up the integration" {
			t.Fatalf("%+v %v", res.Issues, err)
		}
		var statuses []int
		for _, r := range e.srv.Requests() {
			if r.Method == "POST" {
				statuses = append(statuses, r.Status)
			}
		}
		if !slices.Equal(statuses, []int{503, 503, 200}) {
			t.Errorf("POST statuses %v, want two 503s then 200", statuses)
		}
	})
}
